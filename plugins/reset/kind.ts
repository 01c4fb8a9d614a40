/**
 * The reset-domain resource kind: `[[reset]]` board tables, `resets = […]` member lists.
 * @module
 */
import { defineKind, field, hwClass, type ResourceDesc, stateWords } from "../../mod.ts";
import type { ResetHw } from "./hw.ts";

const { bool, list, u32 } = field;

/** A reset domain: how long a reset takes and which reset states it supports. */
export interface ResetDesc extends ResourceDesc {
  /** Time a reset cycle takes, µs; 0x7fffffff when unknown. */
  latencyUs: number;
  /** Supports asynchronous reset (delayed response). */
  async: boolean;
  /**
   * IMPLEMENTATION DEFINED reset states (bit 31 set) the domain supports besides the
   * architectural cold reset (0); none when absent.
   */
  states?: number[];
}

/** Reset domains: `[[reset]]`, `resets = […]`. */
export const resetKind = defineKind({
  name: "reset",
  noun: "reset domain",
  member: "resets",
  hw: hwClass<ResetHw>("reset"),
  inspect: (r, phys) => ({ asserted: r.isAsserted(phys) }),
  fields: {
    latency_us: u32("a time in µs from 0 to 4294967295").optional(),
    async: bool().optional(),
    states: list(u32("a reset state word with bit 31 set"), "an array of reset states")
      .optional(),
  },
  convert(c, p, base, t) {
    const desc: ResetDesc = { ...base, latencyUs: t.latency_us ?? 0, async: t.async ?? false };
    if (t.states) {
      desc.states = stateWords(
        c,
        [...p, "states"],
        t.states,
        (s) => s >= 0x80000000 ? undefined : "an IMPLEMENTATION DEFINED reset state (bit 31 set)",
      );
    }
    return desc;
  },
});
