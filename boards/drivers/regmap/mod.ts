/**
 * The `regmap` board driver: clocks, resets and power domains as register fields in windows
 * of physical memory, mapped from `/dev/mem` (or a UIO device, or under `--hw-root` a sparse
 * file standing in for it: offset = physical address) with aligned 32-bit accesses, each
 * bounds-checked to its window. The board's `[driver.options]` declares the windows and,
 * keyed by resource name, each resource's fields (see `options.ts`); a write can only reach
 * bits a resource declares. `--dry-run` logs every register write and keeps it in a copy of
 * the windows, leaving the hardware as it was.
 *
 * A resource the host kernel manages is marked `host_managed = true`: read, never written.
 * @module
 */
import { API_MAJOR } from "../../../core/api.ts";
import {
  type BoardDriver,
  defineDriver,
  type DriverEnv,
  type HwResourceAccess,
} from "../../../core/driver.ts";
import { hwAccessOf, hwPath } from "../../../core/hw_root.ts";
import { liveClock, type TimerClock } from "../../../core/timer_clock.ts";
import { mapRange } from "../../../bindings/native/mmap.ts";
import { C, LibcError } from "../../../bindings/native/libc.ts";
import { type RegmapOptions, regmapOptions } from "./options.ts";
import { memoryStore, Window, type WordStore } from "./window.ts";
import type { WindowSpec } from "./options.ts";
import { createRegmapClocks } from "./clock.ts";
import { createRegmapResets } from "./reset.ts";
import { createRegmapPower } from "./power.ts";
import { hostManagedWhy } from "./resources.ts";

export const regmapDriver = defineDriver({
  api: API_MAJOR,
  name: "regmap",
  summary: "Clocks, resets and power domains as declared register fields, mapped from /dev/mem",
  options: {
    device:
      "The device the windows are mapped from, under the hardware root (default \"/dev/mem\"; for a UIO device a window's base is its map's offset, N × page size for map N)",
    windows: "Register windows by name: { base, size, write_mask = false }",
    clocks:
      "Per clock name: gate = { reg, bit, active_low }, mux = { reg, shift, width, values }, div = { reg, shift, width, formula | table }, or rate; window, host_managed",
    resets: "Per reset name: { reg, bit, active_low, self_clearing, window, host_managed }",
    power_domains:
      "Per power domain name: { req = { reg, bit, active_low }, status = { reg, bit, active_low }, timeout_us = 1000, poll_us = 10, window, host_managed }",
  },
  checkOptions: (options) => void regmapOptions(options),
  create: (env) => createRegmap(env),
});

/** What tests may replace when creating an instance. */
export interface RegmapTestHooks {
  /** Where holds and polls wait (default `liveClock`). */
  clock?: TimerClock;
  /** The words of each window, by name, instead of mapping the device. */
  stores?: Map<string, WordStore>;
  /** Maps the device instead of `mapRange` (same arguments). */
  map?: (path: string, at: number, size: number, readOnly: boolean) => MappedRange;
}

/** What mapping a range gives: its bytes and how to let go of them. */
export interface MappedRange {
  readonly bytes: Uint8Array;
  unmap(): void;
}

/** Refusals of a read-write open that a read-only open may get past. */
const READ_ONLY_ERRNOS: readonly number[] = [C.EACCES, C.EPERM, C.EROFS];

/**
 * A regmap instance for `env`: maps each window (read-only where the device refuses writing;
 * on a dry run read-only, then copied), then binds every board resource of this instance to its
 * description. Throws Error naming the device or the description when something cannot be
 * mapped or bound.
 */
export function createRegmap(env: DriverEnv, hooks: RegmapTestHooks = {}): BoardDriver {
  const opts: RegmapOptions = regmapOptions(env.options);
  const { hwRoot, dryRun } = hwAccessOf(env);
  const device = hwPath(hwRoot, opts.device);
  const map = hooks.map ?? mapRange;
  const windows = new Map<string, Window>();
  const closeAll = () => {
    for (const w of windows.values()) w.close();
  };
  const what = (spec: WindowSpec) =>
    `window "${spec.name}" (0x${spec.base.toString(16)}, ${spec.size} bytes) of ${device}`;
  const mapped = (spec: WindowSpec, readOnly: boolean): MappedRange => {
    try {
      return map(device, spec.base, spec.size, readOnly);
    } catch (e) {
      throw new Error(`cannot map ${what(spec)}: ${e instanceof Error ? e.message : e}`, {
        cause: e,
      });
    }
  };
  const storeOf = (spec: WindowSpec, m: MappedRange, readOnly?: string): WordStore => ({
    words: new Uint32Array(m.bytes.buffer, m.bytes.byteOffset, spec.size / 4),
    close: () => m.unmap(),
    ...(readOnly === undefined ? {} : { readOnly }),
  });
  /**
   * Maps `spec` read-write; where the device refuses writing (its mode, a read-only file
   * system), read-only, its writes then DENIED with the reason.
   */
  const openWindow = (spec: WindowSpec): WordStore => {
    try {
      return storeOf(spec, mapped(spec, false));
    } catch (e) {
      const cause = (e as Error).cause;
      if (!(cause instanceof LibcError && READ_ONLY_ERRNOS.includes(cause.errno))) throw e;
      const m = mapped(spec, true);
      env.log?.warn(`regmap "${env.name}": ${what(spec)} mapped read-only; writes are DENIED`);
      return storeOf(
        spec,
        m,
        `${device} can be opened for reading only (${cause.message}): vscmi cannot write it`,
      );
    }
  };
  try {
    for (const spec of opts.windows.values()) {
      // A dry run reads the hardware once, read-only, and writes to a copy.
      let store = hooks.stores?.get(spec.name) ??
        (dryRun ? storeOf(spec, mapped(spec, true)) : openWindow(spec));
      if (dryRun) {
        const copy = memoryStore(spec.size, store.words);
        store.close();
        store = copy;
      }
      windows.set(spec.name, new Window(spec, store, dryRun, env.log, env.name));
    }
    const clock = hooks.clock ?? liveClock;
    const clocks = createRegmapClocks(env.board, env.name, opts.clocks, windows);
    const resets = createRegmapResets(env.board, env.name, opts.resets, windows, clock);
    const power = createRegmapPower(env.board, env.name, opts.power, windows, clock);
    const specs = { clock: clocks.specOf, reset: resets.specOf, power: power.specOf };
    const nouns: Record<string, string> = { clock: "clock", reset: "reset", power: "power domain" };
    return {
      name: env.name,
      clock: clocks,
      reset: resets,
      power,
      close: closeAll,
      access(cls: string, id: number): HwResourceAccess {
        const spec = specs[cls as keyof typeof specs]?.(id);
        if (!spec) {
          return {
            read: false,
            write: false,
            why: `regmap "${env.name}" does not drive ${cls} ${id}`,
          };
        }
        if (spec.hostManaged) {
          return { read: true, write: false, why: hostManagedWhy(nouns[cls], spec.name) };
        }
        if (cls === "clock" && !("gate" in spec || "mux" in spec || "div" in spec)) {
          return { read: true, write: false, why: "a fixed rate: no register field to program" };
        }
        const ro = windows.get(spec.window)?.readOnly;
        if (ro !== undefined) return { read: true, write: false, why: ro };
        if (dryRun) {
          return {
            read: true,
            write: true,
            why: "dry run: writes are logged, the hardware keeps its state",
          };
        }
        return { read: true, write: true };
      },
    };
  } catch (e) {
    closeAll();
    throw e;
  }
}
