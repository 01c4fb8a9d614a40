/**
 * The clock plugin's state: what it knows of the board's clocks (shared by every session),
 * each session's subscriptions and pending asynchronous requests, and the enable votes that
 * give every agent its own view of a clock's state.
 *
 * Enables are votes ({@linkcode OnVotes}): the hardware gate changes only when the
 * effective state flips; a clock found running at start-up is kept on by the platform, so no
 * guest can switch it off, while an agent that never enabled it reads it as disabled and may
 * enable and disable it freely. Ending a session, resetting the agent or revoking the clock
 * withdraws the agent's votes.
 * @module
 */
import type { ClockDesc, ResourceKind } from "../../core/board.ts";
import type { Msg } from "../../core/msg.ts";
import type { PlatformEnv } from "../../core/platform_env.ts";
import { Right } from "../../core/protocol.ts";
import type { Ctx } from "../../core/session.ts";
import { OnVotes } from "../../core/votes.ts";
import { ALL_PERMS, ParentsFlag, RatesFlag } from "./msg.ts";

/** Protocol-wide state, built once from the board and its drivers. */
export interface ClockShared {
  /** Board description by physical id. */
  readonly descs: readonly (ClockDesc | undefined)[];
  /** Physical ids a clock can be switched to (its mux inputs, or its fixed parent). */
  readonly parents: readonly (readonly number[])[];
  /** Extended configuration types each clock has (1, 2, 0x80–0xFF). */
  readonly configTypes: readonly (readonly number[])[];
  /** Who keeps each clock enabled. */
  readonly votes: OnVotes;
  /** Last rate seen per physical id, to tell a change from a repeat. */
  readonly rates: number[];
}

/** Per-session state. */
export interface ClockSession {
  /** Physical ids this session wants CLOCK_RATE_CHANGED for. */
  readonly rateChanged: Set<number>;
  /** Physical ids this session wants CLOCK_RATE_CHANGE_REQUESTED for. */
  readonly rateRequested: Set<number>;
  /** Asynchronous CLOCK_RATE_SET requests accepted and not yet finished. */
  pending: number;
}

/** A clock handler's context. */
export type ClockCtx = Ctx<ClockSession, ClockShared>;

const NO_IDS: readonly number[] = Object.freeze([]);

/**
 * Builds the shared state. Throws TypeError for a board the protocol cannot describe: an
 * empty rate list, one not strictly ascending or longer than DESCRIBE_RATES can count, a
 * range with min above max or a negative step, more than 255 parents (POSSIBLE_PARENTS_GET
 * counts the remaining ones in 8 bits).
 */
export function setupClock(env: PlatformEnv): ClockShared {
  const descs: (ClockDesc | undefined)[] = [];
  const parents: (readonly number[])[] = [];
  const configTypes: (readonly number[])[] = [];
  const rates: number[] = [];
  const votes = new OnVotes();
  for (const d of env.board.clock) {
    const where = `Clock "${d.name}" (${d.id})`;
    const r = d.rates;
    if (r.kind === "list") {
      const n = r.rates.length;
      if (n === 0 || n > RatesFlag.REMAINING_MAX) {
        throw new TypeError(`${where}: rate list must hold 1 to 65535 rates, has ${n}`);
      }
      for (let i = 1; i < n; i++) {
        if (!(r.rates[i] > r.rates[i - 1])) {
          throw new TypeError(
            `${where}: rates must ascend, ${r.rates[i]} follows ${r.rates[i - 1]}`,
          );
        }
      }
    } else if (!(r.min <= r.max && r.step >= 0)) {
      throw new TypeError(`${where}: range needs min ≤ max and step ≥ 0`);
    }
    const ps = d.parents.length > 0 ? d.parents : d.parent !== undefined ? [d.parent] : NO_IDS;
    if (ps.length > ParentsFlag.REMAINING_MAX) {
      throw new TypeError(`${where}: too many parents (${ps.length})`);
    }
    descs[d.id] = d;
    parents[d.id] = ps;
    configTypes[d.id] = d.oemConfig?.map((c) => c.type) ?? NO_IDS;
    rates[d.id] = d.rate;
    if (env.hw.clock?.[d.id]?.isEnabled(d.id)) votes.keep(d.id);
  }
  return { descs, parents, configTypes, votes, rates };
}

/** A fresh session: no subscriptions, nothing pending. */
export function openClock(): ClockSession {
  return { rateChanged: new Set(), rateRequested: new Set(), pending: 0 };
}

/** The session ends or the agent is reset: its votes go, hardware follows the rest. */
export function closeClock(ctx: ClockCtx): void {
  for (const phys of ctx.shared.votes.release(ctx.agent.id)) gate(ctx, phys, false);
}

/** The agent loses clock `phys`: its vote and subscriptions on it go. */
export function revokeClock(ctx: ClockCtx, kind: ResourceKind, phys: number): void {
  if (kind !== "clock") return;
  ctx.state.rateChanged.delete(phys);
  ctx.state.rateRequested.delete(phys);
  if (ctx.shared.votes.vote(ctx.agent.id, phys, false)) gate(ctx, phys, false);
}

/** Drives a gate after a vote was withdrawn outside any command; failures are logged. */
function gate(ctx: ClockCtx, phys: number, on: boolean): void {
  const fail = (e: unknown) =>
    ctx.env.log.error(
      `clock: turning clock ${phys} ${
        on ? "on" : "off"
      } for agent "${ctx.agent.name}" failed: ${e}`,
    );
  try {
    const out = ctx.hw.clock[phys]?.setEnabled(phys, on);
    if (out instanceof Promise) out.catch(fail);
  } catch (e) {
    fail(e);
  }
}

/** The board's description of the clock the message names. */
export function descOf(ctx: ClockCtx, phys: number): ClockDesc {
  const d = ctx.shared.descs[phys];
  if (d === undefined) throw new TypeError(`Clock ${phys} is not on the board`);
  return d;
}

/** The name this agent sees for the clock the message names. */
export function nameOf(ctx: ClockCtx, m: Msg): string {
  return ctx.ids("clock").names[m.vid] ?? descOf(ctx, m.res).name;
}

/**
 * CLOCK_GET_PERMISSIONS bits for the agent's virtual id `vid`: every control while it holds
 * WRITE, none otherwise (the policy work will split state, parent and rate rights).
 */
export function permissionsOf(ctx: ClockCtx, vid: number): number {
  return (ctx.ids("clock").rights[vid] & Right.WRITE) !== 0 ? ALL_PERMS : 0;
}

/** How many of the clock's possible parents this agent can see. */
export function visibleParents(ctx: ClockCtx, phys: number): number {
  const ids = ctx.ids("clock");
  let n = 0;
  for (const p of ctx.shared.parents[phys]) if (ids.has(p)) n++;
  return n;
}

/** Whether the clock's driver and board description give it extended configuration. */
export function hasExtendedConfig(ctx: ClockCtx, phys: number): boolean {
  const hw = ctx.hw.clock[phys];
  return ctx.shared.configTypes[phys].length > 0 && hw?.getOemConfig !== undefined &&
    hw.setOemConfig !== undefined;
}

/** Whether the agent may list and switch the clock's parents. */
export function hasParents(ctx: ClockCtx, phys: number): boolean {
  return ctx.hw.clock[phys]?.getParent !== undefined && visibleParents(ctx, phys) > 0;
}
