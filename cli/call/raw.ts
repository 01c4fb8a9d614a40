/**
 * `vscmi call raw PROTOCOL MESSAGE [WORD…]`: sends any command as u32 words and prints the
 * reply's words, for protocols `vscmi call` does not decode and for poking at error paths.
 * @module
 */
import { statusName } from "../../core/status.ts";
import {
  type CallProtocol,
  hex32,
  parseProtocol,
  parseU32,
  type Reply,
  type ScmiClient,
  UsageError,
} from "../../client/mod.ts";

export const RAW_USAGE = "raw PROTOCOL MESSAGE [WORD…]";
export const RAW_HELP =
  "Sends message MESSAGE of protocol PROTOCOL (a name or an id) with the given\n" +
  "u32 parameter words and prints the reply as u32 words: header, status, payload.";

/** The reply as little-endian u32 words (a ragged tail is zero-padded). */
export function replyWords(r: Reply): number[] {
  const b = r.bytes;
  const out: number[] = [];
  for (let i = 0; i < b.length; i += 4) {
    let v = 0;
    for (let k = 0; k < 4 && i + k < b.length; k++) v |= b[i + k] << (8 * k);
    out.push(v >>> 0);
  }
  return out;
}

/** A raw command's arguments, checked: protocol, message id and parameter words. */
export interface RawArgs {
  protocol: number;
  message: number;
  params: number[];
}

/** Checks `PROTOCOL MESSAGE [WORD…]`; throws UsageError. */
export function parseRaw(protocols: readonly CallProtocol[], args: string[]): RawArgs {
  if (args.length < 2) throw new UsageError(`Expected ${RAW_USAGE}`);
  const protocol = parseProtocol(protocols, args[0]);
  const message = parseU32(args[1], "Message id");
  if (message > 0xff) throw new UsageError(`Message id must be 0–0xff, got "${args[1]}"`);
  const params = args.slice(2).map((w, i) => parseU32(w, `Word ${i + 1}`));
  return { protocol, message, params };
}

/** Sends the raw command; resolves to the reply and what to print. */
export async function runRaw(
  client: ScmiClient,
  raw: RawArgs,
  timeoutMs: number,
): Promise<{ reply: Reply; text: string; json: unknown }> {
  const reply = await client.request(raw.protocol, raw.message, raw.params, timeoutMs);
  const words = replyWords(reply);
  return {
    reply,
    text: words.map(hex32).join(" "),
    json: { header: reply.header, status: statusName(reply.status), words },
  };
}
