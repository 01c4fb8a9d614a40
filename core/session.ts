/**
 * Sessions and handler contexts. A session is one agent's open channel; for each protocol the
 * agent may use it holds a context: the negotiated version, the plugin's per-session state,
 * and the ways back to the agent (notifications, delayed responses).
 * @module
 */
import type { Agent } from "./agent.ts";
import type { ResourceKind } from "./board.ts";
import type { IdMap } from "./grants.ts";
import { faultStatus } from "./fault.ts";
import { encodeHeader, MsgType } from "./header.ts";
import type { HwTable } from "./hw_table.ts";
import type { Logger } from "./log.ts";
import { P2aQueue } from "./p2a.ts";
import type { TokenBucket } from "./policy/rate_limit.ts";
import type { PlatformEnv } from "./platform_env.ts";
import type { CommandDef, ProtocolDef } from "./protocol.ts";
import { Writer } from "./writer.ts";

/** A registered protocol: its definition, dense command table and protocol-wide state. */
export interface ProtocolRuntime<S = unknown, G = unknown> {
  /** The plugin's definition. */
  readonly def: ProtocolDef<S, G>;
  /** Message id → command, core commands included. */
  readonly table: readonly (CommandDef<S, G> | undefined)[];
  /** The protocol-wide state `setup` returned. */
  readonly shared: G;
  /** The platform as the core sees it (never handed to a handler). */
  readonly env: PlatformEnv;
  /** Contexts of every open session that uses this protocol, each with its fan-out view. */
  readonly contexts: Map<Ctx<S, G>, Receiver<S>>;
  /** The driver contracts of the protocol's own kinds: what its handlers see as `ctx.hw`. */
  readonly hw: HwTable;
}

/**
 * What a protocol may know of any agent: its identity, its trust and its message size. Not
 * its grants, sessions, votes or configured actions.
 */
export interface AgentIdentity {
  /** SCMI agent id, 1 or more (0 is the platform). */
  readonly id: number;
  /** Name from the deployment manifest. */
  readonly name: string;
  /** May change other agents' permissions and act on the whole system. */
  readonly trusted: boolean;
  /** Bytes a reply may carry after its status, and a request after its header. */
  readonly maxMsgSize: number;
}

/**
 * What a handler knows of its own agent: its identity and the settings protocols' agent keys
 * gave it in the deployment (`defineAgentKey`). It reaches its agent's view of resources
 * through {@linkcode Ctx.ids}, and no other agent's at all.
 */
export interface AgentView extends AgentIdentity {
  /** Its settings of protocols' `[[agent]]` keys, by key (`defineAgentKey(…).of(agent)`). */
  readonly settings: Readonly<Record<string, unknown>>;
}

/**
 * One open session of a protocol as a notification fan-out reaches it (the `receivers` a
 * protocol's `setup` is given): its agent's identity, its per-session state (what it
 * subscribed to), its version, its own virtual ids and its platform→agent channel. Nothing
 * else of that agent: not its grants, votes or other protocols.
 */
export interface Receiver<S = unknown> {
  /** The receiving session's agent. */
  readonly agent: AgentIdentity;
  /** The receiving session's state for this protocol (its subscriptions). */
  readonly state: S;
  /** Version the receiving session speaks. */
  readonly version: number;
  /** Whether the receiving session can receive notifications. */
  readonly canNotify: boolean;
  /** The receiving agent's virtual id of physical `phys` of `kind`, or -1 when it cannot see it. */
  virtualId(kind: ResourceKind, phys: number): number;
  /** Sends it notification `event` of this protocol; see {@linkcode Ctx.notify}. */
  notify(event: number, size: number, build: (w: Writer) => void): boolean;
}

/** The core's ways into a context (its runtime and session); never exported to plugins. */
let runtimeOf: <S, G>(ctx: Ctx<S, G>) => ProtocolRuntime<S, G>;
let sessionOf: (ctx: Ctx<unknown, unknown>) => Session;
let receiverOf: <S, G>(ctx: Ctx<S, G>) => Receiver<S>;

/**
 * One agent session's context for one protocol, passed to every handler and hook: the
 * negotiated version, the plugin's per-session and shared state, the agent's identity and its
 * own view of resources, its votes, the driver contracts, and the ways back to the agent
 * (notifications, delayed responses). It reaches neither the platform nor any other agent:
 * what a protocol needs across agents comes through the services its `setup` is given
 * (`SetupEnv`).
 */
