/** Board-driver interface for reset domains. Physical ids only. @module */

export interface ResetHw {
  /** Holds the domain in reset (`true`) or releases it. `state` is the SCMI reset state. */
  setAsserted(id: number, asserted: boolean, state: number): void | Promise<void>;
  isAsserted(id: number): boolean;
  /** A full assert/deassert cycle; resolves when the domain is out of reset. */
  pulse(id: number, state: number): void | Promise<void>;
}
