/** Simulated performance domains: the current level per domain. @module */
import type { Board } from "../../../core/board.ts";
import type { PerfHw } from "../../../core/hw/perf.ts";
import { mine, type SimOptions } from "./_util.ts";

export function createSimPerf(board: Board, driver: string, _opts: SimOptions): PerfHw {
  const level = new Map<number, number>(mine(board, "perf", driver).map((p) => [p.id, p.level]));
  return {
    getLevel: (id) => level.get(id)!,
    setLevel: (id, l) => void level.set(id, l),
  };
}
