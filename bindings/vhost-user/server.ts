/**
 * The vhost-user endpoint of one agent: in server mode it listens on a Unix socket and takes
 * one front-end connection at a time (QEMU connects; after QEMU exits it may connect again);
 * in client mode it connects to a socket the front-end created (`-chardev
 * socket,server=on`) and connects again whenever the connection ends, every `reconnectMs`.
 * @module
 */
import type { Logger } from "../../core/log.ts";
import { removeStaleSocket } from "../../core/unix_socket.ts";
import { VhostUserConnection } from "./backend.ts";
import type { BackendDevice } from "./device.ts";
import { closeFd } from "../native/libc.ts";
import { Reactor } from "../native/poll.ts";
import { acceptUnix, connectUnix, listenUnix } from "../native/socket.ts";
import type { TimerClock } from "../../core/timer_clock.ts";
import type { Ioctl } from "./xen_map.ts";

export interface EndpointOptions {
  /** Socket path. */
  path: string;
  /** "server": listen (default); "client": connect to the front-end's socket. */
  mode: "server" | "client";
  /** Agent name, for logs. */
  agent: string;
  log: Logger;
  /** A fresh device model for each connection. */
  createDevice(): BackendDevice;
  /** Client mode: delay between connection attempts (default 1000 ms). */
  reconnectMs?: number;
  /** Milliseconds a message may take from its first byte to its last (default 2000). */
  frameTimeoutMs?: number;
  /** Times messages (default: the system clock). */
  clock?: TimerClock;
  /** Maps Xen guest memory (default: the native ioctl; tests pass their own). */
  xenIoctl?: Ioctl;
  /** The front-end is Xen's: offer it XEN_MMAP (default false). */
  xen?: boolean;
}

export class VhostUserEndpoint {
  readonly #opts: EndpointOptions;
  readonly #reactor: Reactor;
  #listenFd = -1;
  #conn: VhostUserConnection | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  /** Connections accepted or made so far. */
  connections = 0;

  private constructor(opts: EndpointOptions) {
    this.#opts = opts;
    this.#reactor = Reactor.acquire();
    this.#reactor.onError = (e) => opts.log.error(`vhost-user: ${e}`);
  }

  /**
   * Starts an endpoint. Server mode removes a stale socket file first and refuses a live
   * one; client mode starts connecting (a front-end that is not there yet is retried).
   */
  static async start(opts: EndpointOptions): Promise<VhostUserEndpoint> {
    if (opts.mode === "server") await removeStaleSocket(opts.path, undefined, answers);
    const ep = new VhostUserEndpoint(opts);
    try {
      if (opts.mode === "server") {
        ep.#listenFd = listenUnix(opts.path);
        await Deno.chmod(opts.path, 0o600);
        ep.#reactor.add(ep.#listenFd, ep.#onAcceptable);
      } else {
        ep.#connect();
      }
    } catch (e) {
      await ep.close();
      throw e;
    }
    return ep;
  }

  /** The live connection, if any. */
  get connection(): VhostUserConnection | null {
    return this.#conn;
  }

  readonly #onAcceptable = (): void => {
    for (;;) {
      const fd = acceptUnix(this.#listenFd);
      if (fd < 0) return;
      // The open connection gives way if it holds the slot without using it.
      this.#conn?.yieldSlot();
      if (this.#conn !== null) {
        this.#opts.log.once(
          "warn",
          `vhost-user:second:${this.#opts.agent}`,
          `Agent "${this.#opts.agent}": refused a second vhost-user connection on ${this.#opts.path} while one is open and in use`,
        );
        closeFd(fd);
        continue;
      }
      this.#open(fd);
    }
  };

  #open(fd: number): void {
    this.connections++;
    const c: VhostUserConnection = new VhostUserConnection(fd, {
      agent: this.#opts.agent,
      log: this.#opts.log,
      device: this.#opts.createDevice(),
      reactor: this.#reactor,
      socket: this.#opts.path,
      frameTimeoutMs: this.#opts.frameTimeoutMs,
      clock: this.#opts.clock,
      xenIoctl: this.#opts.xenIoctl,
      xen: this.#opts.xen,
      onClosed: () => {
        if (this.#conn === c) this.#conn = null;
        if (this.#opts.mode === "client" && !this.#closed) this.#retry();
      },
    });
    this.#conn = c;
  }

  #connect(): void {
    this.#timer = undefined;
    if (this.#closed) return;
    let fd: number;
    try {
      fd = connectUnix(this.#opts.path);
    } catch (e) {
      this.#opts.log.once(
        "info",
        `vhost-user:connect:${this.#opts.agent}:${e instanceof Error ? e.message : e}`,
        `Agent "${this.#opts.agent}": waiting for the vhost-user front-end at ${this.#opts.path} (${
          e instanceof Error ? e.message : e
        })`,
      );
      this.#retry();
      return;
    }
    this.#open(fd);
  }

  #retry(): void {
    if (this.#closed || this.#timer !== undefined) return;
    this.#timer = setTimeout(() => this.#connect(), this.#opts.reconnectMs ?? 1000);
  }

  /** Stops listening or reconnecting and ends the connection. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#conn?.close();
    this.#conn = null;
    if (this.#listenFd >= 0) {
      this.#reactor.remove(this.#listenFd);
      closeFd(this.#listenFd);
      this.#listenFd = -1;
      try {
        await Deno.remove(this.#opts.path);
      } catch {
        // Already gone.
      }
    }
    Reactor.release();
  }
}

/** Whether a server answers on `path`, probed with a libc connect (closed at once). */
function answers(path: string): boolean {
  let fd = -1;
  try {
    fd = connectUnix(path);
  } catch {
    // Nobody listens: a leftover.
  }
  if (fd < 0) return false;
  closeFd(fd);
  return true;
}
