/**
 * The platform builder: from a loaded deployment to a running `Platform` — board driver
 * instances, the hardware table, extra protocol modules, agents with their grants.
 * Problems that only show now (a driver type no longer registered, a driver rejecting its
 * options, a granted protocol no plugin implements) are reported as a ManifestError with the
 * file, key path and line they come from.
 * @module
 */
import type { Board } from "../core/board.ts";
import { type HwAccess, REAL_HW } from "../core/hw_root.ts";
import { Agent } from "../core/agent.ts";
import { apiMismatch } from "../core/api.ts";
import { type BoardDriver, type DriverDef, driverOptionProblems } from "../core/driver.ts";
import { ALL_RIGHTS, Grants } from "../core/grants.ts";
import { buildHwTable, hwClassOf } from "../core/hw_table.ts";
import { Logger } from "../core/log.ts";
import { Platform } from "../core/platform.ts";
import { Journal } from "./journal/journal.ts";
import { type AnyProtocol, versionString } from "../core/protocol.ts";
import type { Durability, TransportDef } from "../core/transport.ts";
import { FileLocator } from "../core/manifest/locate.ts";
import { readManifestFile } from "./manifest/files.ts";
import {
  type KeyPath,
  keyPathString,
  ManifestError,
  type Problem,
  quoteList,
} from "../core/manifest/problem.ts";
import { hex, importPlugin, isPluginFailure } from "./manifest/protocols.ts";
import type { AgentDecl, Deployment } from "../core/manifest/types.ts";
import { defaultRunDir } from "../core/rundir.ts";
import { withRunDir } from "./manifest/option_paths.ts";

export interface BuildOptions {
  log?: Logger;
  /**
   * Protocol plugins to serve, before the deployment's own modules (default: those the
   * deployment was loaded against).
   */
  protocols?: AnyProtocol[];
  /** Driver types to create instances from (default: those the deployment was loaded against). */
  drivers?: readonly DriverDef[];
  /** Transport types the agents' transports must be of (default: the registry). */
  transports?: readonly TransportDef[];
  /**
   * Directory of the vote journal: every vote change is made durable there and the votes
   * found are restored (see `server/journal/journal.ts`). Absent or null: no journal.
   */
  stateDir?: string | null;
  /** Where drivers open hardware paths, and whether their writes are only logged. */
  hw?: HwAccess;
  /**
   * The server's run directory, put in for `{run_dir}` in drivers' path options (default
   * the default run directory).
   */
  runDir?: string;
}

/** A built platform, the driver instances behind it, and how to take both down. */
export interface Built {
  platform: Platform;
  /** Driver instances by their board name. */
  drivers: Map<string, BoardDriver>;
  /** The vote journal, when built with a state directory. */
  journal?: Journal;
  /**
   * Closes every session (keeping the votes for the next start), the journal once flushed,
   * then every driver. Idempotent.
   */
  close(): Promise<void>;
}

/** Collects problems with positions looked up in the manifests only when one is found. */
class Problems {
  readonly list: Problem[] = [];
  readonly #where = new FileLocator(readManifestFile);

  async add(file: string, path: KeyPath, message: string, at: "key" | "value" = "value") {
    const { line, column } = await this.#where.find(file, path, at);
    this.list.push({ file, line, column, keyPath: keyPathString(path), message });
  }

  throwIfAny(): void {
    if (this.list.length) throw new ManifestError(this.list);
  }
}

/**
 * Builds the platform `dep` describes: creates every driver instance the board declares,
 * imports the deployment's protocol modules, and builds the agents (ids 1…n in manifest
 * order) with their grants. Throws ManifestError naming the manifest, key and line of each
 * problem; drivers created before a failure are closed again.
 *
 * @example
 * ```ts ignore
 * import { loadDeployment, defaultDeploymentPath } from "./manifest/mod.ts";
 * import { buildPlatform } from "./build.ts";
 * const built = await buildPlatform(await loadDeployment(defaultDeploymentPath()));
 * console.log(built.platform.agents.map((a) => a.name));
 * await built.close();
 * ```
 */
