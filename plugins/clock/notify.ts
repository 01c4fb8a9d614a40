/**
 * Rate notifications: CLOCK_RATE_NOTIFY and CLOCK_RATE_CHANGE_REQUESTED_NOTIFY (per-session
 * subscriptions by clock), and the fan-out of CLOCK_RATE_CHANGED and
 * CLOCK_RATE_CHANGE_REQUESTED to every subscribed session that can see the clock, each with
 * its own virtual id. Both commands exist only for sessions with a platform→agent channel.
 * @module
 */
import type { CommandDef } from "../../core/protocol.ts";
import { Status } from "../../core/status.ts";
import { ClockEvent, ClockVersion } from "./msg.ts";
import type { ClockCtx, ClockSession, ClockShared } from "./state.ts";

type Cmd = CommandDef<ClockSession, ClockShared>;

/** Payload bytes of both clock notifications. */
const EVENT_SIZE = 16;

/**
 * Sends `event` about physical clock `phys` to every session among `contexts` (the
 * protocol's open contexts) subscribed to it that can see it. p2a: u32 agent_id (who changed
 * or asked; 0 for the platform), u32 clock_id (the receiver's virtual id), u32 rate_low,
 * u32 rate_high.
 */
export function broadcast(
  contexts: Iterable<ClockCtx>,
  event: ClockEvent,
  phys: number,
  agentId: number,
  rate: number,
): void {
  for (const c of contexts) {
    const subs = event === ClockEvent.CLOCK_RATE_CHANGED
      ? c.state.rateChanged
      : c.state.rateRequested;
    if (!subs.has(phys)) continue;
    const vid = c.ids("clock").toVirtual(phys);
    if (vid < 0) continue;
    c.notify(event, EVENT_SIZE, (w) => {
      w.u32(agentId);
      w.u32(vid);
      w.u64(rate);
    });
  }
}

function subscription(pick: (s: ClockSession) => Set<number>): Cmd["run"] {
  return (ctx, m) => {
    m.r.u32();
    const enable = m.r.u32();
    if ((enable & ~1) !== 0) return Status.INVALID_PARAMETERS;
    const subs = pick(ctx.state);
    if (enable !== 0) subs.add(m.res);
    else subs.delete(m.res);
  };
}

/**
 * CLOCK_RATE_NOTIFY (§4.6.2.12, 2.0+). a2p: u32 clock_id, u32 notify_enable (bit 0; bits
 * 31:1 reserved → INVALID_PARAMETERS). p2a: —.
 */
export const clockRateNotify: Cmd = {
  name: "CLOCK_RATE_NOTIFY",
  params: 8,
  resource: "clock",
  since: ClockVersion.V2,
  a2p: "clock_id notify_enable",
  available: (ctx) => ctx.canNotify,
  run: subscription((s) => s.rateChanged),
};

/**
 * CLOCK_RATE_CHANGE_REQUESTED_NOTIFY (§4.6.2.13, 2.0+). a2p: u32 clock_id, u32
 * notify_enable (bit 0; bits 31:1 reserved → INVALID_PARAMETERS). p2a: —.
 */
export const clockRateChangeRequestedNotify: Cmd = {
  name: "CLOCK_RATE_CHANGE_REQUESTED_NOTIFY",
  params: 8,
  resource: "clock",
  since: ClockVersion.V2,
  a2p: "clock_id notify_enable",
  available: (ctx) => ctx.canNotify,
  run: subscription((s) => s.rateRequested),
};
