/**
 * How a voltage domain shared by several agents picks its level: the one place the
 * arbitration policy lives, so per-agent bounds from the deployment can plug in here.
 * @module
 */

/** An inclusive range of levels, µV. */
export interface LevelRange {
  readonly min: number;
  readonly max: number;
}

/**
 * The level a shared domain should run at: the highest requested level that lies inside
 * every requester's allowed range (a rail must satisfy its most demanding consumer without
 * exceeding what any consumer tolerates). `undefined` when there is no request or no request
 * satisfies everyone; the domain then stays where it is.
 *
 * @example
 * ```ts
 * import { aggregateLevel } from "./_policy.ts";
 * const all = { min: 800_000, max: 1_000_000 };
 * aggregateLevel(new Map([[1, 900_000], [2, 850_000]]), () => all); // 900_000
 * ```
 */
export function aggregateLevel(
  requests: ReadonlyMap<number, number>,
  allowed: (agent: number) => LevelRange,
): number | undefined {
  let best: number | undefined;
  for (const level of requests.values()) {
    if (best !== undefined && level <= best) continue;
    let fits = true;
    for (const agent of requests.keys()) {
      const r = allowed(agent);
      if (level < r.min || level > r.max) {
        fits = false;
        break;
      }
    }
    if (fits) best = level;
  }
  return best;
}
