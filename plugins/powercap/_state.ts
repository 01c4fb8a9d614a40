/**
 * Powercap protocol state: the protocol-wide table of domains (each agent's cap request, the
 * cap and averaging interval last asked of the hardware), each session's notification
 * subscriptions, and how a request or a withdrawal moves the hardware.
 *
 * Caps: each agent's last request is kept per domain (0 = it wants no cap); the domain
 * enforces what {@linkcode aggregateCap} picks. POWERCAP_CAP_GET reads the cap the domain
 * enforces, so an agent learns when its disable request did not lift another agent's cap.
 * The averaging interval is one setting of the domain: the last writer wins.
 * @module
 */
import type { PowercapDesc } from "../../core/board.ts";
import type { PowercapHw } from "../../core/hw/powercap.ts";
import type { PlatformEnv } from "../../core/platform_env.ts";
import type { Ctx } from "../../core/session.ts";
import type { MeasurementMonitor } from "./_monitor.ts";
import { aggregateCap } from "./_policy.ts";

/** One power-capping domain as the protocol tracks it. */
export interface PowercapDomain {
  readonly desc: PowercapDesc;
  readonly hw: PowercapHw;
  /** Agent id → the cap it asked for (0: it wants no cap). */
  readonly requests: Map<number, number>;
  /** The cap last asked of the hardware (or found at start-up). */
  cap: number;
}

/** Protocol-wide state. */
export interface PowercapShared {
  /** Physical id → domain. */
  readonly domains: readonly (PowercapDomain | undefined)[];
  /** Samples the power of domains someone watches, and tells the watchers. */
  readonly monitor: MeasurementMonitor;
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
 * Builds the domain table. Throws TypeError naming the domain when Linux would reject it (a
 * zero or inverted range, a step that does not divide it), its power-on cap or interval is
 * not one it declares, its parent is missing, itself or part of a loop, or no driver backs it.
 */
export function setupDomains(env: PlatformEnv): (PowercapDomain | undefined)[] {
  const domains: (PowercapDomain | undefined)[] = [];
  const descs = new Map<number, PowercapDesc>();
  for (const d of env.board.powercap) descs.set(d.id, d);
  for (const desc of env.board.powercap) {
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
    const hw = env.hw.powercap?.[desc.id];
    if (!hw) throw new TypeError(`${where}: no driver backs it`);
    domains[desc.id] = { desc, hw, requests: new Map(), cap: desc.cap };
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
  const target = aggregateCap(d.requests, d.desc.cap);
  if (target === d.cap) return false;
  const before = d.cap;
  d.cap = target;
  const undo = (e: unknown): never => {
    if (d.cap === target) d.cap = before;
    throw e;
  };
  let out: void | Promise<void>;
  try {
    out = d.hw.setCap(d.desc.id, target);
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
  const had = d.requests.get(agent);
  d.requests.set(agent, cap);
  const undo = (e: unknown): never => {
    if (d.requests.get(agent) === cap) {
      if (had === undefined) d.requests.delete(agent);
      else d.requests.set(agent, had);
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

/**
 * Withdraws `ctx`'s agent's cap request on `d`; `changed` runs once the domain's new cap is
 * in force. Failures are logged: nobody waits for a release.
 */
export function withdraw(ctx: PowercapCtx, d: PowercapDomain, changed: () => void): void {
  if (!d.requests.delete(ctx.agent.id)) return;
  const fail = (e: unknown) =>
    ctx.env.log.error(
      `powercap: re-capping "${d.desc.name}" after agent "${ctx.agent.name}" left failed: ${e}`,
    );
  try {
    const out = reconcile(d);
    if (out instanceof Promise) out.then((c) => c && changed(), fail);
    else if (out) changed();
  } catch (e) {
    fail(e);
  }
}

/** Releases what a leaving session held on physical domain `phys` (or on all, when -1). */
export function releaseSession(
  ctx: PowercapCtx,
  phys: number,
  changed: (d: PowercapDomain) => void,
): void {
  const st = ctx.state;
  for (const d of ctx.shared.domains) {
    if (d === undefined || (phys >= 0 && d.desc.id !== phys)) continue;
    st.caps.delete(d.desc.id);
    st.measures.delete(d.desc.id);
    withdraw(ctx, d, () => changed(d));
  }
  ctx.shared.monitor.update(ctx);
}
