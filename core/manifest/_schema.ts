/**
 * Shape checking with zod: small schema builders whose error text is always the "expected"
 * half of a problem, and the mapping of zod issues to problems.
 * @module
 */
import { z } from "zod";
import { describe, type KeyPath, quoteList } from "./problem.ts";
import type { Source } from "./toml.ts";
import { toBaseUnit, type UnitSystem } from "./units.ts";

/** A table with exactly these keys; any other key is reported by name. */
export function table<S extends z.ZodRawShape>(
  shape: S,
  what = "a table",
): z.ZodObject<S, z.core.$strict> {
  const keys = quoteList(Object.keys(shape));
  return z.strictObject(shape, {
    error: (iss) => iss.code === "unrecognized_keys" ? `one of the keys ${keys}` : what,
  });
}

/** An integer in `[min, max]`. */
export function int(min: number, max: number, what?: string): z.ZodNumber {
  const error = what ?? `an integer from ${min} to ${max}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

/** A non-negative 32-bit integer. */
export const u32 = (what?: string): z.ZodNumber => int(0, 0xffffffff, what);

/** true or false. */
export const bool = (): z.ZodBoolean => z.boolean({ error: "true or false" });

/** A string of 1–`max` printable ASCII characters. */
export function ascii(max: number, what?: string, min = 1): z.ZodString {
  const error = what ?? `a string of ${min} to ${max} printable ASCII characters`;
  const re = new RegExp(`^[\\x20-\\x7e]{${min},${max}}$`);
  return z.string({ error }).regex(re, { error });
}

/** A resource, device or driver name: 1–63 printable ASCII characters. */
export const name = (): z.ZodString => ascii(63, "a name of 1 to 63 printable ASCII characters");

/** The name of something declared elsewhere (resolved after the shape check). */
export const ref = (what: string): z.ZodString => z.string({ error: `the name of ${what}` });

/** An array of `item`. */
export function list<T extends z.ZodType>(item: T, what = "an array"): z.ZodArray<T> {
  return z.array(item, { error: what });
}

/** One of the given strings. */
export function oneOf<const T extends readonly [string, ...string[]]>(
  values: T,
): z.ZodEnum<{ [K in T[number]]: K }> {
  return z.enum(values, { error: `one of ${quoteList(values)}` });
}

/**
 * A physical quantity (integer in the base unit or a string with a unit), converted to the
 * base unit and checked against `[min, max]`.
 */
export function quantity(
  units: UnitSystem,
  what: string,
  min: number,
  max: number,
): z.ZodType<number, number | bigint | string> {
  return z.union([z.number(), z.bigint(), z.string()], {
    error: `${what} (an integer in ${units.base} or a string with a unit)`,
  }).transform((v, ctx) => {
    const n = toBaseUnit(v, units);
    if (typeof n === "string") {
      ctx.issues.push({ code: "custom", message: n, input: v });
      return z.NEVER;
    }
    if (n < min || n > max) {
      ctx.issues.push({
        code: "custom",
        message: `${what} from ${min} to ${max} ${units.base}`,
        input: v,
      });
      return z.NEVER;
    }
    return n;
  });
}

/** What any issue a builder above did not word itself expects. */
function fallback(iss: z.core.$ZodRawIssue): string {
  switch (iss.code) {
    case "invalid_type":
      return `a value of type ${iss.expected}`;
    case "invalid_value":
      return `one of ${iss.values.map((v) => JSON.stringify(v)).join(", ")}`;
    default:
      return "a valid value";
  }
}

/** The value at `path` inside `root`, or undefined. */
export function valueAt(root: unknown, path: KeyPath): unknown {
  let v = root;
  for (const k of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string | number, unknown>)[k];
  }
  return v;
}

/**
 * Checks `value` (found at `base` in `src`) against `schema`; reports every issue as a
 * problem and returns the parsed value, or undefined when there were issues.
 */
export function check<T extends z.ZodType>(
  src: Source,
  base: KeyPath,
  schema: T,
  value: unknown,
): z.output<T> | undefined {
  const r = schema.safeParse(value, { error: fallback });
  if (r.success) return r.data;
  for (const iss of r.error.issues) {
    const path = [...base, ...iss.path as (string | number)[]];
    if (iss.code === "unrecognized_keys") {
      for (const key of iss.keys) {
        src.report([...path, key], `Expected ${iss.message}, got ${JSON.stringify(key)}`, "key");
      }
      continue;
    }
    const found = valueAt(value, iss.path as (string | number)[]);
    src.report(path, `Expected ${iss.message}, got ${describe(found)}`);
  }
  return undefined;
}
