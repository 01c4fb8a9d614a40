import type { TimerClock } from "../../mod.ts";
/**
 * The time source of the powercap plugin's measurement monitor: the shared
 * {@linkcode TimerClock} of `core/timer_clock.ts` (the system clock, or one a test or an
 * embedder moves by hand).
 * @module
 */

export { systemClock } from "../../mod.ts";

/** A clock in milliseconds with one-shot timers. */
export type PowercapClock = TimerClock;
