/**
 * Clock rates: CLOCK_DESCRIBE_RATES (paged list or range triplet), CLOCK_RATE_GET and
 * CLOCK_RATE_SET, synchronous or asynchronous with its delayed response
 * CLOCK_RATE_SET_COMPLETE.
 *
 * A rate request is the agent's vote (store `clock.rate`, see `state.ts`): the rate it asks
 * for, snapped to one the clock supports, combined with the other agents' requests by the
 * clock's policy (`exclusive`, `max`, `min`, or `last` by default). The hardware is driven,
 * through {@linkcode applyRate}, only when the request is the rate the policy picks; an
 * exclusive clock another agent owns answers DENIED.
 * @module
 */
import {
  type Bounds,
  type CommandDef,
  headerToken,
  type Msg,
  page,
  Right,
  Status,
  type ValueVotes,
  type Writer,
} from "../../mod.ts";
import type { ClockDesc, ClockRates } from "./kind.ts";
import type { RateRound } from "./hw.ts";
import { ClockEvent, ClockMsg, MAX_ASYNC, RATE_FLAGS, RateFlag, RatesFlag } from "./msg.ts";
import { broadcast } from "./notify.ts";
import { rateProblem, snapRate } from "./snap.ts";
import { type ClockCtx, type ClockSession, type ClockShared, descOf } from "./state.ts";

type Cmd = CommandDef<ClockSession, ClockShared>;

/** Bytes of `num_rates_flags` and of one rate. */
const FLAGS_SIZE = 4;
const RATE_SIZE = 8;

/**
 * CLOCK_DESCRIBE_RATES (§4.6.2.6). a2p: u32 clock_id, u32 rate_index.
 * p2a: u32 num_rates_flags (returned 11:0, range format 12, remaining 31:16), then rates as
 * {u32 low, u32 high}. A list clock answers the rates from `rate_index` on, ascending, as
 * many as the agent's message size holds (at least one); `rate_index` past the last rate →
 * OUT_OF_RANGE. A range clock answers its {min, max, step} triplet with nothing remaining,
 * whatever the index.
 *
 * An agent with bounds on the clock (`IdMap.bounds`) sees only the rates it may set: a list
 * clock lists those of its rates within min–max (and among the allowed values, if any),
 * indexed and paged the same way; a range clock answers its triplet clipped to min–max, both
 * ends moved inward onto the clock's step grid; a range clock with allowed values lists the
 * values on its grid within min–max instead. Bounds that leave no rate → OUT_OF_RANGE (the
 * manifest loader refuses such bounds).
 */
export const clockDescribeRates: Cmd = {
  name: "CLOCK_DESCRIBE_RATES",
  params: 8,
  resource: "clock",
  a2p: "clock_id rate_index",
  run(ctx, m) {
    m.r.u32();
    const index = m.r.u32();
    const rates = descOf(ctx, m.res).rates;
    const b = ctx.ids("clock").bounds[m.vid];
    if (b !== undefined) return describeBounded(m.w, rates, b, index);
    const w = m.w;
    if (rates.kind === "range") {
      w.u32(3 | RatesFlag.RANGE);
      w.u64(rates.min);
      w.u64(rates.max);
      w.u64(rates.step);
      return;
    }
    const list = rates.rates;
    const left = list.length - index;
    if (left <= 0) return Status.OUT_OF_RANGE;
    const fit = Math.floor((w.room - FLAGS_SIZE) / RATE_SIZE);
    const n = Math.max(1, Math.min(fit, left, RatesFlag.RETURNED_MAX));
    w.u32(n | ((left - n) << RatesFlag.REMAINING_SHIFT));
    for (let i = index; i < index + n; i++) w.u64(list[i]);
  },
};

/** Whether bounds `b` let the agent set `rate`. */
function admits(b: Bounds, rate: number): boolean {
  if ((b.min !== undefined && rate < b.min) || (b.max !== undefined && rate > b.max)) {
    return false;
  }
  return b.values === undefined || b.values.includes(rate);
}

