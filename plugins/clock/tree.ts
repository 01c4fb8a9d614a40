/**
 * The clock tree: the platform keeps the parent chain of every clock that should run.
 *
 * A clock should run while an agent votes for it, the platform keeps it (`keep_on`, running
 * from power-on), or a child that should run takes its output. The last is the platform's own
 * hold in the enable store (`OnVotes.hold`), one per child on its current parent:
 * never an agent's vote, so CLOCK_CONFIG_GET and CLOCK_ATTRIBUTES still report each agent's
 * own, and two children on one parent count twice. A parent the agent cannot see is held and
 * switched all the same; it is never named in a reply.
 *
 * {@linkcode settle} brings one clock in line with that rule: switching on, its parent's chain
 * runs first (root first), then the clock; switching off, the clock stops first, then its
 * hold on the parent is let go and the parent follows (the chain released in reverse). Every
 * path that changes a vote — a command, a released session, a withdrawn clock, restored votes
 * — ends in it, so the holds follow the votes whatever the order.
 * @module
 */
import type { ClockShared } from "./state.ts";

type Step = void | Promise<void>;

/** Runs `next` after `out`, synchronously when `out` is not a promise. */
function then(out: Step, next: () => Step): Step {
  return out instanceof Promise ? out.then(next) : next();
}

/**
 * Physical id of clock `phys`'s current parent, or -1: what its driver reports, or the
 * board's power-on parent when the driver cannot tell.
 */
export function parentOf(t: ClockShared, phys: number): number {
  // Most clocks have no parent: answer before asking the driver.
  if (t.parents[phys] === undefined || t.parents[phys].length === 0) return -1;
  const h = t.hw[phys];
  if (h?.getParent !== undefined) return h.getParent(phys);
  return t.descs[phys]?.parent ?? -1;
}

/** Whether `ancestor` is `phys` or one of the clocks its output comes from. */
export function feeds(t: ClockShared, ancestor: number, phys: number): boolean {
  for (let p = phys, hops = 0; p >= 0 && hops <= t.descs.length; hops++) {
    if (p === ancestor) return true;
    p = parentOf(t, p);
  }
  return false;
}

/**
 * Brings clock `phys` in line with its effective state (see the module notes), its parent
 * chain with it. Driver failures are thrown (or rejected) with the holds taken so far left
 * in place; settling the clock again after the cause is undone lets them go. After a step
 * that took time the votes may have moved: the clock is settled again when they did.
 */
export function settle(t: ClockShared, phys: number): Step {
  const votes = t.votes;
  if (votes.effective(phys)) {
    const parent = parentOf(t, phys);
    if (parent >= 0 && !votes.heldFor(parent, phys)) {
      votes.hold(parent, phys, true);
      const up = settle(t, parent);
      if (up instanceof Promise) return up.then(() => settle(t, phys));
    }
    const out = drive(t, phys, true);
    if (out instanceof Promise) {
      return out.then(() => votes.effective(phys) ? undefined : settle(t, phys));
    }
    return;
  }
  const out = drive(t, phys, false);
  if (out instanceof Promise) {
    return out.then(() => votes.effective(phys) ? settle(t, phys) : release(t, phys, 0));
  }
  return release(t, phys, 0);
}

/**
 * Lets go of every hold clock `phys` has on its possible parents (from the `from`-th on),
 * one parent chain after the other, each settled after its hold goes.
 */
function release(t: ClockShared, phys: number, from: number): Step {
  const ps = t.parents[phys];
  for (let i = from; i < ps.length; i++) {
    const p = ps[i];
    if (!t.votes.heldFor(p, phys)) continue;
    t.votes.hold(p, phys, false);
    const out = settle(t, p);
    if (out instanceof Promise) return out.then(() => release(t, phys, i + 1));
  }
}

/** Sets clock `phys`'s own enable to `want` when the hardware differs. */
function drive(t: ClockShared, phys: number, want: boolean): Step {
  const h = t.hw[phys];
  if (h === undefined || h.isEnabled(phys) === want) return;
  return h.setEnabled(phys, want);
}

/**
 * Settles clock `phys` after a failure `e` whose cause was undone (a vote given back, a hold
 * dropped), then throws `e`: the cleanup's own failure is not what the caller asked about.
 */
export function settleAfter(t: ClockShared, phys: number, e: unknown): never | Promise<never> {
  let out: Step;
  try {
    out = settle(t, phys);
  } catch {
    throw e;
  }
  if (out instanceof Promise) {
    return out.then(() => Promise.reject(e), () => Promise.reject(e));
  }
  throw e;
}

/**
 * Switches clock `phys` to parent `to` through `setParent` (the driver's). A clock that
 * should run takes its hold to the new parent first (that chain starts), then switches, then
 * lets go of the old parent (that chain stops when nothing else needs it). A failure drops
 * the new hold again and is thrown. The caller has checked that `to` is not fed by `phys`.
 */
export function switchParent(
  t: ClockShared,
  phys: number,
  to: number,
  setParent: (phys: number, parent: number) => Step,
): Step {
  const votes = t.votes;
  const from = parentOf(t, phys);
  if (from === to || !votes.effective(phys)) return setParent(phys, to);
  votes.hold(to, phys, true);
  const undo = (e: unknown): never | Promise<never> => {
    votes.hold(to, phys, false);
    return settleAfter(t, to, e);
  };
  let out: Step;
  try {
    out = then(settle(t, to), () => setParent(phys, to));
  } catch (e) {
    return undo(e);
  }
  // The old parent's hold goes; settling the clock again also drops the new one if the
  // clock stopped while the switch took time.
  const done = () =>
    then(
      from < 0 || !votes.heldFor(from, phys) ? undefined : dropHold(t, from, phys),
      () => settle(t, phys),
    );
  return out instanceof Promise ? out.then(done, undo) : done();
}

/** Drops the hold `holder` has on clock `phys` and settles `phys`. */
function dropHold(t: ClockShared, phys: number, holder: number): Step {
  t.votes.hold(phys, holder, false);
  return settle(t, phys);
}
