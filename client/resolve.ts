/**
 * Resource arguments of `vscmi call`: a resource given by its id, or by the name the
 * platform reports for it, and the small field readers several protocol modules share.
 * @module
 */
import { parseU32, UsageError } from "./args.ts";
import { Payload } from "./decode.ts";
import type { CallContext } from "./types.ts";

/**
 * The id `text` names: a number (decimal or `0x` hex), or a name among `names()` (index =
 * id; undefined entries are ids the platform did not describe). Throws UsageError naming
 * `what` when no name matches.
 */
export async function resolveId(
  text: string,
  what: string,
  names: () => Promise<readonly (string | undefined)[]>,
): Promise<number> {
  if (/^(0x[0-9a-f]+|\d+)$/i.test(text.trim())) return parseU32(text, `${what} id`);
  const all = await names();
  const i = all.indexOf(text);
  if (i >= 0) return i;
  const known = all.filter((n) => n !== undefined);
  throw new UsageError(
    `No ${what} named "${text}"${
      known.length ? ` (known: ${known.join(", ")})` : `: the platform lists no ${what}`
    }`,
  );
}

/**
 * The whole name a `*_NAME_GET` message `msg` gives (a2p: `params`; p2a: u32 flags, char
 * name[64]), for a resource whose attributes flag a long name. With a `fallback` (the short
 * name) a refusal keeps the fallback, as Linux does; without one it rejects with StatusError.
 * `label` names the reply in decode errors.
 */
export async function longName(
  ctx: CallContext,
  msg: number,
  params: readonly number[],
  label: string,
  fallback?: string,
): Promise<string> {
  let p: Payload;
  if (fallback === undefined) {
    p = await ctx.call(msg, params);
  } else {
    const r = await ctx.request(msg, params);
    if (r.status !== 0) return fallback;
    p = new Payload(r.payload, label);
  }
  p.u32();
  return p.name(64);
}

/** A 5-bit two's-complement field (scale and timestamp exponents) as a number. */
export function signed5(bits: number): number {
  const v = bits & 0x1f;
  return v & 0x10 ? v - 32 : v;
}

/** A signed 64-bit value from its low and high words; a number when exact, else a bigint. */
export function s64(low: number, high: number): number | bigint {
  const v = BigInt.asIntN(64, (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0));
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(v)
    : v;
}

/** An unsigned 64-bit value from its low and high words; a number when exact. */
export function u64(low: number, high: number): number | bigint {
  const v = (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** A value for JSON output: a number when exact, else a decimal string. */
export function jsonNumber(v: number | bigint): number | string {
  if (typeof v === "number") return v;
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(v)
    : v.toString();
}
