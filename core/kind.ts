/**
 * Resource kinds: what a protocol contributes to the board and to grants. A kind is declared
 * once, by the protocol that carries it, with {@linkcode defineKind}: its name (the board's
 * `[[<name>]]` tables, `[[agent.<name>]]`, `[policy.<name>]`), how messages name it, its
 * member key in devices and agents, the driver sub-object that serves it, its board-entry
 * schema and converter, and, for kinds whose commands set a value, what per-agent bounds need.
 * The core iterates the kinds the registered protocols contribute and names none of them.
 * @module
 */
import type { Board, ResourceDesc } from "./board.ts";
import type { BoardDriver } from "./driver.ts";
import type { HwTable } from "./hw_table.ts";
import type { KeyPath } from "./manifest/problem.ts";
import type { Steps } from "./manifest/value_steps.ts";

/**
 * A driver sub-object class (`clock`, `system`, …) with the contract `H` that
 * drivers implement for it. Made with {@linkcode hwClass}.
 */
export interface HwClass<H> {
  /** The key of the sub-object in a {@linkcode BoardDriver}. */
  readonly name: string;
  /**
   * The sub-object of `driver` for this class, if it has one.
   *
   * @param driver A running driver instance.
   * @returns Its sub-object for this class, or undefined.
   */
  of(driver: BoardDriver): H | undefined;
  /**
   * The whole-board driver of this class: the first declared driver that has the sub-object.
   *
   * @param table The hardware table of a platform.
   * @returns That driver's sub-object, or undefined when no driver has one.
   */
  whole(table: HwTable): H | undefined;
}

/**
 * Names a driver sub-object class and the contract drivers implement for it.
 *
 * @param name The sub-object's key in a board driver (`clock`, `system`, …).
 * @returns The class, for a kind's `hw` or a protocol's whole-board lookups.
 *
 * @example
 * ```ts
 * import { hwClass } from "./kind.ts";
 * interface FanHw { setSpeed(id: number, rpm: number): void }
 * const fanHw = hwClass<FanHw>("fan");
 * console.assert(fanHw.of({ name: "d" }) === undefined);
 * ```
 */
export function hwClass<H>(name: string): HwClass<H> {
  if (!/^[a-z][a-z0-9_]*$/.test(name)) {
    throw new TypeError(
      `A driver class name must be lower-case letters, digits and '_': "${name}"`,
    );
  }
  return Object.freeze({
    name,
    of: (driver: BoardDriver) => driver[name] as H | undefined,
    whole: (table: HwTable) => table.whole(name) as H | undefined,
  });
}

/**
 * A checked value's schema, as kinds declare their board keys: a zod schema made with the
 * schema helpers (or zod itself); vscmi reads only what it yields.
 */
export interface FieldSchema<T = unknown> {
  /** Zod's internals, of which the output type is read. */
  readonly _zod: { readonly output: T };
}

/** A kind's board keys: key → schema. */
export type Fields = Readonly<Record<string, FieldSchema>>;

/** What a board entry with keys `F` holds once checked (absent optional keys undefined). */
export type EntryOf<F extends Fields> = { [K in keyof F]: F[K]["_zod"]["output"] };

/**
 * What a converter may use while reading a board: resolving names of any kind to physical
 * ids and reporting problems at key paths, worded `Expected …, got …`.
 */
export interface KindCtx {
  /**
   * Reports `Expected <expected>, got <what is written at path>`.
   *
   * @param path Key path of the value.
   * @param expected What was expected there.
   */
  expect(path: KeyPath, expected: string): void;
  /**
   * Reports `message` at `path` as written.
   *
   * @param path Key path.
   * @param message The whole message.
   * @param at Point at the key or (default) at its value.
   */
  report(path: KeyPath, message: string, at?: "key" | "value"): void;
  /**
   * The physical id of the resource of `kind` named `name`, without reporting.
   *
   * @returns Its id, or undefined when no valid entry has that name.
   */
  idOf(kind: string, name: string): number | undefined;
  /**
   * Resolves the name at `path` to a physical id of `kind`, reporting a name no entry has.
   *
   * @returns Its id, or undefined.
   */
  ref(kind: string, path: KeyPath, name: string): number | undefined;
  /**
   * Resolves a list of names at `path`, reporting unknown names and repeats.
   *
   * @returns The ids that resolved, in order.
   */
  refs(kind: string, path: KeyPath, names: readonly string[]): number[];
}

/** What every converter starts from: the common keys, with the driver name resolved. */
export interface ResourceBase {
  /** Physical id. */
  id: number;
  /** Name from the board. */
  name: string;
  /** Name of the driver instance that backs it. */
  driver: string;
}

