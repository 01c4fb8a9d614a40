/**
 * An SCMI agent over the stream transport, for the `vscmi call` command and for tests:
 * framing, token allocation, replies matched to requests by token, and the notifications
 * and delayed responses the platform sends, collected as they arrive.
 * @module
 */
import {
  encodeHeader,
  headerMessageId,
  headerProtocol,
  headerToken,
  headerType,
  MsgType,
} from "../core/header.ts";
import { encodeFrame, FrameSplitter } from "../transports/stream/framing.ts";

/** Where a stream endpoint is. */
export type Endpoint =
  | { kind: "unix"; path: string }
  | { kind: "tcp"; hostname: string; port: number };

/** One reply: the header, the status and the payload after the status. */
export interface Reply {
  /** The header, echoed from the command. */
  header: number;
  /** The SCMI status (0 SUCCESS, negative an error). */
  status: number;
  /** Bytes after the status (empty for an error reply). */
  payload: Uint8Array;
  /** The whole message as received, header included. */
  bytes: Uint8Array;
}

/** The connection ended or a reply did not come in time. */
export class ClientError extends Error {
  /** "ClientError". */
  override name = "ClientError";
}

interface Pending {
  header: number;
  resolve: (r: Reply) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

interface Waiter {
  match: (message: Uint8Array) => boolean;
  resolve: (message: Uint8Array | null) => void;
}

/** Splits a received message into header, status and payload. */
export function toReply(bytes: Uint8Array): Reply {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    header: bytes.length >= 4 ? dv.getUint32(0, true) : 0,
    status: bytes.length >= 8 ? dv.getInt32(4, true) : 0,
    payload: bytes.subarray(Math.min(8, bytes.length)),
    bytes,
  };
}

/** Message parameters from u32 words. */
export function wordsToBytes(words: readonly number[]): Uint8Array {
  const out = new Uint8Array(words.length * 4);
  const dv = new DataView(out.buffer);
  words.forEach((w, i) => dv.setUint32(i * 4, w >>> 0, true));
  return out;
}

/**
 * An SCMI agent over the stream transport: sends commands with fresh tokens, matches replies
 * by token, and keeps the notifications and delayed responses it receives for
 * {@linkcode ScmiClient.waitFor} and {@linkcode ScmiClient.collect}.
 */
export class ScmiClient {
  /** Notifications received, oldest first. */
  readonly notifications: Uint8Array[] = [];
  /** Delayed responses received, oldest first. */
  readonly delayed: Uint8Array[] = [];
  /** How long a request waits for its reply, and `waitFor` for a message, by default (ms). */
  timeoutMs = 2000;
  readonly #conn: Deno.Conn;
  readonly #pending = new Map<number, Pending>();
  readonly #waiters: Waiter[] = [];
  readonly #reading: Promise<void>;
  #nextToken = 0;
  #closed: ClientError | null = null;

  private constructor(conn: Deno.Conn) {
    this.#conn = conn;
    this.#reading = this.#readLoop();
  }

  /** Connects to a stream endpoint. */
  static async connect(ep: Endpoint): Promise<ScmiClient> {
    const conn = ep.kind === "unix"
      ? await Deno.connect({ transport: "unix", path: ep.path })
      : await Deno.connect({ hostname: ep.hostname, port: ep.port });
    if (ep.kind === "tcp") (conn as Deno.TcpConn).setNoDelay(true);
    return new ScmiClient(conn);
  }

  /** The token the next request will carry (10 bits, skipping tokens still in flight). */
  #token(): number {
    for (let i = 0; i < 1024; i++) {
      const t = this.#nextToken;
      this.#nextToken = (t + 1) & 0x3ff;
      if (!this.#pending.has(t)) return t;
    }
    throw new ClientError("All 1024 tokens are in flight");
  }

