/** Board-driver interface for clocks. Physical ids only; rates in Hz. @module */

/** How a requested rate is rounded to one the clock supports. */
export type RateRound = "down" | "up" | "nearest";

export interface ClockHw {
  /** Current rate, Hz. */
  getRate(id: number): number | Promise<number>;
  /** Sets the rate; returns the rate the clock now runs at. */
  setRate(id: number, rate: number, round: RateRound): number | Promise<number>;
  /** Whether the clock output is running (hardware state, all agents together). */
  isEnabled(id: number): boolean;
  setEnabled(id: number, on: boolean): void | Promise<void>;
  getParent?(id: number): number;
  setParent?(id: number, parent: number): void | Promise<void>;
  /** OEM-specific configuration value of `type` (0x80–0xFF), when the driver has it. */
  getOemConfig?(id: number, type: number): number;
  setOemConfig?(id: number, type: number, value: number): void | Promise<void>;
}