/** What a kind's `value` states: how agents are bounded in the value its commands set. */
export interface ValueSpec<D> {
  /** Key of the allowed set in `[[agent.<kind>]]` (`rates`, `levels`, `caps`). */
  readonly key: string;
  /** Unit of the values in messages ("Hz", "µV", or "" for abstract values). */
  readonly unit: string;
  /** What the allowed set holds, for messages ("values", "levels"). */
  readonly items: string;
  /** What wins when agents disagree and no policy is declared, for warnings. */
  readonly fallback: string;
  /** Schema of one bound value, in the kind's base unit (a fresh one each call). */
  readonly schema: () => FieldSchema<number>;
  /**
   * The values a resource supports, for checking bounds against it.
   *
   * @param desc The resource.
   * @returns Its values as a list or a stepped range.
   */
  steps(desc: D): Steps;
}

/** A converter: one checked board entry into its description, or undefined when it is wrong. */
export type Convert<D, T> = (
  c: KindCtx,
  path: KeyPath,
  base: ResourceBase,
  entry: T,
) => D | undefined;

/** What {@linkcode defineKind} takes. `F` is the schema of the kind's own board keys. */
export interface KindSpec<D extends ResourceDesc, H, F extends Fields> {
  /** The kind's name: board table `[[name]]`, `[[agent.name]]`, `CommandDef.resource`. */
  readonly name: string;
  /** How messages name one resource ("power domain"). */
  readonly noun: string;
  /** Key of its list in `[[device]]`, agents and `[policy.keep_on]` (`power_domains`). */
  readonly member: string;
  /** The driver sub-object that serves it. */
  readonly hw: HwClass<H>;
  /**
   * Board-entry keys beyond `id`, `name`, `driver` (and `policy`, which the board adds for
   * kinds with a `value`).
   */
  readonly fields: F;
  /** Turns a checked entry into its description; reports problems through `c`. */
  readonly convert: Convert<D, EntryOf<F> & ResourceBase>;
  /** Its entries' `parent` keys form chains that must not loop. */
  readonly parented?: boolean;
  /**
   * Checks across the kind's entries once all are converted; `at(id)` is the key path of the
   * entry with that physical id.
   */
  readonly check?: (c: KindCtx, list: readonly D[], at: (id: number) => KeyPath) => void;
  /** For kinds whose commands set a value: bounds per agent, arbitration per resource. */
  readonly value?: ValueSpec<D>;
  /** The platform can keep its resources on (`[policy.keep_on]`, member key). */
  readonly keep?: boolean;
  /** Keys it adds to the board's `[board]` table, read into `Board.settings`. */
  readonly settings?: Fields;
  /**
   * The other resources one resource refers to (parents, a group's pins …), as kind name and
   * physical id: a resource referred to is in use even when no agent is granted it.
   */
  readonly refersTo?: (desc: D) => readonly (readonly [kind: string, id: number])[];
  /**
   * What the driver reports now about resource `phys`, for `vscmi ctl resource`.
   *
   * @param hw The driver contract serving it.
   * @param phys Its physical id.
   * @returns Named values (enabled, rate, level …).
   */
  readonly inspect?: (hw: H, phys: number) => Inspected | Promise<Inspected>;
}

/** What a kind's `inspect` reports: named values. */
export type Inspected = Record<string, number | boolean | string>;

/** A resource kind, as {@linkcode defineKind} returns it. */
export interface KindDef<D extends ResourceDesc = ResourceDesc, H = unknown>
  extends Omit<KindSpec<D, H, Fields>, "convert" | "check" | "refersTo" | "value" | "inspect"> {
  /** What the driver reports now (see {@linkcode KindSpec.inspect}). */
  readonly inspect?: (hw: unknown, phys: number) => Inspected | Promise<Inspected>;
  /** Turns a checked entry into its description. */
  readonly convert: Convert<D, Record<string, unknown> & ResourceBase>;
  /** Checks across the kind's entries (see {@linkcode KindSpec.check}). */
  readonly check?: (
    c: KindCtx,
    list: readonly ResourceDesc[],
    at: (id: number) => KeyPath,
  ) => void;
  /** The resources one resource refers to (see {@linkcode KindSpec.refersTo}). */
  readonly refersTo?: (desc: ResourceDesc) => readonly (readonly [kind: string, id: number])[];
  /** Bounds per agent (see {@linkcode KindSpec.value}). */
  readonly value?: ValueSpec<ResourceDesc>;
  /** Its index in every grant table's `byKind`, fixed when the kind is defined. */
  readonly slot: number;
  /**
   * The board's resources of this kind, typed; an empty list is added to a board without one.
   *
   * @param board A board.
   * @returns Its list of this kind, which may be pushed to.
   */
  of(board: Board): D[];
  /**
   * The driver contract serving each physical resource of this kind.
   *
   * @param table The hardware table of a platform.
   * @returns Contracts by physical id (undefined where the board has no such resource).
   */
  hwOf(table: HwTable): readonly (H | undefined)[];
  /**
   * The resource with physical id `id`.
   *
   * @param board A board.
   * @param id A physical id.
   * @returns Its description, or undefined.
   */
  find(board: Board, id: number): D | undefined;
}

