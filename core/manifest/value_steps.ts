/**
 * The values a resource supports, as a discrete list or a stepped range, whatever its kind:
 * clock rates (Hz), performance levels, voltage levels (µV), power caps (µW). Used to check
 * an agent's bounds against the resource.
 * @module
 */
import { type Board, findResource } from "../board.ts";
import type { ValueKind } from "./policy_schema.ts";

/** A discrete list (ascending) or a range from `min` to `max` in steps of `step`. */
export type Steps =
  | { kind: "list"; values: readonly number[] }
  | { kind: "range"; min: number; max: number; step: number };

/** What physical resource `id` of `kind` supports, or undefined when the board lacks it. */
export function stepsOf(board: Board, kind: ValueKind, id: number): Steps | undefined {
  switch (kind) {
    case "clock": {
      const r = findResource(board, "clock", id)?.rates;
      if (!r) return undefined;
      return r.kind === "list" ? { kind: "list", values: r.rates } : { ...r, kind: "range" };
    }
    case "perf": {
      const d = findResource(board, "perf", id);
      return d ? { kind: "list", values: d.levels.map((l) => l.level) } : undefined;
    }
    case "voltage": {
      const l = findResource(board, "voltage", id)?.levels;
      if (!l) return undefined;
      return l.kind === "list" ? { kind: "list", values: l.levels } : { ...l, kind: "range" };
    }
    case "powercap": {
      const d = findResource(board, "powercap", id);
      if (!d) return undefined;
      return { kind: "range", min: d.minCap, max: d.maxCap, step: d.capStep };
    }
  }
}

/** Whether `v` is one of the values `s` describes. */
export function supports(s: Steps, v: number): boolean {
  if (s.kind === "list") return s.values.includes(v);
  if (v < s.min || v > s.max) return false;
  return s.step <= 0 || (v - s.min) % s.step === 0;
}
