/**
 * Guest memory as the device sees it: a few regions of guest-physical address space, each
 * backed by bytes the binding gives us (an mmapped file descriptor for vhost-user, a mapped
 * window for hvisor, a plain `Uint8Array` in tests).
 *
 * Guest-physical addresses are JavaScript numbers: exact up to 2^53, far above any guest's
 * RAM. A 64-bit value read from a descriptor is checked against that limit before use, so a
 * hostile address can never round onto a valid one.
 *
 * The hot path asks {@linkcode GuestMemory.find} for the region that holds a whole range and
 * then works on that region's cached `bytes`/`DataView` at `gpa - base(i)`: no allocation.
 * {@linkcode GuestMemory.view} hands out a subarray and is for cold paths.
 * @module
 */

/** One region of guest-physical memory and the bytes that back it. */
export interface GuestRegion {
  /** Guest-physical address of the first byte. */
  gpa: bigint | number;
  /** Length in bytes; at most `bytes.length`. */
  size: number;
  /** The backing bytes, e.g. a view over an mmapped area. */
  bytes: Uint8Array;
}

/** Bounds-checked access to guest memory by guest-physical address. */
export interface GuestMemory {
  /** Number of regions. */
  readonly regions: number;
  /**
   * Index of the region that holds every byte of `[gpa, gpa + len)`, or -1 when a byte lies
   * outside all regions or the range crosses from one region into another. `len` 0 is asked
   * as 1 byte at `gpa`.
   */
  find(gpa: number, len: number): number;
  /** Guest-physical address of region `i`'s first byte. */
  base(i: number): number;
  /** The bytes of region `i` (cached; index with `gpa - base(i)`). */
  bytes(i: number): Uint8Array;
  /** A little-endian view of region `i` (cached; offsets are `gpa - base(i)`). */
  dataView(i: number): DataView;
  /** A view of `[gpa, gpa + len)`, or null when the range is not inside one region. */
  view(gpa: number, len: number): Uint8Array | null;
  /** Reads a u16 at `gpa`; throws RangeError outside guest memory. */
  u16(gpa: number): number;
  /** Reads a u32 at `gpa`; throws RangeError outside guest memory. */
  u32(gpa: number): number;
  /** Reads a u64 at `gpa`; throws RangeError outside guest memory. */
  u64(gpa: number): bigint;
  /** Writes a u16 at `gpa`; throws RangeError outside guest memory. */
  setU16(gpa: number, v: number): void;
  /** Writes a u32 at `gpa`; throws RangeError outside guest memory. */
  setU32(gpa: number, v: number): void;
  /** Writes a u64 at `gpa`; throws RangeError outside guest memory. */
  setU64(gpa: number, v: bigint): void;
}

/** Largest guest-physical address (exclusive) a region may reach. */
export const MAX_GPA: number = Number.MAX_SAFE_INTEGER;

/** Converts an address given as bigint or number to a number, or throws RangeError. */
export function gpaNumber(gpa: bigint | number, what = "address"): number {
  const n = typeof gpa === "bigint" ? Number(gpa) : gpa;
  if (!Number.isSafeInteger(n) || n < 0 || (typeof gpa === "bigint" && BigInt(n) !== gpa)) {
    throw new RangeError(`Guest ${what} ${gpa} is not an integer in [0, 2^53)`);
  }
  return n;
}

/**
 * {@linkcode GuestMemory} over a list of regions. Regions may come in any order but must not
 * overlap. Lookups remember the last region hit, so a queue's accesses cost one comparison.
 *
 * @example
 * ```ts
 * import { RegionMemory } from "./guest_memory.ts";
 * const ram = new Uint8Array(0x10000);
 * const mem = new RegionMemory([{ gpa: 0x4000_0000n, size: ram.length, bytes: ram }]);
 * mem.setU32(0x4000_0010, 0xdeadbeef);
 * console.assert(ram[0x10] === 0xef && mem.u32(0x4000_0010) === 0xdeadbeef);
 * console.assert(mem.find(0x4000_fffe, 4) === -1);
 * ```
 */