export async function buildPlatform(dep: Deployment, opts: BuildOptions = {}): Promise<Built> {
  const problems = new Problems();
  const protocols = await gatherProtocols(
    dep,
    opts.protocols ?? [...dep.builtins.protocols],
    problems,
  );
  await checkAgentProtocols(dep, protocols, problems);
  problems.throwIfAny();

  await checkTransports(
    dep,
    withPlugins(opts.transports ?? dep.builtins.transports, dep.pluginTransports),
    problems,
  );
  const drivers = await createDrivers(
    dep,
    withPlugins(opts.drivers ?? dep.builtins.drivers, dep.pluginDrivers),
    problems,
    opts.log,
    opts.hw,
    opts.runDir,
  );
  let journal: Journal | undefined;
  try {
    await checkDriverClasses(dep, drivers, problems);
    problems.throwIfAny();
    const agents = dep.agents.map((a, i) => makeAgent(dep, a, i));
    if (opts.stateDir) {
      const types = withPlugins(opts.transports ?? dep.builtins.transports, dep.pluginTransports);
      journal = await Journal.open(opts.stateDir, {
        log: opts.log,
        durability: deploymentDurability(dep, types),
      });
    }
    const platform = new Platform({
      board: dep.board,
      hw: buildHwTable(dep.board, drivers),
      vendor: dep.vendor,
      agents,
      protocols,
      log: opts.log,
      journal,
    });
    await platform.ready;
    let closing: Promise<void> | undefined;
    return {
      platform,
      drivers,
      journal,
      close: () =>
        closing ??= (async () => {
          platform.close();
          await journal?.close();
          await closeDrivers(platform.log, drivers);
        })(),
    };
  } catch (e) {
    await journal?.close();
    await closeDrivers(opts.log, drivers);
    throw e;
  }
}

/** The types `base` has, then those of the deployment's plugins `base` has not by name. */
function withPlugins<T extends { name: string }>(
  base: readonly T[],
  plugins: readonly T[] = [],
): readonly T[] {
  return [...base, ...plugins.filter((p) => !base.some((b) => b.name === p.name))];
}

/** The registry's protocols plus the deployment's modules, each id once. */
async function gatherProtocols(
  dep: Deployment,
  registered: AnyProtocol[],
  problems: Problems,
): Promise<AnyProtocol[]> {
  const out = [...registered];
  for (const [i, url] of dep.plugins.entries()) {
    const at = ["platform", "plugins", i];
    const mod = await importPlugin(url);
    if (isPluginFailure(mod)) {
      await problems.add(dep.file, at, `Expected ${mod.expected}, got ${mod.got}`);
      continue;
    }
    const def = mod.protocol;
    const other = out.find((p) => p.id === def.id);
    if (other) {
      await problems.add(
        dep.file,
        at,
        `Expected a protocol no other plugin provides, got "${def.name}" (${
          hex(def.id)
        }), which "${other.name}" already implements`,
      );
      continue;
    }
    out.push(def);
  }
  return out;
}

/** Every granted protocol (Base included) must be implemented, at any pinned version. */
async function checkAgentProtocols(
  dep: Deployment,
  protocols: AnyProtocol[],
  problems: Problems,
): Promise<void> {
  const names = quoteList(protocols.map((p) => p.name));
  for (const [i, a] of dep.agents.entries()) {
    const granted = a.protocols.some((p) => p.id === 0x10)
      ? a.protocols
      : [{ id: 0x10, name: "base" }, ...a.protocols];
    for (const g of granted) {
      const def = protocols.find((p) => p.id === g.id);
      if (!def) {
        await agentProblem(
          problems,
          dep,
          a,
          i,
          ["protocols"],
          `Expected a protocol that a registered plugin implements (${names || "none are"}), ` +
            `got "${g.name}" (${hex(g.id)}) for agent "${a.name}"`,
        );
      } else if (g.pin !== undefined && !def.versions.includes(g.pin)) {
        await agentProblem(
          problems,
          dep,
          a,
          i,
          ["protocols", g.name],
          `Expected a version "${def.name}" speaks (${
            def.versions.map((v) => `"${versionString(v)}"`).join(", ")
          }), got "${versionString(g.pin)}" for agent "${a.name}"`,
        );
      }
    }
  }
}

/**
 * Every agent's transport is one this server has. (The loader accepts the transport types
 * of the design before their module is registered: `vscmi dt` describes such guests.)
 */
