/**
 * Performance limits and levels: the PERF_LIMITS_* and PERF_LEVEL_* handlers, and the single
 * paths through which an agent changes a domain's level or limits (policy, hardware,
 * notifications).
 * @module
 */
import { type Msg, type Outcome, Status } from "../../mod.ts";
import { sendLevelChanged, sendLimitsChanged } from "./_notify.ts";
import {
  fromWire,
  indexed,
  levelProblem,
  limitToWire,
  type PerfCtx,
  type PerfDomain,
  toWire,
} from "./_state.ts";
import { V3 } from "./msg.ts";

function settleLevel(ctx: PerfCtx, phys: number, d: PerfDomain, now: number): void {
  if (now === d.level) return;
  d.level = now;
  sendLevelChanged(ctx.shared.receivers, phys, d, ctx.agent.id);
}

/**
 * The one path that changes a domain's level for an agent: its request is its vote (store
 * `perf.level`), the domain's policy picks the level, and when that is this request the
 * hardware moves (asynchronously when it takes time) and subscribers hear of a change.
 * `level` is a level value already checked against the domain's limits. DENIED when another
 * agent owns the domain under the `exclusive` policy; a driver failure withdraws the request
 * again and is thrown (or rejected).
 */
export function requestLevel(ctx: PerfCtx, phys: number, d: PerfDomain, level: number): Outcome {
  const votes = ctx.shared.levels;
  const agent = ctx.agent.id;
  const owner = votes.owner(phys);
  if (owner !== undefined && owner !== agent) return Status.DENIED;
  const before = votes.own(agent, phys);
  // Another agent's request decides the level (a higher one under "max"): nothing to drive.
  if (votes.request(agent, phys, level).effective !== level) return;
  const undo = (e: unknown): never => {
    if (votes.own(agent, phys) === level) {
      if (before === undefined) votes.release(agent, phys);
      else votes.request(agent, phys, before);
    }
    throw e;
  };
  let out: number | Promise<number>;
  try {
    out = d.hw.setLevel(phys, level);
  } catch (e) {
    return undo(e);
  }
  if (out instanceof Promise) {
    return out.then((now) => settleLevel(ctx, phys, d, now), undo);
  }
  settleLevel(ctx, phys, d, out);
}

function settleLimits(
  ctx: PerfCtx,
  phys: number,
  d: PerfDomain,
  min: number,
  max: number,
  now: number,
): void {
  const agent = ctx.agent.id;
  d.min = min;
  d.max = max;
  sendLimitsChanged(ctx, phys, d, agent);
  if (now === d.level) return;
  d.level = now;
  sendLevelChanged(ctx.shared.receivers, phys, d, agent);
}

/**
 * The one path that changes a domain's limits for an agent: the hardware takes the new limits
 * and moves a level now outside them to the nearest one inside; subscribers hear of both.
 * `min`/`max` are level values already checked.
 */
export function requestLimits(
  ctx: PerfCtx,
  phys: number,
  d: PerfDomain,
  min: number,
  max: number,
): Outcome {
  if (min === d.min && max === d.max) return;
  const out = d.hw.setLimits(phys, min, max);
  if (out instanceof Promise) {
    return out.then((now) => settleLimits(ctx, phys, d, min, max, now));
  }
  settleLimits(ctx, phys, d, min, max, out);
}

/**
 * PERF_LIMITS_SET (0x5): DEN0056 §4.5 PERFORMANCE_LIMITS_SET.
 * a2p: u32 domain_id, u32 range_max, u32 range_min. p2a: —.
 * In level-indexing mode both are indices, 0 the lowest level. Otherwise, from 3.0, a zero
 * leaves that limit unchanged and both zero is INVALID_PARAMETERS. range_max below range_min
 * is INVALID_PARAMETERS; a limit outside the domain's levels (an index past the last one), or
 * limits that admit no level, OUT_OF_RANGE. Limits that change notify every subscriber.
 */
export function limitsSet(ctx: PerfCtx, m: Msg): Outcome {
  m.r.u32();
  const rawMax = m.r.u32();
  const rawMin = m.r.u32();
  const d = ctx.shared.domains[m.res]!;
  const keep = ctx.version >= V3 && !indexed(ctx, d);
  if (keep && rawMax === 0 && rawMin === 0) return Status.INVALID_PARAMETERS;
  // Wire values: levels (where a kept limit is its level) or indices, both ascending.
  const wireMax = keep && rawMax === 0 ? d.max : rawMax;
  const wireMin = keep && rawMin === 0 ? d.min : rawMin;
  if (wireMin > wireMax) return Status.INVALID_PARAMETERS;
  const max = fromWire(ctx, d, wireMax);
  const min = fromWire(ctx, d, wireMin);
  if (max < 0 || min < 0) return Status.OUT_OF_RANGE;
  const levels = d.desc.levels;
  if (min < levels[0].level || max > levels[levels.length - 1].level) return Status.OUT_OF_RANGE;
  let admits = false;
  for (let i = 0; i < levels.length && !admits; i++) {
    admits = levels[i].level >= min && levels[i].level <= max;
  }
  if (!admits) return Status.OUT_OF_RANGE;
  return requestLimits(ctx, m.res, d, min, max);
}

/**
 * PERF_LIMITS_GET (0x6): DEN0056 §4.5 PERFORMANCE_LIMITS_GET.
 * a2p: u32 domain_id. p2a: u32 range_max, u32 range_min.
 */
export function limitsGet(ctx: PerfCtx, m: Msg): Outcome {
  const d = ctx.shared.domains[m.res]!;
  m.w.u32(limitToWire(ctx, d, d.max, true));
  m.w.u32(limitToWire(ctx, d, d.min, false));
}

/**
 * PERF_LEVEL_SET (0x7): DEN0056 §4.5 PERFORMANCE_LEVEL_SET.
 * a2p: u32 domain_id, u32 performance_level (an index in level-indexing mode). p2a: —.
 * OUT_OF_RANGE outside the current limits (or an index past the last level), or for a level
 * the domain does not declare unless its hardware approximates ({@linkcode levelProblem}).
 */
export function levelSet(ctx: PerfCtx, m: Msg): Outcome {
  m.r.u32();
  const wire = m.r.u32();
  const d = ctx.shared.domains[m.res]!;
  const level = fromWire(ctx, d, wire);
  if (level < 0 || levelProblem(d.desc, level, d.min, d.max) !== undefined) {
    return Status.OUT_OF_RANGE;
  }
  return requestLevel(ctx, m.res, d, level);
}

function writeLevel(ctx: PerfCtx, m: Msg, d: PerfDomain, level: number): Outcome {
  const wire = toWire(ctx, d, level);
  if (wire < 0) return Status.HARDWARE_ERROR;
  m.w.u32(wire);
}

/**
 * PERF_LEVEL_GET (0x8): DEN0056 §4.5 PERFORMANCE_LEVEL_GET.
 * a2p: u32 domain_id. p2a: u32 performance_level (an index in level-indexing mode).
 */
export function levelGet(ctx: PerfCtx, m: Msg): Outcome {
  const d = ctx.shared.domains[m.res]!;
  const out = d.hw.getLevel(m.res);
  if (out instanceof Promise) return out.then((level) => writeLevel(ctx, m, d, level));
  return writeLevel(ctx, m, d, out);
}
