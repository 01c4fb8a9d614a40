/**
 * Xen guest memory for the vhost-user back-end (VHOST_USER_PROTOCOL_F_XEN_MMAP). A Xen
 * guest's RAM is not a file the front-end can share: each region of SET_MEM_TABLE names the
 * guest's domain and comes with a descriptor of a Xen device, and the back-end maps the
 * guest's pages through it.
 *
 * - foreign (flag bit 0, descriptor of `/dev/xen/privcmd`): the descriptor is mapped to
 *   reserve the address range, then IOCTL_PRIVCMD_MMAPBATCH_V2 fills it with the guest frames
 *   `gpa / 4096 + i`; the per-frame error array must come back all zero.
 * - grant (flag bit 1, descriptor of `/dev/xen/gntdev`): IOCTL_GNTDEV_MAP_GRANT_REF takes the
 *   grant references `(gpa without bit 63) / 4096 + i` of the domain and answers an offset,
 *   at which the descriptor is then mapped. If that mapping fails the references are given
 *   back with IOCTL_GNTDEV_UNMAP_GRANT_REF.
 *
 * Ioctl numbers and struct layouts are those of Linux's `include/uapi/xen/privcmd.h` and
 * `gntdev.h` on 64-bit targets (x86_64 and aarch64 encode `_IOC` alike): see
 * `xen_map_test.ts` for how they were obtained. The ioctl itself is injectable, so tests run
 * without Xen.
 * @module
 */
import { addressOf, errno, libc, strerror } from "../native/libc.ts";
import { mapShared } from "../native/mmap.ts";
import { XenMmapFlag } from "./protocol.ts";

/** Xen's page: guest frames and grant references count in 4 KiB units. */
export const XEN_PAGE_SIZE = 4096;

/** The ioctl request numbers, `_IOC(_IOC_NONE, type, nr, sizeof(struct))`. */
export const XenIoctl = {
  /** `_IOC(_IOC_NONE, 'P', 4, 32)` */
  PRIVCMD_MMAPBATCH_V2: 0x205004n,
  /** `_IOC(_IOC_NONE, 'G', 0, 24)` */
  GNTDEV_MAP_GRANT_REF: 0x184700n,
  /** `_IOC(_IOC_NONE, 'G', 1, 16)` */
  GNTDEV_UNMAP_GRANT_REF: 0x104701n,
} as const;

/**
 * Sizes of the ioctl arguments. `privcmd_mmapbatch_v2`: u32 num @0, u16 dom @4, u64 addr
 * @8, xen_pfn_t *arr @16, int *err @24. `ioctl_gntdev_map_grant_ref`: u32 count @0, u32 pad
 * @4, u64 index @8 (answered), then count × {u32 domid, u32 ref} @16.
 * `ioctl_gntdev_unmap_grant_ref`: u64 index @0, u32 count @8, u32 pad @12.
 */
export const XenArgSize = {
  MMAPBATCH_V2: 32,
  MAP_GRANT_REF_HEAD: 16,
  GRANT_REF: 8,
  UNMAP_GRANT_REF: 16,
} as const;

/** Domain ids from here on are Xen's reserved ones (DOMID_SELF, DOMID_IO, …). */
export const DOMID_FIRST_RESERVED = 0x7ff0;

/** Most pages one region may map (64 GiB): bounds the frame and error arrays. */
export const MAX_XEN_PAGES = 1 << 24;

/** The bit Xen's grant DMA sets in guest addresses; the grant reference follows it. */
export const XEN_GRANT_ADDR_OFF = 1n << 63n;

/**
 * `ioctl(fd, request, arg)`: 0 on success, else the errno. The native one calls libc; tests
 * pass their own to see the exact argument bytes.
 */
export type Ioctl = (fd: number, request: bigint, arg: Uint8Array) => number;

/** The native ioctl through libc. */
export const nativeIoctl: Ioctl = (fd, request, arg) =>
  libc().ioctl(fd, request, addressOf(arg)) === -1 ? errno() || 5 : 0;

/** How a region is mapped. */
export type XenMapKind = "foreign" | "grant";

/** A Xen region as SET_MEM_TABLE described it. */
export interface XenRegion {
  gpa: bigint;
  size: number;
  mmapOffset: bigint;
  flags: number;
  domid: number;
}

