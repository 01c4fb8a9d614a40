/**
 * The shape of a board manifest (`boards/<board>.toml`), checked with zod, built from the
 * kinds in play: each kind adds its `[[<kind>]]` table, its member list in `[[device]]` and
 * any `[board]` key it needs. Names that refer to other resources stay names here; `board.ts`
 * resolves them and checks the semantics.
 * @module
 */
import { z } from "zod";
import type { KindDef } from "../../core/kind.ts";
import { ascii, int, list, name, oneOf, ref, table } from "../../core/manifest/_schema.ts";
import { VALUE_POLICIES } from "../../core/policy/values.ts";

const id = () => int(0, 0xffff, "an id from 0 to 65535");

/** Keys every `[[<kind>]]` table has. */
const common = () => ({
  id: id(),
  name: name(),
  driver: ref("a declared driver").optional(),
});

/** The `[board]` table: its name and the keys the kinds add. */
export function boardTable(kinds: readonly KindDef[]) {
  const settings: z.ZodRawShape = Object.assign({}, ...kinds.map((k) => k.settings ?? {}));
  return table({ name: name(), ...settings }, "a [board] table with a name");
}

export const driverTable = table({
  name: ascii(31, "a driver name of 1 to 31 letters, digits, '_' or '-'").regex(/^[\w-]+$/, {
    error: "a driver name of 1 to 31 letters, digits, '_' or '-'",
  }),
  type: z.string({ error: "a driver type name" }),
  options: z.record(z.string(), z.unknown(), { error: "a table of driver options" }).optional(),
});

/**
 * The schema of one `[[<kind>]]` table: the common keys, the kind's own, and for a kind whose
 * commands set a value its arbitration `policy`.
 */
export function resourceTable(kind: KindDef) {
  const policy: z.ZodRawShape = kind.value ? { policy: oneOf(VALUE_POLICIES).optional() } : {};
  return table({ ...common(), ...(kind.fields as z.ZodRawShape), ...policy });
}

/** What one `[[<kind>]]` table holds after the shape check. */
export type ResourceInput = Record<string, unknown> & {
  id: number;
  name: string;
  driver?: string;
};

/** A `[[device]]` table: id, name and a member list per kind. */
export function deviceTable(kinds: readonly KindDef[]) {
  return table({
    id: id(),
    name: name(),
    ...Object.fromEntries(
      kinds.map((k) => [k.member, list(ref(`a ${k.noun}`), "an array of names").optional()]),
    ),
  });
}

/** What one `[[device]]` table holds after the shape check. */
export type DeviceInput = { id: number; name: string } & Record<string, string[] | undefined>;

/** The top level: which keys a board manifest has; each array's tables are checked apart. */
export function boardDocument(kinds: readonly KindDef[]) {
  return table({
    board: z.unknown().optional(),
    driver: list(z.unknown(), "an array of tables ([[driver]])").optional(),
    device: list(z.unknown(), "an array of tables ([[device]])").optional(),
    ...Object.fromEntries(
      kinds.map((k) => [
        k.name,
        list(z.unknown(), `an array of tables ([[${k.name}]])`).optional(),
      ]),
    ),
  });
}
