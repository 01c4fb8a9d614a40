/**
 * Board-driver interface for power domains. Physical ids only; states are SCMI power-state
 * words (DEN0056 §4.3.2.5): bit 30 set = a context-lost ("off-type") state, bits 27:0 = the
 * state id, bits 31, 29 and 28 reserved.
 * @module
 */

/** The two power-state words every domain has. */
export const PowerState = {
  /** On: context preserved, state id 0. */
  ON: 0x00000000,
  /** Off: context lost, state id 0. */
  OFF: 0x40000000,
} as const;

/** Bits of a power-state word that the specification reserves (31, 29, 28). */
export const POWER_STATE_RESERVED = 0xb0000000;

/**
 * What a board driver implements for power domains: reading and setting the power state (physical
 * ids).
 */
export interface PowerHw {
  /** The domain's current power-state word, as the hardware reports it. */
  getState(id: number): number;
  /**
   * Moves the domain to `state`; resolves once the hardware is there. Throws
   * `DriverError("denied")` when the domain cannot leave OFF because its parent is not on,
   * and `DriverError("in-use")` when it cannot leave ON because a child is not off.
   */
  setState(id: number, state: number): void | Promise<void>;
  /**
   * Registers `changed`, called when a domain's state changes other than through this
   * interface (a downstream platform's other agents): the power protocol tells the agents
   * subscribed to the domain (POWER_STATE_CHANGED from the platform). Called once at start.
   */
  watchStates?(changed: (id: number, state: number) => void): void;
}
