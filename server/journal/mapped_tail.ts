/**
 * The journal's records written into the page cache through a shared mapping of the file's
 * tail: the `process` durability's write, a copy instead of a `write()` system call per
 * record. A shared mapping of a file is its page cache, so a record copied in survives a
 * crash or `kill -9` of vscmi exactly as a written one does, and readers of the file see it
 * at once.
 *
 * The mapping only ever covers bytes the file already has: the journal writes zeros ahead of
 * its records (real blocks, so a full disk fails that `write()`, never a later store into the
 * mapping) and maps from the page of the next record to the end of those zeros. Touching a
 * mapped page past the end of the file would kill the process (SIGBUS), so the journal drops
 * the mapping before it cuts the file, and the state directory is private to vscmi. Only
 * file systems that overwrite written blocks in place are mapped (ext2/3/4, XFS, tmpfs): on a
 * copy-on-write one (btrfs, ZFS, bcachefs…) a store into the mapping needs new space, and on a
 * full disk the kernel would answer it with SIGBUS, so there the journal uses `write()`.
 * @module
 */

/** `statfs.f_type` of the file systems whose written blocks a mapped store overwrites. */
export const MAPPED_FILE_SYSTEMS: ReadonlySet<number> = new Set([
  0xef53, // ext2, ext3, ext4
  0x58465342, // XFS
  0x01021994, // tmpfs
]);
import { closeFd, fileSystemType, openReadWrite } from "../../bindings/native/libc.ts";
import { Mapping, pageSize } from "../../bindings/native/mmap.ts";

/** A shared mapping of the end of the journal file, remapped as the file grows. */
export class MappedTail {
  #fd: number;
  #map: Mapping | null = null;
  /** File offset of the mapping's first byte (page-aligned). */
  #base = 0;
  /** File offset one past the mapping's last byte. */
  #end = 0;

  private constructor(fd: number) {
    this.#fd = fd;
  }

  /**
   * A mapped tail of the file at `path`, or null where this process cannot map files (no
   * FFI permission, no libc) or the file system is not one of
   * {@linkcode MAPPED_FILE_SYSTEMS}: the journal then writes with `write()`.
   */
  static open(path: string): MappedTail | null {
    let fd = -1;
    try {
      fd = openReadWrite(path);
      if (MAPPED_FILE_SYSTEMS.has(fileSystemType(fd))) return new MappedTail(fd);
    } catch {
      // No FFI, or no libc: write() it is.
    }
    closeFd(fd);
    return null;
  }

  /**
   * Copies `bytes` to file offset `at`. The file must be at least `end` bytes long and
   * `at + bytes.length <= end`: the mapping is made (again) from the page of `at` to `end`
   * when it does not cover the range. Throws when the kernel refuses the mapping.
   */
  write(at: number, bytes: Uint8Array, end: number): void {
    if (this.#map === null || at < this.#base || at + bytes.length > this.#end) {
      this.#remap(at, end);
    }
    this.#map!.bytes.set(bytes, at - this.#base);
  }

  #remap(at: number, end: number): void {
    this.unmap();
    const base = at - at % pageSize();
    if (end <= base || at > end) throw new RangeError(`Cannot map ${at}…${end} of the journal`);
    this.#map = new Mapping(this.#fd, end - base, 0, { base });
    this.#base = base;
    this.#end = end;
  }

  /** Drops the mapping (before the file is cut); the next write maps again. */
  unmap(): void {
    this.#map?.unmap();
    this.#map = null;
  }

  /** Maps the file now at `path` from the next write on (after a compaction renamed a new one). */
  reopen(path: string): void {
    const fd = openReadWrite(path);
    this.close();
    this.#fd = fd;
  }

  /** Drops the mapping and the descriptor. */
  close(): void {
    this.unmap();
    closeFd(this.#fd);
    this.#fd = -1;
  }
}
