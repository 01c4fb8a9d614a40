/**
 * Test helper: an in-memory guest — a `Uint8Array` as RAM at a non-zero guest-physical base —
 * and a tiny virtio driver that lays out split rings and descriptor chains the way Linux
 * does (a readable request descriptor then a writable response descriptor, or one indirect
 * descriptor naming a table of them), publishes them and reads the used ring back.
 * @module
 */
import { RegionMemory } from "./guest_memory.ts";
import { AVAIL_F_NO_INTERRUPT, DescFlag, SplitQueue, splitQueueSizes } from "./split_queue.ts";

/** Guest-physical address of the first byte of test RAM. */
export const RAM_BASE = 0x4000_0000;

/** Guest RAM with a bump allocator. */
export class GuestRam {
  readonly bytes: Uint8Array;
  readonly dv: DataView;
  readonly memory: RegionMemory;
  #next = 0;

  /** `size` bytes of RAM at `base`; over `bytes` when given (a mapping shared with the device). */
  constructor(size = 1 << 20, readonly base = RAM_BASE, bytes?: Uint8Array) {
    this.bytes = bytes ?? new Uint8Array(size);
    this.dv = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    this.memory = new RegionMemory([{ gpa: base, size: this.bytes.length, bytes: this.bytes }]);
  }

  /** `len` bytes aligned to `align`, zeroed; returns the guest-physical address. */
  alloc(len: number, align = 16): number {
    const at = Math.ceil(this.#next / align) * align;
    if (at + len > this.bytes.length) throw new RangeError("Test guest RAM exhausted");
    this.#next = at + len;
    this.bytes.fill(0, at, at + len);
    return this.base + at;
  }

  write(gpa: number, data: Uint8Array): void {
    this.bytes.set(data, gpa - this.base);
  }

  read(gpa: number, len: number): Uint8Array {
    return this.bytes.slice(gpa - this.base, gpa - this.base + len);
  }

  u16(gpa: number): number {
    return this.dv.getUint16(gpa - this.base, true);
  }
  setU16(gpa: number, v: number): void {
    this.dv.setUint16(gpa - this.base, v, true);
  }
  u32(gpa: number): number {
    return this.dv.getUint32(gpa - this.base, true);
  }
  setU32(gpa: number, v: number): void {
    this.dv.setUint32(gpa - this.base, v >>> 0, true);
  }
}

/** One buffer of a chain: data for the device to read, or room for it to write. */
export interface Part {
  write: boolean;
  len: number;
  data?: Uint8Array;
  /** Place it here instead of allocating (e.g. outside RAM, for hostile chains). */
  at?: number;
}

/** A raw descriptor, for hostile layouts. */
export interface RawDesc {
  addr: number;
  len: number;
  flags: number;
  next: number;
}

/** The driver side of one split queue. */
export class GuestQueue {
  readonly desc: number;
  readonly avail: number;
  readonly used: number;
  /** Heads made available, not yet published. */
  #added = 0;
  #lastUsed = 0;
  #freeDesc: number[];
  /** Head → descriptors it holds, and the guest address of each part. */
  readonly chains = new Map<number, { descs: number[]; parts: number[]; freed: boolean }>();

  constructor(readonly ram: GuestRam, readonly size: number) {
    const s = splitQueueSizes(size);
    this.desc = ram.alloc(s.desc, 16);
    this.avail = ram.alloc(s.avail, 2);
    this.used = ram.alloc(s.used, 4);
    this.#freeDesc = Array.from({ length: size }, (_, i) => i);
  }

  /** The device's view of this queue. */
  device(features: bigint = 0n): SplitQueue {
    return new SplitQueue(this.ram.memory, this.size, this.desc, this.avail, this.used, features);
  }

  /** Writes descriptor `i` of the table at `table`. */
  writeDesc(i: number, d: RawDesc, table = this.desc): void {
    const at = table + 16 * i - this.ram.base;
    const dv = this.ram.dv;
    dv.setUint32(at, d.addr % 0x1_0000_0000, true);
    dv.setUint32(at + 4, Math.floor(d.addr / 0x1_0000_0000), true);
    dv.setUint32(at + 8, d.len >>> 0, true);
    dv.setUint16(at + 12, d.flags, true);
    dv.setUint16(at + 14, d.next, true);
  }

