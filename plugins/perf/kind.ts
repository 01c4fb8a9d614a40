/**
 * The performance-domain resource kind: `[[perf]]` board tables, `perf_domains = […]` member
 * lists, `[[agent.perf]]` level bounds, and the board's `perf_power_unit`.
 * @module
 */
import { type Board, defineKind, field, HERTZ, hwClass, type ResourceDesc } from "../../mod.ts";
import type { PerfHw } from "./hw.ts";

const { bool, int, list, oneOf, quantity, table, u32 } = field;

/** One operating point of a performance domain. */
export interface PerfLevel {
  /** Performance level value (abstract, or kHz when the board says so). */
  level: number;
  /** Power cost at this level (µW, mW or abstract per the board's `perfPowerUnit`). */
  power: number;
  /** Transition latency to this level, µs. */
  latencyUs: number;
  /** Frequency at this level, kHz. */
  freqKhz: number;
}

/** A performance domain: its levels, level at power-on and sustained operating point. */
export interface PerfDesc extends ResourceDesc {
  /** Ascending by level. */
  levels: PerfLevel[];
  /** Level at power-on. */
  level: number;
  /** Sustained frequency, kHz (PERF_DOMAIN_ATTRIBUTES). */
  sustainedFreqKhz: number;
  /** Level the domain can sustain indefinitely. */
  sustainedLevel: number;
  /** Minimum interval between level changes, µs. */
  rateLimitUs: number;
  /**
   * Agents speaking Performance 4.0 address this domain's levels by their index in `levels`
   * (level-indexing mode) in LEVEL/LIMITS commands and notifications. Default false.
   */
  levelIndexing?: boolean;
  /**
   * The hardware runs a requested level it does not declare at the nearest declared level
   * inside the limits; otherwise such a request is refused (OUT_OF_RANGE). Default false.
   */
  approximate?: boolean;
}

const level = () => u32("a performance level from 0 to 4294967295");
const latency = () => u32("a time in µs from 0 to 4294967295");
const khzFreq = () => quantity(HERTZ, "a frequency", 1000, 0xffffffff * 1000);

/** Power unit of level costs: the board's `[board] perf_power_unit`. */
export type PerfPowerUnit = "mW" | "uW" | "abstract";

/**
 * The power unit of `board`'s performance-level costs (default "abstract").
 *
 * @param board A board.
 * @returns Its `perf_power_unit`.
 */
export function perfPowerUnit(board: Board): PerfPowerUnit {
  return (board.settings.perf_power_unit as PerfPowerUnit | undefined) ?? "abstract";
}

/** Performance domains: `[[perf]]`, `perf_domains = […]`, bounded by `levels`. */
export const perfKind = defineKind({
  name: "perf",
  noun: "performance domain",
  member: "perf_domains",
  hw: hwClass<PerfHw>("perf"),
  inspect: async (p, phys) => ({ level: await p.getLevel(phys) }),
  settings: { perf_power_unit: oneOf(["mW", "uW", "abstract"]).optional() },
  fields: {
    levels: list(
      table({
        level: level(),
        freq: khzFreq(),
        power: u32("a power cost from 0 to 4294967295").optional(),
        latency_us: latency().optional(),
      }, "a table { level, freq, power, latency_us }"),
      "an array of levels",
    ),
    level: u32("a performance level").optional(),
    sustained_level: u32("a performance level").optional(),
    sustained_freq: khzFreq().optional(),
    rate_limit_us: int(0, 0xfffff, "a time in µs from 0 to 1048575").optional(),
    level_indexing: bool().optional(),
    approximate: bool().optional(),
  },
  value: {
    key: "levels",
    unit: "",
    items: "levels",
    fallback: "the last request wins",
    schema: level,
    steps: (d: PerfDesc) => ({ kind: "list", values: d.levels.map((l) => l.level) }),
  },
  convert(c, p, base, t) {
    if (t.levels.length === 0) {
      c.expect([...p, "levels"], "at least one level");
      return undefined;
    }
    const levels: PerfLevel[] = [];
    let ok = true;
    t.levels.forEach((l, j) => {
      const lp = [...p, "levels", j];
      if (j > 0 && l.level <= t.levels[j - 1].level) {
        c.expect([...lp, "level"], `a level above ${t.levels[j - 1].level} (levels ascend)`);
        ok = false;
      }
      if (l.freq % 1000 !== 0) {
        c.expect([...lp, "freq"], "a whole number of kHz");
        ok = false;
      }
      levels.push({
        level: l.level,
        power: l.power ?? 0,
        latencyUs: l.latency_us ?? 0,
        freqKhz: l.freq / 1000,
      });
    });
    if (!ok) return undefined;
    const values = levels.map((l) => l.level);
    const pick = (key: string, v: number | undefined, dflt: number) => {
      if (v === undefined) return dflt;
      if (values.includes(v)) return v;
      c.expect([...p, key], `one of the domain's levels (${values.join(", ")})`);
      return dflt;
    };
    const sustainedLevel = pick("sustained_level", t.sustained_level, values[values.length - 1]);
    const level = pick("level", t.level, sustainedLevel);
    let sustainedFreqKhz = levels.find((l) => l.level === sustainedLevel)!.freqKhz;
    if (t.sustained_freq !== undefined) {
      if (t.sustained_freq % 1000 !== 0) {
        c.expect([...p, "sustained_freq"], "a whole number of kHz");
      } else sustainedFreqKhz = t.sustained_freq / 1000;
    }
    const desc: PerfDesc = {
      ...base,
      levels,
      level,
      sustainedFreqKhz,
      sustainedLevel,
      rateLimitUs: t.rate_limit_us ?? 0,
    };
    if (t.level_indexing !== undefined) desc.levelIndexing = t.level_indexing;
    if (t.approximate !== undefined) desc.approximate = t.approximate;
    return desc;
  },
});
