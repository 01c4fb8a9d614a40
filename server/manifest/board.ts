/**
 * Reading a board manifest: shape, then semantics (unique ids and names per kind, references
 * resolved, parent chains without loops, devices), into the `Board` model.
 *
 * A board manifest (`boards/<board>.toml`):
 * ```toml
 * [board]
 * name = "my-soc"
 * perf_power_unit = "mW"            # "mW", "uW" or "abstract" (default)
 *
 * [[driver]]                        # the first one backs every resource by default
 * name = "sim"
 * type = "sim"
 * options = { time_scale = 1 }
 *
 * [[clock]]
 * id = 0                            # physical id, unique per kind
 * name = "osc24m"                   # unique per kind, ≤ 63 ASCII characters
 * rates = ["24MHz"]                 # or range = { min = …, max = …, step = … }
 * enabled = true
 *
 * [[device]]
 * id = 0
 * name = "uart0"
 * clocks = ["uart0_clk"]            # one member list per kind (its `member` key)
 * ```
 * @module
 */
import type { Board, DeviceDesc, DriverDecl, ResourceDesc } from "../../core/board.ts";
import { apiMismatch } from "../../core/api.ts";
import { type DriverDef, driverOptionProblems } from "../../core/driver.ts";
import type { KindDef } from "../../core/kind.ts";
import type { ValuePolicy } from "../../core/policy/values.ts";
import { manifestPaths } from "./option_paths.ts";
import { BoardCtx, BoardNames } from "../../core/manifest/_board_ctx.ts";
import {
  boardDocument,
  boardTable,
  deviceTable,
  driverTable,
  type ResourceInput,
  resourceTable,
} from "./board_schema.ts";
import { check } from "../../core/manifest/_schema.ts";
import { type KeyPath, quoteList } from "../../core/manifest/problem.ts";
import type { Source } from "../../core/manifest/toml.ts";

/** A board read from its manifest, with the names each kind declares (for later lookups). */
export interface BoardRead {
  board: Board;
  names: BoardNames;
  /** The kinds it was read with. */
  kinds: readonly KindDef[];
}

function tables(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function nameOf(v: unknown): string | undefined {
  const n = (v as { name?: unknown } | null)?.name;
  return typeof n === "string" ? n : undefined;
}

/**
 * Reads the board in `src`, recording problems in `src.problems`. Driver types and their
 * option names are checked against `drivers`; resource tables are those of `kinds`.
 */
export function readBoard(
  src: Source,
  drivers: readonly DriverDef[],
  kinds: readonly KindDef[],
): BoardRead {
  const names = new BoardNames(kinds);
  const c = new BoardCtx(src, names);
  const raw = src.doc;
  check(src, [], boardDocument(kinds), raw);
  const head = check(src, ["board"], boardTable(kinds), raw.board) as
    | Record<string, unknown>
    | undefined;
  const settings: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(head ?? {})) {
    if (k !== "name" && v !== undefined) settings[k] = v;
  }
  const board: Board = {
    name: (head?.name as string | undefined) ?? "",
    settings,
    drivers: readDrivers(c, drivers),
    devices: [],
    resources: Object.fromEntries(kinds.map((k) => [k.name, []])),
  };
  const driverNames = new Set(tables(raw.driver).map(nameOf).filter((n) => n !== undefined));

  // Shape first, and every kind's names, so references may point forward and across kinds.
  const valid = new Map<KindDef, { i: number; t: ResourceInput }[]>();
  for (const kind of kinds) {
    const list: { i: number; t: ResourceInput }[] = [];
    const ids = new Map<number, number>();
    const schema = resourceTable(kind);
    tables(raw[kind.name]).forEach((entry, i) => {
      const n = nameOf(entry);
      if (n !== undefined) names.seen(kind.name).add(n);
      const t = check(src, [kind.name, i], schema, entry) as ResourceInput | undefined;
      if (!t) return;
      if (unique(c, kind.name, kind.noun, i, t, ids)) list.push({ i, t });
    });
    valid.set(kind, list);
  }
  const anyResource = kinds.some((k) => tables(raw[k.name]).length > 0);
  if (anyResource && tables(raw.driver).length === 0) {
    src.report(["driver"], "Expected a [[driver]] table to back the board's resources, got none");
  }
  const fallbackDriver = nameOf(tables(raw.driver)[0]) ?? "";

  for (const kind of kinds) {
    convertKind(c, kind, valid.get(kind)!, driverNames, fallbackDriver, board);
  }
  for (const kind of kinds) {
    if (kind.parented) noLoops(c, board.resources[kind.name], entryPath(c, kind.name));
  }
  for (const kind of kinds) kind.check?.(c, board.resources[kind.name], entryPath(c, kind.name));
  board.devices = readDevices(c, kinds, tables(raw.device));
  return { board, names, kinds };
}

/** The key path of the entry of `kind` with physical id `id` (its first table). */
function entryPath(c: BoardCtx, kind: string): (id: number) => KeyPath {
  const index = new Map<number, number>();
  tables(c.src.doc[kind]).forEach((e, i) => {
    const id = (e as { id?: unknown } | null)?.id;
    if (typeof id === "number" && !index.has(id)) index.set(id, i);
  });
  return (id) => [kind, index.get(id) ?? 0];
}

