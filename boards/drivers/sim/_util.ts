/** Shared helpers of the simulated board driver. @module */
import type { Board, ResourceDescByKind, ResourceKind } from "../../../core/board.ts";

/** The resources of `kind` this sim instance backs. */
export function mine<K extends ResourceKind>(
  board: Board,
  kind: K,
  driver: string,
): ResourceDescByKind[K][] {
  return (board[kind] as ResourceDescByKind[K][]).filter((r) => r.driver === driver);
}

/** Options every sim class reads. */
export interface SimOptions {
  /** Multiplies every declared latency (0 makes everything immediate; default 1). */
  timeScale: number;
}

/** Waits `us` microseconds scaled by the sim's time scale; immediate at 0. */
export function delay(opts: SimOptions, us: number): Promise<void> | void {
  const ms = (us * opts.timeScale) / 1000;
  if (ms <= 0) return;
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Most entries a sim keeps in a history list: a long-running server must not grow. */
export const HISTORY_LIMIT = 1024;

/**
 * Appends `item` to a sim's history of hardware actions (what tests read back), keeping at
 * most the newest {@linkcode HISTORY_LIMIT} entries.
 */
export function record<T>(history: T[], item: T): void {
  history.push(item);
  if (history.length > HISTORY_LIMIT) history.splice(0, history.length - HISTORY_LIMIT / 2);
}
