/** Simulated power domains (placeholder until the power work lands). @module */
import type { Board } from "../../../core/board.ts";
import type { PowerHw } from "../../../core/hw/power.ts";
import { mine, type SimOptions } from "./_util.ts";

export function createSimPower(board: Board, driver: string, _opts: SimOptions): PowerHw {
  const state = new Map<number, number>(
    mine(board, "power", driver).map((p) => [p.id, p.on ? 0 : 0x40000000]),
  );
  return {
    getState: (id) => state.get(id)!,
    setState: (id, s) => void state.set(id, s),
  };
}
