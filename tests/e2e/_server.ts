/**
 * End-to-end fixture shared by `tests/e2e/*_test.ts`: a vscmi server started in-process
 * with {@linkcode startServer} from a deployment manifest, in a fresh temporary run
 * directory, with {@linkcode ScmiClient}s connected to its agents' Unix sockets. Disposing
 * it closes every client, stops the server (sessions close, votes are released) and removes
 * the temporary files.
 *
 * ```ts ignore
 * await using e2e = await startE2e();                // examples/sim/vscmi.toml
 * const vm1 = await e2e.connect("vm1");
 * const v = await e2e.ok(vm1, 0x14, 0x0);            // PROTOCOL_VERSION, SUCCESS asserted
 * ```
 * @module
 */
import type { AnyProtocol } from "../../core/protocol.ts";
import { ScmiClient, wordsToBytes } from "../../client/stream.ts";
import { encodeHeader, MsgType } from "../../core/header.ts";
import { encodeFrame, FrameSplitter } from "../../transports/stream/framing.ts";
import { Payload } from "../../client/decode.ts";
import { statusName } from "../../core/status.ts";
import { Logger } from "../../core/log.ts";
import { HANG_MS, until } from "../../core/_wait_test.ts";
import {
  defaultDeploymentPath,
  type Deployment,
  loadDeployment,
  simBoardPath,
} from "../../server/manifest/mod.ts";
import { type Server, startServer } from "../../server/serve.ts";
import { BUILTINS } from "../../builtins.ts";

export { simBoardPath };

/** What to serve: a manifest file, or manifest text (written to the temp dir first). */
export interface E2eOptions {
  /** Path of a deployment manifest (default: the bundled `examples/sim/vscmi.toml`). */
  manifest?: string;
  /**
   * Deployment manifest text, used instead of `manifest`. Relative paths in it resolve
   * against the temp dir, so name the board with {@linkcode simBoardPath} or an absolute
   * path.
   */
  toml?: string;
  /** The protocols `cli` knows, as `main.ts` hands them to `vscmi call` (default: the built-ins). */
  callProtocols?: readonly AnyProtocol[];
  /** Collects the server's log lines (`level: text`); by default they are dropped. */
  log?: string[];
  /**
   * Adjusts the loaded deployment before the server starts, e.g. to set board fields that
   * manifests cannot express yet.
   */
  prepare?: (dep: Deployment) => void;
}