async function checkTransports(
  dep: Deployment,
  transports: readonly TransportDef[],
  problems: Problems,
): Promise<void> {
  for (const [i, a] of dep.agents.entries()) {
    const type = a.transport?.type;
    if (type === undefined || transports.some((t) => t.name === type)) continue;
    await agentProblem(
      problems,
      dep,
      a,
      i,
      ["transport", "type"],
      `Expected a transport type this server has (${
        quoteList(transports.map((t) => t.name))
      }), got "${type}"`,
    );
  }
}

/** A problem inside agent `i`'s table; falls back to the agent's line when not found. */
async function agentProblem(
  problems: Problems,
  dep: Deployment,
  a: AgentDecl,
  i: number,
  sub: KeyPath,
  message: string,
): Promise<void> {
  const before = problems.list.length;
  await problems.add(dep.file, ["agent", i, ...sub], message);
  const p = problems.list[before];
  if (p.line === 1 && p.column === 1 && a.line > 1) {
    p.line = a.line;
  }
}

/**
 * Creates every driver instance of the board. A type not in `types` or options it refuses
 * are problems (nothing is created then); a driver failing to start throws Error naming it,
 * once the ones created before are closed again.
 */
async function createDrivers(
  dep: Deployment,
  types: readonly DriverDef[],
  problems: Problems,
  log: Logger | undefined,
  hw: HwAccess | undefined,
  runDir: string | undefined,
): Promise<Map<string, BoardDriver>> {
  const drivers = new Map<string, BoardDriver>();
  const valid: { d: Deployment["board"]["drivers"][number]; def: DriverDef }[] = [];
  for (const [i, d] of dep.board.drivers.entries()) {
    const at = ["driver", i];
    const def = types.find((t) => t.name === d.type);
    if (!def) {
      await problems.add(
        dep.boardFile,
        [...at, "type"],
        `Expected a registered driver type (${
          quoteList(types.map((t) => t.name))
        }), got "${d.type}"`,
      );
      continue;
    }
    const mismatch = apiMismatch("driver type", def.api);
    if (mismatch) {
      await problems.add(
        dep.boardFile,
        [...at, "type"],
        `Expected ${mismatch.expected}, got "${d.type}", ${mismatch.got}`,
      );
      continue;
    }
    const bad = driverOptionProblems(def, d.options);
    for (const o of bad) {
      const path = [
        ...at,
        "options",
        ...(o.option === undefined ? [] : [o.option, ...(o.path ?? [])]),
      ];
      await problems.add(dep.boardFile, path, o.message, o.at);
    }
    if (bad.length) continue;
    valid.push({ d, def });
  }
  if (problems.list.length) return drivers;
  // Options are valid: what fails now is opening the hardware, a run-time failure.
  for (const { d, def } of valid) {
    try {
      drivers.set(
        d.name,
        await def.create({
          ...(hw ?? REAL_HW),
          name: d.name,
          options: withRunDir(def, d.options, runDir ?? defaultRunDir()),
          board: dep.board,
          log: log ?? new Logger(),
        }),
      );
    } catch (e) {
      await closeDrivers(log, drivers);
      const why = e instanceof Error ? e.message : String(e);
      throw new Error(`Board driver "${d.name}" ("${def.name}") failed to start: ${why}`, {
        cause: e,
      });
    }
  }
  return drivers;
}

/** Each resource's driver exists and drives that resource class. */
async function checkDriverClasses(
  dep: Deployment,
  drivers: Map<string, BoardDriver>,
  problems: Problems,
): Promise<void> {
  const declared = new Set(dep.board.drivers.map((d) => d.name));
  for (const [kind, list] of Object.entries(dep.board.resources)) {
    const cls = hwClassOf(kind);
    for (const [i, r] of list.entries()) {
      const drv = drivers.get(r.driver);
      if (!drv) {
        if (declared.has(r.driver)) continue; // its creation failed, already reported
        await problems.add(
          dep.boardFile,
          [kind, i, "driver"],
          `Expected the name of a declared driver (${quoteList([...declared])}), got "${r.driver}"`,
        );
      } else if (!drv[cls]) {
        await problems.add(
          dep.boardFile,
          [kind, i, "driver"],
          `Expected a driver that drives ${cls}, got "${r.driver}"`,
        );
      }
    }
  }
}