/**
 * Checks a region's flags and domain id; returns how it is mapped. Throws RangeError with
 * the reason (the caller names the region).
 */
export function checkXenRegion(r: XenRegion): XenMapKind {
  const known = XenMmapFlag.FOREIGN | XenMmapFlag.GRANT | XenMmapFlag.NO_ADVANCE_MAP |
    XenMmapFlag.NO_ADVANCE_MAP_VM_MEMORY;
  const hex = `0x${r.flags.toString(16)}`;
  if ((r.flags & ~known) !== 0) throw new RangeError(`unknown Xen mmap flags ${hex}`);
  if ((r.flags & (XenMmapFlag.NO_ADVANCE_MAP | XenMmapFlag.NO_ADVANCE_MAP_VM_MEMORY)) !== 0) {
    throw new RangeError(
      `Xen mmap flags ${hex} ask for mapping on demand only, which vscmi does not do`,
    );
  }
  const foreign = (r.flags & XenMmapFlag.FOREIGN) !== 0;
  const grant = (r.flags & XenMmapFlag.GRANT) !== 0;
  if (foreign === grant) {
    throw new RangeError(
      `Xen mmap flags ${hex} name neither or both of foreign (0x1) and grant (0x2)`,
    );
  }
  if (r.domid === 0 || r.domid >= DOMID_FIRST_RESERVED) {
    throw new RangeError(
      `Xen domain ${r.domid} is not a guest's (1 to ${DOMID_FIRST_RESERVED - 1})`,
    );
  }
  if (r.mmapOffset !== 0n) {
    throw new RangeError(
      `mmap offset 0x${r.mmapOffset.toString(16)} is not 0, as Xen regions need`,
    );
  }
  if (r.gpa % BigInt(XEN_PAGE_SIZE) !== 0n) {
    throw new RangeError(
      `guest address 0x${r.gpa.toString(16)} is not on a ${XEN_PAGE_SIZE}-byte page`,
    );
  }
  if (pagesOf(r.size) > MAX_XEN_PAGES) {
    throw new RangeError(`${r.size} bytes exceed the ${MAX_XEN_PAGES} pages a Xen region may map`);
  }
  return foreign ? "foreign" : "grant";
}

function pagesOf(size: number): number {
  return Math.ceil(size / XEN_PAGE_SIZE);
}

/** `privcmd_mmapbatch_v2` for `num` frames of domain `domid` at address `addr`. */
export function encodeMmapBatchV2(
  num: number,
  domid: number,
  addr: bigint,
  arr: bigint,
  err: bigint,
): Uint8Array {
  const b = new Uint8Array(XenArgSize.MMAPBATCH_V2);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, num, true);
  dv.setUint16(4, domid, true);
  dv.setBigUint64(8, addr, true);
  dv.setBigUint64(16, arr, true);
  dv.setBigUint64(24, err, true);
  return b;
}

/** `ioctl_gntdev_map_grant_ref` for references `first … first + count - 1` of `domid`. */
export function encodeMapGrantRef(domid: number, first: number, count: number): Uint8Array {
  const b = new Uint8Array(XenArgSize.MAP_GRANT_REF_HEAD + XenArgSize.GRANT_REF * count);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, count, true);
  for (let i = 0; i < count; i++) {
    const o = XenArgSize.MAP_GRANT_REF_HEAD + XenArgSize.GRANT_REF * i;
    dv.setUint32(o, domid, true);
    dv.setUint32(o + 4, first + i, true);
  }
  return b;
}

/** `ioctl_gntdev_unmap_grant_ref` for `count` pages at gntdev offset `index`. */
export function encodeUnmapGrantRef(index: bigint, count: number): Uint8Array {
  const b = new Uint8Array(XenArgSize.UNMAP_GRANT_REF);
  const dv = new DataView(b.buffer);
  dv.setBigUint64(0, index, true);
  dv.setUint32(8, count, true);
  return b;
}

/** A mapped Xen region; `unmap()` is idempotent. */
export class XenMapping {
  #ptr: Deno.PointerObject | null;
  readonly #len: number;
  /** The region's bytes (`size` of them). */
  readonly bytes: Uint8Array;