/**
 * Every kind defined in this process, by name, in slot order: one table for every copy of the
 * API (kept on `globalThis` under `Symbol.for("vscmi.kinds")`), so a plugin built against
 * another copy gets slots the platform's grant tables agree with.
 */
const defined: Map<string, KindDef> = ((globalThis as Record<symbol, unknown>)[
  Symbol.for("vscmi.kinds")
] ??= new Map<string, KindDef>()) as Map<string, KindDef>;

/** What `hwOf` answers for a kind the table has no resources of. */
const NO_HW: readonly unknown[] = Object.freeze([]);

/**
 * Declares a resource kind; a protocol lists it in `ProtocolDef.kinds`. Each name is
 * defined once in a process; the kind takes the next grant-table slot.
 *
 * @param spec The kind: names, driver class, board schema and converter, bounds.
 * @returns The kind, frozen, with typed accessors.
 * @throws {TypeError} when the name is not lower-case letters, digits and '_', or another
 * kind already has it.
 *
 * @example A vendor kind
 * ```ts
 * import { defineKind, hwClass } from "./kind.ts";
 * import { field } from "./manifest/fields.ts";
 * import { emptyBoard } from "./board.ts";
 * import type { ResourceDesc } from "./board.ts";
 * interface FanDesc extends ResourceDesc { maxRpm: number }
 * const fanKind = defineKind({
 *   name: "doc_fan",
 *   noun: "fan",
 *   member: "doc_fans",
 *   hw: hwClass<{ setRpm(id: number, rpm: number): void }>("doc_fan"),
 *   fields: { max_rpm: field.int(1, 100_000) },
 *   convert: (_c, _p, base, t): FanDesc => ({ ...base, maxRpm: t.max_rpm }),
 * });
 * const b = emptyBoard();
 * fanKind.of(b).push({ id: 0, name: "f0", driver: "sim", maxRpm: 9000 });
 * console.assert(fanKind.find(b, 0)?.maxRpm === 9000);
 * ```
 */
export function defineKind<D extends ResourceDesc, H, F extends Fields>(
  spec: KindSpec<D, H, F>,
): KindDef<D, H> {
  if (!/^[a-z][a-z0-9_]*$/.test(spec.name)) {
    throw new TypeError(`A kind name must be lower-case letters, digits and '_': "${spec.name}"`);
  }
  if (defined.has(spec.name)) throw new TypeError(`Kind "${spec.name}" is already defined`);
  const name = spec.name;
  const slot = defined.size;
  const def: KindDef<D, H> = Object.freeze({
    ...spec,
    convert: spec.convert as KindDef<D, H>["convert"],
    check: spec.check as KindDef<D, H>["check"],
    refersTo: spec.refersTo as KindDef<D, H>["refersTo"],
    value: spec.value as ValueSpec<ResourceDesc> | undefined,
    inspect: spec.inspect as KindDef<D, H>["inspect"],
    slot,
    of: (board: Board) => (board.resources[name] ??= []) as D[],
    hwOf: (table: HwTable) => (table.bySlot[slot] ?? NO_HW) as readonly (H | undefined)[],
    find: (board: Board, id: number) =>
      (board.resources[name] as D[] | undefined)?.find((r) => r.id === id),
  });
  defined.set(name, def as unknown as KindDef);
  return def;
}

/**
 * The kind defined under `name`, if any.
 *
 * @param name A kind name.
 * @returns Its definition, or undefined.
 */
export function kindNamed(name: string): KindDef | undefined {
  return defined.get(name);
}

/**
 * Every kind defined so far, in slot order.
 *
 * @returns The kinds.
 */
export function definedKinds(): readonly KindDef[] {
  return [...defined.values()];
}

/**
 * How messages name one resource of `kind` ("power domain"); the kind's name when unknown.
 *
 * @param kind A kind name.
 * @returns Its noun.
 */
export function nounOf(kind: string): string {
  return defined.get(kind)?.noun ?? kind;
}

/**
 * The kinds a protocol list contributes, each once, in list order.
 *
 * @param protocols Protocols with their `kinds`.
 * @returns The kinds in play.
 * @throws {TypeError} when two different kinds share a name.
 */
export function kindsOf(protocols: readonly { readonly kinds?: readonly KindDef[] }[]): KindDef[] {
  const out: KindDef[] = [];
  const seen = new Map<string, KindDef>();
  for (const p of protocols) {
    for (const k of p.kinds ?? []) {
      const other = seen.get(k.name);
      if (other === k) continue;
      if (other) throw new TypeError(`Two kinds are named "${k.name}"`);
      seen.set(k.name, k);
      out.push(k);
    }
  }
  return out;
}
