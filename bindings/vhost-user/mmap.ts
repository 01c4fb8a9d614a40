/**
 * Shared mappings of guest memory: the front-end passes each RAM region as a file
 * descriptor (memfd, hugetlbfs or /dev/shm file) that the back-end maps MAP_SHARED, so the
 * virtqueues and buffers are read and written in place through a `Uint8Array` over the
 * mapping — no native call per descriptor.
 * @module
 */
import { C, errno, fileSize, libc, LibcError } from "./libc.ts";

/**
 * `mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, offset)`: the address of the new
 * mapping, or a {@linkcode LibcError} naming the descriptor. No size check: the caller knows
 * what the descriptor maps (a file checked against its size, or a Xen device).
 */
export function mapShared(fd: number, len: number, offset: number): Deno.PointerObject {
  const ptr = libc().mmap(
    null,
    BigInt(len),
    C.PROT_READ | C.PROT_WRITE,
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
   * Maps `size` bytes of `fd` from byte `offset`, read-write and shared. The offset need not
   * be page-aligned: the file is mapped from 0 and the view starts at `offset`. Throws
   * RangeError when the file is shorter than `offset + size`, LibcError when the kernel
   * refuses (bad fd, no address space).
   */
  constructor(fd: number, size: number, offset = 0) {
    if (!Number.isSafeInteger(size) || size <= 0 || !Number.isSafeInteger(offset) || offset < 0) {
      throw new RangeError(`Cannot map ${size} bytes at offset ${offset}`);
    }
    const len = size + offset;
    // Touching a page past the end of the file would kill the process (SIGBUS).
    const have = fileSize(fd);
    if (len > have) {
      throw new RangeError(`${len} bytes asked of a ${have}-byte file (fd ${fd})`);
    }
    const ptr = mapShared(fd, len, 0);
    this.#ptr = ptr;
    this.#len = len;
    this.bytes = new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(ptr, size, offset));
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
