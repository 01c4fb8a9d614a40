/** Simulated pin controller: configuration values and selected functions. @module */
import type { Board } from "../../../core/board.ts";
import type { PinctrlHw } from "../../../core/hw/pinctrl.ts";
import type { SimOptions } from "./_util.ts";

export function createSimPinctrl(_board: Board, _driver: string, _opts: SimOptions): PinctrlHw {
  const config = new Map<string, number>();
  const fn = new Map<string, number>();
  return {
    getConfig: (t, id, type) => config.get(`${t}:${id}:${type}`),
    setConfig: (t, id, type, value) => void config.set(`${t}:${id}:${type}`, value),
    getFunction: (t, id) => fn.get(`${t}:${id}`),
    setFunction: (t, id, f) => void fn.set(`${t}:${id}`, f),
  };
}