  constructor(ptr: Deno.PointerObject, len: number, size: number) {
    this.#ptr = ptr;
    this.#len = len;
    this.bytes = new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(ptr, size));
  }

  /** Removes the mapping (the guest's pages are released with it). */
  unmap(): void {
    if (this.#ptr === null) return;
    libc().munmap(this.#ptr, BigInt(this.#len));
    this.#ptr = null;
  }
}

/**
 * Maps region `r` (checked by {@linkcode checkXenRegion}) through `fd`, the privcmd or
 * gntdev descriptor that came with it. The descriptor may be closed afterwards: the mapping
 * holds the device open. Throws Error naming the domain and what Xen refused; nothing stays
 * mapped then.
 */
export function mapXenRegion(fd: number, r: XenRegion, ioctl: Ioctl = nativeIoctl): XenMapping {
  const kind = checkXenRegion(r);
  const pages = pagesOf(r.size);
  const len = pages * XEN_PAGE_SIZE;
  return kind === "foreign"
    ? mapForeign(fd, r, pages, len, ioctl)
    : mapGrant(fd, r, pages, len, ioctl);
}

function mapForeign(fd: number, r: XenRegion, pages: number, len: number, ioctl: Ioctl) {
  const ptr = mapShared(fd, len, 0);
  try {
    const base = r.gpa / BigInt(XEN_PAGE_SIZE);
    const arr = new Uint8Array(8 * pages);
    const frames = new DataView(arr.buffer);
    for (let i = 0; i < pages; i++) frames.setBigUint64(8 * i, base + BigInt(i), true);
    const err = new Uint8Array(4 * pages);
    const arg = encodeMmapBatchV2(
      pages,
      r.domid,
      BigInt(Deno.UnsafePointer.value(ptr)),
      addressOf(arr),
      addressOf(err),
    );
    const e = ioctl(fd, XenIoctl.PRIVCMD_MMAPBATCH_V2, arg);
    const errs = new DataView(err.buffer);
    let bad = -1;
    let failed = 0;
    for (let i = 0; i < pages; i++) {
      if (errs.getInt32(4 * i, true) !== 0) {
        if (bad < 0) bad = i;
        failed++;
      }
    }
    if (bad >= 0) {
      const code = -errs.getInt32(4 * bad, true);
      throw new Error(
        `Xen domain ${r.domid} did not map guest frame 0x${(base + BigInt(bad)).toString(16)}${
          failed > 1 ? ` (nor ${failed - 1} more)` : ""
        }: ${strerror(Math.abs(code))}`,
      );
    }
    if (e !== 0) {
      throw new Error(
        `Xen domain ${r.domid}: foreign mapping of ${pages} pages refused: ${
          strerror(e)
        } (errno ${e})`,
      );
    }
    return new XenMapping(ptr, len, r.size);
  } catch (e) {
    libc().munmap(ptr, BigInt(len));
    throw e;
  }
}

function mapGrant(fd: number, r: XenRegion, pages: number, len: number, ioctl: Ioctl) {
  const first = (r.gpa & ~XEN_GRANT_ADDR_OFF) / BigInt(XEN_PAGE_SIZE);
  if (first + BigInt(pages) > 1n << 32n) {
    throw new RangeError(
      `grant references 0x${first.toString(16)} + ${pages} do not fit Xen's 32-bit references`,
    );
  }
  const arg = encodeMapGrantRef(r.domid, Number(first), pages);
  const e = ioctl(fd, XenIoctl.GNTDEV_MAP_GRANT_REF, arg);
  if (e !== 0) {
    throw new Error(
      `Xen domain ${r.domid}: grant references 0x${first.toString(16)}…+${pages} not mapped: ${
        strerror(e)
      } (errno ${e})`,
    );
  }
  const index = new DataView(arg.buffer).getBigUint64(8, true);
  try {
    if (index > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new RangeError(`gntdev answered offset 0x${index.toString(16)}`);
    }
    return new XenMapping(mapShared(fd, len, Number(index)), len, r.size);
  } catch (err) {
    ioctl(fd, XenIoctl.GNTDEV_UNMAP_GRANT_REF, encodeUnmapGrantRef(index, pages));
    throw err;
  }
}
