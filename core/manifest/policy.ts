/**
 * The deployment's `[policy]` table: how agents' requests on shared resources combine, and
 * which resources the platform keeps on. It writes `ResourceDesc.policy` and
 * `ResourceDesc.kept` into the board model the deployment serves.
 *
 * ```toml
 * [policy.keep_on]                       # kept on whatever agents vote
 * clocks = ["osc24m", "pll_periph"]
 * power_domains = ["pd_top"]             # also voltage_domains
 *
 * [policy.clock]                         # resource name = "exclusive" | "max" | "min" | "last"
 * apb_clk = "max"                        # overrides the board's `policy` key; also
 * pll_video = "exclusive"                # [policy.perf], [policy.voltage], [policy.powercap]
 * ```
 * @module
 */
import type { ResourceKind } from "../board.ts";
import type { BoardRead } from "./board.ts";
import { KIND_NOUN } from "./board_schema.ts";
import {
  KEEP_KEY,
  type KeepKind,
  policyTable,
  VALUE_KEY,
  type ValueKind,
} from "./policy_schema.ts";
import { describe } from "./problem.ts";
import type { Source } from "./toml.ts";
import { check } from "./_schema.ts";

/** Reads `[policy]` (found in `src` at key `policy`) into the board model of `b`. */
export function readPolicy(src: Source, raw: unknown, b: BoardRead): void {
  if (raw === undefined) return;
  const t = check(src, ["policy"], policyTable, raw);
  if (!t) return;
  const keep = t.keep_on ?? {};
  for (const kind of Object.keys(KEEP_KEY) as KeepKind[]) {
    const key = KEEP_KEY[kind];
    const seen = new Set<string>();
    (keep[key] ?? []).forEach((name, j) => {
      const at = ["policy", "keep_on", key, j];
      if (seen.has(name)) {
        src.report(at, `Expected each ${KIND_NOUN[kind]} listed once, got ${describe(name)} again`);
        return;
      }
      seen.add(name);
      const desc = find(b, kind, name);
      if (desc) desc.kept = true;
      else if (!b.names.seen(kind).has(name)) {
        src.report(at, `Expected the name of a ${KIND_NOUN[kind]}, got ${describe(name)}`);
      }
    });
  }
  for (const kind of Object.keys(VALUE_KEY) as ValueKind[]) {
    for (const [name, policy] of Object.entries(t[kind] ?? {})) {
      const desc = find(b, kind, name);
      if (desc) desc.policy = policy;
      else if (!b.names.seen(kind).has(name)) {
        src.report(
          ["policy", kind, name],
          `Expected the name of a ${KIND_NOUN[kind]}, got ${describe(name)}`,
          "key",
        );
      }
    }
  }
}

function find(b: BoardRead, kind: ResourceKind, name: string) {
  const id = b.names.of(kind).get(name);
  return id === undefined ? undefined : b.board[kind].find((r) => r.id === id);
}
