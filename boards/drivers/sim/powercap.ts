/** Simulated power-capping domains: cap, averaging interval and a measured power. @module */
import type { Board } from "../../../core/board.ts";
import type { PowercapHw } from "../../../core/hw/powercap.ts";
import { mine, type SimOptions } from "./_util.ts";

export function createSimPowercap(board: Board, driver: string, _opts: SimOptions): PowercapHw {
  const cap = new Map<number, number>();
  const pai = new Map<number, number>();
  for (const d of mine(board, "powercap", driver)) {
    cap.set(d.id, d.cap);
    pai.set(d.id, d.pai);
  }
  return {
    getCap: (id) => cap.get(id)!,
    setCap: (id, uw) => void cap.set(id, uw),
    getPai: (id) => pai.get(id)!,
    setPai: (id, us) => void pai.set(id, us),
    // A load that sits at 80 % of the cap.
    measure: (id) => Math.round(cap.get(id)! * 0.8),
  };
}
