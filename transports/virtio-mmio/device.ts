/**
 * One virtio-mmio SCMI device: the version-2 register model (`registers.ts`) in front of the
 * hypervisor-neutral {@linkcode VirtioScmiDevice}. Every register access is answered at once
 * and synchronously (a trapped vCPU waits for it); only QueueNotify starts work, which the
 * virtio-scmi device does in the platform's turns. Its completions set InterruptStatus and
 * call `raise`, which the binding turns into an interrupt of the zone.
 *
 * Rules kept, each logged once per agent and reason when a guest breaks it:
 * - only aligned 4-byte accesses are valid; others read 0 and write nothing;
 * - read-only registers ignore writes; write-only ones read 0; configuration space is empty;
 * - status bits are only added, except by writing 0 (device reset: the agent's session ends
 *   and its votes are released); FEATURES_OK stays clear unless the driver accepted
 *   VERSION_1 and nothing the device did not offer; DRIVER_OK needs FEATURES_OK;
 * - queue registers change only while the selected queue is not ready and the driver is not
 *   yet DRIVER_OK; QueueReady = 0 afterwards stops the queue;
 * - a queue that does not fit guest memory, or a driver that sets DRIVER_OK without a ready
 *   cmdq, puts the device in DEVICE_NEEDS_RESET with a configuration-change interrupt;
 * - once DEVICE_NEEDS_RESET is set, only a reset (status 0) is obeyed.
 *
 * The registers that describe the driver's setup (see {@linkcode MmioState}) are handed to
 * `persist` each time they change, so that a restarted vscmi can {@linkcode MmioScmiDevice.restore}
 * them and carry on from the used indexes in guest memory.
 * @module
 */
import type { Logger } from "../../core/log.ts";
import type { SessionOpener } from "../../core/session_port.ts";
import type { TimerClock } from "../../core/timer_clock.ts";
import { FeatureBit, featureMask, ScmiQueue, VIRTIO_ID_SCMI } from "../virtio/features.ts";
import type { GuestMemory } from "../virtio/guest_memory.ts";
import { VirtioScmiDevice } from "../virtio/scmi_device.ts";
import { SplitQueue } from "../virtio/split_queue.ts";
import { Interrupt, MAGIC, MMIO_VERSION, QUEUE_NUM_MAX, Reg, Status } from "./registers.ts";

const QUEUES = 2;
const VERSION_1 = featureMask(FeatureBit.VERSION_1);
const P2A = featureMask(FeatureBit.SCMI_P2A_CHANNELS);
const U32 = 0xffff_ffff;

/** One queue's registers: size, ready, and the three ring addresses as low/high words. */
export interface MmioQueueState {
  num: number;
  ready: number;
  desc: [number, number];
  driver: [number, number];
  device: [number, number];
}

/** The registers a driver set up: what is kept across a restart of vscmi. */
export interface MmioState {
  status: number;
  deviceFeaturesSel: number;
  driverFeaturesSel: number;
  /** Driver features, low and high words. */
  driverFeatures: [number, number];
  queueSel: number;
  shmSel: number;
  configGeneration: number;
  queues: MmioQueueState[];
}

/** What a binding gives the device besides the agent's session opener. */
export interface MmioDeviceOptions {
  /** Where guest misuse is reported (once per agent and reason). */
  log: Logger;
  /** Session label, e.g. `zone1@virtio-mmio`. */
  label: string;
  /** The VendorID register. */
  vendor: number;
  /** The zone's RAM, by guest-physical address. */
  memory: GuestMemory;
  /**
   * Injects the device's interrupt into the zone (InterruptStatus is already set). Must not
   * call back into the device synchronously.
   */
  raise(): void;
  /** Receives the setup registers each time they change (to keep them across restarts). */
  persist?(state: MmioState): void;
  /** Times the hold of delayed responses (default the live clock). */
  clock?: TimerClock;
}

function freshQueue(): MmioQueueState {
  return { num: 0, ready: 0, desc: [0, 0], driver: [0, 0], device: [0, 0] };
}

function freshState(): MmioState {
  return {
    status: 0,
    deviceFeaturesSel: 0,
    driverFeaturesSel: 0,
    driverFeatures: [0, 0],
    queueSel: 0,
    shmSel: 0,
    configGeneration: 0,
    queues: Array.from({ length: QUEUES }, freshQueue),
  };
}

function addr(pair: [number, number]): number {
  return pair[1] * 0x1_0000_0000 + pair[0];
}

const isU32 = (v: unknown): v is number =>
  typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= U32;
const isPair = (v: unknown): v is [number, number] =>
  Array.isArray(v) && v.length === 2 && isU32(v[0]) && isU32(v[1]);

/**
 * Whether `v` is an {@linkcode MmioState} as {@linkcode MmioScmiDevice.state} writes it
 * (a damaged or foreign file is not restored).
 */
