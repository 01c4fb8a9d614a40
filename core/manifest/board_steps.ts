/**
 * Checks board converters share: value lists and stepped ranges, power-on values among them,
 * lists of extra state words, and `parent` references. Each reports through the board's
 * context, at the key it concerns.
 * @module
 */
import type { KindCtx } from "../kind.ts";
import type { KeyPath } from "./problem.ts";
import type { Steps } from "./value_steps.ts";

/**
 * Checks a list (non-empty, strictly ascending) at `listKey` or a {min, max, step} range at
 * `rangeKey` of the entry at `p`, exactly one of which must be present.
 *
 * @returns The values as a list or a range, or undefined after reporting a problem.
 */
export function stepsAt(
  c: KindCtx,
  p: KeyPath,
  unit: string,
  what: string,
  listKey: string,
  list: number[] | undefined,
  rangeKey: string,
  range: { min: number; max: number; step: number } | undefined,
): Steps | undefined {
  if (list && range) {
    c.report([...p, rangeKey], `Expected ${listKey} or ${rangeKey}, got both`, "key");
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
  c.report(p, `Expected a ${listKey} array or a ${rangeKey} table, got neither`);
  return undefined;
}

/**
 * Checks a {min, max, step} triplet: step above 0, max ≥ min, step divides max − min.
 *
 * @returns Whether it holds; each problem is reported at `maxPath` or `stepPath`.
 */
export function triplet(
  c: KindCtx,
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

/**
 * The power-on value: `given` if it is one of `s`, else the first step; reports otherwise.
 *
 * @returns The value to start at.
 */
export function initial(
  c: KindCtx,
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

/**
 * Checks a list of extra state words with `bad` (what is expected, or undefined when fine);
 * each once.
 *
 * @returns The list.
 */
export function stateWords(
  c: KindCtx,
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

/**
 * Resolves the `parent` reference of the entry at `p`, which must not name the entry itself.
 *
 * @returns The parent's physical id, or undefined when absent or unresolved.
 */
export function parentRef(
  c: KindCtx,
  p: KeyPath,
  kind: string,
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