export interface E2e {
  readonly server: Server;
  /** The loaded deployment: board model and agents with their grants (physical ids). */
  readonly dep: Deployment;
  readonly runDir: string;
  /** The agent's socket path. */
  socket(agent: string): string;
  /** Connects a client as `agent`; it is closed when the fixture is disposed. */
  connect(agent: string): Promise<ScmiClient>;
  /**
   * Connects as `agent` without a client: frames are read back strictly in arrival order,
   * to check that a reply comes before its delayed response or a notification.
   */
  raw(agent: string): Promise<RawAgent>;
  /** Closes `client` (either kind) and waits until the server has closed its session. */
  disconnect(client: ScmiClient | RawAgent): Promise<void>;
  /** Sends a command and returns the payload after the status, asserting SUCCESS. */
  ok(
    client: ScmiClient,
    protocol: number,
    message: number,
    params?: readonly number[],
  ): Promise<Payload>;
  /** Sends a command and returns its status and a cursor over the payload after it. */
  request(
    client: ScmiClient,
    protocol: number,
    message: number,
    params?: readonly number[],
  ): Promise<{ status: number; payload: Payload }>;
  /** Sends a command and returns its status. */
  status(
    client: ScmiClient,
    protocol: number,
    message: number,
    params?: readonly number[],
  ): Promise<number>;
  /**
   * Runs `vscmi call --agent AGENT --run-dir … ARGS…` in-process and resolves to its exit
   * code and what it printed, one entry per line; its errors (usage, status) are thrown as
   * the command throws them. The agent must not be connected otherwise meanwhile.
   */
  cli(agent: string, ...args: string[]): Promise<{ code: number; lines: string[] }>;
  /** Polls `cond` every few ms until it holds; throws after `ms` (default: a hang, 60 s). */
  until(cond: () => boolean, what: string, ms?: number): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Starts a server for `opts` and resolves to the fixture. Use with `await using` so the
 * server stops even when the test fails.
 */
export async function startE2e(opts: E2eOptions = {}): Promise<E2e> {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-e2e-" });
  const runDir = `${dir}/run`;
  let file = opts.manifest ?? defaultDeploymentPath();
  if (opts.toml !== undefined) {
    file = `${dir}/vscmi.toml`;
    await Deno.writeTextFile(file, opts.toml);
  }
  const log = new Logger();
  const lines = opts.log;
  log.sink = lines ? (level, line) => void lines.push(`${level}: ${line}`) : () => {};
  let server: Server;
  let dep: Deployment;
  try {
    dep = await loadDeployment(file, BUILTINS);
    opts.prepare?.(dep);
    server = await startServer(dep, { runDir, log });
  } catch (e) {
    await Deno.remove(dir, { recursive: true });
    throw e;
  }
  const clients = new Set<ScmiClient>();
  const raws = new Set<RawAgent>();
  const socket = (agent: string) => `${runDir}/${agent}.sock`;

  async function status(
    client: ScmiClient,
    protocol: number,
    message: number,
    params: readonly number[] = [],
  ): Promise<number> {
    return (await client.request(protocol, message, params)).status;
  }

  return {
    server,
    dep,
    runDir,
    socket,
    async connect(agent) {
      const sessions = server.platform.sessions.size;
      const c = await ScmiClient.connect({ kind: "unix", path: socket(agent) });
      // A busy machine may be slow to answer: only a hang fails a test.
      c.timeoutMs = HANG_MS;
      clients.add(c);
      // The stream transport opens the session when it admits the connection.
      await until(() => server.platform.sessions.size > sessions, `${agent}'s session`);
      return c;
    },
    async raw(agent) {
      const sessions = server.platform.sessions.size;
      const r = await rawAgent(socket(agent));
      raws.add(r);
      await until(() => server.platform.sessions.size > sessions, `${agent}'s session`);
      return r;
    },
    async disconnect(client) {
      const before = server.platform.sessions.size;
      if (client instanceof ScmiClient) clients.delete(client);
      else raws.delete(client);
      await client.close();
      await until(() => server.platform.sessions.size < before, "the session to close");
    },
    async ok(client, protocol, message, params = []) {
      const r = await client.request(protocol, message, params);
      if (r.status !== 0) {
        throw new Error(
          `Protocol 0x${protocol.toString(16)} message 0x${message.toString(16)} answered ${
            statusName(r.status)
          }`,
        );
      }
      return new Payload(r.payload, `0x${protocol.toString(16)}/0x${message.toString(16)}`);
    },
    async request(client, protocol, message, params = []) {
      const r = await client.request(protocol, message, params);
      return {
        status: r.status,
        payload: new Payload(r.payload, `message 0x${message.toString(16)}`),
      };
    },
    status,
    until,
    async cli(agent, ...args) {
      const { callCommand } = await import("../../cli/call.ts");
      const { PROTOCOLS } = await import("../../builtins.ts");
      const lines: string[] = [];
      const log = console.log;
      console.log = (...parts: unknown[]) => void lines.push(parts.join(" "));
      try {
        const code = await callCommand(
          ["--agent", agent, "--run-dir", runDir, "--timeout", String(HANG_MS), ...args],
          opts.callProtocols ?? PROTOCOLS,
        );
        return { code, lines: lines.join("\n").split("\n") };
      } finally {
        console.log = log;
      }
    },
    async [Symbol.asyncDispose]() {
      for (const c of clients) await c.close();
      clients.clear();
      for (const r of raws) await r.close();
      raws.clear();
      await server.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** A u64 as the two u32 words SCMI sends it in (low, high). */
export function u64Words(v: number): [number, number] {
  return [v % 0x1_0000_0000, Math.floor(v / 0x1_0000_0000)];
}

/** Fields of a platform→agent message: header fields and the payload as u32 words. */
export interface P2a {
  type: number;
  protocol: number;
  id: number;
  token: number;
  words: number[];
}

/** Splits a received notification or delayed response into header fields and words. */
export function p2a(m: Uint8Array): P2a {
  const dv = new DataView(m.buffer, m.byteOffset, m.byteLength);
  const h = dv.getUint32(0, true);
  const words: number[] = [];
  for (let i = 4; i + 4 <= m.length; i += 4) words.push(dv.getUint32(i, true));
  return {
    type: (h >>> 8) & 0x3,
    protocol: (h >>> 10) & 0xff,
    id: h & 0xff,
    token: (h >>> 18) & 0x3ff,
    words,
  };
}

/** A connection that sends commands and reads every frame back in order. */
export interface RawAgent {
  /** Sends one command: its header from the fields, then `params` as u32 words. */
  send(protocol: number, message: number, token: number, params?: readonly number[]): Promise<void>;
  /** The next message the server sent (header included), in arrival order. */
  next(ms?: number): Promise<Uint8Array>;
  /** Whether a message arrives within `ms` (it stays queued for `next`). */
  idle(ms: number): Promise<boolean>;
  /** Closes the connection and waits for the pending read to end. */
  close(): Promise<void>;
}

async function rawAgent(path: string): Promise<RawAgent> {
  const conn = await Deno.connect({ transport: "unix", path });
  const split = new FrameSplitter();
  const queue: Uint8Array[] = [];
  const buf = new Uint8Array(4096);
  let reading: Promise<void> | null = null;
  let closed = false;
  const readMore = () =>
    reading ??= (async () => {
      const n = await conn.read(buf).catch(() => null);
      reading = null;
      if (n === null) {
        closed = true;
        return;
      }
      for (const f of split.push(buf.subarray(0, n))) queue.push(f.slice());
    })();
  /** `readMore()`, or "timeout" after `ms`; the timer never outlives the race. */
  const readFor = async (ms: number): Promise<"timeout" | void> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const t = new Promise<"timeout">((r) => timer = setTimeout(() => r("timeout"), ms));
    try {
      return await Promise.race([readMore(), t]);
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    async send(protocol, message, token, params = []) {
      const p = wordsToBytes(params);
      const msg = new Uint8Array(4 + p.length);
      new DataView(msg.buffer).setUint32(
        0,
        encodeHeader(message, MsgType.COMMAND, protocol, token),
        true,
      );
      msg.set(p, 4);
      const frame = encodeFrame(msg);
      let off = 0;
      while (off < frame.length) off += await conn.write(frame.subarray(off));
    },
    async next(ms = HANG_MS) {
      const deadline = Date.now() + ms;
      while (queue.length === 0) {
        if (closed) throw new Error("The server closed the connection");
        const left = deadline - Date.now();
        if (left <= 0 || (await readFor(left)) === "timeout") {
          throw new Error(`No message from the server within ${ms} ms`);
        }
      }
      return queue.shift()!;
    },
    async idle(ms) {
      const deadline = Date.now() + ms;
      while (queue.length === 0 && !closed) {
        const left = deadline - Date.now();
        if (left <= 0 || (await readFor(left)) === "timeout") return true;
      }
      return queue.length === 0;
    },
    async close() {
      if (!closed) {
        closed = true;
        try {
          conn.close();
        } catch {
          // Already closed.
        }
      }
      await reading;
    },
  };
}
