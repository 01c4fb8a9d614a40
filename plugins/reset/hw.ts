/**
 * Board-driver interface for reset domains. Physical ids only; the Reset domain protocol
 * plugin arbitrates between agents and serialises the operations on each domain, so a
 * driver sees one operation per domain at a time.
 * @module
 */

/**
 * SCMI reset states (DEN0056 reset domain protocol, RESET `reset_state`): bit 31 clear is
 * an architectural reset type, bit 31 set an IMPLEMENTATION DEFINED one; bits 30:0 give
 * the type. The only architectural type is cold reset (0); the others are reserved.
 */
export const ResetState = {
  /** Architectural cold reset: the state every SCMI agent uses (Linux always sends it). */
  COLD: 0,
  /** Bit 31: the type in bits 30:0 is IMPLEMENTATION DEFINED (the board declares them). */
  IMPL_DEFINED: 0x8000_0000,
} as const;

/**
 * What a board driver implements for reset domains: assert, release and full reset cycles (physical
 * ids).
 */
export interface ResetHw {
  /** Whether the domain is held in reset now (hardware state, all agents together). */
  isAsserted(id: number): boolean;
  /**
   * Holds the domain in reset (`true`) or releases it, with reset state `state` (see
   * {@linkcode ResetState}). Resolves when the line has settled. Throws DriverError
   * ("unsupported") for a state the domain does not have.
   */
  setAsserted(id: number, asserted: boolean, state: number): void | Promise<void>;
  /**
   * One full reset cycle in reset state `state`: assert, hold for the domain's latency,
   * release. Works from either state and ends with the domain out of reset; resolves then.
   */
  pulse(id: number, state: number): void | Promise<void>;
}
