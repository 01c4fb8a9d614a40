/**
 * The clock plugin's state: what it knows of the board's clocks (shared by every session),
 * each session's subscriptions and pending asynchronous requests, and the enable votes that
 * give every agent its own view of a clock's state.
 *
 * Enables are votes ({@linkcode OnVotes}, store `clock.enable` of the platform's vote book):
 * the hardware gate changes only when the effective state flips; a clock the board keeps
 * (`desc.kept`), one running from power-on (`desc.enabled`), or one found running at start-up
 * without a restored vote (or a running or voted clock below it) explaining it is kept on by
 * the platform, so no guest can switch it off, while an agent that never enabled it reads it
 * as disabled and may enable and disable it freely. The last is kept for good, or, when the
 * deployment says `found_running = "until-voted"` (`desc.foundRunning`), only until the first
 * agent vote on it ({@linkcode releaseFound}). A kept clock that the hardware has off at
 * start-up is switched on then. Every clock that should run holds its parent on (`tree.ts`):
 * the store's `apply` settles the clock with its parent chain.
 *
 * Rates are value votes (store `clock.rate`): each agent's request, snapped to a rate the
 * clock supports, combined by the clock's policy (`desc.policy`, default `last`).
 *
 * Votes belong to the agent: the platform withdraws them when its grace period ends, at an
 * explicit end (RESET_AGENT_CONFIGURATION, device reset) or when it loses the clock; the
 * store's `apply` then brings the clock in line with the remaining votes.
 * @module
 */
import {
  type Ctx,
  encodeName,
  type Msg,
  type OnVotes,
  type Receiver,
  type ResourceKind,
  Right,
  type SetupEnv,
  type ValueVotes,
} from "../../mod.ts";
import { clockKind } from "./kind.ts";
import type { ClockDesc } from "./kind.ts";
import type { ClockHw } from "./hw.ts";
import { ALL_PERMS, ClockEvent, ParentsFlag, RatesFlag, SHORT_NAME } from "./msg.ts";
import { broadcast } from "./notify.ts";
import { parentOf, settle } from "./tree.ts";
import { voteProblem } from "./snap.ts";

/** Protocol-wide state, built once from the board and its drivers. */
export interface ClockShared {
  /** Board description by physical id. */
  readonly descs: readonly (ClockDesc | undefined)[];
  /** Physical ids a clock can be switched to (its mux inputs, or its fixed parent). */
  readonly parents: readonly (readonly number[])[];
  /** Extended configuration types each clock has (1, 2, 0x80–0xFF). */
  readonly configTypes: readonly (readonly number[])[];
  /** The clocks' drivers by physical id. */
  readonly hw: readonly (ClockHw | undefined)[];
  /**
   * Who keeps each clock enabled (store `clock.enable`): agents' votes, the platform's keeps,
   * and each running child's hold on its parent (`tree.ts`).
   */
  readonly votes: OnVotes;
  /**
   * Physical id → kept on only because it was found running, until an agent first votes on
   * it (`[policy] found_running = "until-voted"`); see {@linkcode releaseFound}.
   */
  readonly untilVoted: boolean[];
  /** Each agent's rate request, Hz, snapped to a supported rate (store `clock.rate`). */
  readonly rateVotes: ValueVotes;
  /** Last rate seen per physical id, to tell a change from a repeat. */
  readonly rates: number[];
  /** Board names by physical id, encoded for CLOCK_ATTRIBUTES' 16-byte field. */
  readonly shortNames: readonly (Uint32Array | undefined)[];
  /**
   * Rate notification subscriptions over every session (both kinds): while 0, a rate
   * request looks for no receiver (the per-message path skips the walk over the sessions).
   */
  subscriptions: number;
  /** Every open clock session, for rate notifications. */
  readonly receivers: Iterable<Receiver<ClockSession>>;
}

