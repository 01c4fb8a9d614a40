/**
 * `vscmi import hvisor CONFIG.json`: hvisor-tool's virtio configuration (`zones[]`, each with
 * `id`, `memory_region[]` and `devices[]`) → one agent per zone's SCMI device, on the
 * `virtio-mmio` transport over hvisor's bridge, granted what the device's id lists name.
 *
 * Current form (hvisor-tool d5728bf on): `clock_ids`, `reset_ids`, `power_ids`, whose position
 * is the guest's id and whose value the index in zone0's hvisor node — or, with `--board`, the
 * board's physical id. Without `--board` a board for the hvisor driver is written beside the
 * deployment. Legacy form (`allowed_list`, `clock_map`/`reset_map`/`power_map`, CRU binding
 * ids): only with `--board` naming a board whose physical ids are those binding ids.
 * @module
 */
import { basename, dirname, join, relative } from "node:path";
import type { Board } from "../../../core/board.ts";
import { type Importer, ImportError, type ImportRequest } from "../../../core/importer.ts";
import { isOptionError } from "../../../core/options.ts";
import { checkVirtioMmioOptions, HVISOR_VENDOR } from "../../../transports/virtio-mmio/options.ts";
import { hvisorBoardToml, placeholderName, tomlString } from "./board_toml.ts";

type Kind = "clock" | "reset" | "power";
const KINDS: readonly Kind[] = ["clock", "reset", "power"];
const MEMBER: Record<Kind, string> = { clock: "clocks", reset: "resets", power: "power_domains" };
const LEGACY_KEYS = [
  "clock_phandle",
  "reset_phandle",
  "power_phandle",
  "allowed_list",
  "clock_map",
  "reset_map",
  "power_map",
];

/** One granted resource: the guest's id and the physical id. */
interface Grant {
  readonly v: number;
  readonly phys: number;
}

/** One agent to write. */
interface ZoneAgent {
  name: string;
  zone: number;
  base: number;
  size: number;
  irq: number;
  memory: { zone0_ipa: number; zonex_ipa: number; size: number }[];
  grants: Record<Kind, Grant[]>;
}

type Json = unknown;

/** Reads the configuration, reporting each problem with the file and its JSON path. */
class Reader {
  constructor(readonly file: string) {}

  fail(at: string, msg: string): never {
    throw new ImportError(this.file, at, msg);
  }

  obj(v: Json, at: string): Record<string, Json> {
    if (typeof v !== "object" || v === null || Array.isArray(v)) {
      this.fail(at, "Expected an object");
    }
    return v as Record<string, Json>;
  }

  arr(v: Json, at: string): Json[] {
    if (!Array.isArray(v)) {
      this.fail(at, `Expected an array, got ${JSON.stringify(v) ?? "nothing"}`);
    }
    return v;
  }

  /** A whole number ≤ `max`, written as a JSON number or a decimal or `0x` hex string. */
  num(v: Json, at: string, what: string, max = Number.MAX_SAFE_INTEGER): number {
    let n = NaN;
    if (typeof v === "number") n = v;
    else if (typeof v === "string" && /^(0x[0-9a-f]+|[0-9]+)$/i.test(v.trim())) {
      n = Number(v.trim());
    }
    if (!Number.isSafeInteger(n) || n < 0 || n > max) {
      this.fail(
        at,
        `Expected ${what} (a number or a "0x…" string), got ${JSON.stringify(v) ?? "nothing"}`,
      );
    }
    return n;
  }
}

/** The guest-id → physical-id lists of a current-form SCMI device. */
function currentGrants(r: Reader, dev: Record<string, Json>, at: string): Record<Kind, Grant[]> {
  const out = { clock: [], reset: [], power: [] } as Record<Kind, Grant[]>;
  for (const kind of KINDS) {
    const key = `${kind}_ids`;
    if (dev[key] === undefined) continue;
    r.arr(dev[key], `${at}.${key}`).forEach((x, v) => {
      out[kind].push({ v, phys: r.num(x, `${at}.${key}[${v}]`, `an id from 0 to 65535`, 0xffff) });
    });
  }
  return out;
}

