/**
 * The server runner: builds the platform from a loaded deployment, starts the control socket
 * (`vscmi ctl`) and every agent's transport endpoint, and adds or removes agents with their
 * transports while serving. It prints nothing; the command line reports what it returns.
 * @module
 */
import type { HwAccess } from "../core/hw_root.ts";
import { dirname, join, resolve } from "node:path";
import type { Agent } from "../core/agent.ts";
import { buildPlatform, makeAgent } from "./build.ts";
import type { AddedAgent, ControlHost } from "./control/commands.ts";
import { type ControlServer, startControl } from "./control/server.ts";
import type { Logger } from "../core/log.ts";
import { type Deployment, loadAgents } from "./manifest/mod.ts";
import { EMBEDDED } from "./manifest/files.ts";
import type { Platform } from "../core/platform.ts";
import { defaultRunDir, ensureRunDir } from "../core/rundir.ts";
import { withRunDir } from "./manifest/option_paths.ts";
import { transportEnv } from "../core/session_port.ts";
import { createTracer, type TraceFormat } from "../core/trace.ts";
import type { TransportDef, TransportHandle } from "../core/transport.ts";

export interface ServeOptions {
  /** Directory for sockets (default {@linkcode defaultRunDir}). */
  runDir?: string;
  log?: Logger;
  /** Trace every message, as text or JSON lines. */
  trace?: TraceFormat;
  /** Where trace lines go (default: standard output). */
  traceWrite?: (line: string) => void;
  /** Transport types to choose from (default: those the deployment was loaded against). */
  transports?: readonly TransportDef[];
  /**
   * Serve the control socket `<runDir>/control.sock` for `vscmi ctl` (default true). It also
   * keeps a second server from starting in the same run directory.
   */
  control?: boolean;
  /**
   * Directory of the vote journal (`server/journal/journal.ts`); null: no journal. Default: the
   * deployment's `[platform] state_dir`, else `<runDir>/state`.
   */
  stateDir?: string | null;
  /** Where drivers and bindings open hardware paths (`--hw-root`), and `--dry-run`. */
  hw?: HwAccess;
}

/** Where one agent reaches the server. */
export interface ServerEndpoint {
  agent: string;
  /** Transport type, e.g. `stream`. */
  type: string;
  /** e.g. `unix:/run/user/1000/vscmi/vm1.sock` or `tcp:127.0.0.1:9000`. */
  address: string;
}

export interface Server {
  readonly platform: Platform;
  /** One per agent that declares a transport, in agent order (agents added later at the end). */
  readonly endpoints: readonly ServerEndpoint[];
  readonly runDir: string;
  /** Directory of the vote journal, or null when votes are not journaled. */
  readonly stateDir: string | null;
  /** Path of the control socket, or null when not serving one. */
  readonly control: string | null;
  /**
   * Adds the agents of a file of `[[agent]]` tables (see `loadAgents`) to the running
   * platform and starts their transports: all of them, or none. Throws ManifestError for a
   * file with problems, Error when a transport cannot start.
   */
  addAgents(file: string): Promise<AddedAgent[]>;
  /**
   * Stops `agent`'s transport, ends it (sessions closed, votes released at once) and removes
   * it from the platform; its id is never reused. Other agents are not disturbed. Resolves
   * to false when no such agent is on the platform.
   */
  removeAgent(agent: Agent | string): Promise<boolean>;
  /**
   * Stops the control socket, every endpoint (sessions close; every agent's votes stay in
   * force and journaled, for the next start to restore), the journal, then the drivers.
   * Idempotent.
   */
  close(): Promise<void>;
}

/**
 * Builds the platform of `dep` and starts each agent's transport. A deployment that cannot
 * be served throws ManifestError before anything listens (the checks `vscmi check` runs:
 * the loader's and {@linkcode buildPlatform}'s). On any other failure, whatever was started
 * is stopped again and the error is rethrown.
 */
