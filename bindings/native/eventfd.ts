/**
 * Eventfds: the guest's doorbells. The front-end hands the back-end a kick eventfd per queue
 * (the guest rang: read it to clear) and a call eventfd (write 1 to interrupt the guest).
 * Values are 8-byte counters; a read returns and clears the sum of the writes.
 * @module
 */
import { C, closeFd, libc, unwrap, unwrapAgain } from "./libc.ts";

const ONE = new Uint8Array(new ArrayBuffer(8));
ONE[0] = 1;
const SINK = new Uint8Array(new ArrayBuffer(8));

/**
 * Adds 1 to the eventfd counter of `fd` (rings the doorbell). Returns false when the counter
 * is saturated (EAGAIN on a non-blocking eventfd: the peer has not read it for 2^64-2
 * signals), which still leaves it readable.
 */
export function signalFd(fd: number): boolean {
  return unwrapAgain(libc().write(fd, ONE, 8n), "write(eventfd)") === 8;
}

/**
 * Reads and clears the counter of a non-blocking eventfd `fd`. Returns the count, 0 when
 * nothing was pending.
 */
export function drainFd(fd: number): number {
  const n = unwrapAgain(libc().read(fd, SINK, 8n), "read(eventfd)");
  if (n !== 8) return 0;
  return new DataView(SINK.buffer).getUint32(0, true) +
    new DataView(SINK.buffer).getUint32(4, true) * 0x1_0000_0000;
}

/** An eventfd this process created; `close()` is idempotent. */
export class EventFd {
  #fd: number;

  /** A non-blocking, close-on-exec eventfd with counter 0. */
  constructor() {
    this.#fd = unwrap(libc().eventfd(0, C.EFD_NONBLOCK | C.EFD_CLOEXEC), "eventfd");
  }

  /** The descriptor, or -1 once closed. */
  get fd(): number {
    return this.#fd;
  }

  /** Adds 1 to the counter. */
  signal(): void {
    if (this.#fd >= 0) signalFd(this.#fd);
  }

  /** Reads and clears the counter; 0 when nothing was pending. */
  drain(): number {
    return this.#fd >= 0 ? drainFd(this.#fd) : 0;
  }

  close(): void {
    closeFd(this.#fd);
    this.#fd = -1;
  }
}