/**
 * The grants of a legacy-form device: the allowed guest ids (`"*"`: every id below
 * `<kind>_max_num`), each mapped through `<kind>_map` or to itself. With `"*"`, ids the board
 * lacks are left out; listed ones must exist.
 */
function legacyGrants(
  r: Reader,
  dev: Record<string, Json>,
  at: string,
  board: Board,
): { grants: Record<Kind, Grant[]>; skipped: number } {
  const out = { clock: [], reset: [], power: [] } as Record<Kind, Grant[]>;
  let skipped = 0;
  const allowed = dev.allowed_list === undefined
    ? {}
    : r.obj(dev.allowed_list, `${at}.allowed_list`);
  for (const kind of KINDS) {
    const idsKey = `${kind}_ids`;
    const mapKey = `${kind}_map`;
    const map = new Map<number, number>();
    if (dev[mapKey] !== undefined) {
      for (const [k, x] of Object.entries(r.obj(dev[mapKey], `${at}.${mapKey}`))) {
        const v = r.num(k, `${at}.${mapKey}`, "guest ids as keys", 0xffff);
        map.set(v, r.num(x, `${at}.${mapKey}.${k}`, "a binding id from 0 to 65535", 0xffff));
      }
    }
    if (allowed[idsKey] === undefined) continue;
    const list = r.arr(allowed[idsKey], `${at}.allowed_list.${idsKey}`);
    const all = list.some((x) => x === "*");
    const ids = all
      ? Array.from(
        {
          length: r.num(
            dev[`${kind}_max_num`],
            `${at}.${kind}_max_num`,
            `the count "*" allows`,
            0x10000,
          ),
        },
        (_, i) => i,
      )
      : list.map((x, i) =>
        r.num(x, `${at}.allowed_list.${idsKey}[${i}]`, "a guest id from 0 to 65535", 0xffff)
      );
    for (const v of ids) {
      const phys = map.get(v) ?? v;
      if (all && !board.resources[kind]?.some((d) => d.id === phys)) {
        skipped++;
        continue;
      }
      out[kind].push({ v, phys });
    }
  }
  return { grants: out, skipped };
}

