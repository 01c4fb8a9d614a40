/**
 * Board resources, one converter per kind (sensors in `board_sensor.ts`): defaults filled in, quantities checked against
 * each other (rates ascend, the power-on rate is one the clock supports, …), references
 * resolved to physical ids.
 * @module
 */
import type {
  ClockDesc,
  ClockRates,
  FunctionDesc,
  GroupDesc,
  PerfDesc,
  PerfLevel,
  PinDesc,
  PowercapDesc,
  PowerDesc,
  ResetDesc,
  ResourceDesc,
  VoltageDesc,
  VoltageLevels,
} from "../board.ts";
import type { BoardCtx } from "./_board_ctx.ts";
import type { ResourceInput } from "./board_schema.ts";
import type { KeyPath } from "./problem.ts";

/** What every converter starts from: id, name and the resolved driver name. */
export type Base = Omit<ResourceDesc, "driver"> & { driver: string };

/** A discrete list or a stepped range, as clocks and voltage domains declare them. */
type Steps =
  | { kind: "list"; values: number[] }
  | { kind: "range"; min: number; max: number; step: number };

/**
 * Checks a list (non-empty, strictly ascending) or a {min, max, step} range at `listKey` /
 * `rangeKey`, exactly one of which must be present.
 */
function steps(
  c: BoardCtx,
  p: KeyPath,
  unit: string,
  what: string,
  listKey: string,
  list: number[] | undefined,
  rangeKey: string,
  range: { min: number; max: number; step: number } | undefined,
): Steps | undefined {
  if (list && range) {
    c.src.report([...p, rangeKey], `Expected ${listKey} or ${rangeKey}, got both`, "key");
    return undefined;
  }
  if (list) {
    if (list.length === 0) {
      c.expect([...p, listKey], `at least one ${what}`);
      return undefined;
    }
    for (let j = 1; j < list.length; j++) {
      if (list[j] <= list[j - 1]) {
        c.expect([...p, listKey, j], `a ${what} above ${list[j - 1]} ${unit} (${listKey} ascend)`);
        return undefined;
      }
    }
    return { kind: "list", values: list };
  }
  if (range) {
    const at = (k: string) => [...p, rangeKey, k];
    if (!triplet(c, unit, at("max"), at("step"), range)) return undefined;
    return { kind: "range", ...range };
  }
  c.src.report(p, `Expected a ${listKey} array or a ${rangeKey} table, got neither`);
  return undefined;
}

/** Checks a {min, max, step} triplet: step above 0, max ≥ min, step divides max − min. */
function triplet(
  c: BoardCtx,
  unit: string,
  maxPath: KeyPath,
  stepPath: KeyPath,
  { min, max, step }: { min: number; max: number; step: number },
): boolean {
  if (step <= 0) {
    c.expect(stepPath, `a step above 0 ${unit}`);
    return false;
  }
  if (max < min) {
    c.expect(maxPath, `a maximum of at least ${min} ${unit} (the minimum)`);
    return false;
  }
  if ((max - min) % step !== 0) {
    c.expect(stepPath, `a step that divides max - min (${max - min} ${unit})`);
    return false;
  }
  return true;
}

/** The power-on value: `given` if it is one of `s`, else the first step; reports otherwise. */
function initial(
  c: BoardCtx,
  path: KeyPath,
  unit: string,
  s: Steps,
  given: number | undefined,
): number {
  const first = s.kind === "list" ? s.values[0] : s.min;
  if (given === undefined) return first;
  if (s.kind === "list") {
    if (s.values.includes(given)) return given;
    c.expect(path, `one of ${s.values.join(", ")} ${unit}`);
  } else {
    if (given >= s.min && given <= s.max && (given - s.min) % s.step === 0) return given;
    c.expect(path, `a value from ${s.min} to ${s.max} ${unit} in steps of ${s.step} ${unit}`);
  }
  return first;
}

export function clock(c: BoardCtx, p: KeyPath, base: Base, t: ResourceInput["clock"]) {
  const s = steps(c, p, "Hz", "rate", "rates", t.rates, "range", t.range);
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
    } else parent = c.names.of("clock").get(t.parent);
  }
  if (!s) return undefined;
  const rates: ClockRates = s.kind === "list"
    ? { kind: "list", rates: s.values }
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
}