  /** Places `parts` in fresh buffers and descriptors (or one indirect table); returns the head. */
  add(parts: Part[], opts: { indirect?: boolean } = {}): number {
    const addrs = parts.map((p) => {
      if (p.at !== undefined) return p.at;
      const a = this.ram.alloc(Math.max(p.len, 1), 8);
      if (p.data) this.ram.write(a, p.data);
      return a;
    });
    const flags = (k: number) =>
      (parts[k].write ? DescFlag.WRITE : 0) | (k + 1 < parts.length ? DescFlag.NEXT : 0);
    let head: number;
    let descs: number[];
    if (opts.indirect) {
      const table = this.ram.alloc(16 * parts.length, 16);
      parts.forEach((p, k) => {
        this.writeDesc(k, { addr: addrs[k], len: p.len, flags: flags(k), next: k + 1 }, table);
      });
      head = this.#take();
      descs = [head];
      this.writeDesc(head, {
        addr: table,
        len: 16 * parts.length,
        flags: DescFlag.INDIRECT,
        next: 0,
      });
    } else {
      descs = parts.map(() => this.#take());
      head = descs[0];
      parts.forEach((p, k) => {
        this.writeDesc(descs[k], {
          addr: addrs[k],
          len: p.len,
          flags: flags(k),
          next: descs[k + 1] ?? 0,
        });
      });
    }
    this.chains.set(head, { descs, parts: addrs, freed: false });
    this.offer(head);
    return head;
  }

  /** Puts `head` in the next avail slot (published by {@linkcode publish}). */
  offer(head: number): void {
    const idx = (this.ram.u16(this.avail + 2) + this.#added) & 0xffff;
    this.ram.setU16(this.avail + 4 + 2 * (idx % this.size), head);
    this.#added++;
  }

  /** Makes the offered heads visible: avail.idx += added. */
  publish(): void {
    this.ram.setU16(this.avail + 2, (this.ram.u16(this.avail + 2) + this.#added) & 0xffff);
    this.#added = 0;
  }

  /** Sets avail.idx directly (hostile drivers). */
  setAvailIdx(v: number): void {
    this.ram.setU16(this.avail + 2, v & 0xffff);
  }

  get availIdx(): number {
    return this.ram.u16(this.avail + 2);
  }

  get usedIdx(): number {
    return this.ram.u16(this.used + 2);
  }

  /** Used elements published since the last call; their descriptors become free again. */
  takeUsed(): { id: number; len: number }[] {
    const out: { id: number; len: number }[] = [];
    const now = this.usedIdx;
    while (this.#lastUsed !== now) {
      const at = this.used + 4 + 8 * (this.#lastUsed % this.size);
      const id = this.ram.u32(at);
      out.push({ id, len: this.ram.u32(at + 4) });
      const c = this.chains.get(id);
      if (c && !c.freed) {
        // Descriptors are free again; the record stays for partAddr until the head is reused.
        this.#freeDesc.push(...c.descs);
        c.freed = true;
      }
      this.#lastUsed = (this.#lastUsed + 1) & 0xffff;
    }
    return out;
  }

  /** The guest address of part `k` of chain `head`. */
  partAddr(head: number, k: number): number {
    return this.chains.get(head)!.parts[k];
  }

  setUsedEvent(v: number): void {
    this.ram.setU16(this.avail + 4 + 2 * this.size, v);
  }
  setNoInterrupt(on: boolean): void {
    this.ram.setU16(this.avail, on ? AVAIL_F_NO_INTERRUPT : 0);
  }
  get availEvent(): number {
    return this.ram.u16(this.used + 4 + 8 * this.size);
  }
  get usedFlags(): number {
    return this.ram.u16(this.used);
  }

  #take(): number {
    const d = this.#freeDesc.shift();
    if (d === undefined) throw new RangeError("Test queue out of descriptors");
    return d;
  }
}

/** Little-endian bytes of 32-bit words. */
export function words(ws: number[]): Uint8Array {
  const b = new Uint8Array(4 * ws.length);
  const dv = new DataView(b.buffer);
  ws.forEach((w, i) => dv.setUint32(4 * i, w >>> 0, true));
  return b;
}

/** Bytes as little-endian 32-bit words (a trailing partial word is dropped). */
export function toWords(b: Uint8Array): number[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: number[] = [];
  for (let i = 0; i + 4 <= b.length; i += 4) out.push(dv.getUint32(i, true));
  return out;
}
