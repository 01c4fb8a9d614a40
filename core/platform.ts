/**
 * The platform: registered protocols, agents and their sessions, and the dispatcher that
 * takes one message from a transport to a plugin handler and back.
 *
 * Order of checks before any handler runs (each answers its status with a 4-byte payload):
 * the agent's request rate limit (BUSY), reserved header bits 31:28 clear (PROTOCOL_ERROR, the
 * header echoed as received), message type (PROTOCOL_ERROR), protocol visible to
 * the agent (NOT_SUPPORTED), command exists at the session's version (NOT_SUPPORTED),
 * parameter size (PROTOCOL_ERROR), resource visible (NOT_FOUND), rights (DENIED), the value
 * set within the agent's bounds on the resource (OUT_OF_RANGE outside min–max, DENIED when
 * not an allowed value). Refusals for rate limit, reserved header bits, rights and bounds, and
 * every DENIED a handler answers, go to the audit log (`core/policy/audit.ts`).
 * @module
 */
import type { Agent } from "./agent.ts";
import type { Board, ResourceKind } from "./board.ts";
import { type Grants, kindIndex, SLOT_BOUNDED, SLOT_SHIFT } from "./grants.ts";
import { negotiateProtocolVersion, protocolMessageAttributes, protocolVersion } from "./common.ts";
import { HEADER_RESERVED, headerMessageId, headerProtocol, headerReserved } from "./header.ts";
import { type HwTable, narrowHwTable } from "./hw_table.ts";
import { faultStatus } from "./fault.ts";
import { Logger } from "./log.ts";
import type { Msg } from "./msg.ts";
import type { MalformedListener, PlatformEnv, VendorInfo } from "./platform_env.ts";
import {
  type AnyProtocol,
  type CommandDef,
  CommonMsg,
  Right,
  type ValueParam,
} from "./protocol.ts";
import {
  Ctx,
  ctxReceiver,
  ctxRuntime,
  type ProtocolRuntime,
  type Receiver,
  Session,
  type SessionOptions,
} from "./session.ts";
import { isCapacityError } from "./writer.ts";
import { Status } from "./status.ts";
import { Scheduler } from "./scheduler.ts";
import { makeSetupEnv } from "./setup_env.ts";
import { Audit, AuditWhy } from "./policy/audit.ts";
import { checkBounds } from "./policy/bounds.ts";
import { type GraceClock, type GraceReason, GraceTimers } from "./policy/grace.ts";
import { boardResource, restoredVoteProblem } from "./policy/restore_check.ts";
import { VoteBook, type VoteJournal } from "./policy/vote_book.ts";

const NO_ENTRIES: (Entry | undefined)[] = [];

/** Header bits that are clear in a well-formed command: the reserved bits and the type. */
const NOT_A_COMMAND = HEADER_RESERVED | (0x3 << 8);

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
  /**
   * The open vote journal: every vote change is recorded and made durable before the agent
   * sees SUCCESS, and the votes it holds are restored. None: votes live in memory only.
   */
  journal?: VoteJournal | null;
  /** Timers of the grace periods (tests pass fake ones). */
  graceClock?: GraceClock;
  /** Turns between agents (default: a {@linkcode Scheduler} with its default quota). */
  scheduler?: Scheduler;
}

/** How a session ends, for its agent's votes. */
export type SessionEnd =
  /** The channel closed: the votes stay for the agent's `grace.closeS`, then go. */
  | "close"
  /** An explicit end (device reset, VM gone): the votes go at once. */
  | "end"
  /** The server stops: the votes stay, journaled, for the next start to restore. */
  | "keep";

/**
 * A command as the dispatcher runs it: the declaration's checks resolved once at
 * registration, with every field present, so all commands share one object shape and the
 * per-message loads stay monomorphic whatever mix of commands arrives.
 */
class Entry {
  readonly min: number;
  readonly max: number;
  /** Lowest version that has it (0: every version). */
  readonly since: number;
  readonly available: ((ctx: Ctx) => boolean) | null;
  readonly resource: ResourceKind | null;
  /** The resource kind's index in `Grants.byKind`, -1 for none. */
  readonly kind: number;
  readonly at: number;
  readonly needs: number;
  readonly value: ValueParam | readonly ValueParam[] | null;
  readonly run: CommandDef["run"];

