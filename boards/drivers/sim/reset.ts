/** Simulated reset domains (placeholder until the reset work lands). @module */
import type { Board } from "../../../core/board.ts";
import type { ResetHw } from "../../../core/hw/reset.ts";
import { mine, type SimOptions } from "./_util.ts";

export function createSimReset(board: Board, driver: string, _opts: SimOptions): ResetHw {
  const asserted = new Map<number, boolean>(mine(board, "reset", driver).map((r) => [r.id, false]));
  return {
    setAsserted: (id, a) => void asserted.set(id, a),
    isAsserted: (id) => asserted.get(id)!,
    pulse: () => {},
  };
}
