/**
 * Performance notifications: the PERF_NOTIFY_LIMITS / PERF_NOTIFY_LEVEL subscriptions of
 * each session, and PERF_LIMITS_CHANGED / PERF_LEVEL_CHANGED sent to every subscribed
 * session that can see the domain, in that session's own ids and level representation;
 * `agent_id` follows `core/notify_rules.ts` (the receiver's own id or 0).
 * @module
 */
import {
  causerFor,
  type Msg,
  type Outcome,
  type Receiver,
  Status,
  type Writer,
} from "../../mod.ts";
import {
  limitToWire,
  type PerfCtx,
  type PerfDomain,
  type PerfSession,
  Sub,
  toWire,
} from "./_state.ts";
import { PerfEvent } from "./msg.ts";

/**
 * PERF_NOTIFY_LIMITS (0x9) and PERF_NOTIFY_LEVEL (0xA): DEN0056 §4.5
 * PERFORMANCE_NOTIFY_LIMITS / PERFORMANCE_NOTIFY_LEVEL.
 * a2p: u32 domain_id, u32 notify_enable (bit 0; bits 31:1 reserved, must be zero).
 * p2a: —. INVALID_PARAMETERS for reserved bits set.
 */
function subscribe(bit: number) {
  return (ctx: PerfCtx, m: Msg): Outcome => {
    m.r.u32();
    const enable = m.r.u32();
    if ((enable & ~1) !== 0) return Status.INVALID_PARAMETERS;
    const subs = ctx.state.subs;
    subs[m.res] = enable ? subs[m.res] | bit : subs[m.res] & ~bit;
  };
}

export const notifyLimits = subscribe(Sub.LIMITS);
export const notifyLevel = subscribe(Sub.LEVEL);

// The payload being sent, read by the builders below (no closure per notification).
let agentId = 0;
let domainId = 0;
let first = 0;
let second = 0;

/** PERF_LEVEL_CHANGED p2a: u32 agent_id, u32 domain_id, u32 performance_level. */
function buildLevel(w: Writer): void {
  w.u32(agentId);
  w.u32(domainId);
  w.u32(first);
}

/** PERF_LIMITS_CHANGED p2a: u32 agent_id, u32 domain_id, u32 range_max, u32 range_min. */
function buildLimits(w: Writer): void {
  w.u32(agentId);
  w.u32(domainId);
  w.u32(first);
  w.u32(second);
}

/**
 * Tells every session among `contexts` (the protocol's open contexts) subscribed to `phys`'s
 * level changes that it now runs at `d.level`.
 */
export function sendLevelChanged(
  contexts: Iterable<Receiver<PerfSession>>,
  phys: number,
  d: PerfDomain,
  causer: number,
): void {
  for (const c of contexts) {
    if ((c.state.subs[phys] & Sub.LEVEL) === 0) continue;
    const vid = c.virtualId("perf", phys);
    if (vid < 0) continue;
    const level = toWire(c, d, d.level);
    if (level < 0) continue;
    agentId = causerFor(c, causer);
    domainId = vid;
    first = level;
    c.notify(PerfEvent.LEVEL_CHANGED, 12, buildLevel);
  }
}

/** Tells every session subscribed to `phys`'s limit changes its limits are now `d.min–d.max`. */
export function sendLimitsChanged(ctx: PerfCtx, phys: number, d: PerfDomain, causer: number): void {
  for (const c of ctx.shared.receivers) {
    if ((c.state.subs[phys] & Sub.LIMITS) === 0) continue;
    const vid = c.virtualId("perf", phys);
    if (vid < 0) continue;
    agentId = causerFor(c, causer);
    domainId = vid;
    first = limitToWire(c, d, d.max, true);
    second = limitToWire(c, d, d.min, false);
    c.notify(PerfEvent.LIMITS_CHANGED, 16, buildLimits);
  }
}
