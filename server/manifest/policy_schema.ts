/**
 * The shape of a deployment's policy keys, checked with zod: the table form of an agent's
 * grants (`[[agent.clock]]` …, one resource each with its virtual id, name, access and
 * bounds), the agent's `rate_limit`, and the top-level `[policy]` table (arbitration per
 * resource, resources the platform keeps on). Names stay names here; `agent_grants.ts` and
 * `policy.ts` resolve them against the board.
 * @module
 */
import { z } from "zod";
import type { KindDef } from "../../core/kind.ts";
import { VALUE_POLICIES } from "../../core/policy/values.ts";
import { FOUND_RUNNING, type FoundRunning } from "../../core/board.ts";
import { int, list, name, oneOf, ref, table } from "../../core/manifest/_schema.ts";

/** Highest explicit virtual id: PROTOCOL_ATTRIBUTES counts resources in 16 bits. */
export const MAX_VIRTUAL = 0xfffe;

/** Access an agent may have on one resource: read only, or read and change. */
export const ACCESS = ["read", "write"] as const;

function boundKeys(kind: KindDef) {
  const v = kind.value!;
  const schema = () => v.schema() as z.ZodType<number>;
  return {
    min: schema().optional(),
    max: schema().optional(),
    [v.key]: list(schema(), `an array of ${v.items}`)
      .min(1, { error: "a non-empty array" })
      .optional(),
  } as Record<string, z.ZodOptional<z.ZodType<number | number[]>>>;
}

/** One `[[agent.<kind>]]` table: a resource granted, or refined, with its own settings. */
function grantTable(kind: KindDef) {
  const base = {
    name: ref(`a ${kind.noun}`),
    virtual: int(0, MAX_VIRTUAL, `a virtual id from 0 to ${MAX_VIRTUAL}`).optional(),
    as: name().optional(),
    access: oneOf(ACCESS).optional(),
  };
  return table(
    kind.value ? { ...base, ...boundKeys(kind) } : base,
    `a table { name, virtual, as, access${kind.value ? `, min, max, ${kind.value.key}` : ""} }`,
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
  /** The allowed set, under the kind's `value.key`. */
  [key: string]: unknown;
}

/** Agent keys of the table form, one per kind (`clock`, `reset`, `power`, …). */
export function grantTables(kinds: readonly KindDef[]): Record<string, z.ZodType> {
  return Object.fromEntries(
    kinds.map((kind) => [
      kind.name,
      list(grantTable(kind), `an array of tables ([[agent.${kind.name}]])`).optional(),
    ]),
  );
}

/** `rate_limit = { per_s = 1000, burst = 100 }`; burst defaults to per_s. */
export const rateLimitTable = table({
  per_s: int(1, 1_000_000, "a number of requests per second from 1 to 1000000"),
  burst: int(1, 1_000_000, "a number of requests from 1 to 1000000").optional(),
}, "a table { per_s, burst }");

const policyOf = (kind: KindDef) =>
  z.record(z.string(), oneOf(VALUE_POLICIES), {
    error: `a table of ${kind.noun} name = ${VALUE_POLICIES.map((p) => `"${p}"`).join(" | ")}`,
  });

/**
 * The top-level `[policy]` table: `keep_on` lists, what becomes of resources found running
 * (`found_running`), and one table per value kind.
 */
export function policyTable(kinds: readonly KindDef[]) {
  const kept = kinds.filter((k) => k.keep);
  return table({
    keep_on: table(
      Object.fromEntries(
        kept.map((k) => [
          k.member,
          list(ref(`a ${k.noun}`), `an array of ${k.noun} names`).optional(),
        ]),
      ),
      `a table { ${kept.map((k) => k.member).join(", ")} }`,
    ).optional(),
    found_running: oneOf(FOUND_RUNNING).optional(),
    ...Object.fromEntries(
      kinds.filter((k) => k.value).map((k) => [k.name, policyOf(k).optional()]),
    ),
  }, "a [policy] table");
}

/** What `[policy]` holds after the shape check. */
export interface PolicyInput {
  keep_on?: Record<string, string[] | undefined>;
  found_running?: FoundRunning;
  /** `[policy.<kind>]`: resource name → value policy. */
  [kind: string]:
    | Record<string, typeof VALUE_POLICIES[number]>
    | Record<string, string[] | undefined>
    | string
    | undefined;
}
