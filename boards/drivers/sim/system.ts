/** Simulated system power (placeholder until the system power work lands). @module */
import type { Board } from "../../../core/board.ts";
import type { SystemHw } from "../../../core/hw/system.ts";
import type { SimOptions } from "./_util.ts";

export function createSimSystem(
  _board: Board,
  _driver: string,
  _opts: SimOptions,
): SystemHw & { readonly history: number[] } {
  const history: number[] = [];
  return { history, setState: (state) => void history.push(state) };
}
