/**
 * The Power capping and monitoring protocol (0x18, DEN0056 §4.10): discovery of power-capping
 * domains, caps and power averaging intervals (PAI) set by agents holding WRITE on a domain,
 * measured power, and cap/measurement notifications.
 *
 * Versions spoken: 1.0 and 2.0 (Linux supports 2.0).
 * - **1.0**: commands 0x1–0xC, POWERCAP_DOMAIN_NAME_GET included (message 0x8 sits between
 *   the 1.0 commands; Linux asks for it whenever attribute bit 28 is set).
 * - **2.0**: POWERCAP_CAP_SET with a cap of 0 disables capping on domains that allow it
 *   (`PowercapDesc.canDisable`), and POWERCAP_CAP_GET then reads 0; Linux builds its
 *   powercap enable/disable on this.
 *
 * Decisions where the specification leaves room:
 * - Shared domains: each agent's last cap request is kept; the domain enforces the lowest
 *   one (`_policy.ts`), no cap when every requester asked for none, and the board's power-on
 *   cap when nobody asks. POWERCAP_CAP_GET and the delayed response report the cap in force.
 *   The averaging interval is the domain's: the last writer wins. A request is the agent's
 *   vote (store `powercap.cap` of the platform's vote book; `desc.policy` other than `min`
 *   replaces the default aggregation, and `exclusive` answers DENIED to other agents); it
 *   goes when the platform releases the agent's votes or the agent loses the domain.
 *   Closing a session drops its subscriptions; the interval stays.
 * - A cap or interval the domain does not declare (outside its range, off its step) is
 *   INVALID_PARAMETERS; setting one that cannot be configured (min = max), or an
 *   asynchronous cap where the domain or the session cannot do it, is NOT_SUPPORTED.
 * - Notifications exist only for sessions with a platform→agent channel (otherwise the
 *   NOTIFY commands are absent and attribute bits 31/30/29 clear). POWERCAP_CAP_CHANGED goes
 *   to every subscribed session that can see the domain when its cap or interval changes;
 *   agent_id is the receiver's own id when it caused the change, otherwise 0 (the platform).
 *   POWERCAP_MEASUREMENTS_CHANGED (agent_id 0) goes to a subscriber when a sample crosses one
 *   of its thresholds; samples are taken every `pollMs` while anyone subscribes, never
 *   otherwise.
 * - No fast channels: POWERCAP_DESCRIBE_FASTCHANNEL answers NOT_SUPPORTED.
 * @module
 */
import { defineProtocol, type ProtocolDef } from "../../mod.ts";
import { powercapKind } from "./kind.ts";
import { capGet, capSet, measurementsGet, paiGet, paiSet } from "./_cap.ts";
import { type PowercapClock, systemClock } from "./_clock.ts";
import {
  describeFastchannel,
  domainAttributes,
  domainNameGet,
  protocolAttributes,
} from "./_info.ts";
import { MeasurementMonitor } from "./_monitor.ts";
import { capNotify, measurementsNotify, sendCapChangedTo } from "./_notify.ts";
import { PowercapSession, type PowercapShared, releaseSession, setupDomains } from "./_state.ts";
import { PowercapEvent, PowercapMsg, PowercapVersion } from "./msg.ts";
import { powercapCall } from "./call.ts";

export { aggregateCap } from "./_policy.ts";
export { type PowercapClock, systemClock } from "./_clock.ts";
export { PowercapSession } from "./_state.ts";
export type { PowercapDomain, PowercapShared } from "./_state.ts";
export * from "./msg.ts";

/** Options of {@linkcode createPowercapProtocol}. */
export interface PowercapProtocolOptions {
  /** Time source of measurement sampling (default: the system clock). */
  clock?: PowercapClock;
  /** How often watched domains are sampled, ms (default 100). */
  pollMs?: number;
}

/** Watched domains are sampled this often unless told otherwise, ms. */
export const DEFAULT_POLL_MS = 100;

/**
 * Builds the Powercap protocol plugin; tests pass a manual clock to drive measurement
 * notifications without waiting.
 *
 * @example
 * ```ts
 * import { createPowercapProtocol } from "./mod.ts";
 * let t = 0;
 * const timers: (() => void)[] = [];
 * const clock = {
 *   now: () => t,
 *   setTimer: (fn: () => void) => timers.push(fn),
 *   clearTimer: () => {},
 * };
 * const powercap = createPowercapProtocol({ clock, pollMs: 50 });
 * // Platform({ …, protocols: [powercap, …] }); then run the queued timers by hand.
 * ```
 */
export function createPowercapProtocol(
  opts: PowercapProtocolOptions = {},
): ProtocolDef<PowercapSession, PowercapShared> {
  const clock = opts.clock ?? systemClock;
  const pollMs = opts.pollMs ?? DEFAULT_POLL_MS;
  if (!(pollMs > 0)) throw new RangeError(`Powercap pollMs must be above 0, got ${pollMs}`);
  return defineProtocol<PowercapSession, PowercapShared>({
    api: 1,
    id: 0x18,
    name: "powercap",
    call: powercapCall,
    dt: { label: "scmi_powercap" },
    versions: [PowercapVersion.V1, PowercapVersion.V2],
    kinds: [powercapKind],
    setup(env) {
      const domains = setupDomains(env, (d, cause) => sendCapChangedTo(env.receivers, d, cause));
      const monitor = new MeasurementMonitor(clock, pollMs, domains, env.log);
      return { domains, monitor, receivers: env.receivers };
    },
    open: () => new PowercapSession(),
    close: (ctx) => releaseSession(ctx, -1),
    onRevoke(ctx, kind, phys) {
      if (kind === "powercap") releaseSession(ctx, phys, true);
    },
    commands: {
      [PowercapMsg.PROTOCOL_ATTRIBUTES]: protocolAttributes,
      [PowercapMsg.POWERCAP_DOMAIN_ATTRIBUTES]: domainAttributes,
      [PowercapMsg.POWERCAP_CAP_GET]: capGet,
      [PowercapMsg.POWERCAP_CAP_SET]: capSet,
      [PowercapMsg.POWERCAP_PAI_GET]: paiGet,
      [PowercapMsg.POWERCAP_PAI_SET]: paiSet,
      [PowercapMsg.POWERCAP_DOMAIN_NAME_GET]: domainNameGet,
      [PowercapMsg.POWERCAP_MEASUREMENTS_GET]: measurementsGet,
      [PowercapMsg.POWERCAP_CAP_NOTIFY]: capNotify,
      [PowercapMsg.POWERCAP_MEASUREMENTS_NOTIFY]: measurementsNotify,
      [PowercapMsg.POWERCAP_DESCRIBE_FASTCHANNEL]: describeFastchannel,
    },
    events: {
      [PowercapEvent.POWERCAP_CAP_CHANGED]: {
        name: "POWERCAP_CAP_CHANGED",
        p2a: "agent_id domain_id power_cap pai",
      },
      [PowercapEvent.POWERCAP_MEASUREMENTS_CHANGED]: {
        name: "POWERCAP_MEASUREMENTS_CHANGED",
        p2a: "agent_id domain_id power",
      },
      [PowercapMsg.POWERCAP_CAP_SET]: {
        name: "POWERCAP_CAP_SET_COMPLETE",
        p2a: "domain_id power_cap",
      },
    },
  });
}

/** The Power capping and monitoring protocol plugin, on the system clock. */
export const powercapProtocol: ProtocolDef<PowercapSession, PowercapShared> =
  createPowercapProtocol();
