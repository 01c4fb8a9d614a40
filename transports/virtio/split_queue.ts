/**
 * One split virtqueue, device side (virtio 1.2 §2.7): takes descriptor chains the driver
 * made available, checks them, and returns them through the used ring.
 *
 * Layout, little-endian, for queue size N (a power of 2, at most 32768):
 * - descriptor table (16-aligned): N × { u64 addr; u32 len; u16 flags; u16 next }, flags
 *   NEXT = 1, WRITE = 2 (device-writable), INDIRECT = 4 (addr/len name a table of
 *   descriptors);
 * - available ring (2-aligned): u16 flags (NO_INTERRUPT = 1); u16 idx; u16 ring[N];
 *   u16 used_event (EVENT_IDX);
 * - used ring (4-aligned): u16 flags (NO_NOTIFY = 1); u16 idx; N × { u32 id; u32 len };
 *   u16 avail_event (EVENT_IDX).
 *
 * A chain that breaks a rule is returned by {@linkcode SplitQueue.pop} with its `error` set,
 * never thrown: head or next index out of range, a loop (more descriptors than the table
 * holds), an indirect descriptor without the feature, with NEXT, nested, or with a bad table,
 * a buffer outside guest memory, a device-readable buffer after a device-writable one, or
 * 2^32 bytes or more in all. An avail index more than N ahead of what the device has taken
 * marks the queue broken: nothing more is popped until it is attached again.
 *
 * Memory ordering. The driver writes descriptors, the avail ring and `used_event` on other
 * CPUs while the device reads them here, and the reverse for the used ring. The queue
 * assumes that each typed-array access in this file is performed once, in program order —
 * V8 keeps loads and stores to an ArrayBuffer's backing store on its effect chain and does
 * not merge a re-read of `avail.idx` across the calls and atomics between two reads — and
 * places a fence where the virtio spec asks for a barrier: after reading `avail.idx` and
 * before reading the ring and descriptors (read→read), before publishing `used.idx` (the used
 * element must be visible first: write→write), and after publishing `used.idx` or
 * `avail_event` before reading `used_event`/flags or `avail.idx` again (write→read, the one
 * x86 needs too). The default fence is an atomic read-modify-write on a private
 * SharedArrayBuffer: a locked instruction, thus a full barrier, on x86-64; on arm64 an
 * exclusive acquire/release pair. A binding on a weakly ordered host that wants a stronger
 * guarantee passes its own `fence` (e.g. an FFI call that executes `dmb ish`).
 * @module
 */
import { Chain, ChainError } from "./chain.ts";
import { FeatureBit, hasFeature } from "./features.ts";
import { gpaNumber, type GuestMemory } from "./guest_memory.ts";

/** Descriptor flags. */
export const DescFlag = { NEXT: 1, WRITE: 2, INDIRECT: 4 } as const;
/** avail.flags: the driver asks for no used-buffer notifications. */
export const AVAIL_F_NO_INTERRUPT = 1;
/** used.flags: the device asks for no available-buffer notifications. */
export const USED_F_NO_NOTIFY = 1;
/** Largest split queue size. */
export const MAX_QUEUE_SIZE = 32768;

/** Bytes of each part of a split queue of `size` entries (the EVENT_IDX words included). */
export function splitQueueSizes(size: number): { desc: number; avail: number; used: number } {
  return { desc: 16 * size, avail: 6 + 2 * size, used: 6 + 8 * size };
}

const FENCE_CELL = new Int32Array(new SharedArrayBuffer(4));

/** The default memory barrier: an atomic read-modify-write (see the module notes). */
export function atomicFence(): void {
  Atomics.add(FENCE_CELL, 0, 0);
}

/** High words of a 64-bit address at or above this are beyond 2^53: never guest memory. */
const HI_LIMIT = 0x20_0000;
const TWO_32 = 0x1_0000_0000;

/** Optional settings of a {@linkcode SplitQueue}. */
export interface SplitQueueOptions {
  /** Memory barrier between ring accesses (default {@linkcode atomicFence}). */
  fence?: () => void;
}

/**
 * The device side of one split virtqueue.
 *
 * @example
 * ```ts
 * import { RegionMemory } from "./guest_memory.ts";
 * import { SplitQueue } from "./split_queue.ts";
 * const ram = new Uint8Array(0x1000);
 * const mem = new RegionMemory([{ gpa: 0, size: ram.length, bytes: ram }]);
 * const q = new SplitQueue(mem, 8, 0x000, 0x100, 0x200, 0n);
 * console.assert(q.pop() === null); // the driver made nothing available yet
 * ```
 */
export class SplitQueue {
  /** Number of entries. */
  readonly size: number;
  /** The guest memory the queue and its buffers live in. */
  readonly memory: GuestMemory;
  /** VIRTIO_F_INDIRECT_DESC was negotiated. */
  readonly indirect: boolean;
  /** VIRTIO_F_EVENT_IDX was negotiated. */
  readonly eventIdx: boolean;

  readonly #mask: number;
  readonly #fence: () => void;
  readonly #descDv: DataView;
  readonly #descOff: number;
  readonly #availDv: DataView;
  readonly #availOff: number;
  readonly #usedDv: DataView;
  readonly #usedOff: number;
  readonly #chain = new Chain();

