import { hwClass } from "../../mod.ts";
/**
 * Board-driver interface for system power (the whole board, no resource ids), and its
 * whole-board driver class: the first driver with a `system` sub-object acts on the system.
 * @module
 */

/** SCMI system states (DEN0056 §4.4.2.5); 0x80000000 and above are vendor-defined. */
export const SystemState = {
  SHUTDOWN: 0,
  COLD_RESET: 1,
  WARM_RESET: 2,
  POWER_UP: 3,
  SUSPEND: 4,
} as const;

/** First vendor-defined system state. */
export const SYSTEM_STATE_VENDOR = 0x80000000;

/** The name of a standard system state, as commands and logs print it. */
export type SystemStateName = "shutdown" | "cold-reset" | "warm-reset" | "power-up" | "suspend";

const NAMES: readonly SystemStateName[] = [
  "shutdown",
  "cold-reset",
  "warm-reset",
  "power-up",
  "suspend",
];

/** The name of a standard system state (`shutdown` … `suspend`), or undefined. */
export function systemStateName(state: number): SystemStateName | undefined {
  return NAMES[state];
}

/** What a board driver implements to act on the whole system: shutdown, resets and suspend. */
export interface SystemHw {
  /**
   * Acts on the whole system. With `graceful`, agents have just been told (with
   * `gracefulTimeoutMs`) and the board should give them that long to finish before forcing
   * the transition. Resolves once the transition is accepted (a shutdown may never resolve).
   */
  setState(state: number, graceful: boolean): void | Promise<void>;
  /** Whether the board can enter `state`; default: the five standard states, no vendor ones. */
  supports?(state: number): boolean;
  /**
   * How long the board waits for agents after a graceful request before forcing the
   * transition, ms; sent to agents in SYSTEM_POWER_STATE_NOTIFIER (default 0: not stated).
   */
  readonly gracefulTimeoutMs?: number;
}

/** The `system` driver class: shutdown, reset and suspend of the whole board. */
export const systemHw = hwClass<SystemHw>("system");
