/**
 * The time source of the sensor plugin's monitor (trip points, continuous updates): the
 * shared {@linkcode TimerClock} of `core/timer_clock.ts`.
 * @module
 */
import type { TimerClock } from "../../core/timer_clock.ts";

export { ManualClock, systemClock } from "../../core/timer_clock.ts";

/** A clock in milliseconds with one-shot timers. */
export type SensorClock = TimerClock;
