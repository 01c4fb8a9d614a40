/**
 * Loading a deployment: the deployment manifest, the board manifest it names, the plugin
 * modules it lists; everything checked and every name resolved, or one ManifestError that
 * lists every problem found.
 *
 * A deployment manifest:
 * ```toml
 * board = "../../boards/sim.toml"       # relative to this file
 *
 * [platform]
 * vendor = "vscmi"                       # ≤ 15 ASCII characters
 * sub_vendor = "sim"
 * implementation_version = 0x00010000
 * plugins = ["./my_protocol.ts"]         # extra protocol modules
 * state_dir = "./state"                 # vote journal (default <run-dir>/state; false: none)
 * durability = "process"                 # or "host", "off" (default: from the transports)
 *
 * [[agent]]
 * name = "vm1"                           # also names its socket: <run-dir>/vm1.sock
 * transport = { type = "stream" }
 * protocols = ["clock", "reset"]         # or { clock = "2.0", reset = true }
 * devices = ["uart0"]                    # board devices, all their resources
 * clocks = ["timer_clk"]                 # direct grants: resets, power_domains, …
 * rate_limit = { per_s = 1000 }          # commands a second (`core/policy/rate_limit.ts`)
 * grace = { close_s = 0, restart_s = 60 } # how long its votes outlive it (`core/policy/grace.ts`)
 *
 * [[agent.clock]]                        # one resource with its own virtual id, name,
 * name = "apb_clk"                       # access and bounds (`agent_grants.ts`)
 * access = "read"
 *
 * [policy.clock]                         # arbitration and kept resources (`policy.ts`)
 * apb_clk = "max"
 * ```
 * @module
 */
import { posix } from "node:path";
import { parse } from "smol-toml";
import { apiMismatch } from "../../core/api.ts";
import type { TransportDecl } from "../../core/agent.ts";
import type { AgentKey, AgentKeyCtx } from "../../core/agent_keys.ts";
import { DEFAULT_MAX_MSG_SIZE } from "../../core/agent.ts";
import type { Board } from "../../core/board.ts";
import { type KindDef, kindsOf } from "../../core/kind.ts";
import type { VendorInfo } from "../../core/platform_env.ts";
import type { AnyProtocol } from "../../core/protocol.ts";
import { CONTROL_SOCKET } from "../control/protocol.ts";
import { optionKeyPath, optionProblems } from "../../core/options.ts";
import { manifestPaths } from "./option_paths.ts";
import type { CheckedTransport, ListenAddress, TransportDef } from "../../core/transport.ts";
import { type AgentRange, checkHeldRanges } from "./held_ranges.ts";
import type { DriverDef } from "../../core/driver.ts";
import { readGrants } from "./agent_grants.ts";
import { readPolicy } from "./policy.ts";
import { type BoardRead, readBoard } from "./board.ts";
import { BoardNames } from "../../core/manifest/_board_ctx.ts";
import {
  type AgentInput,
  agentsDocument,
  agentTable,
  deploymentDocument,
  KNOWN_TRANSPORTS,
  platformTable,
} from "./deployment_schema.ts";
import {
  describe,
  type KeyPath,
  ManifestError,
  type Problem,
  quoteList,
} from "../../core/manifest/problem.ts";
import { importPlugins } from "./plugins.ts";
import { type KnownProtocol, parseVersion, pinAllowed, ProtocolCatalog } from "./protocols.ts";
import { check } from "../../core/manifest/_schema.ts";
import { isReadFailure, readSource, type Source } from "../../core/manifest/toml.ts";
import { absolutePath, besideManifest, readManifestFile, runtimePath } from "./files.ts";
import type { AgentDecl, Deployment } from "../../core/manifest/types.ts";

export type { LoadOptions } from "../../core/manifest/types.ts";
import type { LoadOptions } from "../../core/manifest/types.ts";

/** The kinds in play: `opts.kinds`, else those of the protocols, plus those of `extra`. */
function kindsIn(
  opts: Pick<LoadOptions, "protocols" | "kinds">,
  extra: readonly AnyProtocol[] = [],
): KindDef[] {
  const base = opts.kinds ?? kindsOf(opts.protocols);
  return kindsOf([{ kinds: base }, ...extra]);
}

/**
 * The `[[agent]]` keys in play: the loader's (default: its protocols'), then those of the
 * `extra` protocols that no table of `kinds` or earlier protocol already has; `clash` hears of
 * each other one.
 */