/** Names of the clock protocol's stores in the vote book. */
export const ClockStore = { ENABLE: "clock.enable", RATE: "clock.rate" } as const;

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
export function setupClock(env: SetupEnv<ClockSession>): ClockShared {
  const descs: (ClockDesc | undefined)[] = [];
  const parents: (readonly number[])[] = [];
  const configTypes: (readonly number[])[] = [];
  const rates: number[] = [];
  const shortNames: Uint32Array[] = [];
  for (const d of clockKind.of(env.board)) {
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
    shortNames[d.id] = encodeName(d.name, SHORT_NAME);
  }
  const hw = clockKind.hwOf(env.hw);
  const votes = env.votes.onOff(ClockStore.ENABLE, {
    kind: "clock",
    apply: (phys) => settle(shared, phys),
  });
  const rateVotes = env.votes.values(ClockStore.RATE, {
    kind: "clock",
    policyOf: (phys) => descs[phys]?.policy ?? "last",
    admit: (phys, rate) => {
      const d = descs[phys];
      return d === undefined ? "the board has no such clock" : voteProblem(d, rate);
    },
    apply: (phys) => settleRate(env, shared, phys),
  });
  const shared: ClockShared = {
    descs,
    parents,
    hw,
    configTypes,
    votes,
    untilVoted: [],
    rateVotes,
    rates,
    shortNames,
    subscriptions: 0,
    receivers: env.receivers,
  };
  keepAtStart(env, shared);
  for (const h of new Set(hw.filter((h): h is ClockHw => h !== undefined))) {
    h.watchRates?.((phys, rate) => {
      if (descs[phys] !== undefined) seenRate(env, shared, phys, rate);
    });
  }
  return shared;
}

/**
 * Marks the clocks the platform keeps on: those the deployment keeps, those running from
 * power-on, and those running without a restored vote to explain them (something before
 * vscmi started them) — unless a running or voted clock below explains them as its parent.
 * The last are kept for good, or until an agent first votes on them when the deployment says
 * `found_running = "until-voted"`. Each kept clock's parent chain is then held; see
 * {@linkcode startKept}.
 */
function keepAtStart(env: SetupEnv<ClockSession>, shared: ClockShared): void {
  const { votes, hw } = shared;
  const fed = new Set<number>();
  for (const d of clockKind.of(env.board)) {
    const needed = d.kept || d.enabled || votes.voters(d.id).size !== 0 ||
      hw[d.id]?.isEnabled(d.id) === true;
    if (!needed) continue;
    for (let p = parentOf(shared, d.id); p >= 0 && !fed.has(p); p = parentOf(shared, p)) {
      fed.add(p);
    }
  }
  for (const d of clockKind.of(env.board)) {
    const running = hw[d.id]?.isEnabled(d.id) === true && votes.voters(d.id).size === 0 &&
      !fed.has(d.id);
    if (d.kept || d.enabled || running) votes.keep(d.id);
    if (!d.kept && !d.enabled && running && d.foundRunning === "until-voted") {
      shared.untilVoted[d.id] = true;
    }
  }
  for (const d of clockKind.of(env.board)) if (votes.isKept(d.id)) startKept(env, shared, d);
}

/**
 * A clock the platform keeps runs once the server is up, its parent chain with it: one the
 * hardware has off is switched on here, with one info line. A driver that fails (or takes
 * time and then fails) is logged; serving goes on without the clock.
 */
function startKept(env: SetupEnv<ClockSession>, shared: ClockShared, d: ClockDesc): void {
  const h = shared.hw[d.id];
  if (h === undefined) return;
  const where = `clock "${d.name}" (${d.id})`;
  const fail = (e: unknown) =>
    env.log.error(`Cannot switch on kept ${where}: ${e instanceof Error ? e.message : e}`);
  if (!h.isEnabled(d.id)) env.log.info(`Switching on kept ${where}: it was off at start-up`);
  try {
    const out = settle(shared, d.id);
    if (out instanceof Promise) out.catch(fail);
  } catch (e) {
    fail(e);
  }
}

/**
 * An agent votes on clock `phys` for the first time since it was found running: the
 * platform's start-up keep goes, so from now on the votes alone (and the children they hold
 * on) decide. Returns whether there was such a keep; {@linkcode keepFound} puts it back when
 * the vote fails, {@linkcode foundReleased} logs the release once the vote took.
 */
