/**
 * A zone as the guest driver sees it: its RAM (a window of the `mem` file at zone0_ipa,
 * addressed by the zone's own physical addresses from zonex_ipa) with a bump allocator, and
 * the driver side of one split virtqueue laid out in it the way Linux's virtio_ring does
 * (descriptor table, available ring with used_event, used ring with avail_event; a request
 * and its reply buffer as one indirect table when INDIRECT_DESC is negotiated). Buffers are
 * not allocated per message: each head owns a slot of buffers while its chain is in flight.
 * @module
 */

/** One zone's RAM region, as the deployment's `memory` table gives it. */
export interface ZoneRegion {
  zone0Ipa: number;
  zonexIpa: number;
  size: number;
}

/** The zone's RAM: guest-physical addresses → bytes of the mem file. */
export class ZoneRam {
  readonly dv: DataView;
  #next = 0;

  constructor(readonly mem: Uint8Array, readonly region: ZoneRegion) {
    if (region.zone0Ipa + region.size > mem.length) throw new RangeError("zone RAM past mem");
    this.dv = new DataView(mem.buffer, mem.byteOffset + region.zone0Ipa, region.size);
  }

  /** Offset in the region of guest-physical `gpa` (checked). */
  off(gpa: number, len = 1): number {
    const o = gpa - this.region.zonexIpa;
    if (o < 0 || o + len > this.region.size) {
      throw new RangeError(`gpa ${gpa.toString(16)} outside the zone`);
    }
    return o;
  }

  /** `len` zeroed bytes aligned to `align`; their guest-physical address. */
  alloc(len: number, align = 16): number {
    const at = Math.ceil(this.#next / align) * align;
    if (at + len > this.region.size) throw new RangeError("zone RAM exhausted");
    this.#next = at + len;
    new Uint8Array(this.dv.buffer, this.dv.byteOffset + at, len).fill(0);
    return this.region.zonexIpa + at;
  }

  bytes(gpa: number, len: number): Uint8Array {
    return new Uint8Array(this.dv.buffer, this.dv.byteOffset + this.off(gpa, len), len);
  }
  u16(gpa: number): number {
    return this.dv.getUint16(this.off(gpa, 2), true);
  }
  setU16(gpa: number, v: number): void {
    this.dv.setUint16(this.off(gpa, 2), v, true);
  }
  u32(gpa: number): number {
    return this.dv.getUint32(this.off(gpa, 4), true);
  }
  setDesc(table: number, i: number, addr: number, len: number, flags: number, next: number): void {
    const o = this.off(table + 16 * i, 16);
    this.dv.setBigUint64(o, BigInt(addr), true);
    this.dv.setUint32(o + 8, len, true);
    this.dv.setUint16(o + 12, flags, true);
    this.dv.setUint16(o + 14, next, true);
  }
}

/** Bytes of buffers each head owns: an indirect table (64), the request, the reply. */
const SLOT_BYTES = 512;
const SLOT_OUT = 192;
const SLOT_IN = SLOT_BYTES - 64 - SLOT_OUT;
const NEXT = 1;
const WRITE = 2;
const INDIRECT = 4;

/** vring_need_event: whether moving from `old` to `next` crosses `event` (mod 2^16). */
export function needEvent(event: number, next: number, old: number): boolean {
  return ((next - event - 1) & 0xffff) < ((next - old) & 0xffff);
}

const FENCE = new Int32Array(new SharedArrayBuffer(4));
function fence(): void {
  Atomics.add(FENCE, 0, 0);
}

/** The driver side of one split virtqueue in zone RAM. */
export class DriverQueue {
  readonly desc: number;
  readonly avail: number;
  readonly used: number;
  #free: number[];
  readonly #slots: number;
  #availIdx = 0;
  #lastUsed = 0;
  #lastKicked = 0;
  /** head → the descriptors it holds and the buffers of the chain. */
  readonly #chains = new Map<number, { descs: number[]; bufs: number[] }>();

  constructor(
    readonly ram: ZoneRam,
    readonly size: number,
    readonly eventIdx: boolean,
    readonly indirect: boolean,
  ) {
    this.desc = ram.alloc(16 * size, 4096);
    this.avail = ram.alloc(6 + 2 * size, 2);
    this.used = ram.alloc(6 + 8 * size, 4096);
    this.#slots = ram.alloc(SLOT_BYTES * size, 64);
    this.#free = Array.from({ length: size }, (_, i) => i);
  }

  /** Chains made available and not yet used. */
  get inFlight(): number {
    return this.#chains.size;
  }

  /** The used index in guest memory (what the device published). */
  get usedIdx(): number {
    return this.ram.u16(this.used + 2);
  }

