/**
 * The ring protocol of hvisor's virtio bridge, over its bytes (a mapping of `/dev/hvisor` or
 * of a file bridge, or a plain buffer in tests). hvisor pushes MMIO accesses of the zones on
 * `req_list` and advances `req_rear`; vscmi, the only consumer, reads them from `req_front`,
 * answers each config access in `cfg_values[cpu]` / `cfg_flags[cpu]`, and pushes interrupts
 * on `res_list` for hvisor, which drains it on FINISH_REQ.
 *
 * Memory ordering (arm64 is weakly ordered; the x86 machines tests run on cannot show an
 * ordering bug, so each barrier says why it is there):
 * - a request is read only after `req_rear` was loaded with `Atomics.load` (sequentially
 *   consistent in V8: a load-acquire on arm64), so hvisor's stores to the slot, which
 *   precede its store of `req_rear`, are visible;
 * - `req_front` is advanced with `Atomics.store` after the request was handled: hvisor may
 *   reuse the slot only then;
 * - an answer is `cfg_values[cpu]` first, then `cfg_flags[cpu]` incremented with
 *   `Atomics.store` (a store-release on arm64): the vCPU spinning on `cfg_flags` must see the
 *   value once it sees the flag change;
 * - a result's fields are written before `res_rear` is advanced with `Atomics.store`;
 * - before sleeping, `need_wakeup` = 1, then a full barrier, then `req_rear` again (Dekker):
 *   hvisor stores `req_rear` then loads `need_wakeup`, so one of the two sides sees the
 *   other's store and no request is left unsignalled.
 * @module
 */
import { BRIDGE, MAX_CPUS, MAX_REQ, REQ, RES } from "./layout.ts";

/** One request of `req_list`, decoded. */
export interface BridgeRequest {
  /** Physical CPU of the trapped vCPU (index into cfg_flags / cfg_values). */
  cpu: number;
  /** Guest-physical address accessed; -1 when beyond 2^53 (matches no device). */
  address: number;
  /** Access width in bytes. */
  size: number;
  /** Value written (low 32 bits; registers are 32-bit). */
  value: number;
  /** Zone of the vCPU. */
  zone: number;
  isWrite: boolean;
  /** 1 for QueueNotify: the vCPU does not wait for an answer. */
  needInterrupt: boolean;
}

/** A fresh request record to read into. */
export function emptyRequest(): BridgeRequest {
  return { cpu: 0, address: 0, size: 0, value: 0, zone: 0, isWrite: false, needInterrupt: false };
}

const MASK = MAX_REQ - 1;

/** The bridge seen by its consumer. */
export class Bridge {
  readonly #dv: DataView;
  readonly #idx: Uint32Array;
  readonly #flags: BigUint64Array;
  readonly #values: BigUint64Array;
  readonly #bytes: Uint8Array;
  /** A word used only for the full barrier of {@linkcode maySleep}. */
  readonly #fence = new Int32Array(new SharedArrayBuffer(4));

  /**
   * The bridge at the start of `bytes` (at least 2136 bytes, 8-byte aligned). Throws
   * RangeError otherwise.
   */
  constructor(bytes: Uint8Array) {
    if (bytes.length < BRIDGE.SIZE || bytes.byteOffset % 8 !== 0) {
      throw new RangeError(
        `The virtio bridge needs ${BRIDGE.SIZE} bytes at an 8-byte boundary, got ${bytes.length}`,
      );
    }
    const buf = bytes.buffer as ArrayBuffer;
    const at = bytes.byteOffset;
    this.#bytes = bytes;
    this.#dv = new DataView(buf, at, BRIDGE.SIZE);
    this.#idx = new Uint32Array(buf, at, 4);
    this.#flags = new BigUint64Array(buf, at + BRIDGE.CFG_FLAGS, MAX_CPUS);
    this.#values = new BigUint64Array(buf, at + BRIDGE.CFG_VALUES, MAX_CPUS);
  }

