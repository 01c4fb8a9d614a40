/**
 * Rate notifications: CLOCK_RATE_NOTIFY and CLOCK_RATE_CHANGE_REQUESTED_NOTIFY (per-session
 * subscriptions by clock), and the fan-out of CLOCK_RATE_CHANGED to every subscribed session
 * that can see the clock and of CLOCK_RATE_CHANGE_REQUESTED to the requester's own subscribed
 * sessions, each with its own virtual id. Both commands exist only for sessions with a platform→agent channel.
 * @module
 */
import {
  causerFor,
  type CommandDef,
  hearsRequest,
  type Receiver,
  Status,
  type Writer,
} from "../../mod.ts";
import { ClockEvent, ClockVersion } from "./msg.ts";
import { type ClockSession, type ClockShared, subscribe } from "./state.ts";

type Cmd = CommandDef<ClockSession, ClockShared>;

/** Payload bytes of both clock notifications. */
const EVENT_SIZE = 16;

// The notification being sent, read by the builder (no closure per notification).
let sendAgent = 0;
let sendClock = 0;
let sendRate = 0;

/** p2a of both events: u32 agent_id, u32 clock_id, u32 rate_low, u32 rate_high. */
function buildEvent(w: Writer): void {
  w.u32(sendAgent);
  w.u32(sendClock);
  w.u64(sendRate);
}

/**
 * Sends `event` about physical clock `phys` to the sessions among `contexts` (the
 * protocol's open contexts) subscribed to it that can see it, each by its own virtual id.
 * p2a: u32 agent_id, u32 clock_id, u32 rate_low, u32 rate_high. CLOCK_RATE_CHANGED goes to
 * every such session, `agent_id` being `agentId` for the changer's own sessions and 0 (the
 * platform) for the others; CLOCK_RATE_CHANGE_REQUESTED carries the rate `agentId` asked for
 * (its vote), so only that agent's own sessions hear it (`core/notify_rules.ts`).
 */
export function broadcast(
  contexts: Iterable<Receiver<ClockSession>>,
  event: ClockEvent,
  phys: number,
  agentId: number,
  rate: number,
): void {
  const request = event === ClockEvent.CLOCK_RATE_CHANGE_REQUESTED;
  for (const c of contexts) {
    if (request && !hearsRequest(c, agentId)) continue;
    const subs = request ? c.state.rateRequested : c.state.rateChanged;
    if (!subs.has(phys)) continue;
    const vid = c.virtualId("clock", phys);
    if (vid < 0) continue;
    sendAgent = causerFor(c, agentId);
    sendClock = vid;
    sendRate = rate;
    c.notify(event, EVENT_SIZE, buildEvent);
  }
}

function subscription(pick: (s: ClockSession) => Set<number>): Cmd["run"] {
  return (ctx, m) => {
    m.r.u32();
    const enable = m.r.u32();
    if ((enable & ~1) !== 0) return Status.INVALID_PARAMETERS;
    subscribe(ctx, pick(ctx.state), m.res, enable !== 0);
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
