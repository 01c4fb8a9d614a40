/**
 * Powercap notifications: the POWERCAP_CAP_NOTIFY and POWERCAP_MEASUREMENTS_NOTIFY
 * subscriptions of each session, and POWERCAP_CAP_CHANGED sent to every subscribed session
 * that can see the domain, in its own ids. Both commands exist only for sessions with a
 * platform→agent channel. (POWERCAP_MEASUREMENTS_CHANGED is sent by `_monitor.ts`.)
 * @module
 */
import { causerFor, type CommandDef, type Receiver, Status, type Writer } from "../../mod.ts";
import {
  domainOf,
  monitored,
  type PowercapCtx,
  type PowercapDomain,
  type PowercapSession,
  type PowercapShared,
} from "./_state.ts";
import { PowercapEvent } from "./msg.ts";

type Cmd = CommandDef<PowercapSession, PowercapShared>;

const canNotify = (ctx: PowercapCtx) => ctx.canNotify;

/**
 * POWERCAP_CAP_NOTIFY (§4.10). a2p: u32 domain_id, u32 notify_enable (bit 0; bits 31:1
 * reserved → INVALID_PARAMETERS). p2a: —.
 */
export const capNotify: Cmd = {
  name: "POWERCAP_CAP_NOTIFY",
  params: 8,
  resource: "powercap",
  a2p: "domain_id notify_enable",
  available: canNotify,
  run(ctx, m) {
    m.r.u32();
    const enable = m.r.u32();
    if ((enable & ~1) !== 0) return Status.INVALID_PARAMETERS;
    if (enable !== 0) ctx.state.caps.add(m.res);
    else ctx.state.caps.delete(m.res);
  },
};

/**
 * POWERCAP_MEASUREMENTS_NOTIFY (§4.10). a2p: u32 domain_id, u32 notify_enable (bit 0; bits
 * 31:1 reserved), u32 power_thresh_low, u32 power_thresh_high. p2a: —. Reserved bits, or
 * enabling with low above high → INVALID_PARAMETERS; a domain that reports no power →
 * NOT_SUPPORTED. Once enabled, the agent hears POWERCAP_MEASUREMENTS_CHANGED whenever the
 * domain's power crosses one of its thresholds (leaving or re-entering [low, high]); a new
 * request replaces the thresholds and counts the power as inside them until the next sample.
 */
export const measurementsNotify: Cmd = {
  name: "POWERCAP_MEASUREMENTS_NOTIFY",
  params: 16,
  resource: "powercap",
  a2p: "domain_id notify_enable power_thresh_low power_thresh_high",
  available: canNotify,
  run(ctx, m) {
    m.r.u32();
    const enable = m.r.u32();
    const low = m.r.u32();
    const high = m.r.u32();
    if ((enable & ~1) !== 0) return Status.INVALID_PARAMETERS;
    if (!monitored(domainOf(ctx, m.res).desc)) return Status.NOT_SUPPORTED;
    const subs = ctx.state.measures;
    if (enable === 0) subs.delete(m.res);
    else if (low > high) return Status.INVALID_PARAMETERS;
    else subs.set(m.res, { low, high, zone: 0 });
    ctx.shared.monitor.update(ctx);
  },
};

// The notification being sent, read by the builder (no closure per notification).
let sendAgent = 0;
let sendDomain = 0;
let sendCap = 0;
let sendPai = 0;

/** POWERCAP_CAP_CHANGED p2a: u32 agent_id, u32 domain_id, u32 power_cap, u32 pai. */
function buildCapChanged(w: Writer): void {
  w.u32(sendAgent);
  w.u32(sendDomain);
  w.u32(sendCap);
  w.u32(sendPai);
}

/**
 * Tells every session subscribed to `d`'s cap changes its cap and averaging interval now.
 * agent_id is the receiver's own id when it caused the change, otherwise 0 (the platform),
 * so a guest never learns which other guest acts on a shared domain (`core/notify_rules.ts`).
 */
export function sendCapChanged(ctx: PowercapCtx, d: PowercapDomain, causer: number): void {
  sendCapChangedTo(ctx.shared.receivers, d, causer);
}

/** {@linkcode sendCapChanged} to the sessions among `contexts` (the protocol's open ones). */
export function sendCapChangedTo(
  contexts: Iterable<Receiver<PowercapSession>>,
  d: PowercapDomain,
  causer: number,
): void {
  const phys = d.desc.id;
  let pai = -1;
  for (const c of contexts) {
    if (!c.state.caps.has(phys)) continue;
    const vid = c.virtualId("powercap", phys);
    if (vid < 0) continue;
    if (pai < 0) pai = d.hw.getPai(phys);
    sendAgent = causerFor(c, causer);
    sendDomain = vid;
    sendCap = d.hw.getCap(phys);
    sendPai = pai;
    c.notify(PowercapEvent.POWERCAP_CAP_CHANGED, 16, buildCapChanged);
  }
}
