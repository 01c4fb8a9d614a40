/**
 * Simulated system power: records every state the board was asked to enter, so tests can
 * assert what an agent's request did. Supports the five standard states, no vendor states.
 * @module
 */
import type { Board } from "../../../core/board.ts";
import type { SystemHw } from "../../../plugins/system/hw.ts";
import type { SimOptions } from "./_util.ts";

/** One request the simulated board received. */
export interface SimSystemStep {
  state: number;
  graceful: boolean;
}

/** The sim's system controller: the driver interface plus what tests inspect. */
export interface SimSystem extends SystemHw {
  /** Every request, in order. */
  readonly history: SimSystemStep[];
  /** Announced to agents with graceful requests, ms (default 10 000). */
  gracefulTimeoutMs: number;
}

/** Graceful timeout the simulated board announces, ms. */
export const SIM_GRACEFUL_TIMEOUT_MS = 10_000;

export function createSimSystem(_board: Board, _driver: string, _opts: SimOptions): SimSystem {
  const history: SimSystemStep[] = [];
  return {
    history,
    gracefulTimeoutMs: SIM_GRACEFUL_TIMEOUT_MS,
    supports: (state) => Number.isInteger(state) && state >= 0 && state <= 4,
    setState(state, graceful) {
      history.push({ state, graceful });
    },
  };
}
