/**
 * An agent's grants as the deployment declares them, resolved against the board: which
 * resources it sees, at which virtual ids, under which names, with which access and bounds.
 *
 * ```toml
 * [[agent]]
 * name = "vm1"
 * devices = ["uart0", "display"]      # every resource of each device, full access
 * clocks = ["timer_clk"]              # single resources, full access
 *
 * [[agent.clock]]                     # one resource with its own settings (any kind:
 * name = "apb_clk"                    # [[agent.<kind>]])
 * virtual = 3                         # the id the agent knows it by
 * as = "bus"                          # the name the agent sees (default the board's)
 * access = "read"                     # "read" or "write" (default "write")
 * min = "10MHz"                       # bounds, for kinds whose commands set a value:
 * max = "200MHz"                      # what this agent may set it to
 * rates = ["50MHz", "100MHz"]         # (the allowed set under the kind's own key)
 * ```
 *
 * A table entry may name a resource a device already grants: it then refines that grant.
 * Virtual ids: entries with `virtual` take theirs first; every other resource then takes the
 * lowest free id, in order — devices' members (device order), the simple lists, the table
 * entries. Two resources at one virtual id, two resources one agent sees under one name, and
 * bounds that admit nothing the resource supports are errors.
 * @module
 */
import type { Board, ResourceKind } from "../../core/board.ts";
import { ALL_RIGHTS, type Bounds } from "../../core/grants.ts";
import type { KindDef } from "../../core/kind.ts";
import { Right } from "../../core/protocol.ts";
import type { BoardRead } from "./board.ts";
import type { AgentInput } from "./deployment_schema.ts";
import type { GrantInput } from "./policy_schema.ts";
import { describe, type KeyPath } from "../../core/manifest/problem.ts";
import type { Source } from "../../core/manifest/toml.ts";
import type { AgentDecl, ResourceAccess } from "../../core/manifest/types.ts";
import { type Steps, stepsOf, supports } from "../../core/manifest/value_steps.ts";

/** Resolves `t`'s devices, simple lists and `[[agent.<kind>]]` tables into `decl`. */
export function readGrants(
  src: Source,
  p: KeyPath,
  t: AgentInput,
  b: BoardRead,
  decl: AgentDecl,
): void {
  const origins: NonNullable<AgentDecl["origins"]> = decl.origins ??= {};
  const order: { [K in ResourceKind]?: number[] } = {};
  const add = (kind: ResourceKind, id: number, at: KeyPath) => {
    const seen = origins[kind] ??= new Map();
    if (seen.has(id)) return;
    seen.set(id, at);
    (order[kind] ??= []).push(id);
  };
  readDevices(src, p, t, b, decl, add);
  readLists(src, p, t, b, add);
  const explicit: { [K in ResourceKind]?: { id: number; v: number; at: KeyPath }[] } = {};
  const tables: { [K in ResourceKind]?: Map<number, KeyPath> } = {};
  for (const k of b.kinds) {
    const kind = k.name;
    const noun = k.noun;
    const entries = t[kind] as GrantInput[] | undefined;
    if (!entries) continue;
    const listed = new Set<number>();
    entries.forEach((e, j) => {
      const at = [...p, kind, j];
      const id = b.names.of(kind).get(e.name);
      if (id === undefined) {
        if (!b.names.seen(kind).has(e.name)) {
          src.report(
            [...at, "name"],
            `Expected the name of a ${noun}, got ${describe(e.name)}`,
          );
        }
        return;
      }
      if (listed.has(id)) {
        src.report(
          [...at, "name"],
          `Expected each ${noun} in one [[agent.${kind}]] table, got ${describe(e.name)} again`,
        );
        return;
      }
      listed.add(id);
      add(kind, id, at);
      (tables[kind] ??= new Map()).set(id, at);
      const access = readAccess(src, at, k, id, e, b.board);
      if (access) ((decl.access ??= {})[kind] ??= new Map()).set(id, access);
      if (e.virtual !== undefined) (explicit[kind] ??= []).push({ id, v: e.virtual, at });
    });
  }
  for (const k of b.kinds) {
    const ids = order[k.name];
    if (ids) decl.grants[k.name] = place(src, decl.name, k.noun, ids, explicit[k.name] ?? []);
  }
  uniqueNames(src, decl, b, tables);
}