  /** Next avail index to take. */
  #lastAvail: number;
  /** avail.idx as last read. */
  #availSeen: number;
  /** used.idx as last written. */
  #usedIdx: number;
  /** used.idx when needsInterrupt last looked. */
  #signalled: number;
  #broken: string | null = null;

  /**
   * A queue of `size` entries whose parts start at the guest-physical addresses `desc`,
   * `avail` and `used`, with the negotiated `features` (INDIRECT_DESC and EVENT_IDX matter).
   * The used index starts from what the used ring holds, and so does `lastAvail`; a binding
   * restoring a ring sets `lastAvail` afterwards. Throws RangeError when the size is not a
   * power of 2 up to 32768, or a part is misaligned or not inside one guest-memory region.
   */
  constructor(
    memory: GuestMemory,
    size: number,
    desc: bigint | number,
    avail: bigint | number,
    used: bigint | number,
    features: bigint | number = 0n,
    options: SplitQueueOptions = {},
  ) {
    if (!Number.isInteger(size) || size < 1 || size > MAX_QUEUE_SIZE || (size & (size - 1))) {
      throw new RangeError(`Virtqueue size must be a power of 2 up to 32768, got ${size}`);
    }
    this.size = size;
    this.memory = memory;
    this.indirect = hasFeature(features, FeatureBit.RING_INDIRECT_DESC);
    this.eventIdx = hasFeature(features, FeatureBit.RING_EVENT_IDX);
    this.#mask = size - 1;
    this.#fence = options.fence ?? atomicFence;
    const sizes = splitQueueSizes(size);
    [this.#descDv, this.#descOff] = place(memory, "descriptor table", desc, sizes.desc, 16);
    [this.#availDv, this.#availOff] = place(memory, "available ring", avail, sizes.avail, 2);
    [this.#usedDv, this.#usedOff] = place(memory, "used ring", used, sizes.used, 4);
    this.#usedIdx = this.#usedDv.getUint16(this.#usedOff + 2, true);
    this.#signalled = this.#usedIdx;
    this.#lastAvail = this.#usedIdx;
    this.#availSeen = this.#usedIdx;
  }

  /** The next available-ring index the device will take (vhost-user GET/SET_VRING_BASE). */
  get lastAvail(): number {
    return this.#lastAvail;
  }
  set lastAvail(v: number) {
    this.#lastAvail = v & 0xffff;
    this.#availSeen = this.#lastAvail;
  }

  /** The used index the device last published. */
  get usedIdx(): number {
    return this.#usedIdx;
  }

  /** Why the queue stopped taking chains (the driver moved avail.idx too far), or null. */
  get broken(): string | null {
    return this.#broken;
  }

  /** Chains available and not yet taken (reads avail.idx); 0 when broken. */
  pending(): number {
    if (this.#broken !== null) return 0;
    const n = (this.#availDv.getUint16(this.#availOff + 2, true) - this.#lastAvail) & 0xffff;
    return n > this.size ? 0 : n;
  }

  /**
   * Takes the next available chain, or returns null when there is none. The returned object
   * is reused by the next call. A chain with `error` set must still be completed (with used
   * length 0) since the driver gave up its head.
   */
  pop(): Chain | null {
    if (this.#broken !== null) return null;
    let ahead = (this.#availSeen - this.#lastAvail) & 0xffff;
    if (ahead === 0) {
      this.#availSeen = this.#availDv.getUint16(this.#availOff + 2, true);
      this.#fence();
      ahead = (this.#availSeen - this.#lastAvail) & 0xffff;
      if (ahead === 0) return null;
    }
    if (ahead > this.size) {
      this.#broken = `available index ${this.#availSeen} is ${ahead} entries ahead of ` +
        `${this.#lastAvail} in a queue of ${this.size}`;
      return null;
    }
    const slot = this.#lastAvail & this.#mask;
    this.#lastAvail = (this.#lastAvail + 1) & 0xffff;
    const head = this.#availDv.getUint16(this.#availOff + 4 + 2 * slot, true);
    const c = this.#chain;
    c.reset(head);
    c.error = head < this.size ? this.#walk(c) : ChainError.HEAD_RANGE;
    return c;
  }

  /** Follows `c.head` through the table and at most one indirect table, filling `c`. */
  #walk(c: Chain): ChainError | null {
    const mem = this.memory;
    let dv = this.#descDv;
    let base = this.#descOff;
    let n = this.size;
    let i = c.head;
    let steps = 0;
    let nested = false;
    let wrote = false;
    for (;;) {
      if (++steps > n) return ChainError.LOOP;
      const at = base + 16 * i;
      const lo = dv.getUint32(at, true);
      const hi = dv.getUint32(at + 4, true);
      const len = dv.getUint32(at + 8, true);
      const flags = dv.getUint16(at + 12, true);
      const next = dv.getUint16(at + 14, true);
      if ((flags & DescFlag.INDIRECT) !== 0) {
        if (!this.indirect) return ChainError.INDIRECT_FEATURE;
        if (nested) return ChainError.INDIRECT_NESTED;
        if ((flags & DescFlag.NEXT) !== 0) return ChainError.INDIRECT_NEXT;
        if (len === 0 || (len & 15) !== 0 || len > 16 * this.size) return ChainError.INDIRECT_SIZE;
        if (hi >= HI_LIMIT) return ChainError.INDIRECT_MEMORY;
        const addr = hi * TWO_32 + lo;
        const r = mem.find(addr, len);
        if (r < 0) return ChainError.INDIRECT_MEMORY;
        dv = mem.dataView(r);
        base = addr - mem.base(r);
        n = len >>> 4;
        i = 0;
        steps = 0;
        nested = true;
        continue;
      }
      const write = (flags & DescFlag.WRITE) !== 0;
      if (write) wrote = true;
      else if (wrote) return ChainError.ORDER;
      if (len !== 0) {
        if (hi >= HI_LIMIT) return ChainError.BUFFER_MEMORY;
        const addr = hi * TWO_32 + lo;
        const r = mem.find(addr, len);
        if (r < 0) return ChainError.BUFFER_MEMORY;
        if (c.readBytes + c.writeBytes + len > 0xffff_ffff) return ChainError.TOO_LONG;
        c.add(addr, len, r, addr - mem.base(r), write);
      }
      if ((flags & DescFlag.NEXT) === 0) return null;
      i = next;
      if (i >= n) return ChainError.NEXT_RANGE;
    }
  }

  /**
   * Returns chain `head` to the driver with `len` bytes written: the used element first,
   * then (after the fence) the new used.idx.
   */
  push(head: number, len: number): void {
    const at = this.#usedOff + 4 + 8 * (this.#usedIdx & this.#mask);
    this.#usedDv.setUint32(at, head >>> 0, true);
    this.#usedDv.setUint32(at + 4, len >>> 0, true);
    this.#fence();
    this.#usedIdx = (this.#usedIdx + 1) & 0xffff;
    this.#usedDv.setUint16(this.#usedOff + 2, this.#usedIdx, true);
  }

  /**
   * Whether the driver wants a used-buffer notification for what was pushed since the last
   * call: with EVENT_IDX, when used.idx passed `used_event` (the spec's
   * `(u16)(new − used_event − 1) < (u16)(new − old)`); without, unless avail.flags has
   * NO_INTERRUPT. False when nothing was pushed.
   */
  needsInterrupt(): boolean {
    this.#fence();
    const now = this.#usedIdx;
    const old = this.#signalled;
    this.#signalled = now;
    if (now === old) return false;
    if (this.eventIdx) {
      const event = this.#availDv.getUint16(this.#availOff + 4 + 2 * this.size, true);
      return ((now - event - 1) & 0xffff) < ((now - old) & 0xffff);
    }
    return (this.#availDv.getUint16(this.#availOff, true) & AVAIL_F_NO_INTERRUPT) === 0;
  }

  /**
   * With EVENT_IDX, whether the driver has taken every used element before used index `idx`:
   * its `used_event`, which a driver such as Linux's sets to how far it has read each time it
   * re-enables interrupts, is at or past `idx`. Always false without EVENT_IDX (unknown).
   */
  driverTook(idx: number): boolean {
    if (!this.eventIdx) return false;
    this.#fence();
    const event = this.#availDv.getUint16(this.#availOff + 4 + 2 * this.size, true);
    return ((event - idx) & 0xffff) < 0x8000;
  }

  /**
   * Tells the driver it need not kick while the device is busy: used.flags NO_NOTIFY
   * without EVENT_IDX; with EVENT_IDX, `avail_event` simply stays behind.
   */
  disableNotifications(): void {
    if (!this.eventIdx) this.#usedDv.setUint16(this.#usedOff, USED_F_NO_NOTIFY, true);
  }

  /**
   * Asks the driver to kick for the next chain (used.flags 0, or `avail_event` = the next
   * index to take), then looks again: returns true when chains arrived meanwhile, so the
   * caller processes them instead of waiting for a kick that will not come. False when the
   * queue is broken.
   */
  enableNotifications(): boolean {
    if (this.eventIdx) {
      this.#usedDv.setUint16(this.#usedOff + 4 + 8 * this.size, this.#lastAvail, true);
    } else {
      this.#usedDv.setUint16(this.#usedOff, 0, true);
    }
    this.#fence();
    return this.pending() !== 0;
  }
}

/** Resolves one part of the queue to a region's DataView and offset, or throws RangeError. */
function place(
  memory: GuestMemory,
  what: string,
  at: bigint | number,
  len: number,
  align: number,
): [DataView, number] {
  const gpa = gpaNumber(at, `${what} address`);
  if (gpa % align !== 0) {
    throw new RangeError(`Virtqueue ${what} at 0x${gpa.toString(16)} is not ${align}-aligned`);
  }
  const r = memory.find(gpa, len);
  if (r < 0) {
    throw new RangeError(
      `Virtqueue ${what} at 0x${gpa.toString(16)}+${len} lies outside guest memory`,
    );
  }
  return [memory.dataView(r), gpa - memory.base(r)];
}
