/**
 * The shape of a deployment's policy keys, checked with zod: the table form of an agent's
 * grants (`[[agent.clock]]` …, one resource each with its virtual id, name, access and
 * bounds), the agent's `rate_limit`, and the top-level `[policy]` table (arbitration per
 * resource, resources the platform keeps on). Names stay names here; `agent_grants.ts` and
 * `policy.ts` resolve them against the board.
 * @module
 */
import { z } from "zod";
import { RESOURCE_KINDS, type ResourceKind } from "../board.ts";
import { VALUE_POLICIES } from "../policy/values.ts";
import { int, list, name, oneOf, quantity, ref, table, u32 } from "./_schema.ts";
import { KIND_NOUN } from "./board_schema.ts";
import { HERTZ, MICROVOLTS, MICROWATTS } from "./units.ts";

/** Highest explicit virtual id: PROTOCOL_ATTRIBUTES counts resources in 16 bits. */
export const MAX_VIRTUAL = 0xfffe;

/** Access an agent may have on one resource: read only, or read and change. */
export const ACCESS = ["read", "write"] as const;

/** Kinds whose commands set a value an agent may be bounded in, and the key of the set. */
export const VALUE_KEY = {
  clock: "rates",
  perf: "levels",
  voltage: "levels",
  powercap: "caps",
} as const satisfies Partial<Record<ResourceKind, string>>;
export type ValueKind = keyof typeof VALUE_KEY;

/** Whether agents set a value on resources of `kind` (and may be bounded in it). */
export function isValueKind(kind: ResourceKind): kind is ValueKind {
  return Object.hasOwn(VALUE_KEY, kind);
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** The schema of one bound value of each value kind, in the kind's base unit. */
const VALUE = {
  clock: () => quantity(HERTZ, "a frequency", 1, MAX_SAFE),
  perf: () => u32("a performance level from 0 to 4294967295"),
  voltage: () => quantity(MICROVOLTS, "a voltage", -0x80000000, 0x7fffffff),
  powercap: () => quantity(MICROWATTS, "a power", 1, 0xffffffff),
} as const;

function boundKeys(kind: ValueKind) {
  const v = VALUE[kind];
  return {
    min: v().optional(),
    max: v().optional(),
    [VALUE_KEY[kind]]: list(v(), `an array of ${kind === "perf" ? "levels" : "values"}`)
      .min(1, { error: "a non-empty array" })
      .optional(),
  } as Record<string, z.ZodOptional<z.ZodType<number | number[]>>>;
}

/** One `[[agent.<kind>]]` table: a resource granted, or refined, with its own settings. */
function grantTable(kind: ResourceKind) {
  const base = {
    name: ref(`a ${KIND_NOUN[kind]}`),
    virtual: int(0, MAX_VIRTUAL, `a virtual id from 0 to ${MAX_VIRTUAL}`).optional(),
    as: name().optional(),
    access: oneOf(ACCESS).optional(),
  };
  return table(
    isValueKind(kind) ? { ...base, ...boundKeys(kind) } : base,
    `a table { name, virtual, as, access${
      isValueKind(kind) ? `, min, max, ${VALUE_KEY[kind]}` : ""
    } }`,
  );
}

/** What one `[[agent.<kind>]]` table holds after the shape check. */
export interface GrantInput {
  name: string;
  virtual?: number;
  as?: string;
  access?: typeof ACCESS[number];
  min?: number;
  max?: number;
  rates?: number[];
  levels?: number[];
  caps?: number[];
}

/** Agent keys of the table form, one per kind (`clock`, `reset`, `power`, …). */
export const grantTables = Object.fromEntries(
  RESOURCE_KINDS.map((kind) => [
    kind,
    list(grantTable(kind), `an array of tables ([[agent.${kind}]])`).optional(),
  ]),
) as unknown as { [K in ResourceKind]: z.ZodOptional<z.ZodArray<z.ZodType<GrantInput>>> };

/** `rate_limit = { per_s = 1000, burst = 100 }`; burst defaults to per_s. */
export const rateLimitTable = table({
  per_s: int(1, 1_000_000, "a number of requests per second from 1 to 1000000"),
  burst: int(1, 1_000_000, "a number of requests from 1 to 1000000").optional(),
}, "a table { per_s, burst }");

/** Kinds the platform can keep on, and their key in `[policy.keep_on]`. */
export const KEEP_KEY = {
  clock: "clocks",
  power: "power_domains",
  voltage: "voltage_domains",
} as const satisfies Partial<Record<ResourceKind, string>>;
export type KeepKind = keyof typeof KEEP_KEY;

const policyOf = (kind: ValueKind) =>
  z.record(z.string(), oneOf(VALUE_POLICIES), {
    error: `a table of ${KIND_NOUN[kind]} name = ${
      VALUE_POLICIES.map((p) => `"${p}"`).join(" | ")
    }`,
  });

/** The top-level `[policy]` table. */
export const policyTable = table({
  keep_on: table({
    clocks: list(ref("a clock"), "an array of clock names").optional(),
    power_domains: list(ref("a power domain"), "an array of power domain names").optional(),
    voltage_domains: list(ref("a voltage domain"), "an array of voltage domain names")
      .optional(),
  }, "a table { clocks, power_domains, voltage_domains }").optional(),
  clock: policyOf("clock").optional(),
  perf: policyOf("perf").optional(),
  voltage: policyOf("voltage").optional(),
  powercap: policyOf("powercap").optional(),
}, "a [policy] table");

/** What `[policy]` holds after the shape check. */
export type PolicyInput = z.output<typeof policyTable>;
