/**
 * The native-call layer of the bindings (vhost-user, hvisor): the few libc functions Deno has no API
 * for (file-descriptor passing on Unix sockets, `mmap`, `ioctl`, eventfds, `poll`), opened once per
 * thread through Deno FFI, with the Linux constants and struct sizes they need.
 *
 * Every call here is synchronous and returns at once (descriptors are non-blocking), except
 * `poll`, which only the waiting Worker (`_poll_worker.ts`) calls with a timeout.
 *
 * Layouts are those of Linux on 64-bit targets (x86_64 and aarch64 agree on every constant
 * and struct used here).
 * @module
 */

/** Every libc function the binding uses; C prototypes in the comments. */
export const symbols = {
  /** int socket(int domain, int type, int protocol) */
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  /** int bind(int fd, const struct sockaddr *addr, socklen_t len) */
  bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  /** int listen(int fd, int backlog) */
  listen: { parameters: ["i32", "i32"], result: "i32" },
  /** int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) */
  accept4: { parameters: ["i32", "pointer", "pointer", "i32"], result: "i32" },
  /** int connect(int fd, const struct sockaddr *addr, socklen_t len) */
  connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  /** ssize_t recvmsg(int fd, struct msghdr *msg, int flags) */
  recvmsg: { parameters: ["i32", "buffer", "i32"], result: "isize" },
  /** ssize_t sendmsg(int fd, const struct msghdr *msg, int flags) */
  sendmsg: { parameters: ["i32", "buffer", "i32"], result: "isize" },
  /** ssize_t read(int fd, void *buf, size_t count) */
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  /** ssize_t write(int fd, const void *buf, size_t count) */
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  /** int open(const char *path, int flags, mode_t mode) */
  open: { parameters: ["buffer", "i32", "u32"], result: "i32" },
  /**
   * int ioctl(int fd, unsigned long request, unsigned long arg) — an integer argument, or a
   * structure's address through {@linkcode addressOf}
   */
  ioctl: { parameters: ["i32", "u64", "u64"], result: "i32" },
  /** long sysconf(int name) */
  sysconf: { parameters: ["i32"], result: "i64" },
  /** int close(int fd) */
  close: { parameters: ["i32"], result: "i32" },
  /** int shutdown(int fd, int how) */
  shutdown: { parameters: ["i32", "i32"], result: "i32" },
  /** int fcntl(int fd, int cmd, int arg) — the (int, int, int) form only */
  fcntl: { parameters: ["i32", "i32", "i32"], result: "i32" },
  /** void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t offset) */
  mmap: { parameters: ["pointer", "usize", "i32", "i32", "i32", "i64"], result: "pointer" },
  /** int munmap(void *addr, size_t len) */
  munmap: { parameters: ["pointer", "usize"], result: "i32" },
  /** int eventfd(unsigned int initval, int flags) */
  eventfd: { parameters: ["u32", "i32"], result: "i32" },
  /** int poll(struct pollfd *fds, nfds_t nfds, int timeout_ms) */
  poll: { parameters: ["buffer", "u64", "i32"], result: "i32" },
  /** int memfd_create(const char *name, unsigned int flags) */
  memfd_create: { parameters: ["buffer", "u32"], result: "i32" },
  /** int fstat(int fd, struct stat *st) — glibc 2.33 and later export it */
  fstat: { parameters: ["i32", "buffer"], result: "i32" },
  /** int fstatfs(int fd, struct statfs *buf) — `f_type` is its first field (a long) */
  fstatfs: { parameters: ["i32", "buffer"], result: "i32" },
  /** int ftruncate(int fd, off_t length) */
  ftruncate: { parameters: ["i32", "i64"], result: "i32" },
  /** int *__errno_location(void) — the calling thread's errno */
  __errno_location: { parameters: [], result: "pointer" },
  /** char *strerror(int errnum) */
  strerror: { parameters: ["i32"], result: "pointer" },
} as const satisfies Deno.ForeignLibraryInterface;

/** Linux constants used by the binding. */
export const C = {
  AF_UNIX: 1,
  SOCK_STREAM: 1,
  SOCK_NONBLOCK: 0o4000,
  SOCK_CLOEXEC: 0o2000000,
  SOL_SOCKET: 1,
  SCM_RIGHTS: 1,
  SHUT_RDWR: 2,
  MSG_CTRUNC: 0x8,
  MSG_DONTWAIT: 0x40,
  MSG_NOSIGNAL: 0x4000,
  MSG_CMSG_CLOEXEC: 0x40000000,
  PROT_READ: 1,
  PROT_WRITE: 2,
  MAP_SHARED: 1,
  EFD_NONBLOCK: 0o4000,
  EFD_CLOEXEC: 0o2000000,
  MFD_CLOEXEC: 1,
  F_GETFL: 3,
  F_SETFL: 4,
  O_NONBLOCK: 0o4000,
  O_RDONLY: 0,
  O_RDWR: 2,
  O_SYNC: 0o4010000,
  O_CLOEXEC: 0o2000000,
  _SC_PAGESIZE: 30,
  EPERM: 1,
  EACCES: 13,
  EROFS: 30,
  POLLIN: 0x1,
  POLLOUT: 0x4,
  POLLERR: 0x8,
  POLLHUP: 0x10,
  POLLNVAL: 0x20,
  EINTR: 4,
  EAGAIN: 11,
  ECONNRESET: 104,
  EINPROGRESS: 115,
} as const;

