/**
 * The Power domain management protocol (0x11, DEN0056 §4.3), versions 1.0, 2.0, 3.0 and 3.1.
 *
 * - 1.0: attributes, state set/get, POWER_STATE_NOTIFY.
 * - 2.0: POWER_STATE_CHANGE_REQUESTED_NOTIFY (found through PROTOCOL_MESSAGE_ATTRIBUTES:
 *   domain attribute bits 28:0 are still reserved).
 * - 3.0: domain attribute bit 28 (change-requested notifications), extended names (attribute
 *   bit 27, POWER_DOMAIN_NAME_GET).
 * - 3.1: NEGOTIATE_PROTOCOL_VERSION (answered by the core).
 *
 * Domains are shared: each agent votes (see `_arbiter.ts`; the votes live in the platform's
 * vote book, store `power.state`, and outlive the agent's sessions for its grace period),
 * POWER_STATE_GET answers the agent's own vote, and the hardware follows the aggregate,
 * parents powered up before and down after their children. An agent with read rights only
 * sees the hardware state and is offered neither synchronous nor asynchronous set.
 *
 * Asynchronous POWER_STATE_SET has no delayed response: it is answered SUCCESS once
 * accepted and completes with a POWER_STATE_CHANGED notification to the requesting session
 * when it subscribed to the domain (sent even when the hardware did not need to change, so
 * the requester always learns that its request is done). Other subscribed sessions hear of
 * real hardware changes only.
 *
 * Notifications never tell a guest about another guest (`core/notify_rules.ts`):
 * POWER_STATE_CHANGED carries the receiver's own agent id when its agent caused the change
 * and 0 (the platform) otherwise; POWER_STATE_CHANGE_REQUESTED carries the requested state,
 * the requester's vote, so only the requesting agent's own subscribed sessions hear it.
 *
 * A driver that refuses a switch because a child is still on (`DriverError("in-use")`) is
 * answered DENIED: IN_USE first appears in SCMI 4.0, after the versions spoken here. The
 * arbiter orders switches so that this only happens when the hardware is shared with
 * something vscmi does not see.
 * @module
 */
import { defineProtocol, type Msg, Right, type SetupEnv, Status } from "../../mod.ts";
import { powerKind } from "./kind.ts";
import type { PowerDesc } from "./kind.ts";
import type { PowerHw } from "./hw.ts";
import { hasState, PowerArbiter } from "./_arbiter.ts";
import {
  announceChanged,
  change,
  changeLater,
  type PCtx,
  POWER_STORE,
  type PowerSession,
  type PowerShared,
} from "./_change.ts";
import { PowerDomainAttr, PowerEvent, PowerMsg, PowerVersion } from "./msg.ts";
import { powerCall } from "./call.ts";

export { PowerDomainAttr, PowerEvent, PowerMsg };
export type { PowerSession, PowerShared };

const ASYNC_FLAG = 1;
const SHORT_NAME = 16;
const LONG_NAME = 64;

/** Notify-enable word: bit 0 only. */
function subscribe(set: Set<number>, m: Msg): Status | void {
  m.r.u32();
  const enable = m.r.u32();
  if ((enable & ~1) !== 0) return Status.INVALID_PARAMETERS;
  if (enable) set.add(m.res);
  else set.delete(m.res);
}

function domainName(ctx: PCtx, m: Msg): string {
  return ctx.ids("power").names[m.vid] ?? ctx.shared.arbiter.desc(m.res)!.name;
}

function canWrite(ctx: PCtx, m: Msg): boolean {
  return (ctx.ids("power").rights[m.vid] & Right.WRITE) !== 0;
}

/**
 * The protocol-wide state: the arbiter over the `power.state` store. Withdrawn or restored
 * votes bring the domain (and its ancestors) in line in the arbiter's queue; subscribers hear
 * POWER_STATE_CHANGED with the agent whose votes went as the cause (0 for restored ones).
 */
