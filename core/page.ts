/**
 * Paging of multi-part lists (clock parents, levels, update intervals, associations, the
 * Base protocol list, …): how many entries of a list one reply carries.
 *
 * A paged reply is a count/flags head (`head` bytes after the status) followed by entries of
 * `itemSize` bytes, padded to a whole 4-byte word. The reply holds as many entries as fit the
 * writer's room, never more than the protocol's `max` count field allows, and at least one
 * whenever some remain, so an agent with a small message size still makes progress (a reply
 * that truly cannot hold one entry fails with COMMS_ERROR when written). Checking `start`
 * against the list is the caller's: each protocol answers a start past the end with its own
 * status (OUT_OF_RANGE, INVALID_PARAMETERS) and some accept a start equal to the total.
 * @module
 */
import type { Writer } from "./writer.ts";

/**
 * Entries of a `total`-entry list, from index `start`, that the next reply carries: at most
 * `max`, at most as many `itemSize`-byte entries as fit whole words of `w.room` after a
 * `head`-byte head, at least one when `start < total`, and 0 when `start >= total`.
 * Allocates nothing.
 *
 * @example
 * ```ts
 * import { page } from "./page.ts";
 * import { Writer } from "./writer.ts";
 *
 * const w = new Writer().reset(new Uint8Array(64), 0, 8 + 20);
 * w.begin(0);
 * // 20 bytes after the status: a 4-byte flags word and four u32 entries.
 * if (page(10, 2, 4, w) !== 4) throw new Error("expected 4");
 * ```
 */
export function page(
  total: number,
  start: number,
  itemSize: number,
  w: Writer,
  head = 4,
  max = 0xffff_ffff,
): number {
  const left = total - start;
  if (left <= 0) return 0;
  const fit = Math.floor((Math.floor((w.room - head) / 4) * 4) / itemSize);
  return Math.min(left, max, fit > 0 ? fit : 1);
}