/** Records `t`'s id and name; reports a repeat of either. Returns whether both were new. */
function unique(
  c: BoardCtx,
  kind: string,
  noun: string,
  i: number,
  t: { id: number; name: string },
  ids: Map<number, number>,
): boolean {
  let ok = true;
  const other = ids.get(t.id);
  if (other !== undefined) {
    c.expect([kind, i, "id"], `an id no other ${noun} has (${kind}[${other}] has it)`);
    ok = false;
  }
  const byName = c.names.of(kind);
  if (byName.has(t.name)) {
    const j = ids.get(byName.get(t.name)!);
    c.expect([kind, i, "name"], `a name no other ${noun} has (${kind}[${j}] has it)`);
    ok = false;
  }
  if (!ok) return false;
  ids.set(t.id, i);
  byName.set(t.name, t.id);
  return true;
}

function convertKind(
  c: BoardCtx,
  kind: KindDef,
  entries: { i: number; t: ResourceInput }[],
  driverNames: Set<string>,
  fallbackDriver: string,
  board: Board,
): void {
  const out = board.resources[kind.name];
  for (const { i, t } of entries) {
    const p = [kind.name, i];
    let driver = fallbackDriver;
    if (t.driver !== undefined) {
      driver = t.driver;
      if (!driverNames.has(t.driver)) {
        c.expect(
          [...p, "driver"],
          `the name of a declared driver (${quoteList([...driverNames])})`,
        );
      }
    }
    const desc = kind.convert(c, p, { id: t.id, name: t.name, driver }, { ...t, driver });
    if (!desc) continue;
    const policy = (t as { policy?: ValuePolicy }).policy;
    if (policy !== undefined) desc.policy = policy;
    out.push(desc);
  }
}

function readDrivers(c: BoardCtx, registered: readonly DriverDef[]): DriverDecl[] {
  const out: DriverDecl[] = [];
  const seen = new Set<string>();
  tables(c.src.doc.driver).forEach((entry, i) => {
    const t = check(c.src, ["driver", i], driverTable, entry);
    if (!t) return;
    if (seen.has(t.name)) {
      c.expect(["driver", i, "name"], "a name no other driver has");
      return;
    }
    seen.add(t.name);
    let options = t.options ?? {};
    const def = registered.find((d) => d.name === t.type);
    const mismatch = def && apiMismatch("driver type", def.api);
    if (!def) {
      const types = quoteList(registered.map((d) => d.name));
      c.expect(["driver", i, "type"], `a registered driver type (${types})`);
    } else if (mismatch) {
      c.src.report(
        ["driver", i, "type"],
        `Expected ${mismatch.expected}, got "${t.type}", ${mismatch.got}`,
      );
    } else {
      const paths = manifestPaths(def, c.src.file, options);
      for (const o of [...driverOptionProblems(def, options), ...paths.problems]) {
        const at = [
          "driver",
          i,
          "options",
          ...(o.option === undefined ? [] : [o.option, ...(o.path ?? [])]),
        ];
        c.src.report(at, o.message, o.at);
      }
      options = paths.options;
    }
    out.push({ name: t.name, type: t.type, options });
  });
  return out;
}

/** Reports `parent` chains that come back to where they started (once per loop). */
function noLoops(
  c: BoardCtx,
  descs: readonly ResourceDesc[],
  at: (id: number) => KeyPath,
): void {
  const list = descs as readonly { id: number; name: string; parent?: number }[];
  const byId = new Map(list.map((r) => [r.id, r]));
  const reported = new Set<number>();
  for (const r of list) {
    const seen = new Set<number>([r.id]);
    let at2 = r.parent === undefined ? undefined : byId.get(r.parent);
    while (at2 && !seen.has(at2.id)) {
      seen.add(at2.id);
      at2 = at2.parent === undefined ? undefined : byId.get(at2.parent);
    }
    if (!at2 || at2.id !== r.id || reported.has(r.id)) continue;
    for (const id of seen) reported.add(id);
    c.expect([...at(r.id), "parent"], `a parent that does not lead back to "${r.name}"`);
  }
}

function readDevices(c: BoardCtx, kinds: readonly KindDef[], entries: unknown[]): DeviceDesc[] {
  const out: DeviceDesc[] = [];
  const ids = new Map<number, number>();
  entries.forEach((entry, i) => {
    const n = nameOf(entry);
    if (n !== undefined) c.names.seen("device").add(n);
    const schema = deviceTable(kinds);
    const t = check(c.src, ["device", i], schema, entry) as
      | { id: number; name: string; [key: string]: unknown }
      | undefined;
    if (!t || !unique(c, "device", "device", i, t, ids)) return;
    const resources: DeviceDesc["resources"] = {};
    for (const kind of kinds) {
      const members = t[kind.member] as string[] | undefined;
      if (!members) continue;
      const got = c.refs(kind.name, ["device", i, kind.member], members);
      if (got.length) resources[kind.name] = got;
    }
    out.push({ id: t.id, name: t.name, resources });
  });
  return out;
}
