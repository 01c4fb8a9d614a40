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
import { P2aQueue } from "./p2a.ts";
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
  /** What `setup` received. */
  readonly env: PlatformEnv;
  /** Contexts of every open session that uses this protocol. */
  readonly contexts: Set<Ctx<S, G>>;
}

/**
 * One agent session's context for one protocol, passed to every handler and hook: the negotiated
 * version, the plugin's per-session and shared state, the agent's view of resources, and the ways
 * back to the agent (notifications, delayed responses).
 */
export class Ctx<S = unknown, G = unknown> {
  /** Version this session speaks now (negotiated or pinned). */
  version: number;
  /** Highest version this agent may use. */
  readonly ceiling: number;
  /** The plugin's per-session state (from `open`). */
  state!: S;

  /**
   * Made by the platform when a session opens, one per protocol the agent may use.
   * @internal
   */
  constructor(readonly rt: ProtocolRuntime<S, G>, readonly session: Session, ceiling: number) {
    this.ceiling = ceiling;
    this.version = ceiling;
  }

  /** The agent this session belongs to. */
  get agent(): Agent {
    return this.session.agent;
  }
  /** The protocol-wide state `setup` returned. */
  get shared(): G {
    return this.rt.shared;
  }
  /** The platform as plugins see it. */
  get env(): PlatformEnv {
    return this.rt.env;
  }
  /**
   * The driver contract behind each physical resource, by kind; read one kind typed through
   * its definition (`someKind.hwOf(ctx.hw)[phys]`).
   */
  get hw(): HwTable {
    return this.rt.env.hw;
  }
  /** This agent's view of a resource kind. */
  ids(kind: ResourceKind): IdMap {
    const g = this.session.agent.grants;
    return g.maps[kind] ?? g.map(kind);
  }
  /**
   * The status a failure of `command`'s work answers, for work that finishes after the reply
   * (a delayed response): an ScmiError's status, or GENERIC_ERROR with the bug logged once.
   */
  fault(command: string, e: unknown): number {
    return faultStatus(
      this.rt.env.log,
      `bug:${this.rt.def.id}:${command}:async`,
      `${this.rt.def.name} ${command} (async) for agent "${this.session.agent.name}"`,
      e,
    );
  }

  /** Whether this session can receive notifications and delayed responses. */
  get canNotify(): boolean {
    return this.session.p2a !== null;
  }

  /**
   * Sends notification `event` of this protocol with a `size`-byte payload that `build`
   * writes. Returns false when the session has no platform→agent channel or the queue is full.
   */
  notify(event: number, size: number, build: (w: Writer) => void): boolean {
    const q = this.session.p2a;
    if (!q) return false;
    const buf = new Uint8Array(4 + size);
    const w = new Writer().reset(buf, 0, buf.length);
    w.u32(encodeHeader(event, MsgType.NOTIFICATION, this.rt.def.id, 0));
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
    const q = this.session.p2a;
    if (!q) return false;
    const n = status === 0 ? 8 + size : 8;
    const buf = new Uint8Array(n);
    const w = new Writer().reset(buf, 0, n);
    w.begin(encodeHeader(messageId, MsgType.DELAYED_RESPONSE, this.rt.def.id, token));
    if (status !== 0) w.status(status);
    else build?.(w);
    if (w.length !== n) {
      throw new RangeError(`Delayed response wrote ${w.length - 8} of ${size} bytes`);
    }
    return q.push(buf, "delayed");
  }
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
  }
}
