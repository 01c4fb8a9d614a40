/**
 * Board-driver interface for performance domains. Physical ids only; levels are the board's
 * level values (`PerfDesc.levels[i].level`), never the indices agents use in level-indexing
 * mode. Every method may complete asynchronously when the hardware really takes time.
 * @module
 */

export interface PerfHw {
  /** The level the domain runs at now. */
  getLevel(id: number): number | Promise<number>;
  /**
   * Moves the domain to `level`; settles once it runs there and returns the level it runs at
   * (a declared level; hardware that approximates may pick the nearest one). Throws
   * `DriverError("range")` for a level it cannot run at or one outside the limits it holds.
   */
  setLevel(id: number, level: number): number | Promise<number>;
  /**
   * Confines the domain to the declared levels in `[min, max]`; a current level outside
   * moves to the nearest one inside. Returns the level the domain runs at afterwards. Throws
   * `DriverError("range")` when no declared level lies inside.
   */
  setLimits(id: number, min: number, max: number): number | Promise<number>;
}
