/**
 * The voltage-domain resource kind: `[[voltage]]` board tables, `voltage_domains = […]`
 * member lists, `[[agent.voltage]]` level bounds.
 * @module
 */
import {
  defineKind,
  field,
  hwClass,
  initial,
  MICROVOLTS,
  type ResourceDesc,
  stepsAt,
} from "../../mod.ts";
import type { VoltageHw } from "./hw.ts";

const { bool, list, quantity, table } = field;

/** Voltage levels: a discrete list (ascending, µV) or a segment (min, max, step). */
export type VoltageLevels =
  | { kind: "list"; levels: number[] }
  | { kind: "segment"; min: number; max: number; step: number };

/** A voltage domain: its levels, level and state at power-on, and settling time. */
export interface VoltageDesc extends ResourceDesc {
  /** The levels it can be set to. */
  levels: VoltageLevels;
  /** Level at power-on, µV. */
  level: number;
  /** On at power-on. */
  on: boolean;
  /** Supports asynchronous VOLTAGE_LEVEL_SET (delayed response). */
  async: boolean;
  /** Time a level change takes to settle, µs (default 0: immediate). */
  latencyUs?: number;
}

const volts = () => quantity(MICROVOLTS, "a voltage", -0x80000000, 0x7fffffff);

/** Voltage domains: `[[voltage]]`, `voltage_domains = […]`, bounded by `levels`. */
export const voltageKind = defineKind({
  name: "voltage",
  noun: "voltage domain",
  member: "voltage_domains",
  hw: hwClass<VoltageHw>("voltage"),
  inspect: async (v, phys) => ({ on: v.isOn(phys), level: await v.getLevel(phys) }),
  keep: true,
  fields: {
    levels: list(volts(), "an array of voltages").optional(),
    segment: table({ min: volts(), max: volts(), step: volts() }, "a table { min, max, step }")
      .optional(),
    level: volts().optional(),
    on: bool().optional(),
    async: bool().optional(),
  },
  value: {
    key: "levels",
    unit: "µV",
    items: "values",
    fallback: "the highest request inside every requester's range wins",
    schema: volts,
    steps: (d: VoltageDesc) =>
      d.levels.kind === "list"
        ? { kind: "list", values: d.levels.levels }
        : { ...d.levels, kind: "range" },
  },
  convert(c, p, base, t): VoltageDesc | undefined {
    const s = stepsAt(c, p, "µV", "level", "levels", t.levels, "segment", t.segment);
    if (!s) return undefined;
    const levels: VoltageLevels = s.kind === "list"
      ? { kind: "list", levels: [...s.values] }
      : { kind: "segment", min: s.min, max: s.max, step: s.step };
    return {
      ...base,
      levels,
      level: initial(c, [...p, "level"], "µV", s, t.level),
      on: t.on ?? false,
      async: t.async ?? false,
    };
  },
});