function agentKeysIn(
  opts: Pick<LoadOptions, "protocols" | "agentKeys">,
  extra: readonly AnyProtocol[],
  kinds: readonly KindDef[],
  clash: (def: AnyProtocol, name: string) => void = () => {},
): AgentKey[] {
  const out = [...(opts.agentKeys ?? opts.protocols.flatMap((p) => p.agentKeys ?? []))];
  const taken = new Set([...Object.keys(agentTable(kinds).shape), ...out.map((k) => k.name)]);
  for (const def of extra) {
    for (const k of def.agentKeys ?? []) {
      if (taken.has(k.name)) clash(def, k.name);
      else {
        taken.add(k.name);
        out.push(k);
      }
    }
  }
  return out;
}

/**
 * Reads and parses the manifest `file` a loader was given. A file that cannot be read, or
 * is not valid TOML, throws ManifestError at once (`expected` says what the file should be).
 */
async function readManifest(file: string, problems: Problem[], expected: string): Promise<Source> {
  const read = await readSource(file, problems, readManifestFile);
  if (isReadFailure(read)) {
    throw new ManifestError([{
      file,
      line: 1,
      column: 1,
      keyPath: "",
      message: `Expected ${expected}, got ${read.detail}`,
    }]);
  }
  if (!read) throw new ManifestError(problems);
  return read;
}

/**
 * Reads the deployment manifest at `path` and the board manifest it names, checks both,
 * imports the plugin modules it lists and resolves every reference.
 * Throws ManifestError listing every problem found.
 *
 * @example
 * ```ts ignore
 * import { defaultDeploymentPath, loadDeployment } from "./mod.ts";
 * const dep = await loadDeployment(defaultDeploymentPath(), BUILTINS);
 * console.log(dep.agents.map((a) => a.name)); // ["vm1", "vm2", "host"]
 * ```
 */
export async function loadDeployment(path: string, opts: LoadOptions): Promise<Deployment> {
  const file = absolutePath(path);
  const problems: Problem[] = [];
  const src = await readManifest(file, problems, "a readable deployment manifest");
  check(src, [], deploymentDocument, src.doc);

  const platform = src.doc.platform === undefined
    ? {}
    : check(src, ["platform"], platformTable, src.doc.platform) ?? {};
  const vendor: VendorInfo = {
    vendor: platform.vendor ?? "vscmi",
    subVendor: platform.sub_vendor ?? "",
    implementationVersion: platform.implementation_version ?? 0,
  };

  const protocols = [...opts.protocols];
  const builtIn = protocols.length;
  const catalog = new ProtocolCatalog(protocols);
  const loaded = await importPlugins(src, file, platform.plugins ?? [], catalog, opts);
  const plugins = loaded.map((l) => l.url);
  const pluginAt = new Map<AnyProtocol, KeyPath>(loaded.map((l) => [l.def, l.at]));
  protocols.push(...loaded.map((l) => l.def));
  const pluginDrivers: DriverDef[] = loaded.flatMap((l) => l.drivers);
  const pluginTransports: TransportDef[] = loaded.flatMap((l) => l.transports);

  // The plugins' kinds are in play before the board is read: a vendor's `[[fan]]` is a table.
  let kinds: KindDef[] = [];
  try {
    kinds = kindsIn(opts, protocols.slice(builtIn));
  } catch (e) {
    src.report(
      ["platform", "plugins"],
      `Expected plugins whose kinds have distinct names, got ${(e as Error).message}`,
    );
  }
  let boardFile = "";
  let boardRead: BoardRead | undefined;
  if (typeof src.doc.board === "string") {
    boardFile = besideManifest(file, src.doc.board);
    const b = await readSource(boardFile, problems, readManifestFile);
    if (isReadFailure(b)) {
      src.report(
        ["board"],
        `Expected a path to a board manifest, got ${
          describe(src.doc.board)
        } (${b.detail}: ${boardFile})`,
      );
    } else if (b) {
      boardRead = readBoard(b, [...opts.drivers, ...pluginDrivers], kinds);
    }
  }

  if (boardRead) readPolicy(src, src.doc.policy, boardRead);
  const keys = agentKeysIn(opts, protocols.slice(builtIn), kinds, (def, name) =>
    src.report(
      pluginAt.get(def) ?? ["platform", "plugins"],
      `Expected a protocol whose [[agent]] keys are its own, got one adding "${name}", ` +
        `which an [[agent]] table already has`,
    ));
  const agents = readAgents(src, boardRead, catalog, keys, [
    ...opts.transports,
    ...pluginTransports,
  ], kinds);
  if (problems.length) throw new ManifestError(problems);
  const dep: Deployment = {
    file,
    boardFile,
    board: boardRead!.board,
    vendor,
    agents,
    plugins,
    protocols,
    pluginDrivers,
    pluginTransports,
    builtins: opts,
  };
  if (platform.state_dir !== undefined) {
    dep.stateDir = platform.state_dir === false ? null : runtimePath(file, platform.state_dir);
  }
  if (platform.durability === "off") dep.stateDir = null;
  else if (platform.durability !== undefined) dep.durability = platform.durability;
  return dep;
}