/** Converts one configuration; see the module comment. */
function convert(req: ImportRequest) {
  const r: Reader = new Reader(req.input);
  let root: Json;
  try {
    root = JSON.parse(req.text);
  } catch (e) {
    r.fail("", `Not JSON: ${e instanceof Error ? e.message : e}`);
  }
  const zones = r.arr(r.obj(root, "(top level)").zones, "zones");
  const agents: ZoneAgent[] = [];
  const names = new Set<string>();
  zones.forEach((zv, zi) => {
    const zat = `zones[${zi}]`;
    const z = r.obj(zv, zat);
    const zone = r.num(z.id, `${zat}.id`, "a zone id from 1 to 65535", 0xffff);
    if (zone === 0) {
      r.fail(`${zat}.id`, "Expected a guest zone (1 or more): zone0 serves, it is not served");
    }
    const memory = r.arr(z.memory_region, `${zat}.memory_region`).map((mv, mi) => {
      const mat = `${zat}.memory_region[${mi}]`;
      const m = r.obj(mv, mat);
      return {
        zone0_ipa: r.num(m.zone0_ipa, `${mat}.zone0_ipa`, "an address"),
        zonex_ipa: r.num(m.zonex_ipa, `${mat}.zonex_ipa`, "an address"),
        size: r.num(m.size, `${mat}.size`, "a size"),
      };
    });
    r.arr(z.devices ?? [], `${zat}.devices`).forEach((dv, di) => {
      const at = `${zat}.devices[${di}]`;
      const d = r.obj(dv, at);
      const status = d.status ?? "enable";
      if (status !== "enable" && status !== "disable") {
        r.fail(`${at}.status`, `Expected "enable" or "disable", got ${JSON.stringify(status)}`);
      }
      if (status === "disable") return;
      if (d.type !== "scmi") {
        if (!req.flags["scmi-only"]) {
          r.fail(
            `${at}.type`,
            `zone ${zone} has a virtio ${JSON.stringify(d.type)} device: vscmi owns hvisor's ` +
              "virtio bridge only when every virtio device of every zone is SCMI. Give " +
              "those zones their storage and console by passthrough, or pass --scmi-only to " +
              "drop the other devices (then hvisor-tool's daemon must not run beside vscmi)",
          );
        }
        req.log.warn(
          `${req.input}: ${at}: dropped zone ${zone}'s virtio ${
            JSON.stringify(d.type)
          } device (--scmi-only)`,
        );
        return;
      }
      const legacy = LEGACY_KEYS.filter((k) => d[k] !== undefined);
      let grants: Record<Kind, Grant[]>;
      if (legacy.length !== 0) {
        if (!req.board) {
          r.fail(
            `${at}.${legacy[0]}`,
            "This is hvisor-tool's legacy SCMI form (allowed_list and id maps over CRU " +
              "binding ids). Convert it with --board BOARD.toml naming a board whose physical " +
              "ids are those binding ids, or rewrite the device with clock_ids, reset_ids and " +
              "power_ids (indexes in zone0's hvisor node)",
          );
        }
        const l = legacyGrants(r, d, at, req.board.board);
        grants = l.grants;
        if (l.skipped) {
          req.log.warn(
            `${req.input}: ${at}: "*" allows ${l.skipped} ${
              l.skipped === 1 ? "id" : "ids"
            } the board does not have; left out`,
          );
        }
      } else grants = currentGrants(r, d, at);
      let name = `zone${zone}`;
      for (let n = 2; names.has(name); n++) name = `zone${zone}-${n}`;
      names.add(name);
      const agent: ZoneAgent = {
        name,
        zone,
        base: r.num(d.addr, `${at}.addr`, "an address"),
        size: r.num(d.len, `${at}.len`, "a size"),
        irq: r.num(d.irq, `${at}.irq`, "an interrupt id (INTID)"),
        memory,
        grants,
      };
      transportCheck(r, agent, {
        zone: `${zat}.id`,
        base: `${at}.addr`,
        size: `${at}.len`,
        irq: `${at}.irq`,
        memory: `${zat}.memory_region`,
      });
      agents.push(agent);
      checkGrants(r, at, grants, req.board?.board, legacy.length !== 0);
    });
  });
  if (agents.length === 0) r.fail("zones", "No zone has an enabled scmi device: nothing to serve");
  return agents;
}

/**
 * The checks the virtio-mmio transport makes of the options written for `a`, each failure
 * reported at the JSON path the option came from.
 */
function transportCheck(r: Reader, a: ZoneAgent, from: Record<string, string>) {
  try {
    checkVirtioMmioOptions({
      zone: a.zone,
      base: a.base,
      size: a.size,
      irq: a.irq,
      vendor: HVISOR_VENDOR,
      memory: a.memory,
    });
  } catch (e) {
    if (!isOptionError(e)) throw e;
    r.fail(
      from[e.option] ?? "",
      `Expected ${e.expected} (the virtio-mmio transport's ${e.option})`,
    );
  }
}