export class Ctx<S = unknown, G = unknown> {
  /** Version this session speaks now (negotiated or pinned). */
  version: number;
  /** Highest version this agent may use. */
  readonly ceiling: number;
  /** The plugin's per-session state (from `open`). */
  state!: S;
  readonly #rt: ProtocolRuntime<S, G>;
  readonly #session: Session;
  #receiver: Receiver<S> | null = null;

  static {
    runtimeOf = (ctx) => ctx.#rt;
    sessionOf = (ctx) => ctx.#session;
    receiverOf = (ctx) => ctx.#receiver ??= makeReceiver(ctx, ctx.#session.agent);
  }

  /**
   * Made by the platform when a session opens, one per protocol the agent may use.
   * @internal
   */
  constructor(rt: ProtocolRuntime<S, G>, session: Session, ceiling: number) {
    this.#rt = rt;
    this.#session = session;
    this.ceiling = ceiling;
    this.version = ceiling;
  }

  /** The agent this session belongs to: its identity, not its grants or other sessions. */
  get agent(): AgentView {
    return this.#session.agent;
  }
  /** The protocol-wide state `setup` returned. */
  get shared(): G {
    return this.#rt.shared;
  }
  /**
   * The driver contract behind each physical resource of the protocol's own kinds (another
   * kind's read as none); read one kind typed through its definition
   * (`someKind.hwOf(ctx.hw)[phys]`). Whole-board classes are there too (`hwClass(…).whole`).
   */
  get hw(): HwTable {
    return this.#rt.hw;
  }
  /** Where the plugin logs; use `log.once` for anything a guest can trigger repeatedly. */
  get log(): Logger {
    return this.#rt.env.log;
  }
  /** This agent's view of a resource kind. */
  ids(kind: ResourceKind): IdMap {
    const g = this.#session.agent.grants;
    return g.maps[kind] ?? g.map(kind);
  }
  /** This agent's virtual id of physical `phys` of `kind`, or -1 when it cannot see it. */
  virtualId(kind: ResourceKind, phys: number): number {
    return this.ids(kind).toVirtual(phys);
  }
  /**
   * Whether this session has command `id` of this protocol: it exists, at the version the
   * session speaks, and is offered to it (what PROTOCOL_MESSAGE_ATTRIBUTES reports).
   */
  hasCommand(id: number): boolean {
    const cmd = id >= 0 && id <= 0xff ? this.#rt.table[id] : undefined;
    if (cmd === undefined || (cmd.since !== undefined && this.version < cmd.since)) return false;
    return cmd.available === undefined || cmd.available(this);
  }
  /** Ids of the protocols this session may use, ascending, Base included. */
  protocols(): number[] {
    const out: number[] = [];
    const ctxs = this.#session.ctxs;
    for (let p = 0; p < ctxs.length; p++) if (ctxs[p] !== undefined) out.push(p);
    return out;
  }
  /**
   * Withdraws this agent's vote on physical `phys` from vote store `store` (an `onRevoke`
   * releasing what the agent held); resolves once the journal recorded it.
   */
  withdraw(store: string, phys: number): void | Promise<void> {
    return this.#rt.env.votes.withdraw(store, this.#session.agent.id, phys);
  }
  /**
   * The status a failure of `command`'s work answers, for work that finishes after the reply
   * (a delayed response): an ScmiError's status, or GENERIC_ERROR with the bug logged once.
   */
  fault(command: string, e: unknown): number {
    return faultStatus(
      this.#rt.env.log,
      `bug:${this.#rt.def.id}:${command}:async`,
      `${this.#rt.def.name} ${command} (async) for agent "${this.#session.agent.name}"`,
      e,
    );
  }

  /** False once the session closed: work finishing later must not answer on it. */
  get open(): boolean {
    return this.#session.open;
  }

  /** Whether this session can receive notifications and delayed responses. */
  get canNotify(): boolean {
    return this.#session.p2a !== null;
  }