/** Whether `rate` lies on range clock `r`'s grid. */
function onGrid(r: RangeRates, rate: number): boolean {
  return rate >= r.min && rate <= r.max && (!(r.step > 0) || (rate - r.min) % r.step === 0);
}

type RangeRates = Extract<ClockRates, { kind: "range" }>;

/**
 * CLOCK_DESCRIBE_RATES for an agent with bounds `b` on the clock (see
 * {@linkcode clockDescribeRates}). Allocates nothing: the admitted rates are counted, then
 * written, straight from the board's list (or the allowed values).
 */
function describeBounded(
  w: Writer,
  rates: ClockRates,
  b: Bounds,
  index: number,
): Status | undefined {
  if (rates.kind === "range" && b.values === undefined) {
    const lo = Math.max(rates.min, b.min ?? rates.min);
    const hi = Math.min(rates.max, b.max ?? rates.max);
    const step = rates.step;
    const min = step > 0 ? rates.min + Math.ceil((lo - rates.min) / step) * step : lo;
    const max = step > 0 ? rates.min + Math.floor((hi - rates.min) / step) * step : hi;
    if (min > max) return Status.OUT_OF_RANGE;
    w.u32(3 | RatesFlag.RANGE);
    w.u64(min);
    w.u64(max);
    w.u64(step);
    return;
  }
  // A list: the board's rates, or the allowed values on a range clock's grid.
  const list = rates.kind === "list" ? rates.rates : b.values!;
  let total = 0;
  for (let i = 0; i < list.length; i++) if (keeps(rates, b, list[i])) total++;
  const n = page(total, index, RATE_SIZE, w, FLAGS_SIZE, RatesFlag.RETURNED_MAX);
  if (n === 0) return Status.OUT_OF_RANGE;
  w.u32(n | ((total - index - n) << RatesFlag.REMAINING_SHIFT));
  let seen = 0;
  let written = 0;
  for (let i = 0; i < list.length && written < n; i++) {
    const rate = list[i];
    if (!keeps(rates, b, rate)) continue;
    if (seen++ < index) continue;
    w.u64(rate);
    written++;
  }
}

/** Whether a bounded agent is shown `rate` of the clock. */
function keeps(rates: ClockRates, b: Bounds, rate: number): boolean {
  return admits(b, rate) && (rates.kind === "list" || onGrid(rates, rate));
}

/** Records the rate the driver reports. */
function seen(ctx: ClockCtx, phys: number, rate: number): void {
  ctx.shared.rates[phys] = rate;
}

/**
 * CLOCK_RATE_GET (§4.6.2.8). a2p: u32 clock_id. p2a: u32 rate_low, u32 rate_high — the rate
 * the clock is programmed to, also while it is disabled.
 */
export const clockRateGet: Cmd = {
  name: "CLOCK_RATE_GET",
  params: 4,
  resource: "clock",
  a2p: "clock_id",
  run(ctx, m) {
    const phys = m.res;
    const out = ctx.shared.hw[phys]!.getRate(phys);
    if (out instanceof Promise) {
      return out.then((r) => {
        seen(ctx, phys, r);
        m.w.u64(r);
      });
    }
    seen(ctx, phys, out);
    m.w.u64(out);
  },
};

/**
 * CLOCK_RATE_SET's rate for the dispatcher's bound check: a rate the clock cannot produce is
 * NaN, so the bounds are not consulted and the handler answers INVALID_PARAMETERS.
 */
function producible(ctx: ClockCtx, phys: number, rate: number): number {
  const d = ctx.shared.descs[phys];
  return d !== undefined && rateProblem(d, rate) === undefined ? rate : NaN;
}

function roundOf(flags: number): RateRound {
  if ((flags & RateFlag.ROUND_AUTO) !== 0) return "nearest";
  return (flags & RateFlag.ROUND_UP) !== 0 ? "up" : "down";
}

/**
 * Changes the rate of physical clock `phys` for the calling agent: tells subscribers of
 * CLOCK_RATE_CHANGE_REQUESTED, drives the hardware, and tells subscribers of
 * CLOCK_RATE_CHANGED when the rate really changed. Resolves to the rate the clock runs at.
 */
