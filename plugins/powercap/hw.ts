/**
 * Board-driver interface for power-capping domains. Physical ids only; powers are in the
 * domain's power unit (`PowercapDesc.unit`, µW unless the board says otherwise), averaging
 * intervals in µs. The Powercap protocol plugin arbitrates between agents, so a driver sees
 * the one cap the domain must enforce, always one the board declares (or 0).
 *
 * A method returns a promise only when the hardware really takes time; failures are thrown
 * (or rejected) as `DriverError`: `"range"` for a value the domain cannot take, `"busy"`,
 * `"hardware"`.
 * @module
 */

export interface PowercapHw {
  /** The cap the domain enforces now; 0 when capping is disabled. */
  getCap(id: number): number;
  /** Enforces `cap` (0 disables capping); resolves once the controller has taken it. */
  setCap(id: number, cap: number): void | Promise<void>;
  /** The power averaging interval, µs. */
  getPai(id: number): number;
  /** Sets the power averaging interval, µs. */
  setPai(id: number, micros: number): void | Promise<void>;
  /** Average power drawn over the last averaging interval. */
  measure(id: number): number | Promise<number>;
}
