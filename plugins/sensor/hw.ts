/**
 * Board-driver interface for sensors. Physical ids only; readings are integers in the unit and
 * power-of-ten scale the board declares for the sensor (or for each axis), timestamps are
 * nanoseconds of a clock that never goes back.
 *
 * A method returns a promise only when the hardware really takes time (a conversion, a bus
 * transfer); otherwise it answers synchronously. Failures are thrown (or rejected) as
 * `DriverError`: `"hardware"` for a failed or impossible read (e.g. a disabled sensor),
 * `"range"` for an update interval the sensor cannot use, `"unsupported"` for a setting the
 * sensor does not have.
 * @module
 */

export interface SensorHw {
  /**
   * Takes one sample of every axis of sensor `id`: axis `i`'s value goes to `out[i]` (one
   * entry for a scalar sensor). Returns the time of the sample in ns, or a promise of it. The
   * caller owns `out` and does not touch it until the read settles.
   */
  sample(id: number, out: number[]): number | Promise<number>;
  /** Whether the sensor is enabled (all agents together); default: always. */
  isEnabled?(id: number): boolean;
  /** Enables or disables the sensor. */
  setEnabled?(id: number, on: boolean): void | Promise<void>;
  /** The update interval the sensor samples at now, µs; default: the board's power-on one. */
  getIntervalUs?(id: number): number;
  /** Makes the sensor sample every `us` µs, an interval the board declares for it. */
  setIntervalUs?(id: number, us: number): void | Promise<void>;
}