  /**
   * Sends notification `event` of this protocol with a `size`-byte payload that `build`
   * writes. Returns false when the session has no platform→agent channel or the queue is full.
   */
  notify(event: number, size: number, build: (w: Writer) => void): boolean {
    const q = this.#session.p2a;
    if (!q) return false;
    const buf = new Uint8Array(4 + size);
    const w = new Writer().reset(buf, 0, buf.length);
    w.u32(encodeHeader(event, MsgType.NOTIFICATION, this.#rt.def.id, 0));
    build(w);
    if (w.length !== buf.length) {
      throw new RangeError(`Notification wrote ${w.length - 4} of ${size} bytes`);
    }
    return q.push(buf, "notification");
  }

  /**
   * Sends the delayed response to command `messageId` with `token`: status, then a
   * `size`-byte payload that `build` writes (status 0). A non-zero status sends 4 bytes.
   */
  delayed(
    messageId: number,
    token: number,
    status: number,
    size: number,
    build?: (w: Writer) => void,
  ): boolean {
    const q = this.#session.p2a;
    if (!q) return false;
    const n = status === 0 ? 8 + size : 8;
    const buf = new Uint8Array(n);
    const w = new Writer().reset(buf, 0, n);
    w.begin(encodeHeader(messageId, MsgType.DELAYED_RESPONSE, this.#rt.def.id, token));
    if (status !== 0) w.status(status);
    else build?.(w);
    if (w.length !== n) {
      throw new RangeError(`Delayed response wrote ${w.length - 8} of ${size} bytes`);
    }
    return q.push(buf, "delayed");
  }
}

/**
 * The runtime of `ctx`'s protocol: for the core (dispatcher, platform), never for plugins.
 * @internal
 */
export function ctxRuntime<S, G>(ctx: Ctx<S, G>): ProtocolRuntime<S, G> {
  return runtimeOf(ctx);
}

/**
 * What the notification fan-out shows of `ctx` to its protocol's other sessions (made once).
 * @internal
 */
export function ctxReceiver<S, G>(ctx: Ctx<S, G>): Receiver<S> {
  return receiverOf(ctx);
}

/** A receiver over `ctx`: its agent's identity (a copy), state, version and channel. */
function makeReceiver<S, G>(ctx: Ctx<S, G>, a: Agent): Receiver<S> {
  const agent: AgentIdentity = Object.freeze({
    id: a.id,
    name: a.name,
    trusted: a.trusted,
    maxMsgSize: a.maxMsgSize,
  });
  return Object.freeze({
    agent,
    get state() {
      return ctx.state;
    },
    get version() {
      return ctx.version;
    },
    get canNotify() {
      return ctx.canNotify;
    },
    virtualId: (kind: ResourceKind, phys: number) => ctx.virtualId(kind, phys),
    notify: (event: number, size: number, build: (w: Writer) => void) =>
      ctx.notify(event, size, build),
  });
}

/**
 * The session `ctx` belongs to: for the core (dispatcher, permissions), never for plugins.
 * @internal
 */
export function ctxSession(ctx: Ctx<unknown, unknown>): Session {
  return sessionOf(ctx);
}

/** How a transport opens a session. */
export interface SessionOptions {
  /** The transport can deliver notifications and delayed responses. */
  p2a: boolean;
  /** Most platform→agent messages held while the transport cannot send them. */
  p2aLimit?: number;
  /** A label for logs and traces, e.g. the socket path. */
  label?: string;
}

/**
 * One agent's open channel, opened by a transport: a context per protocol the agent may use and the
 * platform→agent queue its transport drains.
 */
export class Session {
  /** Protocol id → context, for the protocols this agent may use. */
  readonly ctxs: (Ctx | undefined)[] = new Array(256).fill(undefined);
  /**
   * Platform→agent messages waiting for the transport; null when the transport cannot carry them.
   */
  readonly p2a: P2aQueue | null;
  /** A label for logs and traces, e.g. the socket path. */
  readonly label: string;
  /** False once the session is closed; work finishing later must not answer on it. */
  open = true;

  /**
   * Made by `Platform.openSession`, which also opens every protocol context.
   * @internal
   */
  constructor(readonly agent: Agent, opts: SessionOptions) {
    this.p2a = opts.p2a ? new P2aQueue(opts.p2aLimit) : null;
    this.label = opts.label ?? agent.name;
    this.maxMsgSize = agent.maxMsgSize;
    this.bucket = agent.bucket;
    this.slots = agent.grants.byKind.map((m) => m.slots);
  }

  /**
   * What the dispatcher reads of the agent on every message, held here so a message touches
   * the session and not the agent, its grants and each kind's map (with many agents, every
   * object read is a likely cache miss): the agent's message size, its rate limit, and each
   * kind's `IdMap.slots` by kind slot (the arrays themselves, which the maps update in place).
   * @internal
   */
  readonly maxMsgSize: number;
  /** @internal */
  readonly bucket: TokenBucket | null;
  /** @internal */
  readonly slots: readonly (readonly number[])[];
}
