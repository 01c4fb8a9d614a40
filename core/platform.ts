/**
 * The platform: registered protocols, agents and their sessions, and the dispatcher that
 * takes one message from a transport to a plugin handler and back.
 *
 * Order of checks before any handler runs (each answers its status with a 4-byte payload):
 * message type (PROTOCOL_ERROR), protocol visible to the agent (NOT_SUPPORTED), command
 * exists at the session's version (NOT_SUPPORTED), parameter size (PROTOCOL_ERROR), resource
 * visible (NOT_FOUND), rights (DENIED).
 * @module
 */
import type { Agent } from "./agent.ts";
import type { Board } from "./board.ts";
import type { Grants } from "./grants.ts";
import { negotiateProtocolVersion, protocolMessageAttributes, protocolVersion } from "./common.ts";
import { headerMessageId, headerProtocol, headerType, MsgType } from "./header.ts";
import type { HwTable } from "./hw_table.ts";
import { Logger } from "./log.ts";
import type { Msg } from "./msg.ts";
import type { MalformedListener, PlatformEnv, VendorInfo } from "./platform_env.ts";
import { type AnyProtocol, type CommandDef, CommonMsg, Right } from "./protocol.ts";
import { Ctx, type ProtocolRuntime, Session, type SessionOptions } from "./session.ts";
import { CapacityError } from "./writer.ts";
import { ScmiError, Status } from "./status.ts";

/** Called after every reply when tracing: the message, its command (if found), status. */
export type Tracer = (
  session: Session,
  m: Msg,
  cmd: CommandDef | undefined,
  status: number,
) => void;

export interface PlatformInit {
  board: Board;
  hw: HwTable;
  vendor: VendorInfo;
  agents: Agent[];
  protocols: AnyProtocol[];
  log?: Logger;
}

export class Platform {
  readonly board: Board;
  readonly log: Logger;
  readonly env: PlatformEnv;
  /** Protocol id → runtime. */
  readonly protocols: (ProtocolRuntime | undefined)[] = new Array(256).fill(undefined);
  readonly #agents: Agent[];
  readonly #sessions = new Set<Session>();
  readonly #ids: number[];
  /** The deployment's grants per agent, cloned when the platform is built. */
  readonly #defaults = new Map<Agent, Grants>();
  readonly #malformed: MalformedListener[] = [];
  /** Set to trace every message. */
  tracer: Tracer | null = null;

