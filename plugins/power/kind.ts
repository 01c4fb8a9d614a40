/**
 * The power-domain resource kind: `[[power]]` board tables, `power_domains = […]` member
 * lists, parents that must be on for a child to be on.
 * @module
 */
import { defineKind, field, hwClass, parentRef, type ResourceDesc, stateWords } from "../../mod.ts";
import type { PowerHw } from "./hw.ts";

const { bool, list, ref, u32 } = field;

/** A power domain: its parent, state at power-on, latency and extra power states. */
export interface PowerDesc extends ResourceDesc {
  /** Physical id of the domain that must be on for this one to be on. */
  parent?: number;
  /** On at power-on. */
  on: boolean;
  /** Time a state change takes, µs. */
  latencyUs: number;
  /** Supports asynchronous POWER_STATE_SET. */
  async: boolean;
  /**
   * Power-state words the domain accepts besides ON (0) and OFF (0x40000000), e.g. retention
   * states, shallowest first; when agents disagree the shallowest requested one wins.
   */
  states?: number[];
}

/** Bits of a power-state word that must be clear (31, 29, 28). */
const POWER_STATE_RESERVED = 0xb0000000;

/** Power domains: `[[power]]`, `power_domains = […]`, kept on by `[policy.keep_on]`. */
export const powerKind = defineKind({
  name: "power",
  noun: "power domain",
  member: "power_domains",
  hw: hwClass<PowerHw>("power"),
  inspect: (p, phys) => ({ state: `0x${p.getState(phys).toString(16).padStart(8, "0")}` }),
  parented: true,
  refersTo: (d: PowerDesc) => d.parent === undefined ? [] : [["power", d.parent] as const],
  keep: true,
  fields: {
    parent: ref("a power domain").optional(),
    on: bool().optional(),
    latency_us: u32("a time in µs from 0 to 4294967295").optional(),
    async: bool().optional(),
    states: list(u32("a power-state word"), "an array of power states").optional(),
  },
  convert(c, p, base, t) {
    const desc: PowerDesc = {
      ...base,
      on: t.on ?? false,
      latencyUs: t.latency_us ?? 0,
      async: t.async ?? false,
    };
    if (t.states) {
      desc.states = stateWords(
        c,
        [...p, "states"],
        t.states,
        (s) =>
          s === 0 || s === 0x40000000 || (s & POWER_STATE_RESERVED) !== 0
            ? "a power-state word other than ON (0) and OFF (0x40000000) with bits 31, 29 and 28 clear"
            : undefined,
      );
    }
    const parent = parentRef(c, p, "power", t.name, t.parent);
    if (parent !== undefined) desc.parent = parent;
    return desc;
  },
  /** A domain on at power-on needs its parent on too. */
  check(c, list, at) {
    const byId = new Map(list.map((d) => [d.id, d]));
    for (const d of list) {
      if (!d.on || d.parent === undefined) continue;
      const parent = byId.get(d.parent);
      if (parent && !parent.on) {
        c.expect([...at(d.id), "on"], `false while parent "${parent.name}" is off at power-on`);
      }
    }
  },
});