/**
 * Reads and checks a board manifest alone (for `vscmi check` of a board, and tests).
 * Throws ManifestError listing every problem found.
 */
export async function loadBoard(path: string, opts: LoadOptions): Promise<Board> {
  const file = absolutePath(path);
  const problems: Problem[] = [];
  const read = await readManifest(file, problems, "a readable board manifest");
  const { board } = readBoard(read, opts.drivers, kindsIn(opts));
  if (problems.length) throw new ManifestError(problems);
  return board;
}

/**
 * Whether the manifest at `path` is a board manifest (a `[board]` table) rather than a
 * deployment (whose `board` names a file). Unreadable or malformed files count as
 * deployments, so the deployment loader reports what is wrong with them.
 */
export async function isBoardManifest(path: string): Promise<boolean> {
  try {
    const doc = parse(await Deno.readTextFile(absolutePath(path)));
    return typeof doc.board === "object" && doc.board !== null && !Array.isArray(doc.board);
  } catch {
    return false;
  }
}

/**
 * A board manifest alone as a deployment with no agent (`vscmi check BOARD.toml`): its drivers
 * are built and its resources checked, nothing is served. Throws ManifestError as
 * {@linkcode loadBoard}.
 */
export async function loadBoardAlone(path: string, opts: LoadOptions): Promise<Deployment> {
  const file = absolutePath(path);
  return {
    file,
    boardFile: file,
    board: await loadBoard(path, opts),
    vendor: { vendor: "vscmi", subVendor: "", implementationVersion: 0 },
    agents: [],
    plugins: [],
    protocols: [...opts.protocols],
    builtins: opts,
  };
}

/** What {@linkcode loadAgents} checks new agents against. */
export interface AgentLoadOptions extends Omit<LoadOptions, "drivers"> {
  /** Names of the agents already on the platform: a new agent may not take one. */
  taken?: readonly string[];
}

/**
 * Reads the agents to add to a running platform on `board` (`vscmi ctl add-agent`): a file
 * of one or more `[[agent]]` tables, each exactly as a deployment manifest declares an agent,
 * and nothing else. Names are resolved against `board`, protocols against `opts.protocols`
 * (the platform's, plugins included). Throws ManifestError listing every problem found, each
 * with its file, key path and line.
 *
 * @example
 * ```ts ignore
 * const decls = await loadAgents("vm3.toml", platform.board, {
 *   taken: platform.agents.map((a) => a.name),
 * });
 * ```
 */
export async function loadAgents(
  path: string,
  board: Board,
  opts: AgentLoadOptions,
): Promise<AgentDecl[]> {
  const file = absolutePath(path);
  const problems: Problem[] = [];
  const src = await readManifest(file, problems, "a readable file of [[agent]] tables");
  check(src, [], agentsDocument, src.doc);
  const kinds = kindsIn(opts);
  const names = new BoardNames(kinds);
  for (
    const [kind, list] of [...Object.entries(board.resources), ["device", board.devices]] as const
  ) {
    for (const r of list) {
      names.of(kind).set(r.name, r.id);
      names.seen(kind).add(r.name);
    }
  }
  const catalog = new ProtocolCatalog(opts.protocols);
  const agents = readAgents(
    src,
    { board, names, kinds },
    catalog,
    agentKeysIn(opts, [], kinds),
    opts.transports,
  );
  const taken = new Set(opts.taken ?? []);
  const implemented = opts.protocols;
  const entries = Array.isArray(src.doc.agent) ? src.doc.agent : [];
  entries.forEach((entry, i) => {
    const name = (entry as { name?: unknown } | null)?.name;
    if (typeof name !== "string") return;
    if (taken.has(name)) {
      src.report(
        ["agent", i, "name"],
        `Expected a name no agent on the platform has, got ${describe(name)}`,
      );
    }
    // The platform runs: every protocol must be served now, not merely known.
    for (const p of agents.find((a) => a.name === name)?.protocols ?? []) {
      if (implemented.some((d) => d.id === p.id)) continue;
      src.report(
        ["agent", i, "protocols"],
        `Expected a protocol this server implements (${
          quoteList(implemented.map((d) => d.name))
        }), got "${p.name}" (0x${p.id.toString(16)})`,
      );
    }
  });
  if (problems.length) throw new ManifestError(problems);
  return agents;
}

