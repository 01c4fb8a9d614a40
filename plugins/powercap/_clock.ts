/**
 * The time source of the powercap plugin's measurement monitor: the system clock with timers
 * that never keep the process alive, or one a test (or an embedder) moves by hand.
 * @module
 */

/** A clock in milliseconds with one-shot timers. */
export interface PowercapClock {
  /** Milliseconds of a clock that never goes back. */
  now(): number;
  /** Calls `fn` once, `ms` from now. Must not keep the process alive. */
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

/** `performance.now()` and unref'd `setTimeout`. */
export const systemClock: PowercapClock = {
  now: () => performance.now(),
  setTimer(fn, ms) {
    const id = setTimeout(fn, ms);
    Deno.unrefTimer(id);
    return id;
  },
  clearTimer: (handle) => clearTimeout(handle as number),
};