  /**
   * Adds one chain: `out` bytes the device reads, then `inLen` bytes it writes (either may be
   * absent). Returns the head; the chain is visible to the device at once.
   */
  add(out: Uint8Array | null, inLen: number): number {
    if ((out?.length ?? 0) > SLOT_OUT || inLen > SLOT_IN) throw new RangeError("buffer too long");
    const n = (out ? 1 : 0) + (inLen > 0 ? 1 : 0);
    const useIndirect = this.indirect && n > 1;
    const descs = useIndirect ? [this.#take()] : Array.from({ length: n }, () => this.#take());
    const head = descs[0];
    // Each head owns one slot of buffers while in flight: table, request, reply.
    const base = this.#slots + SLOT_BYTES * head;
    const parts: { gpa: number; len: number; write: boolean }[] = [];
    if (out) {
      this.ram.bytes(base + 64, out.length).set(out);
      parts.push({ gpa: base + 64, len: out.length, write: false });
    }
    if (inLen > 0) {
      this.ram.bytes(base + 64 + SLOT_OUT, inLen).fill(0);
      parts.push({ gpa: base + 64 + SLOT_OUT, len: inLen, write: true });
    }
    const flags = (k: number) => (k < parts.length - 1 ? NEXT : 0) | (parts[k].write ? WRITE : 0);
    if (useIndirect) {
      parts.forEach((p, k) => this.ram.setDesc(base, k, p.gpa, p.len, flags(k), k + 1));
      this.ram.setDesc(this.desc, head, base, 16 * parts.length, INDIRECT, 0);
    } else {
      parts.forEach((p, k) =>
        this.ram.setDesc(this.desc, descs[k], p.gpa, p.len, flags(k), descs[k + 1] ?? 0)
      );
    }
    this.#chains.set(head, { descs, bufs: parts.map((p) => p.gpa) });
    this.#publish(head);
    return head;
  }

  /**
   * Adds one chain of `parts` as they are, one direct descriptor each, at any guest-physical
   * address (a hostile driver's buffers outside its RAM); nothing is copied. Returns the head.
   */
  addParts(parts: readonly { gpa: number; len: number; write: boolean }[]): number {
    const descs = parts.map(() => this.#take());
    parts.forEach((p, k) =>
      this.ram.setDesc(
        this.desc,
        descs[k],
        p.gpa,
        p.len,
        (k < parts.length - 1 ? NEXT : 0) | (p.write ? WRITE : 0),
        descs[k + 1] ?? 0,
      )
    );
    this.#chains.set(descs[0], { descs, bufs: parts.map((p) => p.gpa) });
    this.#publish(descs[0]);
    return descs[0];
  }

  /** Makes the chain at `head` available: the ring entry, then the index. */
  #publish(head: number): void {
    this.ram.setU16(this.avail + 4 + 2 * (this.#availIdx % this.size), head);
    fence(); // the ring entry before the index (virtio_wmb)
    this.#availIdx = (this.#availIdx + 1) & 0xffff;
    this.ram.setU16(this.avail + 2, this.#availIdx);
  }

  /**
   * Whether the device wants a notification for what was added since the last one
   * (virtqueue_kick_prepare): EVENT_IDX's avail_event, or the used ring's NO_NOTIFY flag.
   */
  kickPrepare(): boolean {
    fence(); // the new avail.idx before reading the device's suppression (virtio_mb)
    const old = this.#lastKicked;
    const next = this.#availIdx;
    this.#lastKicked = next;
    if (this.eventIdx) return needEvent(this.ram.u16(this.used + 4 + 8 * this.size), next, old);
    return (this.ram.u16(this.used) & 1) === 0;
  }

  /**
   * Takes the used elements published since the last call, each with the address of its
   * writable buffer and the length the device wrote; sets used_event so the next one
   * interrupts.
   */
  takeUsed(): { head: number; len: number; buf: number }[] {
    const out: { head: number; len: number; buf: number }[] = [];
    for (;;) {
      const now = this.usedIdx;
      fence(); // used.idx before the elements (virtio_rmb)
      while (this.#lastUsed !== now) {
        const at = this.used + 4 + 8 * (this.#lastUsed % this.size);
        const head = this.ram.u32(at);
        const len = this.ram.u32(at + 4);
        const c = this.#chains.get(head);
        if (c === undefined) throw new Error(`device used head ${head}, which is not in flight`);
        this.#chains.delete(head);
        this.#free.push(...c.descs);
        out.push({ head, len, buf: c.bufs[c.bufs.length - 1] });
        this.#lastUsed = (this.#lastUsed + 1) & 0xffff;
      }
      // virtqueue_enable_cb: ask for an interrupt at the next used entry, then look again.
      this.ram.setU16(this.avail + 4 + 2 * this.size, this.#lastUsed);
      fence();
      if (this.usedIdx === this.#lastUsed) return out;
    }
  }

  #take(): number {
    const d = this.#free.shift();
    if (d === undefined) throw new RangeError("virtqueue full");
    return d;
  }
}
