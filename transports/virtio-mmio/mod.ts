/**
 * The `virtio-mmio` transport: vscmi as the virtio-mmio SCMI device of an hvisor zone. The
 * guest's accesses to the device's MMIO window trap to hvisor, which queues them on the
 * virtio bridge shared with zone0; vscmi answers them from the register model
 * (`device.ts`) and serves the queues with the hypervisor-neutral virtio-scmi device of
 * `transports/virtio/`. The bridge itself is `bindings/hvisor/`; every agent on the same
 * device shares its one owner.
 *
 * Restarts: the registers the driver set up are kept in the state directory. A restarted
 * vscmi restores them, then attaches to the bridge (answering the accesses left pending
 * there), and the queues carry on from the used indexes in guest memory. Without kept
 * registers the device starts in DEVICE_NEEDS_RESET with a configuration-change interrupt,
 * so a driver that was using it resets it.
 * @module
 */
import { isAbsolute, resolve } from "node:path";
import { hwAccessOf, hwPath } from "../../core/hw_root.ts";
import { defineTransport, type TransportEnv, type TransportHandle } from "../../core/transport.ts";
import { virtioMmioGuestDt } from "./guest_dt.ts";
import type { Mapping } from "../../bindings/native/mmap.ts";
import { type AttachedDevice, BridgeOwner } from "../../bindings/hvisor/owner.ts";
import { bridgeInitDone, bridgeNeedsInit } from "../../bindings/hvisor/init_once.ts";
import { openFileBridge, openHvisorDevice } from "../../bindings/hvisor/port.ts";
import { RegionMemory } from "../virtio/guest_memory.ts";
import { MmioScmiDevice } from "./device.ts";
import {
  checkVirtioMmioOptions,
  heldWindow,
  VIRTIO_MMIO_OPTIONS,
  type VirtioMmioOptions,
} from "./options.ts";
import { loadState, saveState, stateFile } from "./state.ts";

export const virtioMmioTransport = defineTransport({
  api: 1,
  name: "virtio-mmio",
  summary: "virtio-mmio SCMI device of an hvisor zone, on hvisor's virtio bridge",
  options: VIRTIO_MMIO_OPTIONS,
  // hvisor partitions the machine: a zone runs on when zone0's kernel panics and reboots, so
  // its acknowledged votes must be on the disk, not only in zone0's page cache.
  durability: "host",
  checkOptions(options) {
    return { holds: [heldWindow(checkVirtioMmioOptions(options))] };
  },
  start: startVirtioMmio,
  guestDt: virtioMmioGuestDt,
});

/** Where the bridge of `o` is: a file bridge directory, or the hvisor device. */
export function bridgeLocation(
  o: VirtioMmioOptions,
  env: Pick<TransportEnv, "manifestDir" | "hwRoot" | "dryRun">,
): { kind: "file"; dir: string } | { kind: "hvisor"; path: string } {
  if (o.device.kind === "file") {
    const d = o.device.dir;
    return { kind: "file", dir: isAbsolute(d) ? d : resolve(env.manifestDir ?? ".", d) };
  }
  const path = hwPath(hwAccessOf(env).hwRoot, o.device.path);
  // Under --hw-root, a directory in place of /dev/hvisor is a file bridge.
  try {
    if (Deno.statSync(path).isDirectory) return { kind: "file", dir: path };
  } catch {
    // Opening it reports what is wrong.
  }
  return { kind: "hvisor", path };
}

async function startVirtioMmio(env: TransportEnv): Promise<TransportHandle> {
  const o = checkVirtioMmioOptions(env.options);
  const { agent, log } = env;
  const label = `${agent.name}@virtio-mmio`;
  const where = bridgeLocation(o, env);
  const stateDir = env.stateDir ?? null;
  const key = where.kind === "file" ? `file:${where.dir}` : where.path;
  let owner: BridgeOwner;
  try {
    owner = BridgeOwner.acquire(key, () => {
      if (where.kind === "file") return openFileBridge(where.dir);
      const init = bridgeNeedsInit(stateDir, where.path);
      const port = openHvisorDevice(where.path, init);
      if (init) bridgeInitDone(stateDir, where.path);
      return port;
    }, { log });
  } catch (e) {
    throw agentError(agent.name, e);
  }
  const maps: Mapping[] = [];
  let attached: AttachedDevice | null = null;
  let dev: MmioScmiDevice | null = null;
  try {
    for (const r of o.memory) maps.push(owner.port.mapMemory(r.zone0Ipa, r.size));
    const memory = new RegionMemory(
      maps.map((m, i) => ({ gpa: o.memory[i].zonexIpa, size: o.memory[i].size, bytes: m.bytes })),
    );
    const file = stateDir === null ? null : stateFile(stateDir, o.zone, o.base);
    if (file !== null) {
      await Deno.mkdir(file.slice(0, file.lastIndexOf("/")), { recursive: true, mode: 0o700 });
    }
    let raised = false;
    const d = dev = new MmioScmiDevice(env, {
      log,
      label,
      vendor: o.vendor,
      memory,
      raise: () => attached === null ? (raised = true) : attached.raise(),
      persist: file === null ? undefined : (s) => {
        try {
          saveState(file, s);
        } catch (e) {
          // The guest goes on; only a restart would not be invisible to it.
          log.once(
            "error",
            `virtio-mmio:${label}:persist`,
            `${label}: cannot keep its registers in "${file}": ${
              e instanceof Error ? e.message : e
            }`,
          );
        }
      },
    });
    const kept = file === null ? null : loadState(file, log);
    if (kept !== null) d.restore(kept);
    else d.needsReset("vscmi started without the registers of a previous run");
    attached = owner.attach({
      zone: o.zone,
      base: o.base,
      size: o.size,
      irq: o.irq,
      label,
      access: (offset, size, isWrite, value) => d.access(offset, size, isWrite, value),
    });
    if (raised) attached.raise();
    const a = attached;
    return {
      address: `${owner.port.name} zone ${o.zone} mmio 0x${o.base.toString(16)} irq ${o.irq}`,
      p2a: true,
      close: () => {
        d.close("close");
        a.detach();
        maps.forEach((m) => m.unmap());
        return Promise.resolve();
      },
    };
  } catch (e) {
    dev?.close("close");
    attached?.detach();
    maps.forEach((m) => m.unmap());
    owner.releaseIfIdle();
    throw agentError(agent.name, e);
  }
}

function agentError(agent: string, e: unknown): Error {
  return new Error(`Agent "${agent}": ${e instanceof Error ? e.message : e}`, { cause: e });
}
