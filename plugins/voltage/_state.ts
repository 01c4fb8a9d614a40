/**
 * Voltage protocol state: the protocol-wide table of domains (each agent's level request,
 * the level last asked of the hardware) and the on/off votes, built once at startup; how a
 * request or a withdrawal moves the hardware; and what a leaving agent releases.
 *
 * Levels: each agent's last request is kept per domain, and the domain runs at the level
 * {@linkcode aggregateLevel} picks; with no request left it stays where it is. An agent reads
 * back its own request, or the hardware level when it has none.
 *
 * On/off: {@linkcode OnVotes}. A domain found on at start-up is kept on by the platform, so
 * no guest can switch it off; an agent that never switched it on reads it as off.
 * @module
 */
import type { ResourceKind, VoltageDesc } from "../../core/board.ts";
import type { VoltageHw } from "../../core/hw/voltage.ts";
import type { PlatformEnv } from "../../core/platform_env.ts";
import type { Ctx } from "../../core/session.ts";
import { OnVotes } from "../../core/votes.ts";
import { aggregateLevel, type LevelRange } from "./_policy.ts";
import { LevelsFlag } from "./_wire.ts";

/** One voltage domain as the protocol tracks it. */
export interface VoltageDomain {
  readonly desc: VoltageDesc;
  readonly hw: VoltageHw;
  /** The levels agent `agent` may ask for: for now, every level the domain declares. */
  readonly allowed: (agent: number) => LevelRange;
  /** Agent id → the level it asked for, µV. */
  readonly requests: Map<number, number>;
  /** The level last asked of the hardware (or found at start-up), µV. */
  applied: number;
}

/** Protocol-wide state. */
export interface VoltageShared {
  /** Physical id → domain. */
  readonly domains: readonly (VoltageDomain | undefined)[];
  /** Who keeps each domain on. */
  readonly votes: OnVotes;
}

/** Sessions keep nothing of their own: requests and votes live in the shared state. */
export type VoltageSession = undefined;

export type VoltageCtx = Ctx<VoltageSession, VoltageShared>;

/** Whether `uv` is one of the levels domain `d` declares. */
export function declaresLevel(d: VoltageDesc, uv: number): boolean {
  const l = d.levels;
  if (l.kind === "list") return l.levels.includes(uv);
  if (uv < l.min || uv > l.max) return false;
  return l.step === 0 ? uv === l.min : (uv - l.min) % l.step === 0;
}

/**
 * Builds the domain table. Throws TypeError naming the domain when its levels cannot be
 * described (an empty or unsorted list, more levels than DESCRIBE_LEVELS counts, a segment
 * whose step does not divide it), its power-on level is not one of them, or no driver backs it.
 */
export function setupVoltage(env: PlatformEnv): VoltageShared {
  const domains: (VoltageDomain | undefined)[] = [];
  const votes = new OnVotes();
  for (const desc of env.board.voltage) {
    const where = `Voltage domain "${desc.name}" (${desc.id})`;
    const l = desc.levels;
    let range: LevelRange;
    if (l.kind === "list") {
      const n = l.levels.length;
      if (n === 0 || n > LevelsFlag.REMAINING_MAX) {
        throw new TypeError(`${where}: level list must hold 1 to 65535 levels, has ${n}`);
      }
      for (let i = 1; i < n; i++) {
        if (l.levels[i] <= l.levels[i - 1]) {
          throw new TypeError(
            `${where}: levels must ascend, got ${l.levels[i - 1]} then ${l.levels[i]}`,
          );
        }
      }
      range = { min: l.levels[0], max: l.levels[n - 1] };
    } else {
      const span = l.max - l.min;
      if (span < 0 || l.step < 0 || (span > 0 && (l.step === 0 || span % l.step !== 0))) {
        throw new TypeError(
          `${where}: segment ${l.min}–${l.max} step ${l.step} is not whole steps`,
        );
      }
      range = { min: l.min, max: l.max };
    }
    if (!declaresLevel(desc, desc.level)) {
      throw new TypeError(`${where}: power-on level ${desc.level} µV is not one of its levels`);
    }
    const hw = env.hw.voltage?.[desc.id];
    if (!hw) throw new TypeError(`${where}: no driver backs it`);
    const allowed = () => range;
    domains[desc.id] = { desc, hw, allowed, requests: new Map(), applied: desc.level };
    if (hw.isOn(desc.id)) votes.keep(desc.id);
  }
  return { domains, votes };
}

