/**
 * The `stream` transport: SCMI over a byte stream, for tests, demos and user-space agents.
 * One listening endpoint per agent — a private Unix socket (default `<runDir>/<agent>.sock`)
 * or a loopback TCP port — and one connection at a time; each connection is a session.
 *
 * The slot: a frame (a request arriving, or a write to the peer) that takes longer than
 * `frame_timeout_ms` closes its connection. A second connection waits up to that long for
 * the slot; it takes the slot over only from a connection that does not use it (a frame
 * overdue, or nothing sent since connecting), and is refused otherwise: a connection that
 * has spoken keeps the slot however long it stays idle.
 *
 * Framing, both directions: u32 little-endian byte length N, then N bytes of SCMI message
 * (header + payload). Requests with N < 4 are dropped; N above 4 + the agent's message size
 * (or above 64 KiB) closes the connection. Notifications and delayed responses travel on the
 * same connection, each as its own frame.
 * @module
 */
import { defineTransport, type TransportEnv, type TransportHandle } from "../../core/transport.ts";
import { connectionLimits, StreamConnection } from "./_connection.ts";
import { inRunDir } from "../../core/rundir.ts";
import {
  checkStreamOptions,
  listenUnix,
  removeSocket,
  type StreamEndpoint,
  streamListens,
} from "./_endpoint.ts";
import { systemClock } from "../../core/timer_clock.ts";

/** How long a new connection waits at least for the agent's open one to finish closing. */
const HANDOVER_MS = 50;

export const streamTransport = defineTransport({
  api: 1,
  name: "stream",
  summary: "Length-prefixed SCMI messages over a Unix socket or a loopback TCP port",
  options: {
    path: "Unix socket path (relative: under the run directory; default <run-dir>/<agent>.sock)",
    tcp: 'Listen on loopback TCP instead, "127.0.0.1:PORT" (port 0 picks a free one)',
    max_msg: "Messages buffered per direction: read-ahead requests, queued notifications (32)",
    frame_timeout_ms:
      "A frame not received or written whole within this closes its connection (2000; 1–60000)",
  },
  checkOptions: (options, agent) => ({
    listens: streamListens(checkStreamOptions(agent, options), options),
  }),
  start: startStream,
});

async function startStream(env: TransportEnv): Promise<TransportHandle> {
  const clock = systemClock;
  const { agent, log } = env;
  const checked = checkStreamOptions(agent.name, env.options);
  const ep: StreamEndpoint = checked.kind === "unix"
    ? { ...checked, path: inRunDir(checked.path, env.runDir) }
    : checked;
  const limits = connectionLimits(agent, ep.maxMsg, ep.frameTimeoutMs);
  let listener: Deno.Listener;
  let address: string;
  if (ep.kind === "unix") {
    listener = await listenUnix(ep.path, env.runDir);
    address = `unix:${ep.path}`;
  } else {
    try {
      listener = Deno.listen({ transport: "tcp", hostname: ep.hostname, port: ep.port });
    } catch (e) {
      throw new Error(
        `Cannot listen on tcp:${ep.hostname}:${ep.port}: ${e instanceof Error ? e.message : e}`,
        { cause: e },
      );
    }
    const a = listener.addr as Deno.NetAddr;
    address = `tcp:${a.hostname.includes(":") ? `[${a.hostname}]` : a.hostname}:${a.port}`;
  }

  // Between rounds of turns, let the runtime read every agent's socket (core/scheduler.ts).
  let detachPause: () => void;
  try {
    detachPause = await env.attachIoPause();
  } catch (e) {
    listener.close();
    if (ep.kind === "unix") await removeSocket(ep.path);
    throw e;
  }

  let active: StreamConnection | null = null;
  let closing = false;
  /**
   * Wakes the new connection waiting for the active one to end. One slot is enough: the
   * accept loop admits one connection at a time. (Nothing is attached to the active
   * connection itself, so refused attempts leave nothing behind while it stays open.)
   */
  let handover: (() => void) | null = null;

  /**
   * Waits for the open connection to end: a moment for an EOF not read yet, or until it
   * would give up its slot (a frame due, its allowed silence over), at most the frame timeout.
   * Its end wakes the wait through `handover`, so nothing is attached to the open connection.
   */
  async function awaitSlot(open: StreamConnection): Promise<void> {
    const deadline = Math.max(clock.now() + HANDOVER_MS, open.yieldsBy);
    for (let left; active !== null && (left = deadline - clock.now()) > 0;) {
      let timer: unknown;
      await new Promise<void>((r) => {
        handover = r;
        timer = clock.setTimer(r, left);
      });
      handover = null;
      clock.clearTimer(timer);
    }
  }

  async function admit(conn: Deno.Conn): Promise<void> {
    if (active !== null) {
      // The open connection may be ending right now (its EOF not read yet) or have a frame
      // about to time out: wait for it, then take its slot if it still does not use it. By
      // now, a frame it began before this connection arrived has had its full time.
      await awaitSlot(active);
      (active as StreamConnection | null)?.yieldSlot();
    }
    if (active !== null || closing) {
      log.once(
        "warn",
        `stream:second:${agent.name}`,
        `Agent "${agent.name}": refused a second connection to ${address} while one is open and in use`,
      );
      conn.close();
      return;
    }
    if (ep.kind === "tcp") (conn as Deno.TcpConn).setNoDelay(true);
    const c: StreamConnection = new StreamConnection(conn, env, limits, {
      label: `${agent.name}@${address}`,
      log,
      clock,
      onClosed: () => {
        if (active !== c) return;
        active = null;
        handover?.();
      },
    });
    active = c;
  }

  const accepting = (async () => {
    for (;;) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch (e) {
        if (closing || e instanceof Deno.errors.BadResource) return;
        log.error(`Agent "${agent.name}": stopped accepting on ${address}: ${e}`);
        return;
      }
      await admit(conn);
    }
  })();

  return {
    address,
    p2a: true,
    async close() {
      if (closing) return;
      closing = true;
      listener.close();
      await accepting;
      const c = active as StreamConnection | null;
      if (c !== null) {
        c.close();
        await c.done;
      }
      detachPause();
      if (ep.kind === "unix") await removeSocket(ep.path);
    },
  };
}
