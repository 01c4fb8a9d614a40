/**
 * Waiting for descriptors without blocking the event loop and without spinning.
 *
 * One Worker per process blocks in `poll()` on every descriptor the bindings
 * watches (listening sockets, front-end connections, kick eventfds) plus a wake-up eventfd.
 * When `poll()` returns it bumps a counter in shared memory and `Atomics.notify`s; the main
 * thread, awaiting `Atomics.waitAsync` on that counter, runs the handler of each ready
 * descriptor — so the platform and every guest's policy state have one owner, the main
 * thread — then hands the (possibly changed) descriptor set back and re-arms the Worker.
 *
 * While the main thread holds the set, the Worker is parked in `Atomics.wait`; a change made
 * while the Worker polls writes the wake-up eventfd so the new set is taken at once.
 *
 * Traffic does not pay that hand-over: after each round the main thread lingers — for
 * {@linkcode LINGER_MS} after the last ready descriptor — polling the same set itself with a
 * zero timeout once per event-loop turn (`setImmediate`, so sockets, timers and the journal
 * keep running between polls), and dispatches what is ready at once. Only a set that stays
 * quiet that long goes back to the Worker, which sleeps in `poll()` without using the CPU.
 *
 * Why this shape (measured on this machine, 2 vCPUs, 20 000 ping-pongs; see the README):
 * a Worker echoing kick → call by itself in blocking FFI calls costs 6.5–7 µs per round
 * trip; handing each wake-up to the main thread through `Atomics.waitAsync` 23–27 µs, through
 * `postMessage` 24–49 µs, and awaiting a `nonblocking` FFI `poll` 30–45 µs; the main thread
 * polling between event-loop turns catches a kick within one turn.
 * @module
 */
import { setImmediate } from "node:timers";
import { EventFd } from "./eventfd.ts";
import { C, libc } from "./libc.ts";
import { CTL, FDS_OFFSET, MAX_POLL_FDS, SHARED_BYTES } from "./_poll_layout.ts";

/** Called on the main thread with the `revents` bits of a ready descriptor. */
export type ReadyHandler = (revents: number) => void;

/** Bits a handler may see besides POLLIN. */
/**
 * The Worker's module. From source it is `_poll_worker.ts`; in a bundle (this code inside a
 * `.js` file) it is the worker's own bundle, `vscmi_poll_worker.js`, beside the program.
 */
export const POLL_WORKER: URL = import.meta.url.endsWith(".ts")
  ? new URL("./_poll_worker.ts", import.meta.url)
  : new URL("./vscmi_poll_worker.js", import.meta.url);

export const POLL_ERROR_BITS = C.POLLERR | C.POLLHUP | C.POLLNVAL;

/**
 * How long the main thread keeps polling by itself after the last ready descriptor before it
 * hands the waiting back to the Worker: a guest's next command within this window is taken
 * without the hand-over. The price is a busy event loop for this long after traffic stops.
 */
export const LINGER_MS = 0.5;

/** One event-loop turn: timers, sockets and promise jobs run before it resolves. */
function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * The process-wide waiter. Use {@linkcode Reactor.acquire} / {@linkcode Reactor.release}:
 * the Worker exists only while someone holds the reactor.
 */
export class Reactor {
  static #shared: Reactor | null = null;
  static #holders = 0;

  /** The shared reactor, started on first use. */
  static acquire(): Reactor {
    Reactor.#holders++;
    return Reactor.#shared ??= new Reactor();
  }