  constructor(readonly def: CommandDef) {
    const p = def.params;
    this.min = typeof p === "number" ? p : p.min;
    this.max = typeof p === "number" ? p : p.max ?? Infinity;
    this.since = def.since ?? 0;
    this.available = def.available ?? null;
    this.resource = def.resource ?? null;
    this.kind = this.resource === null ? -1 : kindIndex(this.resource);
    if (this.resource !== null && this.kind < 0) {
      throw new TypeError(`${def.name} names an unknown resource kind "${this.resource}"`);
    }
    this.at = def.at ?? 0;
    this.needs = def.needs ?? Right.READ;
    this.value = def.value ?? null;
    this.run = def.run;
  }
}

/**
 * The dispatcher and the state it serves: the board, the agents and their sessions, every
 * registered protocol and the votes. Built by the server from a deployment (`server/build.ts`); a
 * transport opens a session per agent channel and hands it each message through {@linkcode
 * Platform.dispatch}.
 */
export class Platform {
  /** The board it serves. */
  readonly board: Board;
  /** Where the platform, its plugins and transports log. */
  readonly log: Logger;
  /** What plugins' `setup` received: the platform as plugins see it. */
  readonly env: PlatformEnv;
  /** Protocol id → runtime. */
  readonly protocols: (ProtocolRuntime | undefined)[] = new Array(256).fill(undefined);
  /** Protocol id → message id → the command as the dispatcher runs it. */
  readonly #entries: (Entry | undefined)[][] = new Array(256).fill(NO_ENTRIES);
  readonly #agents: Agent[];
  readonly #sessions = new Set<Session>();
  readonly #ids: number[];
  /** The deployment's grants per agent, cloned when the platform is built. */
  readonly #defaults = new Map<Agent, Grants>();
  readonly #malformed: MalformedListener[] = [];
  /** Highest agent id ever given: hot-plugged agents get the next one, ids are never reused. */
  #lastId = 0;
  /** Set to trace every message. */
  tracer: Tracer | null = null;
  /**
   * Time source of rate limits and the audit, ms; tests replace it. `Date.now()` costs a
   * third of `performance.now()` on the per-message path; a clock stepped back only delays
   * refills, one stepped forward refills at most a burst.
   */
  now: () => number = () => Date.now();
  /**
   * Refused requests, logged with a per-agent rate limit (`core/policy/audit.ts`).
   * @internal
   */
  readonly audit: Audit;
  /** Every agent's votes (`core/policy/vote_book.ts`), journaled when there is a journal. */
  readonly votes: VoteBook;
  /**
   * Settles once the hardware has been brought in line with the votes restored from the
   * journal at start-up (failures are logged). Transports start after it.
   */
  readonly ready: Promise<void>;
  /**
   * Fair turns between agents' messages (`core/scheduler.ts`), used by the transports.
   * @internal
   */
  readonly scheduler: Scheduler;
  /** Pending releases of agents' votes (grace periods). */
  readonly #grace: GraceTimers;
  /** The server is stopping: closing sessions keeps the votes. */
  #stopping = false;

