/** Board-driver interface for system power. @module */

/** SCMI system states (DEN0056 system power protocol). */
export const SystemState = {
  SHUTDOWN: 0,
  COLD_RESET: 1,
  WARM_RESET: 2,
  POWER_UP: 3,
  SUSPEND: 4,
} as const;

export interface SystemHw {
  /** Acts on the whole system; `graceful` asks for an orderly transition. */
  setState(state: number, graceful: boolean): void | Promise<void>;
}