export function applyRate(
  ctx: ClockCtx,
  phys: number,
  rate: number,
  round: RateRound,
): number | Promise<number> {
  tell(ctx, ClockEvent.CLOCK_RATE_CHANGE_REQUESTED, phys, ctx.agent.id, rate);
  const out = ctx.shared.hw[phys]!.setRate(phys, rate, round);
  if (out instanceof Promise) return out.then((r) => changed(ctx, phys, r));
  return changed(ctx, phys, out);
}

function changed(ctx: ClockCtx, phys: number, rate: number): number {
  if (ctx.shared.rates[phys] !== rate) {
    seen(ctx, phys, rate);
    tell(ctx, ClockEvent.CLOCK_RATE_CHANGED, phys, ctx.agent.id, rate);
  }
  return rate;
}

/** {@linkcode broadcast} to the clock sessions, skipped while no session subscribes at all. */
function tell(ctx: ClockCtx, event: ClockEvent, phys: number, agent: number, rate: number): void {
  if (ctx.shared.subscriptions !== 0) broadcast(ctx.shared.receivers, event, phys, agent, rate);
}

function noop(): void {}

/**
 * Records the calling agent's request of `rate` (rounded by `round`) on physical clock
 * `phys` as its vote, and drives the clock through {@linkcode applyRate} when the policy now
 * picks this request, unless the effective rate did not change and the clock already runs at
 * it; otherwise only CLOCK_RATE_CHANGE_REQUESTED goes out and the clock keeps its rate. Resolves to the rate the clock runs at. A driver failure withdraws the request
 * again and is thrown (or rejected). The caller has checked that no other agent owns it.
 */
function requestRate(
  ctx: ClockCtx,
  d: ClockDesc,
  phys: number,
  rate: number,
  round: RateRound,
): number | Promise<number> {
  const votes = ctx.shared.rateVotes;
  const agent = ctx.agent.id;
  const want = snapRate(d, rate, round);
  if (ctx.shared.rates[phys] === want && votes.unchanged(agent, phys, want, votes.policyOf(phys))) {
    // The agent's standing request, the clock already at it: no vote moves, nothing to drive.
    tell(ctx, ClockEvent.CLOCK_RATE_CHANGE_REQUESTED, phys, agent, rate);
    return want;
  }
  const before = votes.own(agent, phys);
  const outcome = votes.request(agent, phys, want);
  if (outcome.effective !== want) {
    tell(ctx, ClockEvent.CLOCK_RATE_CHANGE_REQUESTED, phys, agent, rate);
    return ctx.shared.rates[phys];
  }
  if (!outcome.changed && ctx.shared.rates[phys] === want) {
    // The votes still call for the rate the clock runs at: nothing for the hardware to do
    // (a clock framework's set to the current rate is a no-op the same way).
    tell(ctx, ClockEvent.CLOCK_RATE_CHANGE_REQUESTED, phys, agent, rate);
    return want;
  }
  let out: number | Promise<number>;
  try {
    out = applyRate(ctx, phys, rate, round);
  } catch (e) {
    withdrawRate(votes, agent, phys, want, before);
    throw e;
  }
  if (!(out instanceof Promise)) return out;
  return out.catch((e) => {
    withdrawRate(votes, agent, phys, want, before);
    throw e;
  });
}

/** A failed change: the agent's request goes back to `before`, unless it moved since. */
function withdrawRate(
  votes: ValueVotes,
  agent: number,
  phys: number,
  want: number,
  before: number | undefined,
): void {
  if (votes.own(agent, phys) !== want) return;
  if (before === undefined) votes.release(agent, phys);
  else votes.request(agent, phys, before);
}

/** Whether another agent owns clock `phys` (described by `d`) under the `exclusive` policy. */
function ownedByOther(ctx: ClockCtx, d: ClockDesc, phys: number): boolean {
  // Only an exclusive clock has an owner: skip the vote lookup for the others.
  if (d.policy !== "exclusive") return false;
  const owner = ctx.shared.rateVotes.owner(phys);
  return owner !== undefined && owner !== ctx.agent.id;
}