/** Each physical id once per agent, and (with a board) on the board. */
function checkGrants(
  r: Reader,
  at: string,
  grants: Record<Kind, Grant[]>,
  board: Board | undefined,
  legacy: boolean,
) {
  for (const kind of KINDS) {
    const seen = new Map<number, number>();
    for (const g of grants[kind]) {
      const where = legacy ? `${at} (${kind} guest id ${g.v})` : `${at}.${kind}_ids[${g.v}]`;
      const first = seen.get(g.phys);
      if (first !== undefined) {
        r.fail(
          where,
          `${kind} ${g.phys} is already guest ${kind} ${first}: give each one guest id`,
        );
      }
      seen.set(g.phys, g.v);
      if (board && !board.resources[kind]?.some((d) => d.id === g.phys)) {
        r.fail(where, `board "${board.name}" has no ${kind} with physical id ${g.phys}`);
      }
    }
  }
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

/** The deployment text. */
function deploymentToml(req: ImportRequest, agents: ZoneAgent[], boardRef: string): string {
  const name = (kind: Kind, phys: number) =>
    req.board?.board.resources[kind]?.find((d) => d.id === phys)?.name ??
      placeholderName(kind, phys);
  const out = [
    `# vscmi deployment written by \`vscmi import hvisor ${basename(req.input)}\`: one agent per`,
    "# SCMI device of an hvisor zone, on hvisor's virtio bridge (/dev/hvisor in zone0). A guest's",
    "# ids are the positions in the configuration's id lists; `vscmi dt` prints its fragment.",
    `board = ${tomlString(boardRef)}`,
  ];
  for (const a of agents) {
    const kinds = KINDS.filter((k) => a.grants[k].length !== 0);
    out.push("", "[[agent]]", `name = ${tomlString(a.name)}`);
    out.push(`protocols = [${kinds.map((k) => tomlString(k)).join(", ")}]`);
    const tables: string[] = [];
    for (const k of kinds) {
      const gs = [...a.grants[k]].sort((x, y) => x.v - y.v);
      if (gs.every((g, i) => g.v === i)) {
        out.push(`${MEMBER[k]} = [${gs.map((g) => tomlString(name(k, g.phys))).join(", ")}]`);
      } else {
        for (const g of gs) {
          tables.push(
            "",
            `[[agent.${k}]]`,
            `name = ${tomlString(name(k, g.phys))}`,
            `virtual = ${g.v}`,
          );
        }
      }
    }
    out.push(
      "",
      "[agent.transport]",
      'type = "virtio-mmio"',
      `zone = ${a.zone}`,
      `base = ${hex(a.base)}`,
      `size = ${hex(a.size)}`,
      `irq = ${a.irq}`,
      `vendor = ${hex(HVISOR_VENDOR)}`,
      "memory = [",
      ...a.memory.map((m) =>
        `  { zone0_ipa = ${hex(m.zone0_ipa)}, zonex_ipa = ${hex(m.zonex_ipa)}, size = ${
          hex(m.size)
        } },`
      ),
      "]",
      ...tables,
    );
  }
  return out.join("\n") + "\n";
}

/** The board for the hvisor driver, holding the indexes the agents use. */
function boardToml(req: ImportRequest, agents: ZoneAgent[]): string {
  const ids = (k: Kind) =>
    [...new Set(agents.flatMap((a) => a.grants[k].map((g) => g.phys)))].sort((x, y) => x - y)
      .map((id) => ({ id, name: placeholderName(k, id) }));
  return hvisorBoardToml({
    name: "hvisor-zone0",
    header: [
      `vscmi board manifest written by \`vscmi import hvisor ${basename(req.input)}\`: the`,
      "clocks, reset lines and power domains its zones use, by index in the clocks, resets",
      'and power-domains lists of zone0\'s device-tree node with compatible "hvisor". The',
      "names are placeholders: `vscmi discover --hvisor /dev/hvisor` writes a board with the",
      "kernel's names and rates (then `vscmi import hvisor --board` it).",
    ],
    clocks: ids("clock"),
    resets: ids("reset"),
    powers: ids("power"),
  });
}

/** The `hvisor` importer. */
export const hvisorImporter: Importer = {
  name: "hvisor",
  summary: "hvisor-tool's virtio configuration (zones[] with scmi devices)",
  input: "CONFIG.json",
  flags: {
    "scmi-only": "Drop the zones' other virtio devices (with a warning) instead of refusing",
  },
  convert(req) {
    const agents = convert(req);
    const dir = dirname(req.out);
    if (req.board) {
      const rel = relative(dir, req.board.path) || basename(req.board.path);
      return [{ path: req.out, text: deploymentToml(req, agents, rel) }];
    }
    return [
      { path: req.out, text: deploymentToml(req, agents, "board.toml") },
      { path: join(dir, "board.toml"), text: boardToml(req, agents) },
    ];
  },
};
