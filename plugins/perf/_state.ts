/**
 * Performance protocol state: the protocol-wide table of domains (limits, last known level,
 * every agent's request) built once at startup, each session's notification subscriptions,
 * and the conversion between level values and what each session puts on the wire.
 * @module
 */
import type { PerfDesc, ResourceKind } from "../../core/board.ts";
import type { PerfHw } from "../../core/hw/perf.ts";
import type { PlatformEnv } from "../../core/platform_env.ts";
import type { Ctx } from "../../core/session.ts";
import { LINUX_MAX_LEVELS, V4 } from "./_wire.ts";

/** One performance domain as the protocol tracks it. */
export interface PerfDomain {
  /** The board's description. */
  readonly desc: PerfDesc;
  /** The driver object that backs it. */
  readonly hw: PerfHw;
  /** Level value → its index in `desc.levels`. */
  readonly index: ReadonlyMap<number, number>;
  /** Current lower limit, a level value. */
  min: number;
  /** Current upper limit, a level value. */
  max: number;
  /** The level the domain was last known to run at; notifications compare against it. */
  level: number;
  /** Agent id → the level it last asked for and got (the input of the level policy). */
  readonly requests: Map<number, number>;
}

/** Protocol-wide state. */
export interface PerfShared {
  /** Physical id → domain. */
  readonly domains: readonly (PerfDomain | undefined)[];
  /** The board's unit of level power costs. */
  readonly powerUnit: "mW" | "uW" | "abstract";
}

/** Subscription bits per physical domain in {@linkcode PerfSession.subs}. */
export const Sub = { LIMITS: 1, LEVEL: 2 } as const;

/** Per-session state. */
export interface PerfSession {
  /** Physical id → Sub bits this session asked for. */
  readonly subs: Uint8Array;
}

export type PerfCtx = Ctx<PerfSession, PerfShared>;

/**
 * Builds the domain table. Throws TypeError naming the domain when its levels are empty,
 * not strictly ascending, or its power-on level is not one of them.
 */
export function setup(env: PlatformEnv): PerfShared {
  const domains: (PerfDomain | undefined)[] = [];
  for (const desc of env.board.perf) {
    const where = `perf "${desc.name}" (${desc.id})`;
    const levels = desc.levels;
    if (levels.length === 0) throw new TypeError(`${where}: declares no level`);
    const index = new Map<number, number>();
    levels.forEach((l, i) => {
      if (i > 0 && l.level <= levels[i - 1].level) {
        throw new TypeError(
          `${where}: levels must ascend, got ${levels[i - 1].level} then ${l.level}`,
        );
      }
      index.set(l.level, i);
    });
    if (!index.has(desc.level)) {
      throw new TypeError(`${where}: power-on level ${desc.level} is not one of its levels`);
    }
    const hw = env.hw.perf?.[desc.id];
    if (!hw) throw new TypeError(`${where}: no driver backs it`);
    if (levels.length > LINUX_MAX_LEVELS) {
      env.log.warn(
        `${where}: ${levels.length} levels; Linux agents accept at most ${LINUX_MAX_LEVELS}`,
      );
    }
    domains[desc.id] = {
      desc,
      hw,
      index,
      min: levels[0].level,
      max: levels[levels.length - 1].level,
      level: desc.level,
      requests: new Map(),
    };
  }
  return { domains, powerUnit: env.board.perfPowerUnit };
}

export function open(ctx: PerfCtx): PerfSession {
  return { subs: new Uint8Array(ctx.shared.domains.length) };
}

/** The agent's session ends: its subscriptions go with the state, its requests are dropped. */
export function close(ctx: PerfCtx): void {
  const id = ctx.agent.id;
  for (const d of ctx.shared.domains) d?.requests.delete(id);
}

/** The agent loses domain `phys`: no more notifications about it, its request is dropped. */
export function revoke(ctx: PerfCtx, kind: ResourceKind, phys: number): void {
  if (kind !== "perf") return;
  if (phys < ctx.state.subs.length) ctx.state.subs[phys] = 0;
  ctx.shared.domains[phys]?.requests.delete(ctx.agent.id);
}

/** Whether this session addresses `d`'s levels by index (4.0 level-indexing mode). */
export function indexed(ctx: PerfCtx, d: PerfDomain): boolean {
  return ctx.version >= V4 && d.desc.levelIndexing === true;
}

/** A level value as this session reads it: the value, or its index; -1 if not declared. */
export function toWire(ctx: PerfCtx, d: PerfDomain, level: number): number {
  if (!indexed(ctx, d)) return level;
  return d.index.get(level) ?? -1;
}

/**
 * A limit as this session reads it: the value, or in level-indexing mode the index of the
 * outermost declared level it admits (the lowest at or above a minimum, the highest at or
 * below a maximum). Limits always admit at least one declared level.
 */
export function limitToWire(ctx: PerfCtx, d: PerfDomain, limit: number, isMax: boolean): number {
  if (!indexed(ctx, d)) return limit;
  const levels = d.desc.levels;
  if (isMax) {
    let i = levels.length - 1;
    while (i > 0 && levels[i].level > limit) i--;
    return i;
  }
  let i = 0;
  while (i < levels.length - 1 && levels[i].level < limit) i++;
  return i;
}

/**
 * A level from this session's request as a level value: the value itself, or the level at
 * that index; -1 for an index past the last level.
 */
export function fromWire(ctx: PerfCtx, d: PerfDomain, wire: number): number {
  if (!indexed(ctx, d)) return wire;
  return wire < d.desc.levels.length ? d.desc.levels[wire].level : -1;
}

/** The domain's name as this agent sees it. */
export function domainName(ctx: PerfCtx, vid: number, d: PerfDomain): string {
  return ctx.ids("perf").names[vid] ?? d.desc.name;
}