/**
 * The agent with its grants: devices' members first, then direct grants, each once. Its id
 * is `i + 1`. Also used to build agents added at run time (`vscmi ctl add-agent`).
 */
export function makeAgent(dep: Deployment, a: AgentDecl, i: number): Agent {
  const index = boardIndex(dep.board);
  const grants = new Grants();
  for (const p of a.protocols) {
    grants.protocols.set(p.id, p.pin === undefined ? {} : { pin: p.pin });
  }
  const devices = a.devices.map((id) => {
    const dev = index.devices.get(id);
    if (!dev) throw new TypeError(`Agent "${a.name}": device ${id} is not on the board`);
    grants.devices.add(id);
    return dev;
  });
  const kinds = new Set([...Object.keys(dep.board.resources), ...Object.keys(a.grants)]);
  for (const kind of kinds) {
    const map = grants.map(kind);
    const list = a.grants[kind] ?? [];
    const onBoard = index.ids.get(kind);
    for (const phys of list) {
      if (phys >= 0 && !onBoard?.has(phys)) {
        throw new TypeError(`Agent "${a.name}": ${kind} ${phys} is not on the board`);
      }
    }
    // A loaded deployment lists every resource at its virtual id (index), device members
    // included. A list built in code may leave the devices' members out: they come first.
    const members = devices.flatMap((d) => d.resources[kind] ?? []);
    const listed = members.length ? new Set(list) : undefined;
    const complete = members.every((phys) => listed!.has(phys));
    if (!complete) { for (const phys of members) map.grant(phys, ALL_RIGHTS); }
    const access = a.access?.[kind];
    list.forEach((phys, v) => {
      if (phys < 0) return;
      const x = access?.get(phys);
      map.grant(phys, x?.rights ?? ALL_RIGHTS, complete ? v : undefined, x?.name, x?.bounds);
    });
  }
  return new Agent({
    id: i + 1,
    name: a.name,
    trusted: a.trusted,
    maxMsgSize: a.maxMsgSize,
    transport: a.transport,
    grants,
    settings: a.settings,
    rateLimit: a.rateLimit,
    grace: a.grace,
  });
}

/**
 * The journal durability of `dep`: what `[platform] durability` names, else the strictest
 * its agents' transport types ask for (`host` over `process`), else `process`.
 */
export function deploymentDurability(
  dep: Deployment,
  transports: readonly TransportDef[],
): Durability {
  if (dep.durability !== undefined) return dep.durability;
  const asked = dep.agents.map((a) =>
    transports.find((t) => t.name === a.transport?.type)?.durability
  );
  return asked.includes("host") ? "host" : "process";
}

/** What building agents looks up on a board, indexed once per board: linear startup. */
interface BoardIndex {
  /** Device id → device. */
  readonly devices: ReadonlyMap<number, Board["devices"][number]>;
  /** Kind name → the physical ids on the board. */
  readonly ids: ReadonlyMap<string, ReadonlySet<number>>;
  /** How many devices and resources the board had when indexed. */
  readonly size: number;
}

/** Devices and resources on `board`: a board built in code may grow between agents. */
function boardSize(board: Board): number {
  let n = board.devices.length;
  for (const list of Object.values(board.resources)) n += list.length;
  return n;
}

const indexes = new WeakMap<Board, BoardIndex>();

/** The index of `board`, built on first use and again when the board has grown. */
function boardIndex(board: Board): BoardIndex {
  let index = indexes.get(board);
  const size = boardSize(board);
  if (index === undefined || index.size !== size) {
    index = {
      size,
      devices: new Map(board.devices.map((d) => [d.id, d])),
      ids: new Map(
        Object.entries(board.resources).map((
          [kind, list],
        ) => [kind, new Set(list.map((r) => r.id))]),
      ),
    };
    indexes.set(board, index);
  }
  return index;
}

async function closeDrivers(
  log: Logger | undefined,
  drivers: Map<string, BoardDriver>,
): Promise<void> {
  for (const [name, d] of drivers) {
    try {
      await d.close?.();
    } catch (e) {
      const line = `Driver "${name}": close failed: ${e instanceof Error ? e.message : e}`;
      if (log) log.error(line);
      else console.error(line);
    }
  }
}