/**
 * Reads the clock's rate after something else may have moved it (a parent switch) and tells
 * CLOCK_RATE_CHANGED subscribers when it did.
 */
export function recheckRate(ctx: ClockCtx, phys: number): void | Promise<void> {
  const out = ctx.shared.hw[phys]!.getRate(phys);
  if (out instanceof Promise) return out.then((r) => void changed(ctx, phys, r));
  changed(ctx, phys, out);
}

/**
 * CLOCK_RATE_SET (§4.6.2.7). a2p: u32 flags, u32 clock_id, u32 rate_low, u32 rate_high.
 * p2a: —. Flags: 0 async, 1 ignore delayed response, 2 round up, 3 round auto; bits 31:4
 * reserved → INVALID_PARAMETERS. A rate below the lowest or above the highest the clock
 * supports → INVALID_PARAMETERS (before the agent's bounds are looked at: the clock cannot
 * produce it for anyone); one in between is rounded as the flags say. An exclusive clock
 * owned by another agent → DENIED; a request the clock's policy does not pick (a lower one
 * under `max`) succeeds without changing the clock. Before the handler the dispatcher checks
 * a rate the clock supports against the agent's bounds: outside min–max → OUT_OF_RANGE, not
 * among its allowed rates → DENIED.
 *
 * Asynchronous: SUCCESS at once, then unless bit 1 is set the delayed response
 * CLOCK_RATE_SET_COMPLETE with the request's token — p2a: u32 status, u32 clock_id (the
 * agent's virtual id), u32 rate_low, u32 rate_high — always after the reply. More than
 * PROTOCOL_ATTRIBUTES' max_async_req pending (0 for a session without a platform→agent
 * channel) → BUSY.
 */
export const clockRateSet: Cmd = {
  name: "CLOCK_RATE_SET",
  params: 16,
  resource: "clock",
  at: 4,
  needs: Right.WRITE,
  value: { at: 8, u64: true, of: producible },
  a2p: "flags clock_id rate:u64",
  run(ctx, m) {
    const flags = m.r.u32();
    m.r.u32();
    const rate = m.r.u64();
    if ((flags & ~RATE_FLAGS) !== 0) return Status.INVALID_PARAMETERS;
    const d = descOf(ctx, m.res);
    if (rateProblem(d, rate) !== undefined) return Status.INVALID_PARAMETERS;
    if (ownedByOther(ctx, d, m.res)) return Status.DENIED;
    const round = roundOf(flags);
    if ((flags & RateFlag.ASYNC) !== 0) {
      return startAsync(ctx, m, d, rate, round, (flags & RateFlag.IGNORE_DELAYED_RESPONSE) === 0);
    }
    const out = requestRate(ctx, d, m.res, rate, round);
    if (out instanceof Promise) return out.then(noop);
  },
};

function startAsync(
  ctx: ClockCtx,
  m: Msg,
  d: ClockDesc,
  rate: number,
  round: RateRound,
  respond: boolean,
): Status | undefined {
  const st = ctx.state;
  if (!ctx.canNotify || st.pending >= MAX_ASYNC) return Status.BUSY;
  const token = headerToken(m.header);
  const vid = m.vid;
  const out = requestRate(ctx, d, m.res, rate, round);
  st.pending++;
  const finish = (status: number, r: number) => {
    st.pending--;
    if (!respond) return;
    // A macrotask later, so the delayed response never overtakes the command's own reply.
    setTimeout(() => {
      if (!ctx.open) return;
      ctx.delayed(ClockMsg.CLOCK_RATE_SET, token, status, 12, (w) => {
        w.u32(vid);
        w.u64(r);
      });
    }, 0);
  };
  Promise.resolve(out).then(
    (r) => finish(Status.SUCCESS, r),
    (e) => finish(ctx.fault("CLOCK_RATE_SET", e), 0),
  );
  return undefined;
}