  /**
   * Builds the platform from what `server/build.ts` assembled: sessions open afterwards.
   * @internal
   */
  constructor(init: PlatformInit) {
    this.board = init.board;
    this.log = init.log ?? new Logger();
    this.audit = new Audit(this.log, init.board, { now: () => this.now() });
    this.scheduler = init.scheduler ?? new Scheduler();
    this.#agents = [...init.agents].sort((a, b) => a.id - b.id);
    this.#agents.forEach((a, i) => {
      if (a.id !== i + 1) {
        throw new TypeError(`Agent ids must be 1..n without gaps: "${a.name}" has ${a.id}`);
      }
    });
    const sessions = this.#sessions;
    const agents = this.#agents;
    this.votes = new VoteBook({
      journal: init.journal,
      log: this.log,
      agentName: (id) => this.agentById(id)?.name,
      agentId: (name) => this.agent(name)?.id,
      check: (id, kind, phys, value) => {
        const a = this.agentById(id);
        return a && restoredVoteProblem(init.board, init.protocols, a.grants, kind, phys, value);
      },
      resourceName: (kind, phys) => boardResource(init.board, kind, phys)?.name,
    });
    this.#grace = new GraceTimers((id, why) => this.#expire(id, why), init.graceClock);
    for (const a of agents) this.#defaults.set(a, a.grants.clone());
    this.#lastId = agents.length;
    const ids = init.protocols.map((p) => p.id).sort((a, b) => a - b);
    this.#ids = ids;
    this.env = {
      board: init.board,
      hw: init.hw,
      vendor: init.vendor,
      log: this.log,
      agents: () => agents,
      agentById: (id) => this.agentById(id),
      sessions: () => sessions.values(),
      protocolIds: () => ids,
      protocol: (id) => this.protocols[id]?.def,
      defaultGrants: (agent) => this.defaultGrants(agent),
      resetAgent: (agent, between) => this.resetAgent(agent, between),
      onMalformed: (listener) => this.onMalformed(listener),
      votes: this.votes,
    };
    for (const def of init.protocols) this.#register(def);
    for (const a of agents) this.#checkProtocols(a);
    this.ready = this.#restore();
  }

  /**
   * Starts the restart grace of every agent with restored votes (0 s releases them now), then
   * applies the restored votes to the hardware.
   */
  #restore(): Promise<void> {
    for (const id of this.votes.restoredAgents()) {
      const a = this.agentById(id)!;
      this.log.info(
        `Restored the votes of agent "${a.name}"; they stay for ${a.grace.restartS} s unless it reconnects`,
      );
      this.#grace.start(id, a.grace.restartS, "restart");
    }
    return Promise.resolve(this.votes.reconcile());
  }

  /** An agent's grace period ended without it coming back: its votes go. */
  #expire(id: number, why: GraceReason): void {
    const a = this.agentById(id);
    if (why === "restart" || (a !== undefined && a.grace.closeS > 0)) {
      this.log.info(
        `Agent "${
          a?.name ?? id
        }" did not come back within its ${why} grace period; releasing its votes`,
      );
    }
    this.votes.releaseAgent(id);
  }

  #checkProtocols(a: Agent): void {
    for (const p of a.grants.protocols.keys()) {
      if (!this.protocols[p]) {
        throw new TypeError(`Agent "${a.name}": protocol 0x${p.toString(16)} is not registered`);
      }
    }
    // Every kind a command names has a view in the agent's grants, so the dispatcher's
    // `byKind[e.kind]` is always a map (grants made before a kind was defined get one now).
    for (const rt of this.protocols) for (const k of rt?.def.kinds ?? []) a.grants.map(k.name);
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
    this.#entries[def.id] = table.map((c) => c === undefined ? undefined : new Entry(c));
    const contexts = new Map<Ctx, Receiver>();
    this.protocols[def.id] = {
      def,
      table,
      shared: def.setup
        ? def.setup(makeSetupEnv(this.env, { [Symbol.iterator]: () => contexts.values() }))
        : undefined,
      env: this.env,
      contexts,
      hw: narrowHwTable(this.env.hw, (def.kinds ?? []).map((k) => k.name)),
    };
  }

  /** Agents in id order. After a hot-plug removal the ids have gaps. */
  get agents(): readonly Agent[] {
    return this.#agents;
  }
  /** The agent named `name`, while it is on the platform. */
  agent(name: string): Agent | undefined {
    return this.#agents.find((a) => a.name === name);
  }
  /** The agent with SCMI agent id `id`, while it is on the platform. */
  agentById(id: number): Agent | undefined {
    const list = this.#agents;
    // Without removals agent i has id i + 1; after one, search.
    const a = id >= 1 ? list[id - 1] : undefined;
    return a?.id === id ? a : list.find((x) => x.id === id);
  }

  /** The id the next hot-plugged agent gets: one more than the highest id ever given. */
  nextAgentId(): number {
    return this.#lastId + 1;
  }

  /**
   * Adds `agent` to the running platform (hot-plug, `vscmi ctl add-agent`). Its id must be
   * above every id ever given (see {@linkcode nextAgentId}: ids of removed agents are never
   * reused), its name free, every protocol it is granted registered. Its grants as they are
   * now become its deployment defaults (what RESET_AGENT_CONFIGURATION reverts to). Other
   * agents and their sessions are not touched. Throws RangeError or TypeError otherwise.
   * The caller starts its transport afterwards.
   */
  addAgent(agent: Agent): void {
    if (agent.id <= this.#lastId) {
      throw new RangeError(
        `Agent "${agent.name}": id ${agent.id} was already given; the next free id is ${
          this.#lastId + 1
        }`,
      );
    }
    if (this.agent(agent.name) !== undefined) {
      throw new RangeError(`Agent "${agent.name}" is already on the platform`);
    }
    this.#checkProtocols(agent);
    for (const [id, grant] of agent.grants.protocols) {
      const versions = this.protocols[id]!.def.versions;
      if (grant.pin !== undefined && !versions.includes(grant.pin)) {
        throw new RangeError(
          `Agent "${agent.name}": ${this.protocols[id]!.def.name} does not speak version 0x${
            grant.pin.toString(16)
          }`,
        );
      }
    }
    this.#defaults.set(agent, agent.grants.clone());
    this.#agents.push(agent);
    this.#lastId = agent.id;
  }

  /**
   * Removes `agent` from the running platform (`vscmi ctl remove-agent`): an explicit end
   * ({@linkcode endAgent}: every session it has open is closed and its votes are released at
   * once, whatever its grace) — then it leaves {@linkcode agents}. Base DISCOVER_AGENT and
   * the permission commands answer NOT_FOUND for its id from now on, and the id is never
   * given again. Stop its transport first so it cannot open a new session, and await
   * `endAgent` first to know when the hardware has followed. Returns false when it was not
   * on the platform.
   */
  removeAgent(agent: Agent): boolean {
    const i = this.#agents.indexOf(agent);
    if (i < 0) return false;
    const out = this.endAgent(agent);
    if (out instanceof Promise) out.catch(() => {}); // the book logs failures
    this.#agents.splice(i, 1);
    this.#defaults.delete(agent);
    this.audit.forget(agent);
    return true;
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
    if (!this.#agents.includes(agent)) {
      throw new RangeError(`Agent "${agent.name}" is not one of this platform's agents`);
    }
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
      const open = ctxRuntime(ctx).def.open;
      if (open) ctx.state = open(ctx);
      ctxRuntime(ctx).contexts.set(ctx, ctxReceiver(ctx));
    }
    this.#sessions.add(s);
    // The agent is back: its votes (kept for a grace period) are its own again.
    this.#grace.cancel(agent.id);
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
   * context of its open sessions is closed, so plugins drop their per-session state, the
   * agent's votes are released at once (an explicit end), and the contexts are opened again
   * with fresh state. The sessions stay open, keep their negotiated versions and their queued
   * platform→agent messages. `between` runs after the release and before the first open,
   * e.g. to revert the agent's grants.
   */
  resetAgent(agent: Agent, between?: () => void): void {
    const ctxs: Ctx[] = [];
    for (const s of this.#sessions) {
      if (s.agent !== agent || !s.open) continue;
      for (const ctx of s.ctxs) if (ctx) ctxs.push(ctx);
    }
    for (const ctx of ctxs) {
      ctxRuntime(ctx).contexts.delete(ctx);
      try {
        ctxRuntime(ctx).def.close?.(ctx);
      } catch (e) {
        this.log.error(`${ctxRuntime(ctx).def.name}: close for agent "${agent.name}" failed: ${e}`);
      }
    }
    this.#grace.cancel(agent.id);
    this.votes.releaseAgent(agent.id);
    between?.();
    for (const ctx of ctxs) {
      const open = ctxRuntime(ctx).def.open;
      ctx.state = open ? open(ctx) : undefined;
      ctxRuntime(ctx).contexts.set(ctx, ctxReceiver(ctx));
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

  /**
   * Ends a session: each plugin's `close` drops its per-session state (subscriptions,
   * pending requests). The agent's votes outlive it as `how` says: by default they stay for
   * the agent's close grace period unless another of its sessions is open or a new one opens
   * first (0 s, the default, releases them at once); `"end"` releases them now; `"keep"`
   * leaves them alone. While the server stops, votes are always kept. Idempotent.
   */
  closeSession(s: Session, how: SessionEnd = "close"): void {
    if (!s.open) return;
    s.open = false;
    for (const ctx of s.ctxs) {
      if (!ctx) continue;
      ctxRuntime(ctx).contexts.delete(ctx);
      try {
        ctxRuntime(ctx).def.close?.(ctx);
      } catch (e) {
        this.log.error(
          `${ctxRuntime(ctx).def.name}: close for agent "${s.agent.name}" failed: ${e}`,
        );
      }
    }
    s.p2a?.clear();
    this.#sessions.delete(s);
    if (how === "keep" || this.#stopping) return;
    const agent = s.agent;
    if (how === "end") {
      this.#grace.cancel(agent.id);
      this.votes.releaseAgent(agent.id);
      return;
    }
    for (const other of this.#sessions) if (other.agent === agent) return;
    this.#grace.start(agent.id, agent.grace.closeS, "close");
  }

  /**
   * Ends `agent` explicitly (device reset, VM destroyed, `vscmi ctl remove-agent`): every
   * session it has open is closed and its votes are released at once, whatever its grace.
   * Resolves once the hardware has followed (failures are logged).
   */
  endAgent(agent: Agent): void | Promise<void> {
    for (const s of [...this.#sessions]) if (s.agent === agent) this.closeSession(s, "keep");
    this.#grace.cancel(agent.id);
    return this.votes.releaseAgent(agent.id);
  }

  /**
   * The server is stopping: from now on closing sessions keeps every vote (journaled, for
   * the next start to restore) and no grace period runs out. Idempotent.
   */
  shutdown(): void {
    this.#stopping = true;
    this.#grace.clear();
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
    const h = r.header();
    if (h < 0) {
      this.log.once(
        "warn",
        `short:${s.agent.name}`,
        `Agent "${s.agent.name}": dropped a ${r.length}-byte message (shorter than a header)`,
      );
      return 0;
    }
    m.header = h;
    m.res = -1;
    m.vid = -1;
    w.begin(h);
    w.limit(8 + s.maxMsgSize);
    const bucket = s.bucket;
    if (bucket !== null && !bucket.take(this.now())) {
      return this.#reply(s, m, undefined, Status.BUSY, AuditWhy.RATE_LIMIT);
    }
    // One test for both: reserved bits set, or a type other than COMMAND (0).
    if ((h & NOT_A_COMMAND) !== 0) {
      return headerReserved(h)
        ? this.#reply(s, m, undefined, Status.PROTOCOL_ERROR, AuditWhy.RESERVED_HEADER)
        : this.#reply(s, m, undefined, Status.PROTOCOL_ERROR);
    }
    const proto = headerProtocol(h);
    const ctx = s.ctxs[proto];
    if (ctx === undefined) return this.#reply(s, m, undefined, Status.NOT_SUPPORTED);
    const e = this.#entries[proto][headerMessageId(h)];
    if (e === undefined) return this.#reply(s, m, undefined, Status.NOT_SUPPORTED);
    const cmd = e.def;
    if (ctx.version < e.since || (e.available !== null && !e.available(ctx))) {
      return this.#reply(s, m, cmd, Status.NOT_SUPPORTED);
    }
    const n = r.length;
    if (n < e.min || n > e.max) return this.#reply(s, m, cmd, Status.PROTOCOL_ERROR);
    if (e.kind >= 0) {
      // One packed slot per virtual id: physical id, bounded flag and rights (`IdMap.slots`).
      const slots = s.slots[e.kind];
      const v = r.peekU32(e.at);
      const slot = v < slots.length ? slots[v] : -1;
      if (slot < 0) return this.#reply(s, m, cmd, Status.NOT_FOUND);
      const phys = slot >>> SLOT_SHIFT;
      const needs = e.needs;
      m.res = phys;
      m.vid = v;
      if ((slot & needs) !== needs) {
        return this.#reply(s, m, cmd, Status.DENIED, AuditWhy.RIGHTS);
      }
      if (e.value !== null && (slot & SLOT_BOUNDED) !== 0) {
        const b = s.agent.grants.byKind[e.kind].bounds[v]!;
        const st = checkBounds(ctx, e.value, r, phys, b);
        if (st !== Status.SUCCESS) return this.#reply(s, m, cmd, st, AuditWhy.BOUNDS);
      }
    }
    const votes = this.votes;
    const seq = votes.seq;
    let out;
    try {
      out = e.run.call(cmd, ctx, m);
    } catch (e) {
      out = this.#fault(s, ctx, cmd, e);
    }
    if (out instanceof Promise) return this.#settle(s, ctx, m, cmd, out, seq);
    if (votes.seq !== seq) {
      // The command changed votes: the reply waits until the journal has them on disk.
      const flushed = votes.durable();
      if (flushed !== undefined) return this.#afterFlush(s, m, cmd, out ?? Status.SUCCESS, flushed);
    }
    // Plain SUCCESS, not traced: nothing for #reply to add.
    if (out === undefined && this.tracer === null) return w.length;
    return this.#reply(s, m, cmd, out ?? Status.SUCCESS);
  }

  /** Replies once the journal flush that holds the command's vote changes has completed. */
  async #afterFlush(
    s: Session,
    m: Msg,
    cmd: CommandDef,
    status: number,
    flushed: Promise<void>,
  ): Promise<number> {
    try {
      await flushed;
    } catch {
      status = this.#notDurable(s, cmd);
    }
    return this.#reply(s, m, cmd, status);
  }

  /** The journal could not record a change: the agent must not see SUCCESS. */
  #notDurable(s: Session, cmd: CommandDef): number {
    this.log.once(
      "error",
      `journal:${s.agent.name}`,
      `${cmd.name} for agent "${s.agent.name}": the vote journal could not record the change; answering GENERIC_ERROR`,
    );
    return Status.GENERIC_ERROR;
  }

  #reply(
    s: Session,
    m: Msg,
    cmd: CommandDef | undefined,
    status: number,
    why: AuditWhy = AuditWhy.HANDLER,
  ): number {
    if (status !== Status.SUCCESS) m.w.status(status);
    if (status === Status.DENIED || why !== AuditWhy.HANDLER) {
      this.audit.refused(s, m, cmd, status, why);
    }
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
    seq: number,
  ): Promise<number> {
    let status: number;
    try {
      status = (await p) ?? Status.SUCCESS;
    } catch (e) {
      status = this.#fault(s, ctx, cmd, e);
    }
    // Other agents' changes meanwhile do not hold this reply; this agent's own do.
    if (this.votes.seqOf(s.agent.id) > seq) {
      const flushed = this.votes.durable();
      if (flushed !== undefined) {
        try {
          await flushed;
        } catch {
          status = this.#notDurable(s, cmd);
        }
      }
    }
    return this.#reply(s, m, cmd, status);
  }

  #fault(s: Session, ctx: Ctx, cmd: CommandDef, e: unknown): number {
    if (isCapacityError(e)) {
      this.log.once(
        "error",
        `cap:${ctxRuntime(ctx).def.id}:${cmd.name}:${s.agent.name}`,
        `${
          ctxRuntime(ctx).def.name
        } ${cmd.name} for agent "${s.agent.name}": reply too large for the channel (${e.message})`,
      );
      return Status.COMMS_ERROR;
    }
    return faultStatus(
      this.log,
      `bug:${ctxRuntime(ctx).def.id}:${cmd.name}`,
      `${ctxRuntime(ctx).def.name} ${cmd.name} for agent "${s.agent.name}"`,
      e,
    );
  }

  /**
   * Stops the platform (see {@linkcode shutdown}) and closes every session, keeping every
   * agent's votes for the next start.
   */
  close(): void {
    this.shutdown();
    for (const s of [...this.#sessions]) this.closeSession(s, "keep");
  }
}
