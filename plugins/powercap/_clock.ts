/**
 * The time source of the powercap plugin's measurement monitor: the shared
 * {@linkcode TimerClock} of `core/timer_clock.ts` (the system clock, or one a test or an
 * embedder moves by hand).
 * @module
 */
import type { TimerClock } from "../../core/timer_clock.ts";

export { systemClock } from "../../core/timer_clock.ts";

/** A clock in milliseconds with one-shot timers. */
export type PowercapClock = TimerClock;
