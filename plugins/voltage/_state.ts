/**
 * Voltage protocol state: the protocol-wide table of domains (the level last asked of the
 * hardware) built once at startup, with each agent's level request and on/off vote in the
 * platform's vote book; how a request or a withdrawal moves the hardware.
 *
 * Levels (store `voltage.level`): each agent's last request is kept per domain, and the
 * domain runs at the level its policy picks — by default (no `desc.policy`, or `max`) the
 * highest request inside every requester's allowed range ({@linkcode aggregateLevel}: the
 * domain's levels narrowed by the agent's bounds); `exclusive`, `min` and `last` as the vote
 * book defines them. With no request left it stays where it is. An agent reads back its own
 * request, or the hardware level when it has none.
 *
 * On/off (store `voltage.enable`): {@linkcode OnVotes}. A domain the board keeps
 * (`desc.kept`), one on from power-on (`desc.on`), or one found on at start-up without a
 * restored vote explaining it, is kept on by the platform, so no guest can switch it off; an agent that never switched it on reads it
 * as off.
 *
 * Votes belong to the agent; the platform withdraws them (grace expiry, explicit end, loss
 * of the domain) and the stores' `apply` brings the domain in line.
 * @module
 */
import type { Ctx, OnVotes, ResourceKind, SetupEnv, ValueVotes } from "../../mod.ts";
import { voltageKind } from "./kind.ts";
import type { VoltageDesc } from "./kind.ts";
import type { VoltageHw } from "./hw.ts";
import { aggregateLevel, type LevelRange } from "./_policy.ts";
import { LevelsFlag } from "./msg.ts";

/** Names of the voltage protocol's stores in the vote book. */
export const VoltageStore = { ENABLE: "voltage.enable", LEVEL: "voltage.level" } as const;

/** One voltage domain as the protocol tracks it. */
export interface VoltageDomain {
  readonly desc: VoltageDesc;
  readonly hw: VoltageHw;
  /** The levels agent `agent` may ask for: the domain's, narrowed by the agent's bounds. */
  readonly allowed: (agent: number) => LevelRange;
  /** Agent id → the level it asks for, µV, oldest first (its votes in `voltage.level`). */
  readonly requests: ReadonlyMap<number, number>;
  /** The store the requests live in. */
  readonly levels: ValueVotes;
  /** The level last asked of the hardware (or found at start-up), µV. */
  applied: number;
}

/** Protocol-wide state. */
export interface VoltageShared {
  /** Physical id → domain. */
  readonly domains: readonly (VoltageDomain | undefined)[];
  /** Who keeps each domain on (store `voltage.enable`). */
  readonly votes: OnVotes;
  /** Each agent's level request (store `voltage.level`). */
  readonly levels: ValueVotes;
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
export function setupVoltage(env: SetupEnv<VoltageSession>): VoltageShared {
  const domains: (VoltageDomain | undefined)[] = [];
  const descs: (VoltageDesc | undefined)[] = [];
  for (const d of voltageKind.of(env.board)) descs[d.id] = d;
  const votes = env.votes.onOff(VoltageStore.ENABLE, {
    kind: "voltage",
    apply(phys) {
      const d = domains[phys];
      const want = votes.effective(phys);
      if (d === undefined || d.hw.isOn(phys) === want) return;
      return d.hw.setOn(phys, want);
    },
  });
  const levels = env.votes.values(VoltageStore.LEVEL, {
    kind: "voltage",
    policyOf: (phys) => descs[phys]?.policy ?? "max",
    admit: (phys, uv) => {
      const d = descs[phys];
      if (d === undefined) return "the board has no such voltage domain";
      return declaresLevel(d, uv) ? undefined : `${uv} µV is not a level the domain declares`;
    },
    effective: (phys) => (domains[phys] ? target(domains[phys]) : undefined),
    apply(phys) {
      const d = domains[phys];
      if (d !== undefined) return reconcile(d);
    },
  });
  for (const desc of voltageKind.of(env.board)) {
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
    const hw = voltageKind.hwOf(env.hw)[desc.id];
    if (!hw) throw new TypeError(`${where}: no driver backs it`);
    const allowed = boundedBy(env, desc.id, range);
    domains[desc.id] = {
      desc,
      hw,
      allowed,
      get requests() {
        return levels.requests(desc.id);
      },
      levels,
      applied: desc.level,
    };
    // On without a restored vote to explain it: something before vscmi switched it on.
    const on = hw.isOn(desc.id) && votes.voters(desc.id).size === 0;
    if (desc.kept || desc.on || on) votes.keep(desc.id);
  }
  return { domains, votes, levels };
}

/** The levels each agent may ask for on `phys`: `range` narrowed by the agent's bounds. */
function boundedBy(
  env: SetupEnv<VoltageSession>,
  phys: number,
  range: LevelRange,
): (a: number) => LevelRange {
  return (agent) => {
    const b = env.agents.bounds(agent, "voltage", phys);
    if (b === undefined || (b.min === undefined && b.max === undefined)) return range;
    return {
      min: Math.max(range.min, b.min ?? range.min),
      max: Math.min(range.max, b.max ?? range.max),
    };
  };
}

/** The level the requests on `d` call for under its policy, or undefined for none. */
export function target(d: VoltageDomain): number | undefined {
  const policy = d.desc.policy;
  if (policy === undefined || policy === "max") return aggregateLevel(d.requests, d.allowed);
  return d.levels.effective(d.desc.id);
}

/** Whether another agent owns `d` under the `exclusive` policy. */
export function ownedByOther(d: VoltageDomain, agent: number): boolean {
  const owner = d.levels.owner(d.desc.id);
  return owner !== undefined && owner !== agent;
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
  const want = target(d);
  if (want === undefined || want === d.applied) return;
  const before = d.applied;
  d.applied = want;
  const undo = (e: unknown): never => {
    if (d.applied === want) d.applied = before;
    throw e;
  };
  let out: void | Promise<void>;
  try {
    out = d.hw.setLevel(d.desc.id, want);
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
  const phys = d.desc.id;
  const had = d.levels.own(agent, phys);
  d.levels.request(agent, phys, uv);
  const undo = (e: unknown): never => {
    if (d.levels.own(agent, phys) === uv) {
      if (had === undefined) d.levels.release(agent, phys);
      else d.levels.request(agent, phys, had);
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

/** The agent loses domain `phys`: its request and vote on it go, the domain follows. */
export function revokeVoltage(ctx: VoltageCtx, kind: ResourceKind, phys: number): void {
  if (kind !== "voltage") return;
  ctx.withdraw(VoltageStore.LEVEL, phys);
  ctx.withdraw(VoltageStore.ENABLE, phys);
}

/** The name this agent sees for virtual domain `vid` (physical `phys`). */
export function nameOf(ctx: VoltageCtx, vid: number, phys: number): string {
  return ctx.ids("voltage").names[vid] ?? domainOf(ctx, phys).desc.name;
}