/** Lines of the `[[agent]]` headers, found without building a syntax tree. */
function agentLines(text: string): number[] {
  const lines: number[] = [];
  text.split(/\r?\n/).forEach((l, n) => {
    if (/^\s*\[\[\s*agent\s*\]\]/.test(l)) lines.push(n + 1);
  });
  return lines;
}

function readAgents(
  src: Source,
  boardRead: BoardRead | undefined,
  catalog: ProtocolCatalog,
  keys: readonly AgentKey[],
  transports: readonly TransportDef[],
  kinds: readonly KindDef[] = boardRead?.kinds ?? [],
): AgentDecl[] {
  const entries = Array.isArray(src.doc.agent) ? src.doc.agent : [];
  const lines = agentLines(src.text);
  const out: AgentDecl[] = [];
  const names = new Map<string, number>();
  const listens: { agent: number; name: string; listen: ListenAddress }[] = [];
  const held: AgentRange[] = [];
  const schema = agentTable(kinds, keys);
  entries.forEach((entry, i) => {
    const p = ["agent", i];
    const t = check(src, p, schema, entry) as AgentInput | undefined;
    if (!t) return;
    const other = names.get(t.name);
    if (other !== undefined) {
      src.report(
        [...p, "name"],
        `Expected a name no other agent has (agent[${other}] has it), got ${describe(t.name)}`,
      );
    } else names.set(t.name, i);
    const trusted = t.trusted ?? false;
    const transport = readTransport(src, [...p, "transport"], t.transport, t.name, transports);
    const { listens: on = [], holds = [] } = transport.checked;
    for (const listen of on) listens.push({ agent: i, name: t.name, listen });
    for (const range of holds) held.push({ agent: i, name: t.name, range });
    const decl: AgentDecl = {
      name: t.name,
      trusted,
      maxMsgSize: t.max_msg_size ?? DEFAULT_MAX_MSG_SIZE,
      transport: transport.decl,
      protocols: readProtocols(src, [...p, "protocols"], t.protocols, catalog),
      grants: {},
      devices: [],
      line: lines[i] ?? src.locator.find(p, "key").line,
    };
    const settings = readSettings(src, p, t, trusted, keys);
    if (settings) decl.settings = settings;
    if (t.grace) {
      decl.grace = {
        ...(t.grace.close_s === undefined ? {} : { closeS: t.grace.close_s }),
        ...(t.grace.restart_s === undefined ? {} : { restartS: t.grace.restart_s }),
      };
    }
    if (t.rate_limit) {
      decl.rateLimit = {
        perS: t.rate_limit.per_s,
        burst: t.rate_limit.burst ?? t.rate_limit.per_s,
      };
    }
    if (boardRead) readGrants(src, p, t, boardRead, decl);
    out.push(decl);
  });
  checkListens(src, listens);
  checkHeldRanges(src, held);
  return out;
}

function readTransport(
  src: Source,
  p: KeyPath,
  t: AgentInput["transport"],
  agent: string,
  transports: readonly TransportDef[],
): { decl: TransportDecl; checked: CheckedTransport } {
  const { type, ...options } = t;
  const decl = { type, options };
  const def = transports.find((d) => d.name === type);
  const mismatch = def && apiMismatch("transport type", def.api);
  if (mismatch) {
    src.report([...p, "type"], `Expected ${mismatch.expected}, got "${type}", ${mismatch.got}`);
    return { decl, checked: {} };
  }
  if (!def) {
    if (!(KNOWN_TRANSPORTS as readonly string[]).includes(type)) {
      const types = [...new Set([...transports.map((d) => d.name), ...KNOWN_TRANSPORTS])];
      src.report(
        [...p, "type"],
        `Expected a transport type (${quoteList(types)}), got ${describe(type)}`,
      );
    }
    return { decl, checked: {} };
  }
  const check = def.checkOptions;
  const { problems, result } = optionProblems(
    `the "${type}" transport`,
    def,
    options,
    check && (() => check(options, agent)),
  );
  const paths = manifestPaths(def, src.file, options);
  for (const o of [...problems, ...paths.problems]) {
    src.report(o.option === undefined ? p : [...p, ...optionKeyPath(o.option)], o.message, o.at);
  }
  return { decl: { type, options: paths.options }, checked: result ?? {} };
}

