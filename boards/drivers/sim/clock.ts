/** Simulated clocks (placeholder until the clock work lands). @module */
import type { Board } from "../../../core/board.ts";
import type { ClockHw } from "../../../core/hw/clock.ts";
import { mine, type SimOptions } from "./_util.ts";

export function createSimClock(board: Board, driver: string, _opts: SimOptions): ClockHw {
  const rate = new Map<number, number>();
  const on = new Map<number, boolean>();
  for (const c of mine(board, "clock", driver)) {
    rate.set(c.id, c.rate);
    on.set(c.id, c.enabled);
  }
  return {
    getRate: (id) => rate.get(id)!,
    setRate: (id, r) => (rate.set(id, r), r),
    isEnabled: (id) => on.get(id)!,
    setEnabled: (id, v) => void on.set(id, v),
  };
}
