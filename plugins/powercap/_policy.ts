/**
 * How a power-capping domain shared by several agents picks its cap: the one place the
 * arbitration policy lives.
 * @module
 */

/**
 * The cap a shared domain enforces: the lowest cap any agent asks for (every consumer's
 * budget holds), 0 (capping disabled) when every agent that asks wants no cap, and
 * `fallback` (the board's power-on cap) when no agent asks at all.
 *
 * @example
 * ```ts
 * import { aggregateCap } from "./_policy.ts";
 * aggregateCap(new Map([[1, 4_000_000], [2, 0]]), 8_000_000); // 4_000_000
 * aggregateCap(new Map([[2, 0]]), 8_000_000); // 0
 * aggregateCap(new Map(), 8_000_000); // 8_000_000
 * ```
 */
export function aggregateCap(requests: ReadonlyMap<number, number>, fallback: number): number {
  if (requests.size === 0) return fallback;
  let low = 0;
  for (const cap of requests.values()) {
    if (cap !== 0 && (low === 0 || cap < low)) low = cap;
  }
  return low;
}
