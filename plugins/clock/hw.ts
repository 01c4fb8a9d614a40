/**
 * Board-driver interface for clocks. Physical ids only; rates in Hz.
 *
 * A method returns a promise only when the hardware really takes time (a PLL relocking, a
 * call into another process); otherwise it answers synchronously. Failures are thrown (or
 * rejected) as `DriverError`: `"range"` for a rate the clock cannot produce, `"denied"` for
 * a dependency that is not met (e.g. enabling a clock whose parent is off), `"invalid"` for
 * a parent the clock cannot use, `"unsupported"` for an extended configuration type the clock
 * lacks, `"hardware"` for a failed operation.
 * @module
 */

/** How a requested rate is rounded to one the clock supports. */
export type RateRound = "down" | "up" | "nearest";

/**
 * What a board driver implements for clocks: enable, rate, parent and extended configuration
 * (physical ids).
 */
export interface ClockHw {
  /** The rate the clock is programmed to, Hz; also while it is gated or disabled. */
  getRate(id: number): number | Promise<number>;
  /**
   * Programs the rate, rounded as `round` says to one the clock supports; resolves to that
   * rate once the clock runs at it. A disabled clock takes the rate when it is enabled.
   */
  setRate(id: number, rate: number, round: RateRound): number | Promise<number>;
  /** Whether the clock's own enable is set: its hardware state, all agents together. */
  isEnabled(id: number): boolean;
  /** Sets or clears the clock's own enable. */
  setEnabled(id: number, on: boolean): void | Promise<void>;
  /** Physical id of the clock's current parent, or -1 when it has none. */
  getParent?(id: number): number;
  /** Switches the clock to `parent`, one of the parents the board declares for it. */
  setParent?(id: number, parent: number): void | Promise<void>;
  /**
   * Value of extended configuration `type` (1 duty cycle, 2 phase, 0x80–0xFF OEM-defined)
   * for the types the board declares for the clock (`ClockDesc.oemConfig`).
   */
  getOemConfig?(id: number, type: number): number;
  /** Sets extended configuration `type` to `value`. */
  setOemConfig?(id: number, type: number, value: number): void | Promise<void>;
  /**
   * Registers `changed`, called when a clock's rate changes other than through this
   * interface (a downstream platform's other agents, a clock that relocks by itself): the
   * clock protocol tells the agents subscribed to the clock (CLOCK_RATE_CHANGED from the
   * platform). Called once at start; absent: rates change only through `setRate`.
   */
  watchRates?(changed: (id: number, rate: number) => void): void;
}
