/**
 * The `stream` transport: SCMI over a byte stream, for tests, demos and user-space agents.
 * One listening endpoint per agent — a private Unix socket (default `<runDir>/<agent>.sock`)
 * or a loopback TCP port — and one connection at a time; each connection is a session.
 *
 * Framing, both directions: u32 little-endian byte length N, then N bytes of SCMI message
 * (header + payload). Requests with N < 4 are dropped; N above 4 + the agent's message size
 * (or above 64 KiB) closes the connection. Notifications and delayed responses travel on the
 * same connection, each as its own frame.
 * @module
 */
import { defineTransport, type TransportEnv, type TransportHandle } from "../../core/transport.ts";
import { connectionLimits, StreamConnection } from "./_connection.ts";
import { checkStreamOptions, listenUnix, removeSocket } from "./_endpoint.ts";

/** How long a new connection waits for the agent's previous one to finish closing. */
const HANDOVER_MS = 50;

export const streamTransport = defineTransport({
  name: "stream",
  summary: "Length-prefixed SCMI messages over a Unix socket or a loopback TCP port",
  options: {
    path: "Unix socket path (relative: under the run directory; default <run-dir>/<agent>.sock)",
    tcp: 'Listen on loopback TCP instead, "127.0.0.1:PORT" (port 0 picks a free one)',
    max_msg: "Messages buffered per direction: read-ahead requests, queued notifications (32)",
  },
  start: startStream,
});

async function startStream(env: TransportEnv): Promise<TransportHandle> {
  const { platform, agent, log } = env;
  const ep = checkStreamOptions(agent.name, env.options, env.runDir);
  const limits = connectionLimits(agent, ep.maxMsg);
  let listener: Deno.Listener;
  let address: string;
  if (ep.kind === "unix") {
    listener = await listenUnix(ep.path, env.runDir);
    address = `unix:${ep.path}`;
  } else {
    listener = Deno.listen({ transport: "tcp", hostname: ep.hostname, port: ep.port });
    const a = listener.addr as Deno.NetAddr;
    address = `tcp:${a.hostname.includes(":") ? `[${a.hostname}]` : a.hostname}:${a.port}`;
  }

  // Between rounds of turns, let the runtime read every agent's socket (core/scheduler.ts).
  let detachPause: () => void;
  try {
    detachPause = await platform.scheduler.attachIoPause();
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

  async function admit(conn: Deno.Conn): Promise<void> {
    if (active !== null) {
      // The previous connection may be ending right now (its EOF not read yet): give it a
      // moment before refusing.
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((r) => {
        handover = r;
        timer = setTimeout(r, HANDOVER_MS);
      });
      handover = null;
      clearTimeout(timer);
    }
    if (active !== null || closing) {
      log.once(
        "warn",
        `stream:second:${agent.name}`,
        `Agent "${agent.name}": refused a second connection to ${address} while one is open`,
      );
      conn.close();
      return;
    }
    if (ep.kind === "tcp") (conn as Deno.TcpConn).setNoDelay(true);
    const c: StreamConnection = new StreamConnection(conn, platform, agent, limits, {
      label: `${agent.name}@${address}`,
      log,
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
