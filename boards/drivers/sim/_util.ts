/** Shared helpers of the simulated board driver. @module */
import type { Board, ResourceDesc } from "../../../core/board.ts";
import type { KindDef } from "../../../core/kind.ts";
import { preciseClock, type TimerClock } from "../../../core/timer_clock.ts";

/** The resources of `kind` this sim instance backs. */
export function mine<D extends ResourceDesc>(
  board: Board,
  kind: KindDef<D, unknown>,
  driver: string,
): D[] {
  return kind.of(board).filter((r) => r.driver === driver);
}

/** Options every sim class reads. */
export interface SimOptions {
  /** Multiplies every declared latency (0 makes everything immediate; default 1). */
  timeScale: number;
  /** Where latencies are waited (default `preciseClock`, no 1 ms floor); tests pass a manual clock. */
  clock?: TimerClock;
}

/** The time in ms of the sim's clock. */
export function simNow(opts: SimOptions): () => number {
  const clock = opts.clock ?? preciseClock;
  return () => clock.now();
}

/** Waits `us` microseconds scaled by the sim's time scale; immediate at 0. */
export function delay(opts: SimOptions, us: number): Promise<void> | void {
  const ms = (us * opts.timeScale) / 1000;
  if (ms <= 0) return;
  const clock = opts.clock ?? preciseClock;
  return new Promise((resolve) => clock.setTimer(resolve, ms));
}

/** Most entries a sim keeps in a history list: a long-running server must not grow. */
export const HISTORY_LIMIT = 1024;

/**
 * Appends `item` to a sim's history of hardware actions (what tests read back), keeping at
 * most the newest {@linkcode HISTORY_LIMIT} entries.
 */
export function record<T>(history: T[], item: T): void {
  history.push(item);
  if (history.length > HISTORY_LIMIT) history.splice(0, history.length - HISTORY_LIMIT / 2);
}

/**
 * A sim history of numeric records of up to three fields, bounded exactly as
 * {@linkcode record} bounds an array (at most {@linkcode HISTORY_LIMIT} entries; one past it
 * keeps the newest half), stored in one preallocated ring: recording an action allocates
 * nothing, which keeps simulated hardware off the per-message allocation budget. Readers get
 * the entries as objects through {@linkcode NumberHistory.map}.
 */
export class NumberHistory {
  readonly #data = new Float64Array(HISTORY_LIMIT * 3);
  /** Ring slot of the oldest entry. */
  #start = 0;
  #length = 0;

  /** Entries held. */
  get length(): number {
    return this.#length;
  }

  /** Appends one entry. */
  push(a: number, b: number, c: number): void {
    if (this.#length === HISTORY_LIMIT) {
      // The entry would be one too many: keep the newest half, this one included.
      this.#start = (this.#start + HISTORY_LIMIT / 2 + 1) % HISTORY_LIMIT;
      this.#length = HISTORY_LIMIT / 2 - 1;
    }
    const at = ((this.#start + this.#length) % HISTORY_LIMIT) * 3;
    const d = this.#data;
    d[at] = a;
    d[at + 1] = b;
    d[at + 2] = c;
    this.#length++;
  }

  /** The entries, oldest first, each built by `make` from its fields. */
  map<T>(make: (a: number, b: number, c: number) => T): T[] {
    const out: T[] = [];
    const d = this.#data;
    for (let i = 0; i < this.#length; i++) {
      const at = ((this.#start + i) % HISTORY_LIMIT) * 3;
      out.push(make(d[at], d[at + 1], d[at + 2]));
    }
    return out;
  }
}
