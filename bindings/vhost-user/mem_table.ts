/**
 * The guest memory a front-end shares with SET_MEM_TABLE: each region mapped from its file
 * descriptor, with the two address spaces vhost-user mixes — guest-physical addresses
 * (descriptor buffers) and the front-end's own virtual addresses (ring addresses in
 * SET_VRING_ADDR). A region with Xen mmap flags (XEN_MMAP negotiated) is mapped through the
 * Xen device its descriptor opens (`xen_map.ts`) instead.
 * @module
 */
import { closeFd } from "../native/libc.ts";
import { Mapping } from "../native/mmap.ts";
import type { MemRegionDesc } from "./protocol.ts";
import { type Ioctl, mapXenRegion, nativeIoctl, XEN_GRANT_ADDR_OFF } from "./xen_map.ts";

/** One mapped region. */
export interface MappedRegion {
  /** Guest-physical address of the first byte. */
  readonly gpa: number;
  readonly size: number;
  /** The front-end's virtual address of the first byte. */
  readonly uva: bigint;
  /** The region's bytes, in place. */
  readonly bytes: Uint8Array;
}

/** Guest-physical addresses must stay exact as JavaScript numbers. */
const MAX_GPA = BigInt(Number.MAX_SAFE_INTEGER);

export class MemTable {
  readonly regions: readonly MappedRegion[];
  readonly #maps: { unmap(): void }[];

  private constructor(regions: MappedRegion[], maps: { unmap(): void }[]) {
    this.regions = regions;
    this.#maps = maps;
  }

  /**
   * Maps every region of `descs` from the matching descriptor of `fds`, then closes all the
   * descriptors (the mappings keep the memory). On failure nothing stays mapped and the
   * error names the region. `ioctl` serves Xen regions (tests pass their own).
   */
  static map(
    descs: readonly MemRegionDesc[],
    fds: readonly number[],
    ioctl: Ioctl = nativeIoctl,
  ): MemTable {
    const maps: { unmap(): void }[] = [];
    const regions: MappedRegion[] = [];
    try {
      descs.forEach((d, i) => {
        if (d.gpa + d.size > MAX_GPA) {
          throw new RangeError(
            `Region ${i} lies above guest-physical 2^53${
              d.xen !== undefined && d.gpa >= XEN_GRANT_ADDR_OFF
                ? " (a Xen grant address, bit 63: guest addresses that high are not served)"
                : ""
            }`,
          );
        }
        const size = Number(d.size);
        let m: { bytes: Uint8Array; unmap(): void };
        try {
          m = d.xen === undefined
            ? new Mapping(fds[i], size, Number(d.mmapOffset))
            : mapXenRegion(fds[i], { ...d.xen, gpa: d.gpa, size, mmapOffset: d.mmapOffset }, ioctl);
        } catch (e) {
          throw new Error(
            `Cannot map region ${i} (${size} bytes at guest-physical 0x${d.gpa.toString(16)}): ${
              e instanceof Error ? e.message : e
            }`,
          );
        }
        maps.push(m);
        regions.push({ gpa: Number(d.gpa), size, uva: d.uva, bytes: m.bytes });
      });
    } catch (e) {
      for (const m of maps) m.unmap();
      throw e;
    } finally {
      for (const fd of fds) closeFd(fd);
    }
    return new MemTable(regions, maps);
  }

  /** Bytes mapped in total. */
  get totalSize(): number {
    return this.regions.reduce((n, r) => n + r.size, 0);
  }

  /**
   * The guest-physical address of front-end virtual address `uva`, provided `len` bytes from
   * there lie inside one region; -1 otherwise.
   */
  uvaToGpa(uva: bigint, len: number): number {
    const n = BigInt(len);
    for (const r of this.regions) {
      if (uva >= r.uva && uva + n <= r.uva + BigInt(r.size)) return r.gpa + Number(uva - r.uva);
    }
    return -1;
  }

  /** Unmaps every region; views handed out must not be used afterwards. Idempotent. */
  unmap(): void {
    for (const m of this.#maps) m.unmap();
  }
}
