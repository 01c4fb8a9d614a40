/**
 * The power-capping resource kind: `[[powercap]]` board tables, `powercaps = […]` member
 * lists, `[[agent.powercap]]` cap bounds.
 * @module
 */
import {
  defineKind,
  field,
  hwClass,
  initial,
  MICROWATTS,
  parentRef,
  type ResourceDesc,
  triplet,
} from "../../mod.ts";
import type { PowercapHw } from "./hw.ts";

const { int, quantity, ref } = field;

/**
 * A power-capping domain: cap and averaging-interval ranges, state at power-on, units and simulated
 * load.
 */
export interface PowercapDesc extends ResourceDesc {
  /** Smallest cap, µW. */
  minCap: number;
  /** Largest cap, µW. */
  maxCap: number;
  /** Step between caps, µW. */
  capStep: number;
  /** Cap at power-on, µW. */
  cap: number;
  /** Shortest power averaging interval, µs. */
  minPai: number;
  /** Longest power averaging interval, µs. */
  maxPai: number;
  /** Step between averaging intervals, µs. */
  paiStep: number;
  /** Averaging interval at power-on, µs. */
  pai: number;
  /** Physical id of the parent powercap domain, if any. */
  parent?: number;
  /**
   * Unit of the cap, step, sustainable-power and measured-power values: "uW" (default), "mW"
   * or "abstract" (a linear scale).
   */
  unit?: "uW" | "mW" | "abstract";
  /** Supports asynchronous POWERCAP_CAP_SET (default false). */
  async?: boolean;
  /** Time the controller takes to apply a new cap, µs (default 0: immediate). */
  latencyUs?: number;
  /** Reports its measured power (POWERCAP_MEASUREMENTS_GET; default true). */
  monitoring?: boolean;
  /** Agents speaking Powercap 2.0 may disable capping with a cap of 0 (default false). */
  canDisable?: boolean;
  /** Power the domain can draw indefinitely (default `maxCap`). */
  sustainablePower?: number;
  /** Accuracy of the cap and of the measurements, as reported to agents (default 0). */
  accuracy?: number;
  /** How the simulated load draws power (the `sim` driver; see `PowercapLoad`). */
  load?: PowercapLoad;
}

/**
 * A simulated load: the power it would draw swings linearly from `min` to `max` and back over
 * `periodMs` (a triangle wave), and the domain's cap clips it. Default: from half of `minCap`
 * to `maxCap` over 10 s.
 */
export interface PowercapLoad {
  /** Lowest power the load draws, in the domain's cap unit. */
  min: number;
  /** Highest power the load draws, in the domain's cap unit. */
  max: number;
  /** Time one swing from `min` to `max` and back takes, ms. */
  periodMs: number;
}

const watts = () => quantity(MICROWATTS, "a power", 1, 0xffffffff);
const pai = () => int(1, 0xffffffff, "an interval in µs from 1 to 4294967295");

/** Power-capping domains: `[[powercap]]`, `powercaps = […]`, bounded by `caps`. */
export const powercapKind = defineKind({
  name: "powercap",
  noun: "power-capping domain",
  member: "powercaps",
  hw: hwClass<PowercapHw>("powercap"),
  inspect: (p, phys) => ({ cap: p.getCap(phys), pai: p.getPai(phys) }),
  parented: true,
  refersTo: (d: PowercapDesc) => d.parent === undefined ? [] : [["powercap", d.parent] as const],
  fields: {
    min_cap: watts(),
    max_cap: watts(),
    cap_step: watts().optional(),
    cap: watts().optional(),
    min_pai: pai().optional(),
    max_pai: pai().optional(),
    pai_step: pai().optional(),
    pai: pai().optional(),
    parent: ref("a power-capping domain").optional(),
  },
  value: {
    key: "caps",
    unit: "µW",
    items: "values",
    fallback: "the lowest cap wins",
    schema: watts,
    steps: (d: PowercapDesc) => ({ kind: "range", min: d.minCap, max: d.maxCap, step: d.capStep }),
  },
  convert(c, p, base, t) {
    const caps = { min: t.min_cap, max: t.max_cap, step: t.cap_step ?? 1 };
    const minPai = t.min_pai ?? 1000;
    const pais = { min: minPai, max: t.max_pai ?? minPai, step: t.pai_step ?? 1 };
    const at = (k: string) => [...p, k];
    const capOk = triplet(c, "µW", at("max_cap"), at("cap_step"), caps);
    const paiOk = triplet(c, "µs", at("max_pai"), at("pai_step"), pais);
    const parent = parentRef(c, p, "powercap", t.name, t.parent);
    if (!capOk || !paiOk) return undefined;
    const desc: PowercapDesc = {
      ...base,
      minCap: caps.min,
      maxCap: caps.max,
      capStep: caps.step,
      cap: t.cap === undefined
        ? caps.max
        : initial(c, at("cap"), "µW", { kind: "range", ...caps }, t.cap),
      minPai: pais.min,
      maxPai: pais.max,
      paiStep: pais.step,
      pai: t.pai === undefined
        ? pais.min
        : initial(c, at("pai"), "µs", { kind: "range", ...pais }, t.pai),
    };
    if (parent !== undefined) desc.parent = parent;
    return desc;
  },
});
