/**
 * Platform→agent messages on the client side of `vscmi call`: waiting for the delayed
 * response of an asynchronous command, and `watch` loops that print notifications as they
 * arrive until a count, a duration or Ctrl-C ends them.
 *
 * Header fields (DEN0056 §4.1.2): message_id 7:0, type 9:8 (2 delayed response,
 * 3 notification), protocol_id 17:10, token 27:18.
 * @module
 */
import {
  headerMessageId,
  headerProtocol,
  headerToken,
  headerType,
  MsgType,
} from "../core/header.ts";
import { parsePositive, UsageError } from "./args.ts";
import { ClientError, type Reply } from "./stream.ts";
import { Payload } from "./decode.ts";
import type { CallContext, CallFlagDef, CallFlags, CallResult } from "./types.ts";

/** How long `--async` commands wait for their delayed response by default, ms. */
export const DELAYED_TIMEOUT_MS = 5000;

function headerOf(m: Uint8Array): number {
  return m.length >= 4 ? new DataView(m.buffer, m.byteOffset).getUint32(0, true) : 0;
}

/**
 * Waits for the delayed response to the command answered by `reply` (same protocol, message
 * id and token, type 2) and resolves to its payload after the status, together with that
 * status. Rejects with ClientError when none comes within `timeoutMs`.
 */
export async function waitDelayed(
  ctx: CallContext,
  reply: Reply,
  what: string,
  timeoutMs: number = Math.max(ctx.timeoutMs, DELAYED_TIMEOUT_MS),
): Promise<{ status: number; payload: Payload }> {
  const h = reply.header;
  const m = await ctx.client.waitFor((m) => {
    const x = headerOf(m);
    return headerType(x) === MsgType.DELAYED_RESPONSE && headerProtocol(x) === headerProtocol(h) &&
      headerMessageId(x) === headerMessageId(h) && headerToken(x) === headerToken(h);
  }, timeoutMs);
  if (m === null) {
    throw new ClientError(`No delayed response ${what} within ${timeoutMs} ms`);
  }
  const dv = new DataView(m.buffer, m.byteOffset, m.byteLength);
  const status = m.length >= 8 ? dv.getInt32(4, true) : 0;
  return { status, payload: new Payload(m.subarray(Math.min(8, m.length)), what) };
}

/** A notification of protocol `protocol`, as its event id and a cursor over its payload. */
export interface Event {
  /** The event's message id. */
  id: number;
  /** Its payload after the header. */
  payload: Payload;
}

/** The `--count` and `--duration` options every `watch` takes. */
export const WATCH_FLAGS: Readonly<Record<string, CallFlagDef>> = {
  count: { type: "string", help: "Stop after K notifications" },
  duration: { type: "string", help: "Stop after MS milliseconds" },
};

/** Why a watch ended. */
export type WatchEnd = "count" | "duration" | "interrupt";

/** Reads `--count` and `--duration`. */
export function watchLimits(flags: CallFlags): { count?: number; durationMs?: number } {
  const num = (v: string | boolean | undefined, name: string) => {
    if (v === undefined || v === false) return undefined;
    if (v === true) throw new UsageError(`${name} needs a value`);
    return parsePositive(v, name);
  };
  return { count: num(flags.count, "--count"), durationMs: num(flags.duration, "--duration") };
}

/** Longest single wait (setTimeout's limit); an endless watch renews it. */
const MAX_WAIT = 0x7fff_ffff;

/**
 * Collects notifications of `ctx`'s protocol, printing each (`describe`) as it arrives,
 * until `count` arrived, `durationMs` passed or SIGINT; resolves to what was printed and why
 * it stopped. Rejects with ClientError when the server closes the connection meanwhile.
 * Notifications `describe` answers undefined for (another resource) are skipped.
 */
export async function watchEvents(
  ctx: CallContext,
  limits: { count?: number; durationMs?: number },
  describe: (e: Event) => CallResult | undefined,
): Promise<{ events: unknown[]; end: WatchEnd }> {
  const proto = ctx.protocol.id;
  const events: unknown[] = [];
  let interrupted: () => void = () => {};
  const stop = new Promise<"interrupt">((r) => interrupted = () => r("interrupt"));
  const onSigint = () => interrupted();
  let listening = false;
  try {
    Deno.addSignalListener("SIGINT", onSigint);
    listening = true;
  } catch {
    // No signal support here (e.g. a restricted runtime): count and duration still end it.
  }
  const deadline = limits.durationMs === undefined ? Infinity : Date.now() + limits.durationMs;
  try {
    for (;;) {
      if (limits.count !== undefined && events.length >= limits.count) {
        return { events, end: "count" };
      }
      const left = deadline - Date.now();
      if (left <= 0) return { events, end: "duration" };
      const wait = Math.min(left, MAX_WAIT);
      const started = Date.now();
      const m = await Promise.race([
        ctx.client.waitFor((m) => {
          const h = headerOf(m);
          return headerType(h) === MsgType.NOTIFICATION && headerProtocol(h) === proto;
        }, wait),
        stop,
      ]);
      if (m === "interrupt") return { events, end: "interrupt" };
      if (m === null) {
        // A wait cut short means the connection ended; a full one is a deadline or renewal.
        if (Date.now() - started < wait - 20) {
          throw new ClientError("The server closed the connection while watching");
        }
        continue;
      }
      const out = describe({
        id: headerMessageId(headerOf(m)),
        payload: new Payload(m.subarray(4), `notification ${headerMessageId(headerOf(m))}`),
      });
      if (out === undefined) continue;
      events.push(out.json);
      ctx.print?.(out);
    }
  } finally {
    if (listening) Deno.removeSignalListener("SIGINT", onSigint);
  }
}

/** What a watch prints when it ends: how many notifications and why it stopped. */
export function watchSummary(
  events: readonly unknown[],
  end: WatchEnd,
  printed: boolean,
): CallResult {
  const n = events.length;
  const why = end === "count" ? "count reached" : end === "duration" ? "time up" : "interrupted";
  return {
    text: `(${n} notification${n === 1 ? "" : "s"}; ${why})`,
    // Printed one by one already: the summary line does not repeat them.
    json: printed ? { done: true, count: n, end } : { done: true, count: n, end, events },
  };
}

/**
 * Runs `body` between `subscribe` and `unsubscribe`, unsubscribing also when `body` fails;
 * an unsubscribe failure after the connection closed does not hide `body`'s error.
 */
export async function subscribed<T>(
  subscribe: () => Promise<void>,
  unsubscribe: () => Promise<void>,
  body: () => Promise<T>,
): Promise<T> {
  await subscribe();
  let result: T;
  try {
    result = await body();
  } catch (e) {
    await unsubscribe().catch(() => {});
    throw e;
  }
  await unsubscribe();
  return result;
}
