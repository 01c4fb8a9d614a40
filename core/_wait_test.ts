/**
 * Waiting in tests on events, never on elapsed time: whether a promise has settled once the
 * work already queued has run, and waiting for a condition with a guard that only stops a
 * hang (it is never what a test asserts, so a busy machine cannot fail it).
 * @module
 */
import type { ManualClock } from "./timer_clock.ts";

/** How long {@linkcode until} waits before calling it a hang. */
export const HANG_MS = 60_000;

/** One turn of the event loop: every queued microtask, and any timer already due, runs. */
export function turn(): Promise<void> {
  return new Promise((r) => setTimeout(r, 0));
}

/**
 * Whether `p` has settled after one event-loop turn (its pending reactions have run); a value
 * that is not a promise counts as settled.
 */
export async function settled(p: unknown): Promise<boolean> {
  let done = false;
  Promise.resolve(p).then(() => done = true, () => done = true);
  await turn();
  return done;
}

/**
 * Waits until `cond()` holds (it may answer asynchronously: a file appearing, a server's
 * answer), checking every event-loop turn; throws after {@linkcode HANG_MS}.
 */
export async function until(
  cond: () => boolean | Promise<boolean>,
  what: string,
  guardMs = HANG_MS,
): Promise<void> {
  const deadline = Date.now() + guardMs;
  while (!await cond()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

/**
 * Moves `clock` forward `stepMs` at a time, one event-loop turn apart, until `p` settles;
 * resolves to what `p` resolves to. Gives up after `maxSteps` steps (a hang, not a timing).
 */
export async function advanceUntil<T>(
  clock: ManualClock,
  p: Promise<T>,
  stepMs: number,
  maxSteps = 100_000,
): Promise<T> {
  for (let i = 0; !await settled(p); i++) {
    if (i === maxSteps) throw new Error(`Still pending after ${maxSteps} steps of ${stepMs} ms`);
    clock.advance(stepMs);
  }
  return p;
}