  /** `req_front`, as the consumer keeps it (0–31). */
  get front(): number {
    return Atomics.load(this.#idx, 0) & MASK;
  }

  /** `req_rear`, as hvisor last published it (0–31). */
  get rear(): number {
    return Atomics.load(this.#idx, 1) & MASK;
  }

  /** Requests waiting: from `req_front` up to `req_rear`. */
  get waiting(): number {
    return (this.rear - this.front) & MASK;
  }

  /** Reads the request in slot `slot` into `into`. */
  read(slot: number, into: BridgeRequest): BridgeRequest {
    const at = BRIDGE.REQ_LIST + (slot & MASK) * REQ.BYTES;
    const dv = this.#dv;
    const cpu = dv.getBigUint64(at + REQ.SRC_CPU, true);
    into.cpu = cpu < BigInt(MAX_CPUS) ? Number(cpu) : -1;
    const address = dv.getBigUint64(at + REQ.ADDRESS, true);
    into.address = address <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(address) : -1;
    const size = dv.getBigUint64(at + REQ.SIZE, true);
    into.size = size <= 8n ? Number(size) : 0;
    into.value = dv.getUint32(at + REQ.VALUE, true);
    into.zone = dv.getUint32(at + REQ.SRC_ZONE, true);
    into.isWrite = dv.getUint8(at + REQ.IS_WRITE) !== 0;
    into.needInterrupt = dv.getUint8(at + REQ.NEED_INTERRUPT) !== 0;
    return into;
  }

  /** Frees the slot at `req_front` for hvisor (after its request was handled). */
  pop(): void {
    Atomics.store(this.#idx, 0, (this.front + 1) & MASK);
  }

  /**
   * Answers the config access of `cpu`: `cfg_values[cpu]` = `value`, then `cfg_flags[cpu]`
   * + 1, which releases the spinning vCPU.
   */
  answer(cpu: number, value: number): void {
    if (cpu < 0 || cpu >= MAX_CPUS) return;
    this.#values[cpu] = BigInt(value >>> 0);
    // Atomics.store is sequentially consistent in V8, a store-release (stlr) on arm64: the
    // vCPU that sees the flag change then reads cfg_values[cpu] and must find the value.
    // On x86 (total store order) a plain store would do, so tests there cannot catch a
    // missing barrier: keep this an atomic store.
    Atomics.store(this.#flags, cpu, (this.#flags[cpu] + 1n) & 0xffff_ffff_ffff_ffffn);
  }

  /** `cfg_flags[cpu]` now (tests and simulators compare it). */
  flag(cpu: number): bigint {
    return Atomics.load(this.#flags, cpu);
  }

  /**
   * Pushes `{target_zone, irq_id}` on `res_list`; false when the ring is full (hvisor has not
   * drained it: push again after the next FINISH_REQ).
   */
  pushResult(zone: number, irq: number): boolean {
    const front = Atomics.load(this.#idx, 2) & MASK;
    const rear = Atomics.load(this.#idx, 3) & MASK;
    if (((rear + 1) & MASK) === front) return false;
    const at = BRIDGE.RES_LIST + rear * RES.BYTES;
    this.#dv.setUint32(at + RES.TARGET_ZONE, zone >>> 0, true);
    this.#dv.setUint32(at + RES.IRQ_ID, irq >>> 0, true);
    // The entry must be visible before hvisor sees res_rear move (store-release).
    Atomics.store(this.#idx, 3, (rear + 1) & MASK);
    return true;
  }

  /** Clears `need_wakeup`: vscmi is draining, hvisor need not wake it. */
  awake(): void {
    Atomics.store(this.#bytes, BRIDGE.NEED_WAKEUP, 0);
  }

  /**
   * Before sleeping: `need_wakeup` = 1, a full barrier, then `req_rear` again. Returns true
   * when the ring is still empty (sleep: hvisor will wake vscmi), false when a request came
   * in meanwhile (`need_wakeup` is cleared again: keep draining).
   */
  maySleep(): boolean {
    Atomics.store(this.#bytes, BRIDGE.NEED_WAKEUP, 1);
    // The store above must not pass the load below. V8's sequentially consistent atomics
    // already keep that order (stlr then ldar on arm64; xchg on x86); the read-modify-write
    // makes the full barrier explicit, as hvisor-side code expects (`dmb ish`).
    Atomics.add(this.#fence, 0, 0);
    if (this.waiting === 0) return true;
    this.awake();
    return false;
  }
}
