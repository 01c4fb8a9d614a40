/**
 * Power-capping domains of the downstream platform, by its ids: caps and averaging intervals
 * are set on it and remembered (read from it at start), measurements read from it. Powers are
 * µW here; a downstream domain counting in mW is converted both ways.
 * @module
 */
import { powercapKind } from "../../../plugins/powercap/kind.ts";
import type { PowercapHw } from "../../../plugins/powercap/hw.ts";
import { DomainAttr, PowercapMsg, PowerUnit } from "../../../plugins/powercap/msg.ts";
import type { Board } from "../../../core/board.ts";
import type { Link } from "./link.ts";
import type { Replay } from "./replay.ts";

/** The power capping protocol's id. */
export const POWERCAP = 0x18;

/** µW per unit of a domain whose POWERCAP_DOMAIN_ATTRIBUTES are `attrs` (1 for µW, abstract). */
export function microwattsPer(attrs: number): number {
  return ((attrs >>> DomainAttr.UNIT_SHIFT) & 0x3) === PowerUnit.mW ? 1000 : 1;
}

/** The power-capping domains of `board` that driver instance `name` backs, through `link`. */
export async function createForwardPowercap(
  link: Link,
  replay: Replay,
  board: Board,
  name: string,
): Promise<PowercapHw> {
  const scale = new Map<number, number>();
  const caps = new Map<number, number>();
  const pais = new Map<number, number>();
  for (const d of powercapKind.of(board).filter((d) => d.driver === name)) {
    const attrs = (await link.call(POWERCAP, PowercapMsg.POWERCAP_DOMAIN_ATTRIBUTES, [d.id])).u32();
    const k = microwattsPer(attrs);
    scale.set(d.id, k);
    caps.set(d.id, (await link.call(POWERCAP, PowercapMsg.POWERCAP_CAP_GET, [d.id])).u32() * k);
    pais.set(d.id, (await link.call(POWERCAP, PowercapMsg.POWERCAP_PAI_GET, [d.id])).u32());
  }
  const per = (id: number) => scale.get(id) ?? 1;
  return {
    getCap: (id) => caps.get(id) ?? 0,
    async setCap(id, cap) {
      const params = [id, 0, Math.round(cap / per(id))];
      await replay.write(`powercap.cap.${id}`, POWERCAP, PowercapMsg.POWERCAP_CAP_SET, params);
      caps.set(id, cap);
    },
    getPai: (id) => pais.get(id) ?? 0,
    async setPai(id, micros) {
      const params = [id, 0, micros];
      await replay.write(`powercap.pai.${id}`, POWERCAP, PowercapMsg.POWERCAP_PAI_SET, params);
      pais.set(id, micros);
    },
    async measure(id) {
      const p = await link.call(POWERCAP, PowercapMsg.POWERCAP_MEASUREMENTS_GET, [id]);
      return p.u32() * per(id);
    },
  };
}
