/**
 * Time sources for plugins that act on their own schedule (monitors that check thresholds or
 * send periodic updates): the system clock with timers
 * that never keep the process alive, or a manual clock that tests advance by hand.
 * @module
 */
import { setImmediate } from "node:timers";

/** A clock in milliseconds with one-shot timers. */
export interface TimerClock {
  /** Milliseconds of a clock that never goes back. */
  now(): number;
  /** Calls `fn` once, `ms` from now. Must not keep the process alive. */
  setTimer(fn: () => void, ms: number): unknown;
  /** Cancels a timer `setTimer` returned, if it has not fired yet. */
  clearTimer(handle: unknown): void;
}

/** `performance.now()` and unref'd `setTimeout`. */
export const systemClock: TimerClock = {
  now: () => performance.now(),
  setTimer(fn, ms) {
    const id = setTimeout(fn, ms);
    Deno.unrefTimer(id);
    return id;
  },
  clearTimer: (handle) => clearTimeout(handle as number),
};

/**
 * `performance.now()` and plain `setTimeout`: timers that keep the process alive while they
 * wait, for work under way (simulated hardware mid-change, a held virtio delayed response).
 */
export const liveClock: TimerClock = {
  now: () => performance.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (handle) => clearTimeout(handle as number),
};

/** Below this many ms, {@linkcode preciseClock} waits with event-loop turns alone. */
const TURNS_BELOW_MS = 3;

/**
 * A clock reading `now` whose timers have no 1 ms granularity, for declared hardware latencies
 * of tens of microseconds: a timer checks `now()` once per event-loop turn (`setImmediate`, so
 * sockets and other timers keep running), after a `setTimeout` for all but the last
 * {@linkcode TURNS_BELOW_MS} ms of a longer wait. Timers keep the process alive, like
 * {@linkcode liveClock}; the cost is a busy event loop during the last milliseconds of each
 * wait. {@linkcode preciseClock} is the one over `performance.now()`; tests give their own
 * `now`.
 */
export function turnClock(now: () => number): TimerClock {
  return {
    now,
    setTimer(fn, ms) {
      const due = now() + Math.max(0, ms);
      const timer = {
        cancelled: false,
        timeout: undefined as ReturnType<typeof setTimeout> | undefined,
      };
      const turn = () => {
        if (timer.cancelled) return;
        if (now() >= due) fn();
        else setImmediate(turn);
      };
      if (ms > TURNS_BELOW_MS) {
        timer.timeout = setTimeout(turn, ms - TURNS_BELOW_MS);
      } else {
        setImmediate(turn);
      }
      return timer;
    },
    clearTimer(handle) {
      const timer = handle as { cancelled: boolean; timeout?: ReturnType<typeof setTimeout> };
      timer.cancelled = true;
      if (timer.timeout !== undefined) clearTimeout(timer.timeout);
    },
  };
}

/** {@linkcode turnClock} over `performance.now()`: what the sim driver's latencies wait on. */
export const preciseClock: TimerClock = turnClock(() => performance.now());

interface ManualTimer {
  at: number;
  seq: number;
  fn: () => void;
}

/**
 * A clock that moves only when told: `advance(ms)` runs every timer that falls due, in time
 * order, with `now()` at each timer's time.
 *
 * @example
 * ```ts
 * import { ManualClock } from "./timer_clock.ts";
 * const clock = new ManualClock(1000);
 * let fired = 0;
 * clock.setTimer(() => fired++, 50);
 * clock.advance(49); // fired === 0
 * clock.advance(1); // fired === 1, clock.now() === 1050
 * ```
 */
export class ManualClock implements TimerClock {
  #t: number;
  #seq = 0;
  readonly #timers = new Set<ManualTimer>();

  /** A clock standing at `start` milliseconds until {@linkcode ManualClock.advance} moves it. */
  constructor(start = 0) {
    this.#t = start;
  }

  /** Where the clock stands, ms. */
  now(): number {
    return this.#t;
  }

  /** Calls `fn` when the clock has been advanced `ms` past now. */
  setTimer(fn: () => void, ms: number): unknown {
    const t: ManualTimer = { at: this.#t + Math.max(0, ms), seq: this.#seq++, fn };
    this.#timers.add(t);
    return t;
  }

  /** Cancels a timer that has not fired. */
  clearTimer(handle: unknown): void {
    this.#timers.delete(handle as ManualTimer);
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Moves the clock `ms` forward, firing every timer due on the way. */
  advance(ms: number): void {
    const end = this.#t + ms;
    for (;;) {
      let first: ManualTimer | undefined;
      for (const t of this.#timers) {
        if (
          t.at <= end && (!first || t.at < first.at || (t.at === first.at && t.seq < first.seq))
        ) {
          first = t;
        }
      }
      if (!first) break;
      this.#timers.delete(first);
      this.#t = Math.max(this.#t, first.at);
      first.fn();
    }
    this.#t = end;
  }
}