export function isMmioState(v: unknown): v is MmioState {
  if (v === null || typeof v !== "object") return false;
  const s = v as Record<string, unknown>;
  return ["status", "deviceFeaturesSel", "driverFeaturesSel", "queueSel", "shmSel"]
    .every((k) => isU32(s[k])) &&
    isU32(s.configGeneration) && isPair(s.driverFeatures) &&
    Array.isArray(s.queues) && s.queues.length === QUEUES &&
    s.queues.every((q: unknown) => {
      if (q === null || typeof q !== "object") return false;
      const r = q as Record<string, unknown>;
      return isU32(r.num) && (r.ready === 0 || r.ready === 1) && isPair(r.desc) &&
        isPair(r.driver) && isPair(r.device);
    });
}

/**
 * One agent's virtio-mmio SCMI device.
 *
 * @example
 * ```ts ignore
 * const dev = new MmioScmiDevice(env, { log, label, vendor, memory, raise: () => inject() });
 * const value = dev.access(0x70, 4, false, 0); // Status read
 * dev.access(0x50, 4, true, 0); // QueueNotify of the cmdq
 * ```
 */
export class MmioScmiDevice {
  /** The virtio-scmi device serving the queues. */
  readonly scmi: VirtioScmiDevice;
  #s: MmioState = freshState();
  #interruptStatus = 0;
  readonly #o: MmioDeviceOptions;
  #persisted = "";

  /** A device in reset state; nothing reaches the platform before the driver sets DRIVER_OK. */
  constructor(sessions: SessionOpener, options: MmioDeviceOptions) {
    this.#o = options;
    this.scmi = new VirtioScmiDevice(sessions, {
      log: options.log,
      label: options.label,
      clock: options.clock,
      signal: () => this.#interrupt(Interrupt.VRING),
    });
  }

  /** The setup registers now (a copy). */
  get state(): MmioState {
    return structuredClone(this.#s);
  }

  /** InterruptStatus now. */
  get interruptStatus(): number {
    return this.#interruptStatus;
  }

  /**
   * One access of the guest at `offset` in the window, of `size` bytes: returns the value
   * read (0 for a write). Never throws: an access that is not an aligned 4-byte one is logged
   * once and reads 0.
   */
  access(offset: number, size: number, isWrite: boolean, value: number): number {
    if (size !== 4 || offset % 4 !== 0 || offset < 0) {
      this.#warn(
        "width",
        `${isWrite ? "wrote" : "read"} ${size} byte(s) at offset 0x${
          offset.toString(16)
        } of its virtio-mmio window: only aligned 4-byte accesses are valid (reads 0)`,
      );
      return 0;
    }
    if (!isWrite) return this.read(offset);
    this.write(offset, value >>> 0);
    return 0;
  }

