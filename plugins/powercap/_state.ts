/**
 * Powercap protocol state: the protocol-wide table of domains (the cap and averaging
 * interval last asked of the hardware), each agent's cap request in the platform's vote book
 * (store `powercap.cap`), each session's notification subscriptions, and how a request or a
 * withdrawal moves the hardware.
 *
 * Caps: each agent's last request is kept per domain (0 = it wants no cap); by default (no
 * `desc.policy`, or `min`) the domain enforces what {@linkcode aggregateCap} picks — the
 * lowest cap asked, none when every requester asked for none, the power-on cap when nobody
 * asks; `exclusive`, `max` and `last` as the vote book defines them. POWERCAP_CAP_GET reads
 * the cap the domain enforces, so an agent learns when its disable request did not lift
 * another agent's cap. The averaging interval is one setting of the domain: the last writer
 * wins. Requests belong to the agent and are withdrawn by the platform (grace expiry,
 * explicit end, loss of the domain); the store's `apply` then re-caps the domain.
 * @module
 */
import type { Ctx, Receiver, SetupEnv, ValueVotes } from "../../mod.ts";
import { powercapKind } from "./kind.ts";
import type { PowercapDesc } from "./kind.ts";
import type { PowercapHw } from "./hw.ts";
import type { MeasurementMonitor } from "./_monitor.ts";
import { aggregateCap } from "./_policy.ts";
import { PowercapVersion } from "./msg.ts";

/** Name of the powercap protocol's store in the vote book. */
export const POWERCAP_STORE = "powercap.cap";
/** The protocol's id, to find an agent's grant of it. */
const POWERCAP = 0x18;

/** One power-capping domain as the protocol tracks it. */
export interface PowercapDomain {
  readonly desc: PowercapDesc;
  readonly hw: PowercapHw;
  /** Agent id → the cap it asks for (0: no cap), oldest first (its votes in `powercap.cap`). */
  readonly requests: ReadonlyMap<number, number>;
  /** The store the requests live in. */
  readonly caps: ValueVotes;
  /** The cap last asked of the hardware (or found at start-up). */
  cap: number;
}

/** Protocol-wide state. */
export interface PowercapShared {
  /** Physical id → domain. */
  readonly domains: readonly (PowercapDomain | undefined)[];
  /** Samples the power of domains someone watches, and tells the watchers. */
  readonly monitor: MeasurementMonitor;
  /** Every open powercap session, for cap notifications. */
  readonly receivers: Iterable<Receiver<PowercapSession>>;
}

/** One session's POWERCAP_MEASUREMENTS_NOTIFY on one domain. */
export interface MeasureSub {
  low: number;
  high: number;
  /** Where the last sample fell: -1 below `low`, 0 inside, 1 above `high`. */
  zone: number;
}

/** Per-session state: notification subscriptions, by physical id. */
export class PowercapSession {
  /** Domains this session wants POWERCAP_CAP_CHANGED for. */
  readonly caps = new Set<number>();
  /** Domains this session wants POWERCAP_MEASUREMENTS_CHANGED for, with its thresholds. */
  readonly measures = new Map<number, MeasureSub>();
}

export type PowercapCtx = Ctx<PowercapSession, PowercapShared>;

/** Whether `v` is one of `min`, `min + step`, … `max`. */
export function onStep(v: number, min: number, max: number, step: number): boolean {
  if (v < min || v > max) return false;
  return step === 0 ? v === min : (v - min) % step === 0;
}

/**
 * Why domain `d` refuses a cap of `cap` (0: no cap, which needs version 2.0, `v2`, and a
 * domain that allows it), or undefined. POWERCAP_CAP_SET answers INVALID_PARAMETERS for it.
 */
export function capProblem(d: PowercapDesc, cap: number, v2: boolean): string | undefined {
  if (cap === 0) return v2 && d.canDisable === true ? undefined : "the domain cannot go uncapped";
  if (onStep(cap, d.minCap, d.maxCap, d.capStep)) return undefined;
  return `${cap} is not a cap the domain declares (${d.minCap}–${d.maxCap} step ${d.capStep})`;
}