function setup(env: SetupEnv<PowerSession>): PowerShared {
  const log = env.log;
  const descs: (PowerDesc | undefined)[] = [];
  for (const d of powerKind.of(env.board)) descs[d.id] = d;
  const votes = env.votes.values(POWER_STORE, {
    kind: "power",
    policyOf: () => "last",
    admit: (phys, state) =>
      hasState(descs[phys], state)
        ? undefined
        : `0x${state.toString(16)} is not a power state the domain has`,
    effective: (phys) => arbiter.desired(phys),
    apply(phys, cause) {
      const hook = (p: number, s: number) => announceChanged(env.receivers, cause, p, s);
      return arbiter.serial(() => arbiter.reconcile([phys], hook));
    },
  });
  const hw = powerKind.hwOf(env.hw);
  const arbiter = new PowerArbiter(powerKind.of(env.board), hw, votes);
  // States changed behind the protocol's back (a downstream's other agents) are announced.
  for (const h of new Set(hw.filter((h): h is PowerHw => h !== undefined))) {
    h.watchStates?.((phys, state) => {
      if (descs[phys] !== undefined) announceChanged(env.receivers, 0, phys, state);
    });
  }
  return { arbiter, log, receivers: env.receivers };
}

export const powerProtocol = defineProtocol<PowerSession, PowerShared>({
  api: 1,
  id: 0x11,
  name: "power",
  call: powerCall,
  dt: {
    label: "scmi_devpd",
    cells: "#power-domain-cells",
    consumers: { power: "power-domains = <&scmi_devpd ID>" },
  },
  versions: [PowerVersion.V1, PowerVersion.V2, PowerVersion.V3, PowerVersion.V3_1],
  kinds: [powerKind],
  setup,
  open: () => ({ changed: new Set(), requested: new Set() }),
  /** The agent loses the domain: its vote goes (the hardware follows) and its subscriptions end. */
  onRevoke(ctx, kind, phys) {
    if (kind !== "power") return;
    ctx.state.changed.delete(phys);
    ctx.state.requested.delete(phys);
    ctx.withdraw(POWER_STORE, phys);
  },
  commands: {
    /**
     * PROTOCOL_ATTRIBUTES. a2p: —. p2a: u32 attributes (15:0 domains this agent sees),
     * u32 statistics_address_low, u32 statistics_address_high, u32 statistics_len (no
     * statistics region: all 0).
     */
    0x1: {
      name: "PROTOCOL_ATTRIBUTES",
      params: 0,
      run(ctx, m) {
        m.w.u32(ctx.ids("power").count & 0xffff);
        m.w.u32(0);
        m.w.u32(0);
        m.w.u32(0);
      },
    },
    /**
     * POWER_DOMAIN_ATTRIBUTES. a2p: u32 domain_id. p2a: u32 attributes (31 state-change
     * notifications, 30 async set, 29 sync set; from v3.0 28 change-requested notifications
     * and 27 extended name; the rest reserved, zero), u8 name[16].
     */
    [PowerMsg.POWER_DOMAIN_ATTRIBUTES]: {
      name: "POWER_DOMAIN_ATTRIBUTES",
      params: 4,
      resource: "power",
      a2p: "domain_id",
      run(ctx, m) {
        const d = ctx.shared.arbiter.desc(m.res);
        if (!d) return Status.NOT_FOUND;
        const name = domainName(ctx, m);
        let attr = 0;
        if (ctx.canNotify) {
          attr |= PowerDomainAttr.STATE_CHANGE_NOTIFY;
          if (ctx.version >= PowerVersion.V3) attr |= PowerDomainAttr.CHANGE_REQUESTED_NOTIFY;
        }
        if (canWrite(ctx, m)) {
          attr |= PowerDomainAttr.SYNC_SET;
          // An asynchronous set completes with a notification: only with a P2A channel.
          if (d.async && ctx.canNotify) attr |= PowerDomainAttr.ASYNC_SET;
        }
        if (ctx.version >= PowerVersion.V3 && name.length > SHORT_NAME - 1) {
          attr |= PowerDomainAttr.EXTENDED_NAME;
        }
        m.w.u32(attr);
        m.w.name(name, SHORT_NAME);
      },
    },
    /**
     * POWER_STATE_SET. a2p: u32 flags (bit 0 async, 31:1 reserved), u32 domain_id,
     * u32 power_state. p2a: —. INVALID_PARAMETERS for reserved flags or a state the domain
     * lacks, NOT_SUPPORTED for async on a domain without it or a session without a
     * platform→agent channel (nothing could tell it the switch is done).
     */
    [PowerMsg.POWER_STATE_SET]: {
      name: "POWER_STATE_SET",
      params: 12,
      resource: "power",
      at: 4,
      needs: Right.WRITE,
      a2p: "flags domain_id power_state",
      run(ctx, m) {
        const flags = m.r.u32();
        m.r.u32();
        const state = m.r.u32();
        const arb = ctx.shared.arbiter;
        const d = arb.desc(m.res);
        if (!d) return Status.NOT_FOUND;
        if ((flags & ~ASYNC_FLAG) !== 0 || !arb.accepts(m.res, state)) {
          return Status.INVALID_PARAMETERS;
        }
        const phys = m.res;
        if ((flags & ASYNC_FLAG) !== 0) {
          if (!d.async || !ctx.canNotify) return Status.NOT_SUPPORTED;
          changeLater(ctx, ctx.state, phys, state);
          return;
        }
        const st = ctx.state;
        return arb.serial(() => change(ctx, st, phys, state));
      },
    },
    /**
     * POWER_STATE_GET. a2p: u32 domain_id. p2a: u32 power_state — what this agent asked
     * (OFF when it never did); the hardware state for an agent that may only read.
     */
    [PowerMsg.POWER_STATE_GET]: {
      name: "POWER_STATE_GET",
      params: 4,
      resource: "power",
      a2p: "domain_id",
      run(ctx, m) {
        const arb = ctx.shared.arbiter;
        if (!arb.desc(m.res)) return Status.NOT_FOUND;
        m.w.u32(canWrite(ctx, m) ? arb.view(ctx.agent.id, m.res) : arb.state(m.res));
      },
    },
    /**
     * POWER_STATE_NOTIFY. a2p: u32 domain_id, u32 notify_enable (bit 0). p2a: —.
     * Subscribes this session to POWER_STATE_CHANGED for the domain.
     */
    [PowerMsg.POWER_STATE_NOTIFY]: {
      name: "POWER_STATE_NOTIFY",
      params: 8,
      resource: "power",
      a2p: "domain_id notify_enable",
      available: (ctx) => ctx.canNotify,
      run: (ctx, m) => subscribe(ctx.state.changed, m),
    },
    /**
     * POWER_STATE_CHANGE_REQUESTED_NOTIFY (v2.0+). a2p: u32 domain_id, u32 notify_enable
     * (bit 0). p2a: —. Subscribes to POWER_STATE_CHANGE_REQUESTED: other agents' requests.
     */
    [PowerMsg.POWER_STATE_CHANGE_REQUESTED_NOTIFY]: {
      name: "POWER_STATE_CHANGE_REQUESTED_NOTIFY",
      params: 8,
      resource: "power",
      since: PowerVersion.V2,
      a2p: "domain_id notify_enable",
      available: (ctx) => ctx.canNotify,
      run: (ctx, m) => subscribe(ctx.state.requested, m),
    },
    /**
     * POWER_DOMAIN_NAME_GET (v3.0+). a2p: u32 domain_id. p2a: u32 flags (0),
     * u8 name[64]. Answers for every domain, short names included.
     */
    [PowerMsg.POWER_DOMAIN_NAME_GET]: {
      name: "POWER_DOMAIN_NAME_GET",
      params: 4,
      resource: "power",
      since: PowerVersion.V3,
      a2p: "domain_id",
      run(ctx, m) {
        if (!ctx.shared.arbiter.desc(m.res)) return Status.NOT_FOUND;
        m.w.u32(0);
        m.w.name(domainName(ctx, m), LONG_NAME);
      },
    },
  },
  events: {
    [PowerEvent.POWER_STATE_CHANGED]: {
      name: "POWER_STATE_CHANGED",
      p2a: "agent_id domain_id power_state",
    },
    [PowerEvent.POWER_STATE_CHANGE_REQUESTED]: {
      name: "POWER_STATE_CHANGE_REQUESTED",
      p2a: "agent_id domain_id power_state",
    },
  },
});
