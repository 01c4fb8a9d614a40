/**
 * Walking a protocol's resources the way Linux does at probe (ids 0 to count - 1, one
 * request or more each), and the reply every changing command prints.
 * @module
 */
import type { CallResult } from "./types.ts";

/** `fn(id)` for every id from 0 to `count` - 1, one after the other, in order. */
export async function walk<T>(count: number, fn: (id: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let id = 0; id < count; id++) out.push(await fn(id));
  return out;
}

/** What a command that changed something prints: `text` ("ok"), and `{ ok: true, …json }`. */
export function ok(json: Record<string, unknown>, text = "ok"): CallResult {
  return { text, json: { ok: true, ...json } };
}
