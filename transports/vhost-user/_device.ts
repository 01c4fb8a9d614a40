/**
 * The virtio-scmi device model behind the vhost-user back-end: the hypervisor-neutral
 * {@linkcode VirtioScmiDevice} with split queues over the memory the front-end shared.
 * @module
 */
import type { Logger } from "../../core/log.ts";
import type { SessionOpener } from "../../core/session_port.ts";
import type { BackendDevice, RingConfig } from "../../bindings/vhost-user/device.ts";
import type { MappedRegion } from "../../bindings/vhost-user/mem_table.ts";
import { DEVICE_FEATURES, ScmiQueue } from "../virtio/features.ts";
import { RegionMemory } from "../virtio/guest_memory.ts";
import { VirtioScmiDevice } from "../virtio/scmi_device.ts";
import { SplitQueue } from "../virtio/split_queue.ts";

export class ScmiBackendDevice implements BackendDevice {
  readonly features: bigint = DEVICE_FEATURES;
  readonly queues = 2;
  readonly device: VirtioScmiDevice;
  #memory: RegionMemory | null = null;
  #negotiated = 0n;
  readonly #signals: ((() => void) | null)[] = [null, null];

  constructor(sessions: SessionOpener, log: Logger, label: string) {
    this.device = new VirtioScmiDevice(sessions, {
      log,
      label,
      signal: (q) => this.#signals[q]?.(),
    });
  }

  setFeatures(features: bigint): void {
    this.#negotiated = this.device.setFeatures(features);
  }

  setMemory(regions: readonly MappedRegion[]): void {
    this.#memory = new RegionMemory(
      regions.map((r) => ({ gpa: r.gpa, size: r.size, bytes: r.bytes })),
    );
  }

  startQueue(index: number, ring: RingConfig, signal: () => void): void {
    if (this.#memory === null) throw new RangeError("A ring started before guest memory");
    const q = new SplitQueue(
      this.#memory,
      ring.size,
      ring.desc,
      ring.avail,
      ring.used,
      this.#negotiated,
    );
    q.lastAvail = ring.base;
    this.#signals[index] = signal;
    this.device.attachQueue(index as 0 | 1, q);
    this.device.start();
  }

  stopQueue(index: number): number {
    this.#signals[index] = null;
    const next = this.device.detachQueue(index as 0 | 1);
    return next < 0 ? 0 : next;
  }

  kick(index: number): void {
    if (index === ScmiQueue.CMDQ) this.device.processCmdq();
    else this.device.processEventq();
  }

  reset(how: "end" | "close" = "end"): void {
    this.device.reset(how);
    this.#signals[0] = this.#signals[1] = null;
  }
}