type Add = (kind: ResourceKind, id: number, at: KeyPath) => void;

/** Devices first, their members in device order. */
function readDevices(
  src: Source,
  p: KeyPath,
  t: AgentInput,
  b: BoardRead,
  decl: AgentDecl,
  add: Add,
): void {
  const seen = new Set<string>();
  (t.devices ?? []).forEach((name, j) => {
    const at = [...p, "devices", j];
    if (seen.has(name)) {
      src.report(at, `Expected each device listed once, got ${describe(name)} again`);
      return;
    }
    seen.add(name);
    const dev = b.board.devices.find((d) => d.id === b.names.of("device").get(name));
    if (!dev) {
      if (!b.names.seen("device").has(name)) {
        src.report(at, `Expected the name of a device, got ${describe(name)}`);
      }
      return;
    }
    decl.devices.push(dev.id);
    for (const k of b.kinds) {
      for (const id of dev.resources[k.name] ?? []) add(k.name, id, at);
    }
  });
}

/** The simple lists: `clocks = [...]`, `resets = [...]` … */
function readLists(src: Source, p: KeyPath, t: AgentInput, b: BoardRead, add: Add): void {
  for (const k of b.kinds) {
    const kind = k.name;
    const key = k.member;
    const names = t[key] as string[] | undefined;
    if (!names) continue;
    const seen = new Set<string>();
    names.forEach((name, j) => {
      const at = [...p, key, j];
      if (seen.has(name)) {
        src.report(at, `Expected each ${k.noun} listed once, got ${describe(name)} again`);
        return;
      }
      seen.add(name);
      const id = b.names.of(kind).get(name);
      if (id !== undefined) add(kind, id, at);
      else if (!b.names.seen(kind).has(name)) {
        src.report(at, `Expected the name of a ${k.noun}, got ${describe(name)}`);
      }
    });
  }
}

/** Access, per-agent name and bounds of one table entry; undefined when it sets none. */
function readAccess(
  src: Source,
  at: KeyPath,
  kind: KindDef,
  id: number,
  e: GrantInput,
  board: Board,
): ResourceAccess | undefined {
  const out: ResourceAccess = { rights: e.access === "read" ? Right.READ : ALL_RIGHTS };
  if (e.as !== undefined) out.name = e.as;
  if (kind.value) {
    const bounds = readBounds(src, at, kind, id, e, board);
    if (bounds) {
      if (e.access === "read") {
        src.report(
          [...at, "access"],
          `Expected "write" (or no access key) where bounds are given, got "read"`,
        );
      }
      out.bounds = bounds;
    }
  }
  if (e.access === undefined && out.name === undefined && out.bounds === undefined) {
    return undefined;
  }
  return out;
}

/**
 * The bounds of a table entry, checked against what the resource supports: min ≤ max, every
 * allowed value one the resource has, and at least one supported value admitted.
 */
function readBounds(
  src: Source,
  at: KeyPath,
  kind: KindDef,
  id: number,
  e: GrantInput,
  board: Board,
): Bounds | undefined {
  const key = kind.value!.key;
  const values = e[key] as number[] | undefined;
  if (e.min === undefined && e.max === undefined && values === undefined) return undefined;
  const steps = stepsOf(board, kind, id);
  const unit = kind.value!.unit;
  if (e.min !== undefined && e.max !== undefined && e.min > e.max) {
    src.report(
      [...at, "max"],
      `Expected a maximum of at least ${e.min} ${unit} (min), got ${e.max}`,
    );
    return undefined;
  }
  let ok = true;
  const seen = new Set<number>();
  values?.forEach((v, j) => {
    if (seen.has(v)) {
      src.report([...at, key, j], `Expected each value listed once, got ${v} again`);
      ok = false;
    } else if (steps && !supports(steps, v)) {
      src.report(
        [...at, key, j],
        `Expected a value the ${kind.noun} supports (${stepsText(steps, unit)}), got ${v}`,
      );
      ok = false;
    }
    seen.add(v);
  });
  if (!ok) return undefined;
  const lo = e.min ?? -Infinity;
  const hi = e.max ?? Infinity;
  const admitted = values
    ? values.some((v) => v >= lo && v <= hi)
    : steps === undefined || admitsRange(steps, lo, hi);
  if (!admitted) {
    const where = e.min !== undefined ? "min" : e.max !== undefined ? "max" : key;
    src.report(
      [...at, where],
      `Expected bounds that admit a value the ${kind.noun} supports (${
        stepsText(steps!, unit)
      }), got ${e.min ?? "…"}–${e.max ?? "…"}${values ? ` of ${values.join(", ")}` : ""}`,
    );
    return undefined;
  }
  const b: { min?: number; max?: number; values?: readonly number[] } = {};
  if (e.min !== undefined) b.min = e.min;
  if (e.max !== undefined) b.max = e.max;
  if (values) b.values = Object.freeze([...values].sort((x, y) => x - y));
  return Object.freeze(b);
}