/** Sizes of the C structs the binding builds by hand (LP64 Linux). */
export const SIZEOF = {
  /** struct sockaddr_un: sa_family_t sun_family; char sun_path[108] */
  sockaddr_un: 110,
  /** struct msghdr: name, namelen(+pad), iov, iovlen, control, controllen, flags(+pad) */
  msghdr: 56,
  /** struct iovec: void *iov_base; size_t iov_len */
  iovec: 16,
  /** struct cmsghdr: size_t cmsg_len; int cmsg_level; int cmsg_type (data follows) */
  cmsghdr: 16,
  /** struct pollfd: int fd; short events; short revents */
  pollfd: 8,
  /** struct stat (x86_64 144, aarch64 128: allocate the larger) */
  stat: 144,
  /** offsetof(struct stat, st_size): 48 on both x86_64 and aarch64 */
  stat_size_offset: 48,
} as const;

/** Longest Unix socket path (sun_path holds a NUL too). */
export const MAX_SOCKET_PATH = 107;

type Libc = Deno.DynamicLibrary<typeof symbols>["symbols"];
let lib: Deno.DynamicLibrary<typeof symbols> | null = null;

/**
 * The libc functions, opened on first use in this thread. Throws when FFI is not allowed
 * (run with `--allow-ffi`) or libc cannot be found.
 */
export function libc(): Libc {
  if (lib === null) {
    let last: unknown;
    for (const name of ["libc.so.6", "libc.so"]) {
      try {
        lib = Deno.dlopen(name, symbols);
        break;
      } catch (e) {
        last = e;
        if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
          throw new Error("vscmi's bindings need native calls into libc: run with --allow-ffi", {
            cause: e,
          });
        }
      }
    }
    if (lib === null) {
      throw new Error(`Cannot open libc: ${last instanceof Error ? last.message : last}`);
    }
  }
  return lib.symbols;
}

/** The calling thread's errno, read right after a failed call. */
export function errno(): number {
  const p = libc().__errno_location();
  return p === null ? 0 : new Deno.UnsafePointerView(p).getInt32(0);
}

/** The C library's text for `code`, e.g. "Resource temporarily unavailable". */
export function strerror(code: number): string {
  const p = libc().strerror(code);
  return p === null ? `errno ${code}` : Deno.UnsafePointerView.getCString(p);
}

/** A failed libc call: which call, its errno and the C library's text for it. */
export class LibcError extends Error {
  constructor(readonly call: string, readonly errno: number, detail?: string) {
    super(`${call} failed: ${strerror(errno)} (errno ${errno})${detail ? `: ${detail}` : ""}`);
    this.name = "LibcError";
  }
}

/**
 * Checks a libc return value: -1 (as number or bigint) becomes a {@linkcode LibcError}
 * naming `call` with the current errno; any other value is returned as a number.
 */
export function unwrap(ret: number | bigint, call: string, detail?: string): number {
  if (ret === -1 || ret === -1n) throw new LibcError(call, errno(), detail);
  return Number(ret);
}

/**
 * Like {@linkcode unwrap}, but EAGAIN (nothing to read, no room to write) gives -1 instead
 * of throwing, and EINTR is retried by the caller seeing -2.
 */
export function unwrapAgain(ret: number | bigint, call: string): number {
  if (ret !== -1 && ret !== -1n) return Number(ret);
  const e = errno();
  if (e === C.EAGAIN) return -1;
  if (e === C.EINTR) return -2;
  throw new LibcError(call, e);
}

/** Closes `fd`, ignoring errors (the descriptor is gone either way); -1 is a no-op. */
export function closeFd(fd: number): void {
  if (fd >= 0) libc().close(fd);
}

/** Opens `path` read-write, close-on-exec; returns the descriptor. Throws LibcError naming it. */
export function openReadWrite(path: string): number {
  const name = new TextEncoder().encode(`${path}\0`) as Uint8Array<ArrayBuffer>;
  return unwrap(libc().open(name, C.O_RDWR | C.O_CLOEXEC, 0), "open", path);
}

/** Sets O_NONBLOCK on `fd` (shared with every holder of the same open file). */
export function setNonBlocking(fd: number): void {
  const l = libc();
  const flags = unwrap(l.fcntl(fd, C.F_GETFL, 0), "fcntl(F_GETFL)");
  if ((flags & C.O_NONBLOCK) === 0) {
    unwrap(l.fcntl(fd, C.F_SETFL, flags | C.O_NONBLOCK), "fcntl(F_SETFL)");
  }
}

/** The address of a buffer's first byte as a bigint, for pointers stored inside structs. */
export function addressOf(buf: Uint8Array): bigint {
  return BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(buf)));
}

/** The type of the file system holding `fd` (`statfs.f_type`, e.g. 0xEF53 for ext2/3/4). */
export function fileSystemType(fd: number): number {
  // struct statfs is 120 bytes on 64-bit Linux; f_type, a long, comes first.
  const st = new Uint8Array(new ArrayBuffer(128));
  unwrap(libc().fstatfs(fd, st), "fstatfs");
  return Number(new DataView(st.buffer).getBigInt64(0, true));
}

/** The size of the file behind `fd` (st_size). */
export function fileSize(fd: number): number {
  const st = new Uint8Array(new ArrayBuffer(SIZEOF.stat));
  unwrap(libc().fstat(fd, st), "fstat");
  return Number(new DataView(st.buffer).getBigInt64(SIZEOF.stat_size_offset, true));
}
