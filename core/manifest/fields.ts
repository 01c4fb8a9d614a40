/**
 * Schemas for a kind's board keys, as the public API gives them: the manifest's own schema
 * builders (whose error text is the "expected" half of a problem), typed by what they yield
 * so a kind's converter reads its entry typed.
 *
 * @example
 * ```ts
 * import { field } from "./fields.ts";
 * import { HERTZ } from "./units.ts";
 * const fields = {
 *   max_rpm: field.int(1, 100_000, "a speed in rpm from 1 to 100000"),
 *   tach: field.quantity(HERTZ, "a frequency", 1, 1_000_000).optional(),
 *   mode: field.oneOf(["auto", "manual"]).optional(),
 * };
 * void fields;
 * ```
 * @module
 */
import type { FieldSchema } from "../kind.ts";
import * as S from "./_schema.ts";
import type { UnitSystem } from "./units.ts";

/** A board value's schema: what it yields once checked, and its optional form. */
export interface Field<T> extends FieldSchema<T> {
  /**
   * The same schema, the key allowed to be absent.
   *
   * @returns A field yielding `T` or undefined.
   */
  optional(): Field<T | undefined>;
}

/** The schema builders for a kind's `fields` (and `value.schema`). */
export const field: {
  /** An integer in `[min, max]`; `what` words the problem. */
  int(min: number, max: number, what?: string): Field<number>;
  /** A non-negative 32-bit integer. */
  u32(what?: string): Field<number>;
  /** true or false. */
  bool(): Field<boolean>;
  /** A name: 1 to 63 printable ASCII characters. */
  name(): Field<string>;
  /** The name of another resource (`what`: "a clock"), resolved by the converter. */
  ref(what: string): Field<string>;
  /** An array of `item`s. */
  list<T>(item: Field<T>, what?: string): Field<T[]>;
  /** One of the given strings. */
  oneOf<const T extends readonly [string, ...string[]]>(values: T): Field<T[number]>;
  /**
   * A physical quantity: an integer in the base unit or a string with a unit ("100MHz"),
   * converted to the base unit and checked against `[min, max]`.
   */
  quantity(units: UnitSystem, what: string, min: number, max: number): Field<number>;
  /** A table with exactly these keys; any other key is reported by name. */
  table<F extends Readonly<Record<string, FieldSchema>>>(
    shape: F,
    what?: string,
  ): Field<{ [K in keyof F]: F[K]["_zod"]["output"] }>;
} = {
  int: S.int,
  u32: S.u32,
  bool: S.bool,
  name: S.name,
  ref: S.ref,
  list: (item, what) => S.list(item as never, what) as never,
  oneOf: (values) => S.oneOf(values) as never,
  quantity: S.quantity,
  table: (shape, what) => S.table(shape as never, what) as never,
};
