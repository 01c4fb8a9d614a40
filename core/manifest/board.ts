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
 * clocks = ["uart0_clk"]            # resets, power_domains, perf_domains, sensors,
 * ```                               # voltage_domains, pins, groups, functions, powercaps
 * @module
 */
import {
  type Board,
  type DeviceDesc,
  type DriverDecl,
  RESOURCE_KINDS,
  type ResourceDesc,
  type ResourceKind,
} from "../board.ts";
import { apiMismatch } from "../api.ts";
import { type DriverDef, driverOptionProblems } from "../driver.ts";
import type { ValuePolicy } from "../policy/values.ts";
import { BoardCtx, BoardNames } from "./_board_ctx.ts";
import * as kinds from "./board_kinds.ts";
import { sensor } from "./board_sensor.ts";
import {
  boardDocument,
  boardTable,
  deviceTable,
  driverTable,
  KIND_NOUN,
  MEMBER_KEY,
  RESOURCE_TABLE,
  type ResourceInput,
} from "./board_schema.ts";
import { check } from "./_schema.ts";
import { quoteList } from "./problem.ts";
import type { Source } from "./toml.ts";

/** A board read from its manifest, with the names each kind declares (for later lookups). */
export interface BoardRead {
  board: Board;
  names: BoardNames;
}

type Convert<K extends ResourceKind> = (
  c: BoardCtx,
  p: (string | number)[],
  base: ResourceDesc,
  t: ResourceInput[K],
) => Board[K][number] | undefined;

const CONVERT: { [K in ResourceKind]: Convert<K> } = {
  clock: kinds.clock,
  reset: kinds.reset,
  power: kinds.power,
  perf: kinds.perf,
  sensor,
  voltage: kinds.voltage,
  pin: kinds.pin,
  group: kinds.group,
  function: kinds.fn,
  powercap: kinds.powercap,
};

/** Kinds whose `parent` key forms chains that must not loop. */
const PARENTED = ["clock", "power", "powercap"] as const;

function tables(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function nameOf(v: unknown): string | undefined {
  const n = (v as { name?: unknown } | null)?.name;
  return typeof n === "string" ? n : undefined;
}

/**
 * Reads the board in `src`, recording problems in `src.problems`. Driver types and their
 * option names are checked against `drivers`.
 */
export function readBoard(src: Source, drivers: readonly DriverDef[]): BoardRead {
  const names = new BoardNames();
  const c = new BoardCtx(src, names);
  const raw = src.doc;
  check(src, [], boardDocument, raw);
  const head = check(src, ["board"], boardTable, raw.board);
  const board: Board = {
    name: head?.name ?? "",
    perfPowerUnit: head?.perf_power_unit ?? "abstract",
    drivers: readDrivers(c, drivers),
    devices: [],
    clock: [],
    reset: [],
    power: [],
    perf: [],
    sensor: [],
    voltage: [],
    pin: [],
    group: [],
    function: [],
    powercap: [],
  };
  const driverNames = new Set(tables(raw.driver).map(nameOf).filter((n) => n !== undefined));

  // Shape first, and every kind's names, so references may point forward and across kinds.
  const valid = {} as { [K in ResourceKind]: { i: number; t: ResourceInput[K] }[] };
  for (const kind of RESOURCE_KINDS) {
    const list: { i: number; t: unknown }[] = [];
    const ids = new Map<number, number>();
    tables(raw[kind]).forEach((entry, i) => {
      const n = nameOf(entry);
      if (n !== undefined) names.seen(kind).add(n);
      const t = check(src, [kind, i], RESOURCE_TABLE[kind], entry) as ResourceInput[typeof kind];
      if (!t) return;
      if (unique(c, kind, i, t, ids)) list.push({ i, t });
    });
    (valid as Record<ResourceKind, unknown>)[kind] = list;
  }
  const anyResource = RESOURCE_KINDS.some((k) => tables(raw[k]).length > 0);
  if (anyResource && tables(raw.driver).length === 0) {
    src.report(["driver"], "Expected a [[driver]] table to back the board's resources, got none");
  }
  const fallbackDriver = nameOf(tables(raw.driver)[0]) ?? "";

  for (const kind of RESOURCE_KINDS) {
    convertKind(c, kind, valid[kind], driverNames, fallbackDriver, board);
  }
  for (const kind of PARENTED) noLoops(c, kind, board);
  parentsOn(c, board);
  board.devices = readDevices(c, tables(raw.device));
  return { board, names };
}

/** Records `t`'s id and name; reports a repeat of either. Returns whether both were new. */
function unique(
  c: BoardCtx,
  kind: ResourceKind | "device",
  i: number,
  t: { id: number; name: string },
  ids: Map<number, number>,
): boolean {
  const noun = kind === "device" ? "device" : KIND_NOUN[kind];
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

function convertKind<K extends ResourceKind>(
  c: BoardCtx,
  kind: K,
  entries: { i: number; t: ResourceInput[K] }[],
  driverNames: Set<string>,
  fallbackDriver: string,
  board: Board,
): void {
  const out = board[kind] as Board[K][number][];
  for (const { i, t } of entries) {
    const p = [kind, i];
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
    const desc = CONVERT[kind](c, p, { id: t.id, name: t.name, driver }, t);
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
    const options = t.options ?? {};
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
      for (const o of driverOptionProblems(def, options)) {
        const at = ["driver", i, "options", ...(o.option === undefined ? [] : [o.option])];
        c.src.report(at, o.message, o.at);
      }
    }
    out.push({ name: t.name, type: t.type, options });
  });
  return out;
}

/** Reports `parent` chains that come back to where they started (once per loop). */
function noLoops(c: BoardCtx, kind: typeof PARENTED[number], board: Board): void {
  const list = board[kind] as { id: number; name: string; parent?: number }[];
  const byId = new Map(list.map((r) => [r.id, r]));
  const index = new Map<number, number>();
  tables(c.src.doc[kind]).forEach((e, i) => {
    const id = (e as { id?: unknown } | null)?.id;
    if (typeof id === "number" && !index.has(id)) index.set(id, i);
  });
  const reported = new Set<number>();
  for (const r of list) {
    const seen = new Set<number>([r.id]);
    let at = r.parent === undefined ? undefined : byId.get(r.parent);
    while (at && !seen.has(at.id)) {
      seen.add(at.id);
      at = at.parent === undefined ? undefined : byId.get(at.parent);
    }
    if (!at || at.id !== r.id || reported.has(r.id)) continue;
    for (const id of seen) reported.add(id);
    c.expect([kind, index.get(r.id)!, "parent"], `a parent that does not lead back to "${r.name}"`);
  }
}

/** A power domain on at power-on needs its parent on too. */
function parentsOn(c: BoardCtx, board: Board): void {
  const byId = new Map(board.power.map((d) => [d.id, d]));
  tables(c.src.doc.power).forEach((e, i) => {
    const id = (e as { id?: unknown } | null)?.id;
    const d = board.power.find((x) => x.id === id);
    if (!d?.on || d.parent === undefined) return;
    const parent = byId.get(d.parent);
    if (parent && !parent.on) {
      c.expect(["power", i, "on"], `false while parent "${parent.name}" is off at power-on`);
    }
  });
}

function readDevices(c: BoardCtx, entries: unknown[]): DeviceDesc[] {
  const out: DeviceDesc[] = [];
  const ids = new Map<number, number>();
  entries.forEach((entry, i) => {
    const n = nameOf(entry);
    if (n !== undefined) c.names.seen("device").add(n);
    const t = check(c.src, ["device", i], deviceTable, entry);
    if (!t || !unique(c, "device", i, t, ids)) return;
    const resources: DeviceDesc["resources"] = {};
    for (const kind of RESOURCE_KINDS) {
      const key = MEMBER_KEY[kind];
      const members = t[key];
      if (!members) continue;
      const got = c.refs(kind, ["device", i, key], members);
      if (got.length) resources[kind] = got;
    }
    out.push({ id: t.id, name: t.name, resources });
  });
  return out;
}
