/**
 * Shared mappings of guest memory: the front-end passes each RAM region as a file
 * descriptor (memfd, hugetlbfs or /dev/shm file) that the back-end maps MAP_SHARED, so the
 * virtqueues and buffers are read and written in place through a `Uint8Array` over the
 * mapping — no native call per descriptor.
 * @module
 */
import { C, errno, fileSize, libc, LibcError } from "./libc.ts";

let page = 0;

/** The system's page size: what a mapping's file offset (`base`) must be a multiple of. */
export function pageSize(): number {
  return page ||= Number(libc().sysconf(C._SC_PAGESIZE));
}

/**
 * `mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, offset)` (`PROT_READ` alone with
 * `readOnly`): the address of the new mapping, or a {@linkcode LibcError} naming the
 * descriptor. No size check: the caller knows what the descriptor maps (a file checked
 * against its size, a device, or a Xen device).
 */
export function mapShared(
  fd: number,
  len: number,
  offset: number,
  readOnly = false,
): Deno.PointerObject {
  const ptr = libc().mmap(
    null,
    BigInt(len),
    readOnly ? C.PROT_READ : C.PROT_READ | C.PROT_WRITE,
    C.MAP_SHARED,
    fd,
    BigInt(offset),
  );
  const v = ptr === null ? 0n : Deno.UnsafePointer.value(ptr);
  if (ptr === null || v === -1n || v === 0xffff_ffff_ffff_ffffn) {
    throw new LibcError("mmap", errno(), `${len} bytes of fd ${fd} at offset ${offset}`);
  }
  return ptr;
}

/** One live mapping; `unmap()` is idempotent. */
export class Mapping {
  #ptr: Deno.PointerValue;
  #len: number;
  /** The bytes of the mapping (from `offset` of the file, `size` bytes). */
  readonly bytes: Uint8Array;

  /**
   * Maps `size` bytes of `fd` from byte `base + offset`, read-write and shared. The offset
   * need not be page-aligned: the file is mapped from `base` (0, or a multiple of
   * {@linkcode pageSize}) and the view starts at `offset`; `readOnly` maps it for reading
   * only (a write through `bytes` would then kill the process: callers guard it). Throws RangeError when a regular
   * file is shorter than `base + offset + size` (a device, `device: true`, has no size to
   * check), LibcError when the kernel refuses (bad fd, no address space, a range the device
   * does not map).
   */
  constructor(
    fd: number,
    size: number,
    offset = 0,
    opts: { base?: number; device?: boolean; readOnly?: boolean } = {},
  ) {
    const base = opts.base ?? 0;
    if (
      !Number.isSafeInteger(size) || size <= 0 || !Number.isSafeInteger(offset) || offset < 0 ||
      !Number.isSafeInteger(base) || base < 0 || base % pageSize() !== 0
    ) {
      throw new RangeError(`Cannot map ${size} bytes at offset ${offset} from ${base}`);
    }
    const len = size + offset;
    // Touching a page past the end of the file would kill the process (SIGBUS).
    const have = opts.device ? Infinity : fileSize(fd);
    if (base + len > have) {
      throw new RangeError(`${base + len} bytes asked of a ${have}-byte file (fd ${fd})`);
    }
    const ptr = mapShared(fd, len, base, opts.readOnly);
    this.#ptr = ptr;
    this.#len = len;
    this.bytes = new Uint8Array(
      Deno.UnsafePointerView.getArrayBuffer(ptr, size, offset),
    );
  }

  /** Whether the mapping is still there (its `bytes` may be used). */
  get mapped(): boolean {
    return this.#ptr !== null;
  }

  /**
   * Removes the mapping. `bytes` must not be touched afterwards: it points at memory that is
   * no longer mapped.
   */
  unmap(): void {
    if (this.#ptr === null) return;
    libc().munmap(this.#ptr, BigInt(this.#len));
    this.#ptr = null;
  }
}

/**
 * Maps `size` bytes of the file or device at `path` from byte `at` (for `/dev/mem`, the
 * physical address; for a file standing in for it, the same offset; for a UIO device, map N
 * at N × {@linkcode pageSize}), shared and uncached (`O_SYNC`), read-write or, with
 * `readOnly`, for reading only. The descriptor is closed once mapped. Throws RangeError when
 * a regular file is shorter than `at + size`, LibcError when it cannot be opened or mapped.
 */
export function mapRange(path: string, at: number, size: number, readOnly = false): Mapping {
  const base = at - at % pageSize();
  const device = !Deno.statSync(path).isFile;
  const fd = libc().open(
    new TextEncoder().encode(path + "\0"),
    (readOnly ? C.O_RDONLY : C.O_RDWR) | C.O_SYNC | C.O_CLOEXEC,
    0,
  );
  if (fd < 0) throw new LibcError("open", errno(), path);
  try {
    return new Mapping(fd, size, at - base, { base, device, readOnly });
  } finally {
    libc().close(fd);
  }
}