export class RegionMemory implements GuestMemory {
  readonly #base: number[];
  readonly #end: number[];
  readonly #bytes: Uint8Array[];
  readonly #views: DataView[];
  #last = 0;

  /** Throws RangeError for overlapping regions, bad sizes or addresses past 2^53. */
  constructor(regions: readonly GuestRegion[]) {
    const sorted = regions.map((r, i) => {
      const gpa = gpaNumber(r.gpa, `region ${i} address`);
      if (!Number.isSafeInteger(r.size) || r.size <= 0 || r.size > r.bytes.length) {
        throw new RangeError(
          `Guest region ${i}: size ${r.size} must be 1..${r.bytes.length} (its bytes)`,
        );
      }
      if (gpa + r.size > MAX_GPA) {
        throw new RangeError(`Guest region ${i} ends beyond 2^53`);
      }
      return { gpa, size: r.size, bytes: r.bytes };
    }).sort((a, b) => a.gpa - b.gpa);
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1];
      if (prev.gpa + prev.size > sorted[i].gpa) {
        throw new RangeError(
          `Guest regions overlap: 0x${prev.gpa.toString(16)}+0x${prev.size.toString(16)} ` +
            `and 0x${sorted[i].gpa.toString(16)}`,
        );
      }
    }
    this.#base = sorted.map((r) => r.gpa);
    this.#end = sorted.map((r) => r.gpa + r.size);
    this.#bytes = sorted.map((r) =>
      r.size === r.bytes.length ? r.bytes : r.bytes.subarray(0, r.size)
    );
    this.#views = this.#bytes.map((b) => new DataView(b.buffer, b.byteOffset, b.byteLength));
  }

  get regions(): number {
    return this.#base.length;
  }

  find(gpa: number, len: number): number {
    const end = gpa + (len > 0 ? len : 1);
    let i = this.#last;
    if (i < this.#base.length && gpa >= this.#base[i] && end <= this.#end[i]) return i;
    const n = this.#base.length;
    for (i = 0; i < n; i++) {
      if (gpa >= this.#base[i] && end <= this.#end[i]) {
        this.#last = i;
        return i;
      }
    }
    return -1;
  }

  base(i: number): number {
    return this.#base[i];
  }

  bytes(i: number): Uint8Array {
    return this.#bytes[i];
  }

  dataView(i: number): DataView {
    return this.#views[i];
  }

  view(gpa: number, len: number): Uint8Array | null {
    if (!Number.isSafeInteger(gpa) || !Number.isSafeInteger(len) || gpa < 0 || len < 0) {
      return null;
    }
    const i = this.find(gpa, len);
    if (i < 0) return null;
    const off = gpa - this.#base[i];
    return this.#bytes[i].subarray(off, off + len);
  }

  #at(gpa: number, len: number): number {
    const i = Number.isSafeInteger(gpa) && gpa >= 0 ? this.find(gpa, len) : -1;
    if (i < 0) {
      throw new RangeError(`Guest address 0x${gpa.toString(16)}+${len} lies outside guest memory`);
    }
    return i;
  }

  u16(gpa: number): number {
    const i = this.#at(gpa, 2);
    return this.#views[i].getUint16(gpa - this.#base[i], true);
  }
  u32(gpa: number): number {
    const i = this.#at(gpa, 4);
    return this.#views[i].getUint32(gpa - this.#base[i], true);
  }
  u64(gpa: number): bigint {
    const i = this.#at(gpa, 8);
    return this.#views[i].getBigUint64(gpa - this.#base[i], true);
  }
  setU16(gpa: number, v: number): void {
    const i = this.#at(gpa, 2);
    this.#views[i].setUint16(gpa - this.#base[i], v, true);
  }
  setU32(gpa: number, v: number): void {
    const i = this.#at(gpa, 4);
    this.#views[i].setUint32(gpa - this.#base[i], v >>> 0, true);
  }
  setU64(gpa: number, v: bigint): void {
    const i = this.#at(gpa, 8);
    this.#views[i].setBigUint64(gpa - this.#base[i], BigInt.asUintN(64, v), true);
  }
}
