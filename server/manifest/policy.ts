/**
 * The deployment's `[policy]` table: how agents' requests on shared resources combine, and
 * which resources the platform keeps on. It writes `ResourceDesc.policy`, `ResourceDesc.kept`
 * and `ResourceDesc.foundRunning` into the board model the deployment serves.
 *
 * ```toml
 * [policy]
 * found_running = "until-voted"          # or "keep" (default): a clock found running at
 *                                        # start-up, nothing explaining it, is kept on until
 *                                        # an agent first votes on it, or for good
 * [policy.keep_on]                       # kept on whatever agents vote
 * clocks = ["osc24m", "pll_periph"]
 * power_domains = ["pd_top"]             # the member key of each kind that can be kept on
 *
 * [policy.clock]                         # resource name = "exclusive" | "max" | "min" | "last"
 * apb_clk = "max"                        # overrides the board's `policy` key; one table
 * pll_video = "exclusive"                # per kind whose commands set a value
 * ```
 * @module
 */
import type { KindDef } from "../../core/kind.ts";
import type { ValuePolicy } from "../../core/policy/values.ts";
import type { BoardRead } from "./board.ts";
import { type PolicyInput, policyTable } from "./policy_schema.ts";
import { describe } from "../../core/manifest/problem.ts";
import type { Source } from "../../core/manifest/toml.ts";
import { check } from "../../core/manifest/_schema.ts";

/** Reads `[policy]` (found in `src` at key `policy`) into the board model of `b`. */
export function readPolicy(src: Source, raw: unknown, b: BoardRead): void {
  if (raw === undefined) return;
  const t = check(src, ["policy"], policyTable(b.kinds), raw) as PolicyInput | undefined;
  if (!t) return;
  const keep = t.keep_on ?? {};
  for (const kind of b.kinds.filter((k) => k.keep)) {
    if (t.found_running !== undefined) {
      for (const desc of b.board.resources[kind.name] ?? []) desc.foundRunning = t.found_running;
    }
    const key = kind.member;
    const seen = new Set<string>();
    (keep[key] ?? []).forEach((name, j) => {
      const at = ["policy", "keep_on", key, j];
      if (seen.has(name)) {
        src.report(at, `Expected each ${kind.noun} listed once, got ${describe(name)} again`);
        return;
      }
      seen.add(name);
      const desc = find(b, kind, name);
      if (desc) desc.kept = true;
      else if (!b.names.seen(kind.name).has(name)) {
        src.report(at, `Expected the name of a ${kind.noun}, got ${describe(name)}`);
      }
    });
  }
  for (const kind of b.kinds.filter((k) => k.value)) {
    const table = t[kind.name] as Record<string, ValuePolicy> | undefined;
    for (const [name, policy] of Object.entries(table ?? {})) {
      const desc = find(b, kind, name);
      if (desc) desc.policy = policy;
      else if (!b.names.seen(kind.name).has(name)) {
        src.report(
          ["policy", kind.name, name],
          `Expected the name of a ${kind.noun}, got ${describe(name)}`,
          "key",
        );
      }
    }
  }
}

function find(b: BoardRead, kind: KindDef, name: string) {
  const id = b.names.of(kind.name).get(name);
  return id === undefined ? undefined : kind.find(b.board, id);
}
