/** Simulated voltage domains: a level and an on/off switch per domain. @module */
import type { Board } from "../../../core/board.ts";
import type { VoltageHw } from "../../../core/hw/voltage.ts";
import { mine, type SimOptions } from "./_util.ts";

export function createSimVoltage(board: Board, driver: string, _opts: SimOptions): VoltageHw {
  const level = new Map<number, number>();
  const on = new Map<number, boolean>();
  for (const v of mine(board, "voltage", driver)) {
    level.set(v.id, v.level);
    on.set(v.id, v.on);
  }
  return {
    getLevel: (id) => level.get(id)!,
    setLevel: (id, uv) => void level.set(id, uv),
    isOn: (id) => on.get(id)!,
    setOn: (id, v) => void on.set(id, v),
  };
}