  /**
   * Sends command `messageId` of `protocol` with `params` and resolves to its reply. Rejects
   * with ClientError when the connection ends or no reply comes within `timeoutMs`.
   */
  async request(
    protocol: number,
    messageId: number,
    params: Uint8Array | readonly number[] = [],
    timeoutMs = this.timeoutMs,
  ): Promise<Reply> {
    if (this.#closed) throw this.#closed;
    const p = params instanceof Uint8Array ? params : wordsToBytes(params);
    const token = this.#token();
    const header = encodeHeader(messageId, MsgType.COMMAND, protocol, token);
    const msg = new Uint8Array(4 + p.length);
    new DataView(msg.buffer).setUint32(0, header, true);
    msg.set(p, 4);
    return await this.send(msg, timeoutMs);
  }

  /**
   * Sends a whole message as given (header included) and resolves to the reply with the
   * same token.
   */
  async send(message: Uint8Array, timeoutMs = this.timeoutMs): Promise<Reply> {
    if (this.#closed) throw this.#closed;
    const header = message.length >= 4
      ? new DataView(message.buffer, message.byteOffset).getUint32(0, true)
      : 0;
    const token = headerToken(header);
    const reply = new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(token);
        reject(
          new ClientError(
            `No reply to protocol 0x${headerProtocol(header).toString(16)} message 0x${
              headerMessageId(header).toString(16)
            } within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      this.#pending.set(token, { header, resolve, reject, timer });
    });
    // The connection's end may reject it while the write still waits, before anyone awaits it.
    reply.catch(() => {});
    const frame = encodeFrame(message);
    try {
      let off = 0;
      while (off < frame.length) off += await this.#conn.write(frame.subarray(off));
    } catch (e) {
      // Not sent, so no reply comes: forget the request.
      const p = this.#pending.get(token);
      if (p !== undefined) {
        clearTimeout(p.timer);
        this.#pending.delete(token);
      }
      throw this.#closed ??
        new ClientError(`The connection failed: ${e instanceof Error ? e.message : e}`);
    }
    return await reply;
  }

  /**
   * Resolves to the first notification or delayed response (already received or arriving
   * within `timeoutMs`) that `match` accepts, removing it from its list; null on timeout.
   */
  waitFor(
    match: (message: Uint8Array) => boolean,
    timeoutMs = this.timeoutMs,
  ): Promise<Uint8Array | null> {
    for (const list of [this.delayed, this.notifications]) {
      const i = list.findIndex(match);
      if (i >= 0) return Promise.resolve(list.splice(i, 1)[0]);
    }
    if (this.#closed) return Promise.resolve(null);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const i = this.#waiters.indexOf(w);
        if (i >= 0) this.#waiters.splice(i, 1);
        resolve(null);
      }, timeoutMs);
      const w: Waiter = {
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      this.#waiters.push(w);
    });
  }

  /** Waits `ms` and returns every notification and delayed response received by then. */
  async collect(ms: number): Promise<Uint8Array[]> {
    if (ms > 0 && !this.#closed) await new Promise((r) => setTimeout(r, ms));
    const out = [...this.delayed, ...this.notifications].sort((a, b) =>
      order.get(a)! - order.get(b)!
    );
    this.delayed.length = 0;
    this.notifications.length = 0;
    return out;
  }

  async #readLoop(): Promise<void> {
    const buf = new Uint8Array(64 * 1024);
    const split = new FrameSplitter();
    let reason = "The server closed the connection";
    try {
      for (;;) {
        const n = await this.#conn.read(buf);
        if (n === null) break;
        for (const m of split.push(buf.subarray(0, n))) this.#receive(m);
      }
    } catch (e) {
      if (!this.#closed) reason = `The connection failed: ${e instanceof Error ? e.message : e}`;
    }
    this.#end(new ClientError(reason));
  }

  #receive(m: Uint8Array): void {
    if (m.length < 4) return;
    const h = new DataView(m.buffer, m.byteOffset).getUint32(0, true);
    order.set(m, seq++);
    switch (headerType(h)) {
      case MsgType.COMMAND: {
        const p = this.#pending.get(headerToken(h));
        if (!p) return; // A late reply to a request that timed out.
        this.#pending.delete(headerToken(h));
        clearTimeout(p.timer);
        p.resolve(toReply(m));
        return;
      }
      case MsgType.DELAYED_RESPONSE:
        this.#deliver(m, this.delayed);
        return;
      case MsgType.NOTIFICATION:
        this.#deliver(m, this.notifications);
        return;
    }
  }

  #deliver(m: Uint8Array, list: Uint8Array[]): void {
    const i = this.#waiters.findIndex((w) => w.match(m));
    if (i >= 0) this.#waiters.splice(i, 1)[0].resolve(m);
    else list.push(m);
  }

  #end(e: ClientError): void {
    this.#closed ??= e;
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.reject(this.#closed);
    }
    this.#pending.clear();
    for (const w of this.#waiters.splice(0)) w.resolve(null);
  }

  /** Closes the connection; pending requests reject. */
  async close(): Promise<void> {
    this.#end(new ClientError("The client closed the connection"));
    try {
      this.#conn.close();
    } catch {
      // Already closed.
    }
    await this.#reading;
  }
}

/** Arrival order of received messages, so `collect` can interleave both lists. */
const order = new WeakMap<Uint8Array, number>();
let seq = 0;
