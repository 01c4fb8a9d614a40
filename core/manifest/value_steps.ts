/**
 * The values a resource supports, as a discrete list or a stepped range, whatever its kind
 * (each value kind says how through `KindDef.value.steps`). Used to check an agent's bounds
 * against the resource.
 * @module
 */
import type { Board } from "../board.ts";
import type { KindDef } from "../kind.ts";

/** A discrete list (ascending) or a range from `min` to `max` in steps of `step`. */
export type Steps =
  | { kind: "list"; values: readonly number[] }
  | { kind: "range"; min: number; max: number; step: number };

/**
 * What physical resource `id` of the value kind `kind` supports, or undefined when the board
 * lacks it or the kind sets no value.
 */
export function stepsOf(board: Board, kind: KindDef, id: number): Steps | undefined {
  const d = kind.find(board, id);
  return d && kind.value ? kind.value.steps(d) : undefined;
}

/** Whether `v` is one of the values `s` describes. */
export function supports(s: Steps, v: number): boolean {
  if (s.kind === "list") return s.values.includes(v);
  if (v < s.min || v > s.max) return false;
  return s.step <= 0 || (v - s.min) % s.step === 0;
}
