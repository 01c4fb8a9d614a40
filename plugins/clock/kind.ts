/**
 * The clock resource kind: `[[clock]]` board tables, `clocks = […]` member lists,
 * `[[agent.clock]]` rate bounds, and the description handlers read.
 * @module
 */
import {
  defineKind,
  field,
  HERTZ,
  hwClass,
  initial,
  type ResourceDesc,
  stepsAt,
} from "../../mod.ts";
import type { ClockHw } from "./hw.ts";

const { bool, int, list, quantity, ref, table, u32 } = field;

/** Rates a clock supports: a discrete list (ascending, Hz) or a linear range. */
export type ClockRates =
  | { kind: "list"; rates: number[] }
  | { kind: "range"; min: number; max: number; step: number };

/** A clock: its rates, its state and parent at power-on, and how long changes take. */
export interface ClockDesc extends ResourceDesc {
  /** The rates it can run at. */
  rates: ClockRates;
  /** Rate at power-on, Hz. */
  rate: number;
  /** Running at power-on. */
  enabled: boolean;
  /** Physical ids of the clocks this one may be switched to; empty when it has no mux. */
  parents: number[];
  /** Physical id of the parent at power-on, if any. */
  parent?: number;
  /** Time a rate change takes, µs (0 = immediate). */
  latencyUs: number;
  /** Worst-case time the clock takes to start when enabled, µs; absent or 0 = not known. */
  enableLatencyUs?: number;
  /**
   * Extended configuration types the clock has, with their power-on values: 1 duty cycle,
   * 2 phase, 0x80–0xFF OEM-defined (CLOCK_CONFIG_SET/GET from clock protocol 3.0).
   */
  oemConfig?: ClockConfigDesc[];
}

/** One extended configuration type of a clock and its value at power-on. */
export interface ClockConfigDesc {
  /** The configuration type: 1 duty cycle, 2 phase, 0x80–0xFF OEM-defined. */
  type: number;
  /** Its value at power-on. */
  value: number;
}

const freq = () => quantity(HERTZ, "a frequency", 1, Number.MAX_SAFE_INTEGER);
const latency = () => u32("a time in µs from 0 to 4294967295");

/** Clocks: `[[clock]]`, `clocks = […]`, bounded by `rates`, kept on by `[policy.keep_on]`. */
export const clockKind = defineKind({
  name: "clock",
  noun: "clock",
  member: "clocks",
  hw: hwClass<ClockHw>("clock"),
  inspect: async (c, phys) => ({ enabled: c.isEnabled(phys), rate: await c.getRate(phys) }),
  parented: true,
  refersTo: (d: ClockDesc) => [
    ...d.parents.map((p) => ["clock", p] as const),
    ...(d.parent === undefined ? [] : [["clock", d.parent] as const]),
  ],
  keep: true,
  fields: {
    rates: list(freq(), "an array of frequencies").optional(),
    range: table({ min: freq(), max: freq(), step: freq() }, "a table { min, max, step }")
      .optional(),
    rate: freq().optional(),
    enabled: bool().optional(),
    parents: list(ref("a clock"), "an array of clock names").optional(),
    parent: ref("a clock").optional(),
    latency_us: latency().optional(),
    enable_latency_us: latency().optional(),
    config: list(
      table({
        type: int(0, 0xff, "a configuration type: 1 (duty cycle), 2 (phase) or 0x80–0xFF"),
        value: u32("a value from 0 to 4294967295"),
      }, "a table { type, value }"),
      "an array of { type, value } tables",
    ).optional(),
  },
  value: {
    key: "rates",
    unit: "Hz",
    items: "values",
    fallback: "the last request wins",
    schema: freq,
    steps: (d: ClockDesc) =>
      d.rates.kind === "list"
        ? { kind: "list", values: d.rates.rates }
        : { ...d.rates, kind: "range" },
  },
  convert(c, p, base, t) {
    const s = stepsAt(c, p, "Hz", "rate", "rates", t.rates, "range", t.range);
    const parents: number[] = [];
    (t.parents ?? []).forEach((n, j) => {
      if (n === t.name) c.expect([...p, "parents", j], "a clock other than this one");
    });
    parents.push(
      ...c.refs("clock", [...p, "parents"], (t.parents ?? []).filter((n) => n !== t.name)),
    );
    let parent: number | undefined = parents[0];
    if (t.parent !== undefined) {
      const names = t.parents ?? [];
      if (!names.includes(t.parent)) {
        const among = names.length ? `(${names.map((n) => `"${n}"`).join(", ")})` : "(it has none)";
        c.expect([...p, "parent"], `one of the clock's parents ${among}`);
      } else parent = c.idOf("clock", t.parent);
    }
    if (!s) return undefined;
    const rates: ClockRates = s.kind === "list"
      ? { kind: "list", rates: [...s.values] }
      : { kind: "range", min: s.min, max: s.max, step: s.step };
    const desc: ClockDesc = {
      ...base,
      rates,
      rate: initial(c, [...p, "rate"], "Hz", s, t.rate),
      enabled: t.enabled ?? false,
      parents,
      latencyUs: t.latency_us ?? 0,
    };
    if (parent !== undefined) desc.parent = parent;
    if (t.enable_latency_us !== undefined) desc.enableLatencyUs = t.enable_latency_us;
    if (t.config) {
      const types = new Set<number>();
      t.config.forEach((cfg, j) => {
        const at = [...p, "config", j, "type"];
        if (cfg.type !== 1 && cfg.type !== 2 && cfg.type < 0x80) {
          c.expect(at, "a configuration type: 1 (duty cycle), 2 (phase) or 0x80–0xFF");
        } else if (types.has(cfg.type)) c.expect(at, "each configuration type listed once");
        types.add(cfg.type);
      });
      desc.oemConfig = t.config.map((cfg) => ({ type: cfg.type, value: cfg.value }));
    }
    return desc;
  },
});
