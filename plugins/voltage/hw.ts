/**
 * Board-driver interface for voltage domains (regulators). Physical ids only; levels are
 * signed microvolts. The Voltage domain protocol plugin arbitrates between agents, so a driver
 * only ever sees the level and the on/off state the domain as a whole must have, and only
 * levels the board declares for the domain.
 *
 * A method returns a promise only when the hardware really takes time (an output ramping, a
 * PMIC behind a bus); otherwise it answers synchronously. Failures are thrown (or rejected)
 * as `DriverError`: `"range"` for a level the domain cannot produce, `"busy"`, `"hardware"`.
 * @module
 */

export interface VoltageHw {
  /** The level the domain's output is at, µV. */
  getLevel(id: number): number | Promise<number>;
  /** Moves the output to `microvolts`; resolves once it has settled there. */
  setLevel(id: number, microvolts: number): void | Promise<void>;
  /** Whether the output is on (the hardware state, every agent together). */
  isOn(id: number): boolean;
  /** Switches the output on or off; resolves once it has settled. */
  setOn(id: number, on: boolean): void | Promise<void>;
}
