/**
 * Unix stream sockets with file-descriptor passing (SCM_RIGHTS), which Deno's own socket
 * API cannot do: listen, accept, connect, and `recvmsg`/`sendmsg` with the ancillary data
 * built and parsed here. Every socket is non-blocking and close-on-exec; waiting for
 * readiness is the caller's business (`poll.ts`).
 * @module
 */
import {
  addressOf,
  C,
  closeFd,
  errno,
  libc,
  LibcError,
  MAX_SOCKET_PATH,
  SIZEOF,
  unwrap,
  unwrapAgain,
} from "./libc.ts";

/** Most descriptors accepted with one message (vhost-user sends at most 8 regions). */
export const MAX_FDS = 16;

const enc = new TextEncoder();

function sockaddr(path: string): Uint8Array {
  const p = enc.encode(path);
  if (p.length > MAX_SOCKET_PATH || p.includes(0)) {
    throw new RangeError(
      `Unix socket path "${path}" is too long (${p.length} bytes, at most ${MAX_SOCKET_PATH})`,
    );
  }
  const a = new Uint8Array(new ArrayBuffer(SIZEOF.sockaddr_un));
  new DataView(a.buffer).setUint16(0, C.AF_UNIX, true);
  a.set(p, 2);
  return a;
}

function newSocket(): number {
  return unwrap(
    libc().socket(C.AF_UNIX, C.SOCK_STREAM | C.SOCK_NONBLOCK | C.SOCK_CLOEXEC, 0),
    "socket",
  );
}

/**
 * A listening socket bound at `path` (which must not exist). Returns its descriptor.
 * Throws LibcError naming the path.
 */
export function listenUnix(path: string, backlog = 8): number {
  const addr = sockaddr(path);
  const fd = newSocket();
  try {
    unwrap(libc().bind(fd, addr, 2 + enc.encode(path).length + 1), "bind", path);
    unwrap(libc().listen(fd, backlog), "listen", path);
  } catch (e) {
    closeFd(fd);
    throw e;
  }
  return fd;
}

/** Accepts one pending connection (non-blocking, close-on-exec); -1 when none is pending. */
export function acceptUnix(listenFd: number): number {
  for (;;) {
    const fd = unwrapAgain(
      libc().accept4(listenFd, null, null, C.SOCK_NONBLOCK | C.SOCK_CLOEXEC),
      "accept4",
    );
    if (fd !== -2) return fd;
  }
}

/**
 * Connects to the Unix socket at `path`. Throws LibcError (ENOENT: nobody created it,
 * ECONNREFUSED: nobody listens, EAGAIN: the listener's backlog is full).
 */
export function connectUnix(path: string): number {
  const addr = sockaddr(path);
  const fd = newSocket();
  try {
    unwrap(libc().connect(fd, addr, 2 + enc.encode(path).length + 1), "connect", path);
  } catch (e) {
    closeFd(fd);
    throw e;
  }
  return fd;
}

/** Thrown when a peer sends more descriptors than one message may carry. */
export class TooManyFds extends Error {
  constructor() {
    super(`More than ${MAX_FDS} file descriptors arrived with one message`);
    this.name = "TooManyFds";
  }
}

/**
 * One connected socket with reusable `msghdr`, `iovec` and control buffers, so receiving and
 * sending allocate nothing. `close()` is idempotent.
 */
export class FdSocket {
  #fd: number;
  readonly #msg = new Uint8Array(new ArrayBuffer(SIZEOF.msghdr));
  readonly #msgDv = new DataView(this.#msg.buffer);
  readonly #iov = new Uint8Array(new ArrayBuffer(SIZEOF.iovec));
  readonly #iovDv = new DataView(this.#iov.buffer);
  readonly #ctl = new Uint8Array(new ArrayBuffer(SIZEOF.cmsghdr + 4 * MAX_FDS));
  readonly #ctlDv = new DataView(this.#ctl.buffer);
  /** Outgoing bytes are copied here first: callers may pass small on-heap arrays. */
  readonly #out = new Uint8Array(new ArrayBuffer(4096));

  constructor(fd: number) {
    this.#fd = fd;
    this.#msgDv.setBigUint64(16, addressOf(this.#iov), true);
    this.#msgDv.setBigUint64(24, 1n, true);
  }

  /** The descriptor, -1 once closed. */
  get fd(): number {
    return this.#fd;
  }

