/**
 * Performance protocol state: the protocol-wide table of domains (limits, last known level)
 * built once at startup with every agent's level request in the platform's vote book (store
 * `perf.level`, combined by the domain's policy, `last` by default), each session's
 * notification subscriptions, and the conversion between level values and what each session
 * puts on the wire.
 * @module
 */
import type { Ctx, Receiver, ResourceKind, SetupEnv, ValueVotes } from "../../mod.ts";
import { perfKind } from "./kind.ts";
import { type PerfDesc, perfPowerUnit } from "./kind.ts";
import type { PerfHw } from "./hw.ts";
import { sendLevelChanged } from "./_notify.ts";
import { LINUX_MAX_LEVELS, V4 } from "./msg.ts";

/** Name of the performance protocol's store in the vote book. */
export const PERF_STORE = "perf.level";

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
  /** Agent id → the level it asks for, oldest first (its votes in `perf.level`). */
  readonly requests: ReadonlyMap<number, number>;
}

/** Protocol-wide state. */
export interface PerfShared {
  /** Physical id → domain. */
  readonly domains: readonly (PerfDomain | undefined)[];
  /** Each agent's level request per domain (store `perf.level`). */
  readonly levels: ValueVotes;
  /** The board's unit of level power costs. */
  readonly powerUnit: "mW" | "uW" | "abstract";
  /** Every open performance session, for level and limit notifications. */
  readonly receivers: Iterable<Receiver<PerfSession>>;
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
export function setup(env: SetupEnv<PerfSession>): PerfShared {
  const domains: (PerfDomain | undefined)[] = [];
  const descs: (PerfDesc | undefined)[] = [];
  for (const d of perfKind.of(env.board)) descs[d.id] = d;
  const levelVotes = env.votes.values(PERF_STORE, {
    kind: "perf",
    policyOf: (phys) => descs[phys]?.policy ?? "last",
    // A restored vote meets the limits a domain starts with: its lowest and highest level.
    admit: (phys, level) => {
      const d = descs[phys];
      if (d === undefined) return "the board has no such performance domain";
      return levelProblem(d, level, d.levels[0]?.level, d.levels[d.levels.length - 1]?.level);
    },
    apply: (phys, cause) => settle(env, domains[phys], levelVotes, cause),
  });
  for (const desc of perfKind.of(env.board)) {
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
    const hw = perfKind.hwOf(env.hw)[desc.id];
    if (!hw) throw new TypeError(`${where}: no driver backs it`);
    if (levels.length > LINUX_MAX_LEVELS) {
      env.log.warn(
        `${where}: ${levels.length} levels; Linux agents accept at most ${LINUX_MAX_LEVELS}`,
      );
    }
    const votes = levelVotes;
    domains[desc.id] = {
      desc,
      hw,
      index,
      min: levels[0].level,
      max: levels[levels.length - 1].level,
      level: desc.level,
      get requests() {
        return votes.requests(desc.id);
      },
    };
  }
  return {
    domains,
    levels: levelVotes,
    powerUnit: perfPowerUnit(env.board),
    receivers: env.receivers,
  };
}

/**
 * Brings domain `d` to the level its votes now call for, when that differs from where it
 * runs and lies within its limits (a vote outside limits set since waits for them to move).
 * Subscribers hear PERF_LEVEL_CHANGED caused by `cause` (0 for restored votes).
 */
function settle(
  env: SetupEnv<PerfSession>,
  d: PerfDomain | undefined,
  votes: ValueVotes,
  cause: number,
): void | Promise<void> {
  if (d === undefined) return;
  const phys = d.desc.id;
  const want = votes.effective(phys);
  if (want === undefined || want === d.level || want < d.min || want > d.max) return;
  const done = (now: number) => {
    if (now === d.level) return;
    d.level = now;
    sendLevelChanged(env.receivers, phys, d, cause);
  };
  const out = d.hw.setLevel(phys, want);
  if (out instanceof Promise) return out.then(done);
  done(out);
}

export function open(ctx: PerfCtx): PerfSession {
  return { subs: new Uint8Array(ctx.shared.domains.length) };
}

/** The agent loses domain `phys`: no more notifications about it, its request is withdrawn. */
export function revoke(ctx: PerfCtx, kind: ResourceKind, phys: number): void {
  if (kind !== "perf") return;
  if (phys < ctx.state.subs.length) ctx.state.subs[phys] = 0;
  ctx.withdraw(PERF_STORE, phys);
}

/** Whether this session addresses `d`'s levels by index (4.0 level-indexing mode). */
export function indexed(ctx: { readonly version: number }, d: PerfDomain): boolean {
  return ctx.version >= V4 && d.desc.levelIndexing === true;
}

/**
 * Why domain `desc` cannot be set to `level` under limits `min`–`max`: outside them, or not a
 * level it declares when its hardware does not approximate (`PerfDesc.approximate`).
 * Undefined when it can. PERF_LEVEL_SET answers OUT_OF_RANGE for it.
 */
export function levelProblem(
  desc: PerfDesc,
  level: number,
  min: number,
  max: number,
): string | undefined {
  if (!(level >= min && level <= max)) return `${level} is outside the limits ${min}–${max}`;
  if (desc.approximate === true) return undefined;
  const levels = desc.levels;
  for (let i = 0; i < levels.length; i++) if (levels[i].level === level) return undefined;
  return `${level} is not a level the domain declares`;
}

/** A level value as this session reads it: the value, or its index; -1 if not declared. */
export function toWire(ctx: { readonly version: number }, d: PerfDomain, level: number): number {
  if (!indexed(ctx, d)) return level;
  return d.index.get(level) ?? -1;
}

/**
 * A limit as this session reads it: the value, or in level-indexing mode the index of the
 * outermost declared level it admits (the lowest at or above a minimum, the highest at or
 * below a maximum). Limits always admit at least one declared level.
 */
export function limitToWire(
  ctx: { readonly version: number },
  d: PerfDomain,
  limit: number,
  isMax: boolean,
): number {
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
