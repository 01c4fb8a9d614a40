/**
 * The virtio-mmio registers kept in the server's state directory, one JSON file per device
 * (`<state-dir>/virtio-mmio/zone<zone>-<base>.json`), written whole and renamed into place
 * each time the driver changes its setup, so that a restarted vscmi carries on where the
 * guest driver left the device.
 * @module
 */
import { join } from "node:path";
import type { Logger } from "../../core/log.ts";
import { isMmioState, type MmioState } from "./device.ts";

/** The file that keeps the registers of the device at `base` in `zone`. */
export function stateFile(stateDir: string, zone: number, base: number): string {
  return join(stateDir, "virtio-mmio", `zone${zone}-0x${base.toString(16)}.json`);
}

/**
 * The registers kept in `file`, or null when there is none; a damaged file is logged and
 * treated as none (the device then asks the driver for a reset).
 */
export function loadState(file: string, log: Logger): MmioState | null {
  let text: string;
  try {
    text = Deno.readTextFileSync(file);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    log.warn(`virtio-mmio state "${file}" cannot be read: ${e instanceof Error ? e.message : e}`);
    return null;
  }
  try {
    const v = JSON.parse(text);
    if (isMmioState(v)) return v;
  } catch {
    // reported below
  }
  log.warn(`virtio-mmio state "${file}" is damaged: the device starts anew`);
  return null;
}

/** Writes `state` to `file` atomically (a temporary file renamed over it). */
export function saveState(file: string, state: MmioState): void {
  const tmp = `${file}.tmp`;
  Deno.writeTextFileSync(tmp, JSON.stringify(state), { mode: 0o600 });
  Deno.renameSync(tmp, file);
}
