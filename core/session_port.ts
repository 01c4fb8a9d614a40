/**
 * What a transport gets of the platform: for the one agent it serves, a way to open sessions,
 * and for each session a port — deliver this message, take this agent's fair turns, trace what
 * leaves, close. Nothing else of the platform (no other agent, no protocol state) is reachable
 * from here.
 * @module
 */
import { type HwAccess, REAL_HW } from "./hw_root.ts";
import type { Agent } from "./agent.ts";
import type { Msg } from "./msg.ts";
import type { P2aQueue } from "./p2a.ts";
import type { Platform, SessionEnd } from "./platform.ts";
import type { Logger } from "./log.ts";
import type { SessionOptions } from "./session.ts";
import type { TransportEnv } from "./transport.ts";
import { traceP2a } from "./trace.ts";

/** What a transport knows of the agent it serves: its name and its message size. */
export interface TransportAgent {
  /** Name from the deployment manifest, for logs and labels. */
  readonly name: string;
  /** Bytes a reply may carry after its status, and a request after its header. */
  readonly maxMsgSize: number;
}

/** One open session, as its transport drives it. */
export interface SessionPort {
  /** A label for logs and traces, e.g. the socket path. */
  readonly label: string;
  /** False once the session is closed. */
  readonly open: boolean;
  /**
   * Platform→agent messages waiting for the transport, oldest first; null when the session
   * was opened without a platform→agent channel.
   */
  readonly p2a: P2aQueue | null;
  /** Whether messages are traced now: only then need `m.t0` be set before `deliver`. */
  readonly tracing: boolean;
  /**
   * Handles one message: `m.r` over the whole request (header included), `m.w` over the reply
   * buffer. Returns the reply length (header + status + payload), or a promise of it when a
   * driver blocks; 0 when the message was dropped and nothing is to be sent.
   */
  deliver(m: Msg): number | Promise<number>;
  /** Messages this agent may deliver in one turn before it asks for the next. */
  readonly quota: number;
  /** Resolves when this agent's next turn comes (it waits behind agents with a backlog). */
  nextTurn(): Promise<void>;
  /** Tells the tracer a platform→agent message left on this session. */
  sent(message: Uint8Array): void;
  /**
   * Ends the session; the agent's votes outlive it as `how` says (default: its close grace
   * period). Idempotent.
   */
  close(how?: SessionEnd): void;
}

/** What opens sessions for one agent: the agent's name and limits, and `open`. */
export interface SessionOpener {
  /** The agent served. */
  readonly agent: TransportAgent;
  /** Opens one session of the agent. */
  open(options: SessionOptions): SessionPort;
  /**
   * Has the scheduler poll sockets between rounds of turns (a timer-free I/O pause); the
   * returned function detaches it.
   */
  attachIoPause(): Promise<() => void>;
}

/**
 * The session opener of `agent` on `platform`: what the server hands a transport (and tests
 * hand a device) instead of the platform.
 * @internal
 */
export function sessionOpener(platform: Platform, agent: Agent): SessionOpener {
  const scheduler = platform.scheduler;
  return {
    agent: Object.freeze({ name: agent.name, maxMsgSize: agent.maxMsgSize }),
    attachIoPause: () => scheduler.attachIoPause(),
    open(options) {
      const s = platform.openSession(agent, options);
      return {
        label: s.label,
        get open() {
          return s.open;
        },
        p2a: s.p2a,
        get tracing() {
          return platform.tracer !== null;
        },
        deliver: (m) => platform.dispatch(s, m),
        quota: scheduler.quota,
        nextTurn: () => scheduler.next(agent),
        sent: (message) => traceP2a(platform, s, message),
        close: (how) => platform.closeSession(s, how),
      };
    },
  };
}

/**
 * A transport's start environment for `agent` on `platform`: its session opener, the options
 * from its `transport` table, the run directory, the log (default the platform's), the state
 * directory and the directory of the manifest that declared the agent.
 * @internal
 */
export function transportEnv(
  platform: Platform,
  agent: Agent,
  init: {
    options: Record<string, unknown>;
    runDir: string;
    log?: Logger;
    hw?: HwAccess;
    stateDir?: string | null;
    manifestDir?: string;
  },
): TransportEnv {
  return {
    ...sessionOpener(platform, agent),
    ...(init.hw ?? REAL_HW),
    options: init.options,
    runDir: init.runDir,
    log: init.log ?? platform.log,
    stateDir: init.stateDir ?? null,
    ...(init.manifestDir === undefined ? {} : { manifestDir: init.manifestDir }),
  };
}