  /** Gives the reactor back; the last holder stops the Worker. */
  static release(): void {
    if (Reactor.#holders === 0) return;
    if (--Reactor.#holders === 0 && Reactor.#shared !== null) {
      const r = Reactor.#shared;
      Reactor.#shared = null;
      r.#stop();
    }
  }

  readonly #sab = new SharedArrayBuffer(SHARED_BYTES);
  readonly #ctl = new Int32Array(this.#sab, 0, CTL.WORDS);
  readonly #fds = new DataView(this.#sab, FDS_OFFSET, MAX_POLL_FDS * 8);
  /** The same pollfd array as bytes, for the main thread's own zero-timeout `poll()`. */
  readonly #fdBytes = new Uint8Array(this.#sab, FDS_OFFSET, MAX_POLL_FDS * 8);
  readonly #wake = new EventFd();
  readonly #worker: Worker;
  /** Descriptor → handler, as registered. */
  readonly #handlers = new Map<number, ReadyHandler>();
  /** Handler of each pollfd slot, as last handed to the Worker. */
  #slots: (ReadyHandler | undefined)[] = [];
  #dirty = true;
  #armed = false;
  #lingering = false;
  #stopped = false;
  /** Resolves when the main-thread loop has ended. */
  readonly #loop: Promise<void>;
  /** Called when a handler throws (default: console.error). */
  onError: (e: unknown) => void = (e) => console.error(`poll handler failed: ${e}`);

  private constructor() {
    this.#worker = new Worker(POLL_WORKER, { type: "module" });
    this.#worker.postMessage({ sab: this.#sab });
    this.#loop = this.#run();
  }

  /** Descriptors watched, the wake-up eventfd excluded. */
  get size(): number {
    return this.#handlers.size;
  }

  /** Watches `fd` for input (and errors/hang-up); `handler` runs on the main thread. */
  add(fd: number, handler: ReadyHandler): void {
    if (this.#stopped) throw new Error("The poller has stopped");
    if (this.#handlers.size + 1 >= MAX_POLL_FDS) {
      throw new RangeError(`Cannot watch more than ${MAX_POLL_FDS - 1} descriptors`);
    }
    this.#handlers.set(fd, handler);
    this.#changed();
  }

  /** Stops watching `fd` (no-op if it was not watched). */
  remove(fd: number): void {
    if (this.#handlers.delete(fd)) this.#changed();
  }

  #changed(): void {
    this.#dirty = true;
    if (this.#armed) this.#wake.signal();
  }

  /** Whether the main thread is polling by itself now (the Worker parked). */
  get lingering(): boolean {
    return this.#lingering;
  }

  async #run(): Promise<void> {
    const ctl = this.#ctl;
    let seen = 0;
    this.#arm();
    while (!this.#stopped) {
      if (!this.#armed) {
        this.#lingering = true;
        await this.#linger();
        this.#lingering = false;
        if (this.#stopped) break;
        this.#arm();
      }
      const w = Atomics.waitAsync(ctl, CTL.SEQ, seen);
      if (w.async) await w.value;
      if (this.#stopped) break;
      seen = Atomics.load(ctl, CTL.SEQ);
      this.#armed = false;
      const code = Atomics.exchange(ctl, CTL.ERRNO, 0);
      if (code !== 0) this.onError(new Error(`poll failed with errno ${code}`));
      this.#dispatch();
    }
  }

  /**
   * Polls the set on the main thread, zero timeout, once per event-loop turn, dispatching
   * what is ready, until nothing has been for {@linkcode LINGER_MS}. The Worker is parked
   * meanwhile (not armed), so the pollfd array is the main thread's.
   */
  async #linger(): Promise<void> {
    const poll = libc().poll;
    let until = performance.now() + LINGER_MS;
    while (!this.#stopped) {
      await turn();
      if (this.#stopped) return;
      const n = this.#prepare();
      const r = poll(this.#fdBytes, BigInt(n), 0);
      if (r > 0) {
        this.#dispatch();
        until = performance.now() + LINGER_MS;
      } else if (performance.now() >= until) {
        return;
      }
    }
  }

  /** Runs the handler of every ready slot; slot 0 is the wake-up eventfd. */
  #dispatch(): void {
    const fds = this.#fds;
    const n = Atomics.load(this.#ctl, CTL.NFDS);
    if (fds.getInt16(6, true) !== 0) this.#wake.drain();
    for (let i = 1; i < n; i++) {
      const revents = fds.getInt16(i * 8 + 6, true);
      if (revents === 0) continue;
      const h = this.#slots[i];
      const fd = fds.getInt32(i * 8, true);
      // A handler run earlier in this round may have removed this descriptor.
      if (h === undefined || this.#handlers.get(fd) !== h) continue;
      try {
        h(revents);
      } catch (e) {
        this.onError(e);
      }
    }
  }

  /** Writes the descriptor set (when it changed), clears revents, lets the Worker poll. */
  #arm(): void {
    this.#prepare();
    this.#armed = true;
    Atomics.store(this.#ctl, CTL.ARM, 1);
    Atomics.notify(this.#ctl, CTL.ARM);
  }

  /** Writes the descriptor set when it changed and clears revents; returns the slot count. */
  #prepare(): number {
    const fds = this.#fds;
    if (this.#dirty) {
      this.#dirty = false;
      const slots: (ReadyHandler | undefined)[] = [undefined];
      fds.setInt32(0, this.#wake.fd, true);
      fds.setInt16(4, C.POLLIN, true);
      let i = 1;
      for (const [fd, h] of this.#handlers) {
        fds.setInt32(i * 8, fd, true);
        fds.setInt16(i * 8 + 4, C.POLLIN, true);
        slots.push(h);
        i++;
      }
      this.#slots = slots;
      Atomics.store(this.#ctl, CTL.NFDS, i);
    }
    const n = Atomics.load(this.#ctl, CTL.NFDS);
    for (let i = 0; i < n; i++) fds.setInt16(i * 8 + 6, 0, true);
    return n;
  }

  #stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    const ctl = this.#ctl;
    Atomics.store(ctl, CTL.STOP, 1);
    Atomics.store(ctl, CTL.ARM, 1);
    Atomics.notify(ctl, CTL.ARM);
    this.#wake.signal();
    // End our own wait too.
    Atomics.add(ctl, CTL.SEQ, 1);
    Atomics.notify(ctl, CTL.SEQ);
    this.#worker.terminate();
    this.#handlers.clear();
    void this.#loop.then(() => this.#wake.close());
  }
}