/** The cap can be set: the board gives it a range. */
export function capConfigurable(d: PowercapDesc): boolean {
  return d.minCap !== d.maxCap;
}

/** The averaging interval can be set: the board gives it a range. */
export function paiConfigurable(d: PowercapDesc): boolean {
  return d.minPai !== d.maxPai;
}

/** The domain reports its power (POWERCAP_MEASUREMENTS_GET). */
export function monitored(d: PowercapDesc): boolean {
  return d.monitoring ?? true;
}

/**
 * Checks one triplet the way Linux does before it accepts a domain: min and max non-zero,
 * min ≤ max, and a step that divides the span whenever min ≠ max.
 */
function checkTriplet(where: string, what: string, min: number, max: number, step: number): void {
  const span = max - min;
  if (min <= 0 || span < 0 || (span > 0 && (step <= 0 || span % step !== 0))) {
    throw new TypeError(`${where}: ${what} ${min}–${max} step ${step} is not a usable range`);
  }
}

/**
 * Builds the domain table over the `powercap.cap` store; `changed(d)` runs when withdrawn or
 * restored requests moved a domain's cap, with the agent whose requests went (0 for
 * restored ones). Throws TypeError naming the domain when Linux would reject it (a zero or
 * inverted range, a step that does not divide it), its power-on cap or interval is not one it
 * declares, its parent is missing, itself or part of a loop, or no driver backs it.
 */
export function setupDomains(
  env: SetupEnv<PowercapSession>,
  changed: (d: PowercapDomain, cause: number) => void = () => {},
): (PowercapDomain | undefined)[] {
  const domains: (PowercapDomain | undefined)[] = [];
  const descs = new Map<number, PowercapDesc>();
  for (const d of powercapKind.of(env.board)) descs.set(d.id, d);
  const caps = env.votes.values(POWERCAP_STORE, {
    kind: "powercap",
    policyOf: (phys) => descs.get(phys)?.policy ?? "min",
    // No cap (0) needs version 2.0: the agent must not be pinned below it.
    admit: (phys, cap, agent) => {
      const d = descs.get(phys);
      if (d === undefined) return "the board has no such powercap domain";
      if (!capConfigurable(d)) return "the domain's cap cannot be set";
      const pin = env.agents.pin(agent, POWERCAP);
      return capProblem(d, cap, pin === undefined || pin >= PowercapVersion.V2);
    },
    effective: (phys) => (domains[phys] ? target(domains[phys]) : undefined),
    apply(phys, cause) {
      const d = domains[phys];
      if (d === undefined) return;
      const out = reconcile(d);
      if (out instanceof Promise) return out.then((c) => void (c && changed(d, cause)));
      if (out) changed(d, cause);
    },
  });
  for (const desc of powercapKind.of(env.board)) {
    const where = `Powercap domain "${desc.name}" (${desc.id})`;
    checkTriplet(where, "cap range", desc.minCap, desc.maxCap, desc.capStep);
    checkTriplet(where, "averaging interval range", desc.minPai, desc.maxPai, desc.paiStep);
    const capOk = desc.cap === 0
      ? desc.canDisable === true
      : onStep(desc.cap, desc.minCap, desc.maxCap, desc.capStep);
    if (!capOk) throw new TypeError(`${where}: power-on cap ${desc.cap} is not one it declares`);
    if (!onStep(desc.pai, desc.minPai, desc.maxPai, desc.paiStep)) {
      throw new TypeError(
        `${where}: power-on averaging interval ${desc.pai} µs is not one it declares`,
      );
    }
    const seen = new Set<number>([desc.id]);
    for (let p = desc.parent; p !== undefined; p = descs.get(p)?.parent) {
      if (!descs.has(p)) throw new TypeError(`${where}: parent ${p} is not on the board`);
      if (seen.has(p)) throw new TypeError(`${where}: parents loop back through ${p}`);
      seen.add(p);
    }
    const hw = powercapKind.hwOf(env.hw)[desc.id];
    if (!hw) throw new TypeError(`${where}: no driver backs it`);
    domains[desc.id] = {
      desc,
      hw,
      get requests() {
        return caps.requests(desc.id);
      },
      caps,
      cap: desc.cap,
    };
  }
  return domains;
}