  /**
   * Receives up to `len` bytes into `buf` at `off`; descriptors that arrive with them are
   * appended to `fds`. Returns the byte count, 0 at end of stream, -1 when nothing is
   * pending. Throws {@linkcode TooManyFds} (after closing what arrived) or LibcError.
   * `buf` must not be a small on-heap array: allocate it with `new ArrayBuffer`.
   */
  recv(buf: Uint8Array, off: number, len: number, fds: number[]): number {
    if (off < 0 || len <= 0 || off + len > buf.length) {
      throw new RangeError(`Receive window ${off}+${len} outside a ${buf.length}-byte buffer`);
    }
    const iov = this.#iovDv;
    iov.setBigUint64(0, addressOf(buf) + BigInt(off), true);
    iov.setBigUint64(8, BigInt(len), true);
    const msg = this.#msgDv;
    msg.setBigUint64(32, addressOf(this.#ctl), true);
    msg.setBigUint64(40, BigInt(this.#ctl.length), true);
    msg.setInt32(48, 0, true);
    let n: number;
    for (;;) {
      n = unwrapAgain(libc().recvmsg(this.#fd, this.#msg, C.MSG_CMSG_CLOEXEC), "recvmsg");
      if (n !== -2) break;
    }
    if (n < 0) return -1;
    const ctlLen = Number(msg.getBigUint64(40, true));
    const got = ctlLen >= SIZEOF.cmsghdr ? this.#takeFds(ctlLen, fds) : 0;
    if ((msg.getInt32(48, true) & C.MSG_CTRUNC) !== 0) {
      for (let i = fds.length - got; i < fds.length; i++) closeFd(fds[i]);
      fds.length -= got;
      throw new TooManyFds();
    }
    return n;
  }

  #takeFds(ctlLen: number, fds: number[]): number {
    const dv = this.#ctlDv;
    let at = 0;
    let got = 0;
    while (at + SIZEOF.cmsghdr <= ctlLen) {
      const len = Number(dv.getBigUint64(at, true));
      if (len < SIZEOF.cmsghdr || at + len > ctlLen) break;
      if (
        dv.getInt32(at + 8, true) === C.SOL_SOCKET && dv.getInt32(at + 12, true) === C.SCM_RIGHTS
      ) {
        for (let p = at + SIZEOF.cmsghdr; p + 4 <= at + len; p += 4) {
          fds.push(dv.getInt32(p, true));
          got++;
        }
      }
      at += (len + 7) & ~7;
    }
    return got;
  }

  /**
   * Sends all of `bytes`, with `fds` attached to the first byte. Throws LibcError when the
   * peer is gone or its receive buffer stays full (the socket is non-blocking; vhost-user
   * messages are small, so a full buffer means the peer stopped reading).
   */
  send(bytes: Uint8Array, fds: readonly number[] = []): void {
    if (fds.length > MAX_FDS) throw new TooManyFds();
    const msg = this.#msgDv;
    let ctlLen = 0;
    if (fds.length !== 0) {
      ctlLen = SIZEOF.cmsghdr + 4 * fds.length;
      const c = this.#ctlDv;
      c.setBigUint64(0, BigInt(ctlLen), true);
      c.setInt32(8, C.SOL_SOCKET, true);
      c.setInt32(12, C.SCM_RIGHTS, true);
      fds.forEach((fd, i) => c.setInt32(SIZEOF.cmsghdr + 4 * i, fd, true));
      ctlLen = (ctlLen + 7) & ~7;
    }
    let at = 0;
    while (at < bytes.length) {
      const chunk = Math.min(bytes.length - at, this.#out.length);
      this.#out.set(bytes.subarray(at, at + chunk));
      this.#iovDv.setBigUint64(0, addressOf(this.#out), true);
      this.#iovDv.setBigUint64(8, BigInt(chunk), true);
      msg.setBigUint64(32, ctlLen === 0 ? 0n : addressOf(this.#ctl), true);
      msg.setBigUint64(40, BigInt(ctlLen), true);
      msg.setInt32(48, 0, true);
      const n = unwrapAgain(libc().sendmsg(this.#fd, this.#msg, C.MSG_NOSIGNAL), "sendmsg");
      if (n === -2) continue;
      if (n === -1) throw new LibcError("sendmsg", errno(), "the peer is not reading");
      at += n;
      ctlLen = 0;
    }
  }

  /** Shuts the connection down and closes the descriptor. */
  close(): void {
    if (this.#fd < 0) return;
    libc().shutdown(this.#fd, C.SHUT_RDWR);
    closeFd(this.#fd);
    this.#fd = -1;
  }
}