export async function startServer(dep: Deployment, opts: ServeOptions = {}): Promise<Server> {
  const runDir = opts.runDir ?? defaultRunDir();
  const transports = opts.transports ?? dep.builtins.transports;
  const stateDir = opts.stateDir !== undefined
    ? opts.stateDir
    : dep.stateDir !== undefined
    ? dep.stateDir
    : join(runDir, "state");
  if (stateDir !== null) await ensureRunDir(runDir);
  const built = await buildPlatform(dep, {
    log: opts.log,
    stateDir,
    transports,
    hw: opts.hw,
    runDir,
  });
  const platform = built.platform;
  const log = opts.log ?? platform.log;
  if (opts.trace) {
    platform.tracer = createTracer(platform, { format: opts.trace, write: opts.traceWrite });
  }

  /** Running transports by agent, in start order. */
  const handles = new Map<Agent, { handle: TransportHandle; endpoint: ServerEndpoint }>();
  const endpoints: ServerEndpoint[] = [];
  let control: ControlServer | null = null;
  let closed: Promise<void> | null = null;
  const close = (): Promise<void> =>
    closed ??= (async () => {
      // Stopping is no end for the agents: closing their sessions keeps their votes.
      platform.shutdown();
      try {
        await control?.close();
      } catch (e) {
        log.error(`Stopping the control socket failed: ${e instanceof Error ? e.message : e}`);
      }
      for (const { handle } of [...handles.values()].reverse()) {
        try {
          await handle.close();
        } catch (e) {
          log.error(`Stopping an endpoint failed: ${e instanceof Error ? e.message : e}`);
        }
      }
      handles.clear();
      await built.close();
    })();

  /** Starts `agent`'s transport, when it declares one. */
  async function startEndpoint(agent: Agent, manifest: string): Promise<void> {
    const decl = agent.transport;
    if (decl === undefined) return;
    const def = transports.find((t) => t.name === decl.type);
    if (def === undefined) {
      throw new TypeError(
        `Agent "${agent.name}": unknown transport "${decl.type}" (known: ${
          transports.map((t) => t.name).join(", ")
        })`,
      );
    }
    const handle = await def.start(
      transportEnv(platform, agent, {
        options: withRunDir(def, decl.options, runDir),
        runDir,
        log,
        hw: opts.hw,
        stateDir,
        // A built-in manifest has no folder: its relative paths are the working directory's.
        manifestDir: manifest.startsWith(EMBEDDED) ? undefined : dirname(resolve(manifest)),
      }),
    );
    const endpoint = { agent: agent.name, type: def.name, address: handle.address };
    handles.set(agent, { handle, endpoint });
    endpoints.push(endpoint);
  }

  /** Stops `agent`'s transport, if one runs; its sessions close with it. */
  async function stopEndpoint(agent: Agent): Promise<void> {
    const running = handles.get(agent);
    if (running === undefined) return;
    handles.delete(agent);
    endpoints.splice(endpoints.indexOf(running.endpoint), 1);
    await running.handle.close();
  }

  async function addAgents(file: string): Promise<AddedAgent[]> {
    if (closed) throw new Error("The server is stopping");
    const decls = await loadAgents(file, platform.board, {
      protocols: platform.protocolIds.map((id) => platform.protocols[id]!.def),
      transports,
      taken: platform.agents.map((a) => a.name),
    });
    const added: Agent[] = [];
    try {
      for (const decl of decls) {
        const agent = makeAgent(dep, decl, platform.nextAgentId() - 1);
        platform.addAgent(agent);
        added.push(agent);
        await startEndpoint(agent, file);
        log.info(`vscmi: added agent "${agent.name}" (id ${agent.id})`);
      }
    } catch (e) {
      for (const a of added.reverse()) {
        await stopEndpoint(a).catch(() => {});
        platform.removeAgent(a);
      }
      throw e;
    }
    return added.map((a) => {
      const ep = handles.get(a)?.endpoint;
      return {
        id: a.id,
        name: a.name,
        transport: ep ? { type: ep.type, address: ep.address } : null,
      };
    });
  }

  async function removeAgent(which: Agent | string): Promise<boolean> {
    const agent = typeof which === "string" ? platform.agent(which) : which;
    if (agent === undefined || !platform.agents.includes(agent)) return false;
    try {
      await stopEndpoint(agent);
    } finally {
      // An explicit end: votes go now, whatever the agent's grace; wait for the hardware.
      await platform.endAgent(agent);
      platform.removeAgent(agent);
    }
    log.info(`vscmi: removed agent "${agent.name}" (id ${agent.id})`);
    return true;
  }

  // A deployment that loaded has one protocol per plugin module, in manifest order.
  const modules = new Map(
    dep.protocols.slice(dep.builtins.protocols.length).map((def, i) => [def, dep.plugins[i]]),
  );
  const host: ControlHost = {
    platform,
    moduleOf: (def) => modules.get(def),
    endpoint(agent) {
      const ep = handles.get(agent)?.endpoint;
      return ep ? { type: ep.type, address: ep.address } : undefined;
    },
    addAgents,
    async removeAgent(agent) {
      await removeAgent(agent);
    },
  };

  try {
    await ensureRunDir(runDir);
    if (opts.control ?? true) control = await startControl(host, { runDir, log });
    for (const agent of platform.agents) await startEndpoint(agent, dep.file);
  } catch (e) {
    await close();
    throw e;
  }
  return {
    platform,
    endpoints,
    runDir,
    stateDir,
    get control() {
      return control?.path ?? null;
    },
    addAgents,
    removeAgent,
    close,
  };
}