/** The domain behind physical id `phys`; the dispatcher only passes ids on the board. */
export function domainOf(ctx: PowercapCtx, phys: number): PowercapDomain {
  const d = ctx.shared.domains[phys];
  if (d === undefined) throw new TypeError(`Powercap domain ${phys} is not on the board`);
  return d;
}

/** The name this agent sees for virtual domain `vid` (physical `phys`). */
export function nameOf(ctx: PowercapCtx, vid: number, phys: number): string {
  return ctx.ids("powercap").names[vid] ?? domainOf(ctx, phys).desc.name;
}

/**
 * Moves the hardware to the cap the requests on `d` now call for. Returns false when nothing
 * changes, true when the new cap is in force, or a promise of that; on failure the cap last
 * asked is restored and the error thrown (or rejected).
 */
export function reconcile(d: PowercapDomain): boolean | Promise<boolean> {
  const want = target(d);
  if (want === d.cap) return false;
  const before = d.cap;
  d.cap = want;
  const undo = (e: unknown): never => {
    if (d.cap === want) d.cap = before;
    throw e;
  };
  let out: void | Promise<void>;
  try {
    out = d.hw.setCap(d.desc.id, want);
  } catch (e) {
    return undo(e);
  }
  if (out instanceof Promise) return out.then(() => true, undo);
  return true;
}

/**
 * Records `agent`'s request of `cap` on `d` and moves the hardware if the domain's cap
 * changes (see {@linkcode reconcile} for the result). A driver failure withdraws the request.
 */
export function request(d: PowercapDomain, agent: number, cap: number): boolean | Promise<boolean> {
  const phys = d.desc.id;
  const had = d.caps.own(agent, phys);
  d.caps.request(agent, phys, cap);
  const undo = (e: unknown): never => {
    if (d.caps.own(agent, phys) === cap) {
      if (had === undefined) d.caps.release(agent, phys);
      else d.caps.request(agent, phys, had);
    }
    throw e;
  };
  let out: boolean | Promise<boolean>;
  try {
    out = reconcile(d);
  } catch (e) {
    return undo(e);
  }
  if (out instanceof Promise) return out.catch(undo);
  return out;
}

/** The cap the requests on `d` call for under its policy. */
export function target(d: PowercapDomain): number {
  const policy = d.desc.policy;
  if (policy === undefined || policy === "min") return aggregateCap(d.requests, d.desc.cap);
  return d.caps.effective(d.desc.id) ?? d.desc.cap;
}

/** Whether another agent owns `d` under the `exclusive` policy. */
export function ownedByOther(d: PowercapDomain, agent: number): boolean {
  const owner = d.caps.owner(d.desc.id);
  return owner !== undefined && owner !== agent;
}

/**
 * Drops a leaving session's subscriptions on physical domain `phys` (or on all, when -1).
 * With `withdraw` (the agent lost the domain) its request there goes too.
 */
export function releaseSession(ctx: PowercapCtx, phys: number, withdraw = false): void {
  const st = ctx.state;
  for (const d of ctx.shared.domains) {
    if (d === undefined || (phys >= 0 && d.desc.id !== phys)) continue;
    st.caps.delete(d.desc.id);
    st.measures.delete(d.desc.id);
    if (withdraw) ctx.withdraw(POWERCAP_STORE, d.desc.id);
  }
  ctx.shared.monitor.update(ctx);
}