export function reset(c: BoardCtx, p: KeyPath, base: Base, t: ResourceInput["reset"]) {
  const desc: ResetDesc = { ...base, latencyUs: t.latency_us ?? 0, async: t.async ?? false };
  if (t.states) {
    desc.states = states(
      c,
      [...p, "states"],
      t.states,
      (s) => s >= 0x80000000 ? undefined : "an IMPLEMENTATION DEFINED reset state (bit 31 set)",
    );
  }
  return desc;
}

/** Checks a list of extra state words with `bad` (undefined when fine); each once. */
function states(
  c: BoardCtx,
  p: KeyPath,
  list: number[],
  bad: (s: number) => string | undefined,
): number[] {
  list.forEach((s, j) => {
    const why = bad(s);
    if (why) c.expect([...p, j], why);
    else if (list.indexOf(s) !== j) c.expect([...p, j], "each state listed once");
  });
  return list;
}

/** Bits of a power-state word that must be clear (31, 29, 28). */
const POWER_STATE_RESERVED = 0xb0000000;

export function power(c: BoardCtx, p: KeyPath, base: Base, t: ResourceInput["power"]) {
  const desc: PowerDesc = {
    ...base,
    on: t.on ?? false,
    latencyUs: t.latency_us ?? 0,
    async: t.async ?? false,
  };
  if (t.states) {
    desc.states = states(
      c,
      [...p, "states"],
      t.states,
      (s) =>
        s === 0 || s === 0x40000000 || (s & POWER_STATE_RESERVED) !== 0
          ? "a power-state word other than ON (0) and OFF (0x40000000) with bits 31, 29 and 28 clear"
          : undefined,
    );
  }
  const parent = selfRef(c, p, "power", t.name, t.parent);
  if (parent !== undefined) desc.parent = parent;
  return desc;
}

/** Resolves a `parent` reference that must not name the resource itself. */
function selfRef(
  c: BoardCtx,
  p: KeyPath,
  kind: "power" | "powercap",
  self: string,
  parent: string | undefined,
): number | undefined {
  if (parent === undefined) return undefined;
  if (parent === self) {
    c.expect([...p, "parent"], "a domain other than this one");
    return undefined;
  }
  return c.ref(kind, [...p, "parent"], parent);
}

export function perf(c: BoardCtx, p: KeyPath, base: Base, t: ResourceInput["perf"]) {
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
    if (t.sustained_freq % 1000 !== 0) c.expect([...p, "sustained_freq"], "a whole number of kHz");
    else sustainedFreqKhz = t.sustained_freq / 1000;
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
}

export function voltage(c: BoardCtx, p: KeyPath, base: Base, t: ResourceInput["voltage"]) {
  const s = steps(c, p, "µV", "level", "levels", t.levels, "segment", t.segment);
  if (!s) return undefined;
  const levels: VoltageLevels = s.kind === "list"
    ? { kind: "list", levels: s.values }
    : { kind: "segment", min: s.min, max: s.max, step: s.step };
  return {
    ...base,
    levels,
    level: initial(c, [...p, "level"], "µV", s, t.level),
    on: t.on ?? false,
    async: t.async ?? false,
  } satisfies VoltageDesc;
}

export function pin(_c: BoardCtx, _p: KeyPath, base: Base, _t: ResourceInput["pin"]) {
  return { ...base } satisfies PinDesc;
}

export function group(c: BoardCtx, p: KeyPath, base: Base, t: ResourceInput["group"]) {
  if (t.pins.length === 0) c.expect([...p, "pins"], "at least one pin");
  return { ...base, pins: c.refs("pin", [...p, "pins"], t.pins) } satisfies GroupDesc;
}

export function fn(c: BoardCtx, p: KeyPath, base: Base, t: ResourceInput["function"]) {
  if (t.groups.length === 0) c.expect([...p, "groups"], "at least one pin group");
  return { ...base, groups: c.refs("group", [...p, "groups"], t.groups) } satisfies FunctionDesc;
}

export function powercap(c: BoardCtx, p: KeyPath, base: Base, t: ResourceInput["powercap"]) {
  const caps = { min: t.min_cap, max: t.max_cap, step: t.cap_step ?? 1 };
  const minPai = t.min_pai ?? 1000;
  const pais = { min: minPai, max: t.max_pai ?? minPai, step: t.pai_step ?? 1 };
  const at = (k: string) => [...p, k];
  const capOk = triplet(c, "µW", at("max_cap"), at("cap_step"), caps);
  const paiOk = triplet(c, "µs", at("max_pai"), at("pai_step"), pais);
  const parent = selfRef(c, p, "powercap", t.name, t.parent);
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
}