/** The domain behind physical id `phys`; the dispatcher only passes ids on the board. */
export function domainOf(ctx: VoltageCtx, phys: number): VoltageDomain {
  const d = ctx.shared.domains[phys];
  if (d === undefined) throw new TypeError(`Voltage domain ${phys} is not on the board`);
  return d;
}

/**
 * Moves the hardware to the level the requests on `d` now call for, if that differs from
 * what it was last asked. Returns the driver's outcome; on failure `applied` is restored.
 */
export function reconcile(d: VoltageDomain): void | Promise<void> {
  const target = aggregateLevel(d.requests, d.allowed);
  if (target === undefined || target === d.applied) return;
  const before = d.applied;
  d.applied = target;
  const undo = (e: unknown): never => {
    if (d.applied === target) d.applied = before;
    throw e;
  };
  let out: void | Promise<void>;
  try {
    out = d.hw.setLevel(d.desc.id, target);
  } catch (e) {
    return undo(e);
  }
  if (out instanceof Promise) return out.catch(undo);
}

/**
 * Records `agent`'s request of `uv` on `d` and moves the hardware if the domain's level
 * changes. A driver failure withdraws the request again and is thrown (or rejected).
 */
export function request(d: VoltageDomain, agent: number, uv: number): void | Promise<void> {
  const had = d.requests.get(agent);
  d.requests.set(agent, uv);
  const undo = (e: unknown): never => {
    if (d.requests.get(agent) === uv) {
      if (had === undefined) d.requests.delete(agent);
      else d.requests.set(agent, had);
    }
    throw e;
  };
  let out: void | Promise<void>;
  try {
    out = reconcile(d);
  } catch (e) {
    return undo(e);
  }
  if (out instanceof Promise) return out.catch(undo);
}

/**
 * Records `agent`'s on/off vote on physical domain `phys` and switches the output when the
 * domain's effective state flips. A driver failure withdraws the vote again and is thrown.
 */
export function voteOn(ctx: VoltageCtx, phys: number, on: boolean): void | Promise<void> {
  const votes = ctx.shared.votes;
  const agent = ctx.agent.id;
  const had = votes.has(agent, phys);
  if (had === on || !votes.vote(agent, phys, on)) return;
  const undo = (e: unknown): never => {
    votes.vote(agent, phys, had);
    throw e;
  };
  let out: void | Promise<void>;
  try {
    out = domainOf(ctx, phys).hw.setOn(phys, on);
  } catch (e) {
    return undo(e);
  }
  if (out instanceof Promise) return out.catch(undo);
}

/** Runs a hardware change nobody waits for (a release); failures are logged. */
function background(ctx: VoltageCtx, what: string, fn: () => void | Promise<void>): void {
  const fail = (e: unknown) =>
    ctx.env.log.error(`voltage: ${what} after agent "${ctx.agent.name}" left failed: ${e}`);
  try {
    const out = fn();
    if (out instanceof Promise) out.catch(fail);
  } catch (e) {
    fail(e);
  }
}

/** Withdraws `ctx`'s agent's level request and vote on physical domain `phys`. */
function releaseOne(ctx: VoltageCtx, phys: number): void {
  const d = ctx.shared.domains[phys];
  if (d === undefined) return;
  const agent = ctx.agent.id;
  if (d.requests.delete(agent)) {
    background(ctx, `setting "${d.desc.name}" to its remaining requests`, () => reconcile(d));
  }
  if (ctx.shared.votes.vote(agent, phys, false)) {
    background(ctx, `switching "${d.desc.name}" off`, () => d.hw.setOn(phys, false));
  }
}

/** The session ends or the agent is reset: its requests and votes go, hardware follows. */
export function closeVoltage(ctx: VoltageCtx): void {
  const agent = ctx.agent.id;
  for (const d of ctx.shared.domains) {
    if (d === undefined) continue;
    if (d.requests.has(agent) || ctx.shared.votes.has(agent, d.desc.id)) releaseOne(ctx, d.desc.id);
  }
}

/** The agent loses domain `phys`: its request and vote on it go. */
export function revokeVoltage(ctx: VoltageCtx, kind: ResourceKind, phys: number): void {
  if (kind === "voltage") releaseOne(ctx, phys);
}

/** The name this agent sees for virtual domain `vid` (physical `phys`). */
export function nameOf(ctx: VoltageCtx, vid: number, phys: number): string {
  return ctx.ids("voltage").names[vid] ?? domainOf(ctx, phys).desc.name;
}
