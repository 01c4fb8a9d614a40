import type { TimerClock } from "../../mod.ts";
/**
 * The time source of the sensor plugin's monitor (trip points, continuous updates): the
 * shared {@linkcode TimerClock} of `core/timer_clock.ts`.
 * @module
 */

export { ManualClock, systemClock } from "../../mod.ts";

/** A clock in milliseconds with one-shot timers. */
export type SensorClock = TimerClock;
