/**
 * The transport conformance suite: a transport started through its public `start(env)` with
 * a test {@linkcode TransportEnv} whose sessions record what they are given and answer as a
 * platform would (header, SUCCESS, then as many payload bytes as the request's first word
 * asks). A {@linkcode WireAdapter}, supplied by the transport's test, speaks the wire as an
 * agent: it frames requests, reads replies, and knows the transport's hostile framings.
 * @module
 */
import { encodeHeader, MsgType } from "../core/header.ts";
import type { Msg } from "../core/msg.ts";
import { P2aQueue } from "../core/p2a.ts";
import type { SessionOptions } from "../core/session.ts";
import type { SessionPort } from "../core/session_port.ts";
import type { TransportDef, TransportEnv, TransportHandle } from "../core/transport.ts";
import { Logger } from "../core/log.ts";
import { systemClock, type TimerClock } from "../core/timer_clock.ts";

/** One agent connection, as the wire adapter opens it. */
export interface WireConnection {
  /**
   * Sends one SCMI message and waits for its reply.
   *
   * @param message Header and parameters.
   * @returns The reply's bytes, header first.
   */
  request(message: Uint8Array): Promise<Uint8Array>;
  /** Closes the connection from the agent's side. */
  close(): Promise<void>;
}

/** How the suite speaks to a transport as an agent would. */
export interface WireAdapter<C extends WireConnection = WireConnection> {
  /**
   * The test agent's transport options (e.g. a socket under `runDir`).
   *
   * @param runDir The run directory the suite made for the transport.
   * @returns The options `start` gets.
   */
  options(runDir: string): Record<string, unknown>;
  /**
   * Opens a connection to the running transport.
   *
   * @param handle What `start` resolved with (its `address`).
   * @param runDir The run directory.
   * @returns The connection.
   */
  connect(handle: TransportHandle, runDir: string): Promise<C>;
  /**
   * Sets up what the transport expects to find before it starts (a simulated hypervisor on
   * the other side of a bridge), in `runDir`; the suite calls it first and the function it
   * resolves with once the transport has closed.
   *
   * @param runDir The run directory the suite made for the transport.
   * @returns The teardown.
   */
  prepare?(runDir: string): Promise<() => Promise<void>>;
  /**
   * Misbehaviours of this wire by name (a length prefix of 4 GiB, a message shorter than a
   * header, half a frame then silence): each acts on a fresh connection, which the suite
   * then closes.
   */
  readonly hostile: Readonly<Record<string, (c: C) => Promise<void>>>;
}

/** What {@linkcode transportConformance} runs against. */
export interface TransportSuite<C extends WireConnection = WireConnection> {
  /** The transport, as its module exports it. */
  readonly transport: TransportDef;
  /** Its agent-side wire. */
  readonly wire: WireAdapter<C>;
  /** The agent's largest message payload (default 128). */
  readonly maxMsgSize?: number;
  /**
   * How long a session lives. By default one opens per connection and closes when the agent
   * goes. A transport with no connection to end (shared memory: the channel areas exist as
   * long as the server) states it with `{ perTransport: reason }`: one session, opened by
   * `start`, which every connection uses and none closes; closing the transport closes it.
   */
  readonly sessions?: { readonly perTransport: string };
  /**
   * How long the suite waits for a session to close before failing the step instead of
   * hanging (default 60,000 ms: a guard against a transport that never closes one, never a
   * measure of speed).
   */
  readonly hangMs?: number;
  /** The clock that guard runs on (default {@linkcode systemClock}); tests give a manual one. */
  readonly clock?: TimerClock;
}

/** A session the suite's env opened: what it was given, and when it closed. */
class RecordingPort implements SessionPort {
  readonly label: string;
  readonly p2a: P2aQueue | null;
  readonly tracing = false;
  readonly quota = 64;
  readonly requests: number[] = [];
  open = true;
  readonly closed: Promise<void>;
  #closed!: () => void;