/**
 * No two endpoints listen on the same socket or port, nor on the control socket. Relative
 * socket paths are compared as paths under the run directory.
 */
function checkListens(
  src: Source,
  listens: readonly { agent: number; name: string; listen: ListenAddress }[],
): void {
  const taken = new Map<string, string>([
    [`unix:${CONTROL_SOCKET}`, "the control socket of vscmi ctl"],
  ]);
  for (const { agent, name, listen } of listens) {
    const address = listen.address.startsWith("unix:")
      ? `unix:${posix.normalize(listen.address.slice(5))}`
      : listen.address;
    const holder = taken.get(address);
    // The default socket is named after the agent.
    const at = listen.option
      ? ["agent", agent, "transport", listen.option]
      : ["agent", agent, "name"];
    if (holder !== undefined) {
      src.report(
        at,
        `Expected an address no other endpoint listens on, got ${
          JSON.stringify(address)
        }, ${holder}`,
      );
    } else taken.set(address, `where agent[${agent}] ("${name}") listens`);
  }
}

function readProtocols(
  src: Source,
  p: KeyPath,
  raw: unknown,
  catalog: ProtocolCatalog,
): AgentDecl["protocols"] {
  const out: AgentDecl["protocols"] = [{ id: 0x10, name: "base" }];
  if (raw === undefined) return out;
  const items: { at: KeyPath; key: unknown; value: unknown; keyed: boolean }[] = [];
  if (Array.isArray(raw)) {
    raw.forEach((key, j) => items.push({ at: [...p, j], key, value: true, keyed: false }));
  } else if (raw !== null && typeof raw === "object" && !(raw instanceof Date)) {
    for (const [key, value] of Object.entries(raw)) {
      items.push({ at: [...p, key], key, value, keyed: true });
    }
  } else {
    src.report(
      p,
      `Expected an array of protocol names or a table of name = true | "major.minor", got ${
        describe(raw)
      }`,
    );
    return out;
  }
  const seen = new Set<number>();
  for (const { at, key, value, keyed } of items) {
    let proto: KnownProtocol | undefined;
    if (typeof key === "string" || typeof key === "number") proto = catalog.resolve(key);
    if (!proto) {
      src.report(
        at,
        `Expected a protocol name (${
          quoteList(catalog.names())
        }) or a number from 0x80 to 0xff, got ${describe(key)}`,
        keyed ? "key" : "value",
      );
      continue;
    }
    let pin: number | undefined;
    if (typeof value === "string") {
      pin = parseVersion(value);
      if (pin === undefined) {
        src.report(at, `Expected true, false or a version "major.minor", got ${describe(value)}`);
        continue;
      }
      const allowed = pinAllowed(proto, pin);
      if (!allowed.ok) {
        src.report(at, `Expected ${allowed.allowed}, got ${describe(value)}`);
        continue;
      }
    } else if (typeof value !== "boolean") {
      src.report(at, `Expected true, false or a version "major.minor", got ${describe(value)}`);
      continue;
    } else if (!value) continue;
    if (seen.has(proto.id)) {
      src.report(
        at,
        `Expected each protocol listed once, got ${describe(key)} again`,
        keyed ? "key" : "value",
      );
      continue;
    }
    seen.add(proto.id);
    if (proto.id === 0x10) {
      if (pin !== undefined) out[0].pin = pin;
      continue;
    }
    out.push(
      pin === undefined
        ? { id: proto.id, name: proto.name }
        : { id: proto.id, name: proto.name, pin },
    );
  }
  return out;
}

/**
 * The settings the protocols' agent keys give agent `p` (table `t`), each read by its key;
 * undefined when its table has none.
 */
function readSettings(
  src: Source,
  p: KeyPath,
  t: AgentInput,
  trusted: boolean,
  keys: readonly AgentKey[],
): Record<string, unknown> | undefined {
  const c: AgentKeyCtx = {
    trusted,
    path: (x) => runtimePath(src.file, x),
    report: (path, message, at) => src.report(path, message, at),
  };
  let out: Record<string, unknown> | undefined;
  for (const k of keys) {
    if (t[k.name] === undefined) continue;
    const v = k.read(c, [...p, k.name], t[k.name]);
    if (v !== undefined) (out ??= {})[k.name] = v;
  }
  return out;
}