function admitsRange(s: Steps, lo: number, hi: number): boolean {
  if (s.kind === "list") return s.values.some((v) => v >= lo && v <= hi);
  const from = Math.max(lo, s.min);
  const first = s.step > 0 ? s.min + Math.ceil((from - s.min) / s.step) * s.step : from;
  return first <= Math.min(hi, s.max);
}

function stepsText(s: Steps, unit: string): string {
  const u = unit ? ` ${unit}` : "";
  if (s.kind === "list") return `${s.values.join(", ")}${u}`;
  return `${s.min} to ${s.max}${u} in steps of ${s.step}${u}`;
}

/**
 * Virtual ids: explicit ones first, then the rest at the lowest free id in order. Returns
 * physical ids by virtual id, -1 where explicit ids leave one unused.
 */
function place(
  src: Source,
  agent: string,
  noun: string,
  ids: number[],
  explicit: { id: number; v: number; at: KeyPath }[],
): number[] {
  const slots: number[] = [];
  const placed = new Set<number>();
  const by = new Map<number, KeyPath>();
  for (const { id, v, at } of explicit) {
    const other = by.get(v);
    if (other !== undefined) {
      const name = nameAt(src, other);
      src.report(
        [...at, "virtual"],
        `Expected a virtual id no other ${noun} of agent "${agent}" has (${
          name === undefined ? "another" : `"${name}"`
        } has it), got ${v}`,
      );
      continue;
    }
    by.set(v, at);
    slots[v] = id;
    placed.add(id);
  }
  let next = 0;
  for (const id of ids) {
    if (placed.has(id)) continue;
    while (slots[next] !== undefined) next++;
    slots[next] = id;
  }
  for (let v = 0; v < slots.length; v++) if (slots[v] === undefined) slots[v] = -1;
  return slots;
}

/** The `name` written in the table at `at`. */
function nameAt(src: Source, at: KeyPath): string | undefined {
  let v: unknown = src.doc;
  for (const k of at) v = (v as Record<string | number, unknown> | undefined)?.[k];
  const n = (v as { name?: unknown } | undefined)?.name;
  return typeof n === "string" ? n : undefined;
}

/** Each name an agent sees for a kind is its own: a per-agent name may not repeat another. */
function uniqueNames(
  src: Source,
  decl: AgentDecl,
  b: BoardRead,
  tables: { [K in ResourceKind]?: Map<number, KeyPath> },
): void {
  for (const k of b.kinds) {
    const kind = k.name;
    const own = decl.access?.[kind];
    const ids = decl.grants[kind];
    if (!own || !ids) continue;
    const seen = new Map<string, number>();
    for (const id of ids) {
      if (id < 0) continue;
      const name = own.get(id)?.name ?? k.find(b.board, id)?.name;
      if (name === undefined) continue;
      const other = seen.get(name);
      if (other === undefined) {
        seen.set(name, id);
        continue;
      }
      const renamed = own.get(id)?.name !== undefined ? id : other;
      const at = tables[kind]?.get(renamed);
      if (at) {
        src.report(
          [...at, "as"],
          `Expected a name no other ${k.noun} of agent "${decl.name}" has, got ${describe(name)}`,
        );
      }
    }
  }
}
