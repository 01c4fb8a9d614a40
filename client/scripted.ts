/**
 * For unit tests of `vscmi call` protocol modules: a {@linkcode CallContext} whose platform is
 * a script — a function from (message id, parameter words) to the reply's payload words or a
 * status — and whose platform→agent messages are a list the test fills. It records what was
 * sent and printed, so a test checks both the requests a command makes and how it reads
 * replies written by hand from the specification's layouts.
 * @module
 */
import { encodeHeader, headerToken, MsgType } from "../core/header.ts";
import { statusName } from "../core/status.ts";
import type { Reply, ScmiClient } from "./stream.ts";
import { Payload, StatusError } from "./decode.ts";
import { callProtocol, type CallSource } from "./protocols.ts";
import type { CallContext, CallFlags, CallResult } from "./types.ts";

/** What the script answers: payload words after SUCCESS, or another status alone. */
export type Answer = readonly number[] | { status: number };

/** One request the command sent. */
export interface Sent {
  /** Message id. */
  id: number;
  /** Parameters as u32 words. */
  params: number[];
}

/** What {@linkcode scripted} answers: the context to run commands with and what they did. */
export interface Scripted {
  /** The context commands run with. */
  ctx: CallContext;
  /** Requests sent, in order. */
  sent: Sent[];
  /** What `watch` commands printed as they went. */
  printed: CallResult[];
  /** Notifications and delayed responses waiting for the command, oldest first. */
  p2a: Uint8Array[];
  /** Runs command `name` with `args` and `flags`. */
  run(name: string, args?: string[], flags?: CallFlags): Promise<CallResult>;
}

/** Little-endian bytes of u32 words. */
export function bytes(words: readonly number[]): Uint8Array {
  const out = new Uint8Array(words.length * 4);
  const dv = new DataView(out.buffer);
  words.forEach((w, i) => dv.setUint32(i * 4, w >>> 0, true));
  return out;
}

/** A NUL-padded ASCII name in a `size`-byte field, as u32 words. */
export function nameWords(name: string, size = 16): number[] {
  const b = new Uint8Array(size);
  for (let i = 0; i < name.length && i < size - 1; i++) b[i] = name.charCodeAt(i);
  const dv = new DataView(b.buffer);
  return Array.from({ length: size / 4 }, (_, i) => dv.getUint32(i * 4, true));
}

/** A notification of `protocol`: header (event id, type 3, token 0) and payload words. */
export function notification(
  protocol: number,
  event: number,
  words: readonly number[],
): Uint8Array {
  return bytes([encodeHeader(event, MsgType.NOTIFICATION, protocol, 0), ...words]);
}

/** A delayed response to `reply`: same id and token, type 2, then status and words. */
export function delayed(reply: Reply, status: number, words: readonly number[]): Uint8Array {
  const h = reply.header;
  return bytes([
    encodeHeader(h & 0xff, MsgType.DELAYED_RESPONSE, (h >>> 10) & 0xff, headerToken(h)),
    status,
    ...words,
  ]);
}

/**
 * A scripted context for the protocol `def` defines (its `call` verbs). `answer` gives each
 * request's reply; `onReply` sees each reply as sent (to queue a delayed response for it).
 */
export function scripted(
  def: CallSource,
  answer: (id: number, params: number[]) => Answer,
  onReply?: (reply: Reply, sent: Sent, s: Scripted) => void,
): Scripted {
  const protocol = callProtocol(def);
  const sent: Sent[] = [];
  const printed: CallResult[] = [];
  const p2a: Uint8Array[] = [];
  let token = 0;
  const client = {
    waitFor(match: (m: Uint8Array) => boolean): Promise<Uint8Array | null> {
      const i = p2a.findIndex(match);
      return Promise.resolve(i < 0 ? null : p2a.splice(i, 1)[0]);
    },
  } as unknown as ScmiClient;

  const request = (id: number, params: readonly number[] | Uint8Array = []): Promise<Reply> => {
    const words = params instanceof Uint8Array
      ? Array.from(
        { length: params.length / 4 },
        (_, i) => new DataView(params.buffer, params.byteOffset).getUint32(i * 4, true),
      )
      : [...params].map((w) => w >>> 0);
    const s: Sent = { id, params: words };
    sent.push(s);
    const a = answer(id, words);
    const header = encodeHeader(id, MsgType.COMMAND, protocol.id, token++ & 0x3ff);
    const status = Array.isArray(a) ? 0 : (a as { status: number }).status;
    const payload = Array.isArray(a) ? bytes(a as number[]) : new Uint8Array(0);
    const reply: Reply = {
      header,
      status,
      payload,
      bytes: new Uint8Array([...bytes([header, status]), ...payload]),
    };
    onReply?.(reply, s, self);
    return Promise.resolve(reply);
  };

  const ctx: CallContext = {
    client,
    protocol,
    protocols: [protocol],
    timeoutMs: 100,
    request,
    print: (out) => void printed.push(out),
    async call(id, params) {
      const r = await request(id, params);
      const name = protocol.messages[id] ?? `message ${id}`;
      if (r.status !== 0) throw new StatusError(name, r.status);
      return new Payload(r.payload, name);
    },
  };

  const self: Scripted = {
    ctx,
    sent,
    printed,
    p2a,
    run(name, args = [], flags = {}) {
      const cmd = protocol.commands.find((c) => c.name === name);
      if (!cmd) throw new TypeError(`No ${protocol.name} command "${name}"`);
      return cmd.run(ctx, args, flags);
    },
  };
  return self;
}

/** A script that fails the test for any message it was not written for. */
export function unexpected(id: number, params: number[]): never {
  throw new Error(`Unexpected message 0x${id.toString(16)} [${params.join(", ")}]`);
}

/** Status words for scripts, by name. */
export function status(name: string): { status: number } {
  const all: Record<string, number> = {
    NOT_SUPPORTED: -1,
    INVALID_PARAMETERS: -2,
    DENIED: -3,
    NOT_FOUND: -4,
    OUT_OF_RANGE: -5,
    BUSY: -6,
    PROTOCOL_ERROR: -10,
  };
  const s = all[name];
  if (s === undefined || statusName(s) !== name) throw new TypeError(`Unknown status ${name}`);
  return { status: s };
}