  constructor(readonly maxMsgSize: number, options: SessionOptions) {
    this.label = options.label ?? "conformance";
    this.p2a = options.p2a ? new P2aQueue(options.p2aLimit) : null;
    this.closed = new Promise((r) => this.#closed = r);
  }

  deliver(m: Msg): number {
    const r = m.r;
    this.requests.push(r.length);
    if (r.length < 4) return 0;
    m.w.begin(r.u32());
    const want = r.remaining >= 4 ? r.u32() : 0;
    m.w.zeros(Math.min(want, this.maxMsgSize));
    return m.w.length;
  }

  nextTurn(): Promise<void> {
    return Promise.resolve();
  }

  sent(): void {}

  close(): void {
    if (!this.open) return;
    this.open = false;
    this.#closed();
  }
}

function fail(what: string): never {
  throw new Error(what);
}

/**
 * Runs the transport conformance suite as steps of the calling test: a session opens per
 * connection and closes when the agent goes or the transport closes (or, for a transport
 * whose suite says `sessions: { perTransport }`, one session lasts from start to close and
 * survives every connection); replies arrive with their exact lengths and headers, from an
 * empty payload to the agent's largest; each hostile framing leaves the transport serving new
 * connections, and the session it opened closed once its connection goes (kept, with one
 * session per transport).
 *
 * @param t The calling test's context.
 * @param suite The transport and its wire adapter.
 */
export async function transportConformance<C extends WireConnection>(
  t: Deno.TestContext,
  suite: TransportSuite<C>,
): Promise<void> {
  const maxMsgSize = suite.maxMsgSize ?? 128;
  const runDir = await Deno.makeTempDir({ prefix: "vscmi-conform-" });
  const ports: RecordingPort[] = [];
  const log = new Logger();
  log.sink = () => {};
  const env: TransportEnv = {
    agent: { name: "vm1", maxMsgSize },
    options: suite.wire.options(runDir),
    runDir,
    log,
    attachIoPause: () => Promise.resolve(() => {}),
    open(options) {
      const p = new RecordingPort(maxMsgSize, options);
      ports.push(p);
      return p;
    },
  };
  let token = 0;
  const exchange = async (c: C, payload: number) => {
    token = (token + 1) & 0x3ff;
    const header = encodeHeader(0x3, MsgType.COMMAND, 0x80, token);
    const req = new Uint8Array(8);
    const v = new DataView(req.buffer);
    v.setUint32(0, header, true);
    v.setUint32(4, payload, true);
    const reply = await c.request(req);
    if (reply.length !== 8 + payload) {
      fail(`asked for ${payload} payload bytes: a reply of ${reply.length}, not ${8 + payload}`);
    }
    const rv = new DataView(reply.buffer, reply.byteOffset, reply.byteLength);
    if (rv.getUint32(0, true) !== header) {
      fail(`reply header ${rv.getUint32(0, true)} for ${header}`);
    }
  };
  const perTransport = suite.sessions?.perTransport;
  const hangMs = suite.hangMs ?? 60_000;
  const clock = suite.clock ?? systemClock;
  /** Every session the env opened has closed; fails (does not hang) when one never does. */
  const allClosed = async (why: string) => {
    let timer: unknown;
    const guard = new Promise<"hang">((r) => timer = clock.setTimer(() => r("hang"), hangMs));
    try {
      const out = await Promise.race([Promise.all(ports.map((p) => p.closed)), guard]);
      if (out === "hang") {
        const open = ports.filter((p) => p.open).length;
        fail(`${open} session(s) still open ${hangMs} ms after ${why}`);
      }
    } finally {
      clock.clearTimer(timer);
    }
  };
  // A transport may serve one connection at a time: the next connects once the last's
  // session has closed. A session that outlives connections stays open when one goes.
  const done = async (c: C) => {
    await c.close();
    if (perTransport === undefined) await allClosed("the agent's connection closed");
    else if (ports.length !== 1 || !ports[0].open) fail("a connection's end closed the session");
  };
  const teardown = await suite.wire.prepare?.(runDir);
  let handle: TransportHandle | null = null;
  try {
    handle = await suite.transport.start(env);
    const h = handle;
    const first = perTransport === undefined
      ? "a session per connection, closed when the agent goes"
      : `one session from start to close, kept when a connection goes (${perTransport})`;
    await t.step(first, async () => {
      const before = ports.length;
      if (perTransport !== undefined && before !== 1) {
        fail(`${before} sessions opened by start, not 1`);
      }
      const c = await suite.wire.connect(h, runDir);
      try {
        await exchange(c, 4);
        const opened = ports.length - before;
        if (opened !== (perTransport === undefined ? 1 : 0)) {
          fail(`${opened} sessions for one connection`);
        }
      } finally {
        await done(c);
      }
    });

    await t.step("replies of exact length, empty to the agent's largest", async () => {
      const c = await suite.wire.connect(h, runDir);
      try {
        for (const n of new Set([0, 1, 4, 17, maxMsgSize - 1, maxMsgSize])) await exchange(c, n);
      } finally {
        await done(c);
      }
    });

    const after = perTransport === undefined ? "session closed" : "session kept";
    for (const [name, act] of Object.entries(suite.wire.hostile)) {
      await t.step(
        `hostile framing, ${name}: ${after}, transport still serving`,
        async () => {
          const c = await suite.wire.connect(h, runDir);
          try {
            await act(c);
          } finally {
            await done(c);
          }
          const fresh = await suite.wire.connect(h, runDir);
          try {
            await exchange(fresh, 8);
          } finally {
            await done(fresh);
          }
        },
      );
    }

    await t.step("closing the transport closes every session it opened", async () => {
      const a = await suite.wire.connect(h, runDir);
      try {
        await exchange(a, 0);
        await h.close();
        await allClosed("the transport closed");
      } finally {
        await a.close();
      }
    });
  } finally {
    await handle?.close();
    await teardown?.();
    await Deno.remove(runDir, { recursive: true });
  }
}