export function releaseFound(shared: ClockShared, phys: number): boolean {
  if (shared.untilVoted[phys] !== true) return false;
  shared.untilVoted[phys] = false;
  shared.votes.keep(phys, false);
  return true;
}

/** Puts back the start-up keep {@linkcode releaseFound} let go (the vote failed). */
export function keepFound(shared: ClockShared, phys: number): void {
  shared.untilVoted[phys] = true;
  shared.votes.keep(phys, true);
}

/** Logs, once per clock, that the vote of the context's agent ended the start-up keep of `phys`. */
export function foundReleased(ctx: ClockCtx, phys: number): void {
  const clock = `clock "${descOf(ctx, phys).name}" (${phys})`;
  ctx.log.info(
    `Released the start-up keep of ${clock}: agent "${ctx.agent.name}" voted; votes decide from now on`,
  );
}

/**
 * Brings clock `phys` to the rate its votes call for, when there is one and the clock runs
 * at another (read from the driver): the snapped rate is programmed as is, and subscribers
 * hear CLOCK_RATE_CHANGED from the platform (agent id 0).
 */
function settleRate(
  env: SetupEnv<ClockSession>,
  shared: ClockShared,
  phys: number,
): void | Promise<void> {
  const want = shared.rateVotes.effective(phys);
  const h = shared.hw[phys];
  if (want === undefined || h === undefined) return;
  const program = (now: number): void | Promise<void> => {
    if (now === want) return void seenRate(env, shared, phys, now);
    const out = h.setRate(phys, want, "nearest");
    if (out instanceof Promise) return out.then((r) => seenRate(env, shared, phys, r));
    seenRate(env, shared, phys, out);
  };
  const now = h.getRate(phys);
  return now instanceof Promise ? now.then(program) : program(now);
}

/** Records a rate read or programmed outside any command; tells subscribers of a change. */
function seenRate(
  env: SetupEnv<ClockSession>,
  shared: ClockShared,
  phys: number,
  rate: number,
): void {
  if (shared.rates[phys] === rate) return;
  shared.rates[phys] = rate;
  if (shared.subscriptions !== 0) {
    broadcast(env.receivers, ClockEvent.CLOCK_RATE_CHANGED, phys, 0, rate);
  }
}

/** A fresh session: no subscriptions, nothing pending. */
export function openClock(): ClockSession {
  return { rateChanged: new Set(), rateRequested: new Set(), pending: 0 };
}

/** The session ends (or its agent's configuration is reset): its subscriptions go. */
export function closeClock(ctx: ClockCtx): void {
  const st = ctx.state;
  ctx.shared.subscriptions -= st.rateChanged.size + st.rateRequested.size;
  st.rateChanged.clear();
  st.rateRequested.clear();
}

/** Adds or drops one of the session's rate subscriptions, keeping the count. */
export function subscribe(ctx: ClockCtx, subs: Set<number>, phys: number, on: boolean): void {
  if (subs.has(phys) === on) return;
  if (on) subs.add(phys);
  else subs.delete(phys);
  ctx.shared.subscriptions += on ? 1 : -1;
}

/** The agent loses clock `phys`: its subscriptions and its votes on it go. */
export function revokeClock(ctx: ClockCtx, kind: ResourceKind, phys: number): void {
  if (kind !== "clock") return;
  subscribe(ctx, ctx.state.rateChanged, phys, false);
  subscribe(ctx, ctx.state.rateRequested, phys, false);
  ctx.withdraw(ClockStore.ENABLE, phys);
  ctx.withdraw(ClockStore.RATE, phys);
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
  if (ctx.shared.configTypes[phys].length === 0) return false;
  const hw = ctx.shared.hw[phys];
  return hw?.getOemConfig !== undefined && hw.setOemConfig !== undefined;
}

/** Whether the agent may list and switch the clock's parents. */
export function hasParents(ctx: ClockCtx, phys: number): boolean {
  // Most clocks have no parent: answer before looking at the driver or the agent's view.
  return ctx.shared.parents[phys].length !== 0 &&
    ctx.shared.hw[phys]?.getParent !== undefined &&
    visibleParents(ctx, phys) > 0;
}