  constructor(init: PlatformInit) {
    this.board = init.board;
    this.log = init.log ?? new Logger();
    this.#agents = [...init.agents].sort((a, b) => a.id - b.id);
    this.#agents.forEach((a, i) => {
      if (a.id !== i + 1) {
        throw new TypeError(`Agent ids must be 1..n without gaps: "${a.name}" has ${a.id}`);
      }
    });
    const sessions = this.#sessions;
    const agents = this.#agents;
    for (const a of agents) this.#defaults.set(a, a.grants.clone());
    const ids = init.protocols.map((p) => p.id).sort((a, b) => a - b);
    this.#ids = ids;
    this.env = {
      board: init.board,
      hw: init.hw,
      vendor: init.vendor,
      log: this.log,
      agents: () => agents,
      sessions: () => sessions.values(),
      protocolIds: () => ids,
      protocol: (id) => this.protocols[id]?.def,
      defaultGrants: (agent) => this.defaultGrants(agent),
      resetAgent: (agent, between) => this.resetAgent(agent, between),
      onMalformed: (listener) => this.onMalformed(listener),
    };
    for (const def of init.protocols) this.#register(def);
    for (const a of agents) {
      for (const p of a.grants.protocols.keys()) {
        if (!this.protocols[p]) {
          throw new TypeError(`Agent "${a.name}": protocol 0x${p.toString(16)} is not registered`);
        }
      }
    }
  }

  #register(def: AnyProtocol): void {
    if (this.protocols[def.id]) {
      throw new TypeError(
        `Protocol 0x${def.id.toString(16)} registered twice ("${
          this.protocols[def.id]!.def.name
        }", "${def.name}")`,
      );
    }
    const table: (CommandDef | undefined)[] = new Array(256).fill(undefined);
    table[CommonMsg.PROTOCOL_VERSION] = protocolVersion;
    table[CommonMsg.PROTOCOL_MESSAGE_ATTRIBUTES] = protocolMessageAttributes;
    table[CommonMsg.NEGOTIATE_PROTOCOL_VERSION] = negotiateProtocolVersion;
    for (const [k, c] of Object.entries(def.commands)) table[Number(k)] = c as CommandDef;
    this.protocols[def.id] = {
      def,
      table,
      shared: def.setup ? def.setup(this.env) : undefined,
      env: this.env,
      contexts: new Set(),
    };
  }

  /** Agents in id order. */
  get agents(): readonly Agent[] {
    return this.#agents;
  }
  agent(name: string): Agent | undefined {
    return this.#agents.find((a) => a.name === name);
  }
  /** Open sessions. */
  get sessions(): ReadonlySet<Session> {
    return this.#sessions;
  }
  /** Registered protocol ids, ascending. */
  get protocolIds(): readonly number[] {
    return this.#ids;
  }

  /** Opens a session for `agent`: every protocol it may use gets its context and `open` hook. */
  openSession(agent: Agent, opts: SessionOptions): Session {
    const s = new Session(agent, opts);
    for (const [id, grant] of agent.grants.protocols) {
      const rt = this.protocols[id];
      if (!rt) continue;
      const versions = rt.def.versions;
      let ceiling = versions[versions.length - 1];
      if (grant.pin !== undefined) {
        if (!versions.includes(grant.pin)) {
          throw new RangeError(
            `Agent "${agent.name}": ${rt.def.name} does not speak version 0x${
              grant.pin.toString(16)
            }`,
          );
        }
        ceiling = grant.pin;
      }
      const ctx = new Ctx(rt, s, ceiling);
      s.ctxs[id] = ctx;
    }
    for (const ctx of s.ctxs) {
      if (!ctx) continue;
      if (ctx.rt.def.open) ctx.state = ctx.rt.def.open(ctx);
      ctx.rt.contexts.add(ctx);
    }
    this.#sessions.add(s);
    return s;
  }

  /** The grants the deployment gave `agent`, as they were when the platform was built. */
  defaultGrants(agent: Agent): Grants {
    const g = this.#defaults.get(agent);
    if (!g) throw new RangeError(`Agent "${agent.name}" is not one of this platform's agents`);
    return g;
  }

  /**
   * Drops everything `agent` configured (BASE_RESET_AGENT_CONFIGURATION): each protocol
   * context of its open sessions is closed, so plugins release its votes and per-session
   * state, then opened again with fresh state. The sessions stay open, keep their negotiated
   * versions and their queued platform→agent messages. `between` runs after every close and
   * before the first open, e.g. to revert the agent's grants.
   */
  resetAgent(agent: Agent, between?: () => void): void {
    const ctxs: Ctx[] = [];
    for (const s of this.#sessions) {
      if (s.agent !== agent || !s.open) continue;
      for (const ctx of s.ctxs) if (ctx) ctxs.push(ctx);
    }
    for (const ctx of ctxs) {
      ctx.rt.contexts.delete(ctx);
      try {
        ctx.rt.def.close?.(ctx);
      } catch (e) {
        this.log.error(`${ctx.rt.def.name}: close for agent "${agent.name}" failed: ${e}`);
      }
    }
    between?.();
    for (const ctx of ctxs) {
      ctx.state = ctx.rt.def.open ? ctx.rt.def.open(ctx) : undefined;
      ctx.rt.contexts.add(ctx);
    }
  }

  /**
   * Registers `listener` for every message the dispatcher answers PROTOCOL_ERROR (wrong
   * message type, wrong parameter size, parameters read past their end). Base uses it to
   * send BASE_ERROR_EVENT.
   */
  onMalformed(listener: MalformedListener): void {
    this.#malformed.push(listener);
  }

  /** Ends a session: each plugin's `close` releases what the agent held. Idempotent. */
  closeSession(s: Session): void {
    if (!s.open) return;
    s.open = false;
    for (const ctx of s.ctxs) {
      if (!ctx) continue;
      ctx.rt.contexts.delete(ctx);
      try {
        ctx.rt.def.close?.(ctx);
      } catch (e) {
        this.log.error(`${ctx.rt.def.name}: close for agent "${s.agent.name}" failed: ${e}`);
      }
    }
    s.p2a?.clear();
    this.#sessions.delete(s);
  }

  /**
   * Handles one message. Before calling, the transport points `m.r` at the whole request
   * (header included) and `m.w` at the reply buffer. Returns the reply length in bytes
   * (header + status + payload), or a promise of it when a driver blocks; 0 means the
   * message was dropped (shorter than a header) and nothing is to be sent. Throws
   * CapacityError when the reply buffer cannot hold even header + status.
   */
  dispatch(s: Session, m: Msg): number | Promise<number> {
    const r = m.r;
    const w = m.w;
    if (r.length < 4) {
      this.log.once(
        "warn",
        `short:${s.agent.name}`,
        `Agent "${s.agent.name}": dropped a ${r.length}-byte message (shorter than a header)`,
      );
      return 0;
    }
    const h = r.u32();
    r.narrow();
    m.header = h;
    m.res = -1;
    m.vid = -1;
    w.begin(h);
    w.limit(8 + s.agent.maxMsgSize);
    if (headerType(h) !== MsgType.COMMAND) {
      return this.#reply(s, m, undefined, Status.PROTOCOL_ERROR);
    }
    const ctx = s.ctxs[headerProtocol(h)];
    if (ctx === undefined) return this.#reply(s, m, undefined, Status.NOT_SUPPORTED);
    const cmd = ctx.rt.table[headerMessageId(h)];
    if (cmd === undefined) return this.#reply(s, m, undefined, Status.NOT_SUPPORTED);
    if (cmd.since !== undefined && ctx.version < cmd.since) {
      return this.#reply(s, m, cmd, Status.NOT_SUPPORTED);
    }
    if (cmd.available !== undefined && !cmd.available(ctx)) {
      return this.#reply(s, m, cmd, Status.NOT_SUPPORTED);
    }
    const p = cmd.params;
    const n = r.length;
    if (typeof p === "number" ? n !== p : n < p.min || (p.max !== undefined && n > p.max)) {
      return this.#reply(s, m, cmd, Status.PROTOCOL_ERROR);
    }
    if (cmd.resource !== undefined) {
      const map = s.agent.grants.maps[cmd.resource];
      const v = r.peekU32(cmd.at ?? 0);
      const phys = v < map.v2p.length ? map.v2p[v] : -1;
      if (phys < 0) return this.#reply(s, m, cmd, Status.NOT_FOUND);
      const needs = cmd.needs ?? Right.READ;
      if ((map.rights[v] & needs) !== needs) return this.#reply(s, m, cmd, Status.DENIED);
      m.res = phys;
      m.vid = v;
    }
    let out;
    try {
      out = cmd.run(ctx, m);
    } catch (e) {
      return this.#reply(s, m, cmd, this.#fault(s, ctx, cmd, e));
    }
    if (out instanceof Promise) return this.#settle(s, ctx, m, cmd, out);
    return this.#reply(s, m, cmd, out ?? Status.SUCCESS);
  }

  #reply(s: Session, m: Msg, cmd: CommandDef | undefined, status: number): number {
    if (status !== Status.SUCCESS) m.w.status(status);
    if (this.tracer !== null) this.tracer(s, m, cmd, status);
    if (status === Status.PROTOCOL_ERROR && this.#malformed.length !== 0) {
      this.#tellMalformed(s, m.header);
    }
    return m.w.length;
  }

  #tellMalformed(s: Session, header: number): void {
    for (const listener of this.#malformed) {
      try {
        listener(s, header);
      } catch (e) {
        this.log.once("error", "malformed-listener", `Malformed-message listener failed: ${e}`);
      }
    }
  }

  async #settle(
    s: Session,
    ctx: Ctx,
    m: Msg,
    cmd: CommandDef,
    p: Promise<void | Status>,
  ): Promise<number> {
    let status: number;
    try {
      status = (await p) ?? Status.SUCCESS;
    } catch (e) {
      status = this.#fault(s, ctx, cmd, e);
    }
    return this.#reply(s, m, cmd, status);
  }

  #fault(s: Session, ctx: Ctx, cmd: CommandDef, e: unknown): number {
    if (e instanceof CapacityError) {
      this.log.once(
        "error",
        `cap:${ctx.rt.def.id}:${cmd.name}:${s.agent.name}`,
        `${ctx.rt.def.name} ${cmd.name} for agent "${s.agent.name}": reply too large for the channel (${e.message})`,
      );
      return Status.COMMS_ERROR;
    }
    if (e instanceof ScmiError) return e.status;
    this.log.once(
      "error",
      `bug:${ctx.rt.def.id}:${cmd.name}`,
      `${ctx.rt.def.name} ${cmd.name} for agent "${s.agent.name}" failed: ${
        e instanceof Error ? e.stack ?? e.message : String(e)
      }`,
    );
    return Status.GENERIC_ERROR;
  }

  /** Closes every session and the drivers' resources. */
  close(): void {
    for (const s of [...this.#sessions]) this.closeSession(s);
  }
}