  /** Reads the register at `offset` (aligned 4-byte). */
  read(offset: number): number {
    const s = this.#s;
    const q = s.queues[s.queueSel] as MmioQueueState | undefined;
    switch (offset) {
      case Reg.MAGIC_VALUE:
        return MAGIC;
      case Reg.VERSION:
        return MMIO_VERSION;
      case Reg.DEVICE_ID:
        return VIRTIO_ID_SCMI;
      case Reg.VENDOR_ID:
        return this.#o.vendor >>> 0;
      case Reg.DEVICE_FEATURES: {
        const f = this.scmi.features;
        return s.deviceFeaturesSel === 0
          ? Number(f & 0xffff_ffffn)
          : s.deviceFeaturesSel === 1
          ? Number((f >> 32n) & 0xffff_ffffn)
          : 0;
      }
      case Reg.QUEUE_NUM_MAX:
        return q ? QUEUE_NUM_MAX : 0;
      case Reg.QUEUE_READY:
        return q?.ready ?? 0;
      case Reg.INTERRUPT_STATUS:
        return this.#interruptStatus;
      case Reg.STATUS:
        return s.status;
      case Reg.SHM_LEN_LOW:
      case Reg.SHM_LEN_HIGH:
        // No shared-memory region: length -1 (virtio 1.2 §4.2.2).
        return U32;
      case Reg.CONFIG_GENERATION:
        return s.configGeneration;
    }
    if (offset < Reg.CONFIG) {
      this.#warn(
        `read:${offset}`,
        `read write-only or unknown register 0x${offset.toString(16)} (reads 0)`,
      );
    }
    return 0;
  }

  /** Writes `value` to the register at `offset` (aligned 4-byte). */
  write(offset: number, value: number): void {
    const s = this.#s;
    if ((s.status & Status.DEVICE_NEEDS_RESET) !== 0 && offset !== Reg.STATUS) {
      if (offset !== Reg.INTERRUPT_ACK) {
        this.#warn("needs-reset", "wrote a register while the device needs a reset (ignored)");
        return;
      }
    }
    switch (offset) {
      case Reg.DEVICE_FEATURES_SEL:
        s.deviceFeaturesSel = value;
        break;
      case Reg.DRIVER_FEATURES_SEL:
        s.driverFeaturesSel = value;
        break;
      case Reg.DRIVER_FEATURES:
        if ((s.status & Status.FEATURES_OK) !== 0) {
          this.#warn("features-late", "wrote DriverFeatures after FEATURES_OK (ignored)");
        } else if (s.driverFeaturesSel <= 1) s.driverFeatures[s.driverFeaturesSel] = value;
        break;
      case Reg.QUEUE_SEL:
        s.queueSel = value;
        break;
      case Reg.QUEUE_NUM:
      case Reg.QUEUE_DESC_LOW:
      case Reg.QUEUE_DESC_HIGH:
      case Reg.QUEUE_DRIVER_LOW:
      case Reg.QUEUE_DRIVER_HIGH:
      case Reg.QUEUE_DEVICE_LOW:
      case Reg.QUEUE_DEVICE_HIGH:
        this.#queueField(offset, value);
        break;
      case Reg.QUEUE_READY:
        this.#queueReady(value);
        break;
      case Reg.QUEUE_NOTIFY:
        this.#notify(value);
        return;
      case Reg.INTERRUPT_ACK:
        this.#interruptStatus &= ~value;
        return;
      case Reg.STATUS:
        this.#status(value);
        break;
      case Reg.SHM_SEL:
        s.shmSel = value;
        break;
      default:
        this.#warn(
          `write:${offset}`,
          `wrote read-only or unknown register 0x${offset.toString(16)} (ignored)`,
        );
        return;
    }
    this.#persist();
  }

  /**
   * Takes over registers a previous vscmi kept: the setup is as the driver left it, a
   * device the driver had started serves its queues again from the used indexes in guest
   * memory, and a used-buffer interrupt tells the driver to look at them (completions of the
   * old process may not have been signalled). A state whose queues no longer fit guest
   * memory ends in DEVICE_NEEDS_RESET.
   */
  restore(state: MmioState): void {
    this.scmi.reset("close");
    this.#s = structuredClone(state);
    this.#s.status &= ~Status.DEVICE_NEEDS_RESET;
    this.#interruptStatus = 0;
    if ((this.#s.status & Status.FEATURES_OK) !== 0) this.scmi.setFeatures(this.#features());
    if ((this.#s.status & Status.DRIVER_OK) !== 0) {
      if (this.#activate()) this.#interrupt(Interrupt.VRING);
    } else if ((state.status & Status.DEVICE_NEEDS_RESET) !== 0) {
      this.needsReset("it needed a reset before the restart");
    }
    this.#persist();
  }

  /**
   * Puts the device in DEVICE_NEEDS_RESET and raises a configuration-change interrupt: the
   * driver resets the device. Used when vscmi starts without the registers of a previous run.
   */
  needsReset(why: string): void {
    this.scmi.reset("close");
    this.#s.status |= Status.DEVICE_NEEDS_RESET;
    this.#warn("needs-reset-set", `virtio-mmio device needs a reset: ${why}`);
    this.#persist();
    this.#interrupt(Interrupt.CONFIG);
  }

  /**
   * Stops serving: the session closes as a lost channel (`"close"`, votes kept for the
   * agent's grace) or ends (`"end"`).
   */
  close(how: "end" | "close" = "close"): void {
    this.scmi.reset(how);
  }

  #features(): bigint {
    const [lo, hi] = this.#s.driverFeatures;
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  #queueField(offset: number, value: number): void {
    const s = this.#s;
    const q = s.queues[s.queueSel] as MmioQueueState | undefined;
    if (q === undefined) {
      this.#warn("queue-sel", `set up queue ${s.queueSel}, which does not exist (ignored)`);
      return;
    }
    if (q.ready !== 0 || (s.status & Status.DRIVER_OK) !== 0) {
      this.#warn("queue-live", "changed a queue register of a ready queue (ignored)");
      return;
    }
    switch (offset) {
      case Reg.QUEUE_NUM:
        q.num = value;
        break;
      case Reg.QUEUE_DESC_LOW:
        q.desc[0] = value;
        break;
      case Reg.QUEUE_DESC_HIGH:
        q.desc[1] = value;
        break;
      case Reg.QUEUE_DRIVER_LOW:
        q.driver[0] = value;
        break;
      case Reg.QUEUE_DRIVER_HIGH:
        q.driver[1] = value;
        break;
      case Reg.QUEUE_DEVICE_LOW:
        q.device[0] = value;
        break;
      case Reg.QUEUE_DEVICE_HIGH:
        q.device[1] = value;
        break;
    }
  }

  #queueReady(value: number): void {
    const s = this.#s;
    const q = s.queues[s.queueSel] as MmioQueueState | undefined;
    if (q === undefined) {
      this.#warn("queue-sel", `set up queue ${s.queueSel}, which does not exist (ignored)`);
      return;
    }
    const ready = value === 0 ? 0 : 1;
    if (ready === q.ready) return;
    if (ready === 1 && (s.status & Status.DRIVER_OK) !== 0) {
      this.#warn("queue-live", "made a queue ready after DRIVER_OK (ignored)");
      return;
    }
    if (ready === 1 && (q.num === 0 || q.num > QUEUE_NUM_MAX || (q.num & (q.num - 1)) !== 0)) {
      this.#warn(
        "queue-num",
        `made queue ${s.queueSel} ready with QueueNum ${q.num}: expected a power of 2 up to ${QUEUE_NUM_MAX} (ignored)`,
      );
      return;
    }
    q.ready = ready;
    if (ready === 0 && (s.status & Status.DRIVER_OK) !== 0) {
      this.scmi.detachQueue(s.queueSel as 0 | 1);
    }
  }

  #notify(queue: number): void {
    if ((this.#s.status & Status.DRIVER_OK) === 0) {
      // Linux fills the eventq before DRIVER_OK; the device looks at it when started.
      return;
    }
    if (queue === ScmiQueue.CMDQ) this.scmi.processCmdq();
    else if (queue === ScmiQueue.EVENTQ) this.scmi.processEventq();
    else this.#warn("notify", `notified queue ${queue}, which does not exist (ignored)`);
  }

  #status(value: number): void {
    const s = this.#s;
    if (value === 0) {
      // Device reset: the agent's session ends and its votes go.
      this.scmi.reset("end");
      const generation = s.configGeneration;
      this.#s = freshState();
      this.#s.configGeneration = generation;
      this.#interruptStatus = 0;
      return;
    }
    if ((s.status & Status.DEVICE_NEEDS_RESET) !== 0) {
      this.#warn("needs-reset", "wrote a status other than 0 while the device needs a reset");
      return;
    }
    if ((value & s.status) !== s.status) {
      this.#warn("status-clear", "cleared device status bits without a reset (ignored)");
      return;
    }
    let next = value & ~Status.DEVICE_NEEDS_RESET;
    const added = next & ~s.status;
    if ((added & Status.FEATURES_OK) !== 0) {
      const f = this.#features();
      if ((f & VERSION_1) === 0n || (f & ~this.scmi.features) !== 0n) {
        this.#warn(
          "features-refused",
          `accepted features 0x${f.toString(16)}: VERSION_1 is required and only ` +
            `0x${this.scmi.features.toString(16)} is offered (FEATURES_OK stays clear)`,
        );
        next &= ~Status.FEATURES_OK;
      } else this.scmi.setFeatures(f);
    }
    if ((added & Status.DRIVER_OK) !== 0 && (next & Status.FEATURES_OK) === 0) {
      this.#warn("driver-ok-early", "set DRIVER_OK without FEATURES_OK (ignored)");
      next &= ~Status.DRIVER_OK;
    }
    const started = (next & ~s.status & Status.DRIVER_OK) !== 0;
    s.status = next;
    if (started) this.#activate();
  }

  /** Attaches the ready queues and opens the session; false when the device needs a reset. */
  #activate(): boolean {
    const s = this.#s;
    const p2a = (this.scmi.negotiated & P2A) !== 0n;
    try {
      if (s.queues[ScmiQueue.CMDQ].ready === 0) throw new RangeError("the cmdq is not ready");
      for (const i of [ScmiQueue.CMDQ, ScmiQueue.EVENTQ] as const) {
        const q = s.queues[i];
        if (q.ready === 0 || (i === ScmiQueue.EVENTQ && !p2a)) continue;
        const ring = new SplitQueue(
          this.#o.memory,
          q.num,
          addr(q.desc),
          addr(q.driver),
          addr(q.device),
          this.scmi.negotiated,
        );
        this.scmi.attachQueue(i, ring);
      }
    } catch (e) {
      this.needsReset(`driver set DRIVER_OK but ${e instanceof Error ? e.message : e}`);
      return false;
    }
    this.scmi.start();
    if (p2a) this.scmi.processEventq();
    this.scmi.processCmdq();
    return true;
  }

  #interrupt(bit: number): void {
    this.#interruptStatus |= bit;
    this.#o.raise();
  }

  #persist(): void {
    const persist = this.#o.persist;
    if (persist === undefined) return;
    const text = JSON.stringify(this.#s);
    if (text === this.#persisted) return;
    this.#persisted = text;
    persist(this.state);
  }

  #warn(key: string, text: string): void {
    this.#o.log.once("warn", `virtio-mmio:${this.#o.label}:${key}`, `${this.#o.label}: ${text}`);
  }
}
