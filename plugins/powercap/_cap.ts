/**
 * Caps, averaging intervals and measurements: POWERCAP_CAP_GET, POWERCAP_CAP_SET
 * (synchronous, or asynchronous with or without its delayed response), POWERCAP_PAI_GET,
 * POWERCAP_PAI_SET and POWERCAP_MEASUREMENTS_GET.
 * @module
 */
import { type CommandDef, headerToken, type Msg, Right, Status } from "../../mod.ts";
import { sendCapChanged } from "./_notify.ts";
import {
  capConfigurable,
  capProblem,
  domainOf,
  monitored,
  onStep,
  ownedByOther,
  paiConfigurable,
  type PowercapCtx,
  type PowercapDomain,
  type PowercapSession,
  type PowercapShared,
  request,
} from "./_state.ts";
import { CapSetFlag, PowercapMsg, PowercapVersion } from "./msg.ts";

type Cmd = CommandDef<PowercapSession, PowercapShared>;

const CAP_SET_FLAGS = CapSetFlag.ASYNC | CapSetFlag.IGNORE_DELAYED_RESPONSE;

/** Whether this session may set physical domain `phys`'s cap asynchronously. */
export function asyncCapSet(ctx: PowercapCtx, phys: number): boolean {
  return ctx.canNotify && domainOf(ctx, phys).desc.async === true;
}

/**
 * POWERCAP_CAP_GET (§4.10). a2p: u32 domain_id. p2a: u32 power_cap: the cap the domain
 * enforces, whoever asked for it (0 when capping is disabled, 2.0).
 */
export const capGet: Cmd = {
  name: "POWERCAP_CAP_GET",
  params: 4,
  resource: "powercap",
  a2p: "domain_id",
  run(ctx, m) {
    m.w.u32(domainOf(ctx, m.res).hw.getCap(m.res));
  },
};

/**
 * POWERCAP_CAP_SET (§4.10). a2p: u32 domain_id, u32 flags (bit 1 asynchronous, bit 0 ignore
 * the delayed response; bits 31:2 reserved), u32 power_cap. p2a: —.
 * Reserved flags → INVALID_PARAMETERS; a domain whose cap cannot be set, or an asynchronous
 * request where the domain (or a session without a platform→agent channel) cannot do it →
 * NOT_SUPPORTED; a cap outside min_power_cap–max_power_cap or off power_cap_step →
 * INVALID_PARAMETERS. From 2.0 a cap of 0 asks for no cap; the domain must allow it
 * (`PowercapDesc.canDisable`), else INVALID_PARAMETERS as in 1.0. A cap outside the agent's
 * bounds (checked by the dispatcher first; 0, no cap, counts as above any max) →
 * OUT_OF_RANGE, or DENIED when not among its allowed caps.
 *
 * The cap is the agent's request; the domain enforces the lowest cap requested (see
 * `_state.ts`) and POWERCAP_CAP_CHANGED goes to subscribers when that changes. Synchronous:
 * answered once the controller has the new cap. Asynchronous: SUCCESS at once; unless bit 0
 * is set, the delayed response POWERCAP_CAP_SET_COMPLETE follows with the request's token —
 * p2a: i32 status, u32 domain_id (the agent's virtual id), u32 power_cap (the cap now in
 * force) — always after the reply.
 */
export const capSet: Cmd = {
  name: "POWERCAP_CAP_SET",
  params: 12,
  resource: "powercap",
  needs: Right.WRITE,
  // A cap of 0 (2.0) asks for no cap at all: above any max bound.
  value: { at: 8, of: (_ctx, _phys, cap) => cap === 0 ? Infinity : cap },
  a2p: "domain_id flags power_cap",
  run(ctx, m) {
    m.r.u32();
    const flags = m.r.u32();
    const cap = m.r.u32();
    const phys = m.res;
    const d = domainOf(ctx, phys);
    if ((flags & ~CAP_SET_FLAGS) !== 0) return Status.INVALID_PARAMETERS;
    if (!capConfigurable(d.desc)) return Status.NOT_SUPPORTED;
    const async = (flags & CapSetFlag.ASYNC) !== 0;
    if (async && !asyncCapSet(ctx, phys)) return Status.NOT_SUPPORTED;
    if (capProblem(d.desc, cap, ctx.version >= PowercapVersion.V2) !== undefined) {
      return Status.INVALID_PARAMETERS;
    }
    if (ownedByOther(d, ctx.agent.id)) return Status.DENIED;
    if (async) {
      completeLater(ctx, m, d, cap, (flags & CapSetFlag.IGNORE_DELAYED_RESPONSE) === 0);
      return;
    }
    const out = request(d, ctx.agent.id, cap);
    if (out instanceof Promise) {
      return out.then((changed) => void (changed && sendCapChanged(ctx, d, ctx.agent.id)));
    }
    if (out) sendCapChanged(ctx, d, ctx.agent.id);
  },
};

/**
 * Starts an asynchronous cap change; tells subscribers once it is in force and, when asked,
 * sends POWERCAP_CAP_SET_COMPLETE one timer tick later at the earliest, so it always follows
 * the command's own reply.
 */
function completeLater(
  ctx: PowercapCtx,
  m: Msg,
  d: PowercapDomain,
  cap: number,
  respond: boolean,
): void {
  const token = headerToken(m.header);
  const vid = m.vid;
  const agent = ctx.agent.id;
  const finish = (status: number) => {
    if (!respond) return;
    setTimeout(() => {
      if (!ctx.open) return;
      const now = d.hw.getCap(d.desc.id);
      const ok = ctx.delayed(PowercapMsg.POWERCAP_CAP_SET, token, status, 8, (w) => {
        w.u32(vid);
        w.u32(now);
      });
      if (!ok) {
        ctx.log.once(
          "warn",
          `powercap:dropped:${ctx.agent.name}`,
          `Agent "${ctx.agent.name}": POWERCAP_CAP_SET_COMPLETE for domain ${vid} could not be queued`,
        );
      }
    }, 0);
  };
  const done = (changed: boolean) => {
    if (changed) sendCapChanged(ctx, d, agent);
    finish(Status.SUCCESS);
  };
  let out: boolean | Promise<boolean>;
  try {
    out = request(d, agent, cap);
  } catch (e) {
    finish(ctx.fault("POWERCAP_CAP_SET", e));
    return;
  }
  if (out instanceof Promise) out.then(done, (e) => finish(ctx.fault("POWERCAP_CAP_SET", e)));
  else done(out);
}

/** POWERCAP_PAI_GET (§4.10). a2p: u32 domain_id. p2a: u32 pai (µs). */
export const paiGet: Cmd = {
  name: "POWERCAP_PAI_GET",
  params: 4,
  resource: "powercap",
  a2p: "domain_id",
  run(ctx, m) {
    m.w.u32(domainOf(ctx, m.res).hw.getPai(m.res));
  },
};

/**
 * POWERCAP_PAI_SET (§4.10). a2p: u32 domain_id, u32 flags (reserved, must be 0), u32 pai
 * (µs). p2a: —. Flags other than 0 → INVALID_PARAMETERS; a domain whose interval cannot be
 * set → NOT_SUPPORTED; an interval outside min_pai–max_pai or off pai_step →
 * INVALID_PARAMETERS. The interval is the domain's: the last writer wins, and subscribers
 * hear POWERCAP_CAP_CHANGED when it changes.
 */
export const paiSet: Cmd = {
  name: "POWERCAP_PAI_SET",
  params: 12,
  resource: "powercap",
  needs: Right.WRITE,
  a2p: "domain_id flags pai",
  run(ctx, m) {
    m.r.u32();
    const flags = m.r.u32();
    const pai = m.r.u32();
    const phys = m.res;
    const d = domainOf(ctx, phys);
    if (flags !== 0) return Status.INVALID_PARAMETERS;
    if (!paiConfigurable(d.desc)) return Status.NOT_SUPPORTED;
    if (!onStep(pai, d.desc.minPai, d.desc.maxPai, d.desc.paiStep)) {
      return Status.INVALID_PARAMETERS;
    }
    if (d.hw.getPai(phys) === pai) return;
    const agent = ctx.agent.id;
    const out = d.hw.setPai(phys, pai);
    if (out instanceof Promise) return out.then(() => sendCapChanged(ctx, d, agent));
    sendCapChanged(ctx, d, agent);
  },
};

/**
 * POWERCAP_MEASUREMENTS_GET (§4.10). a2p: u32 domain_id. p2a: u32 power (average over the
 * last interval), u32 pai (µs). A domain that reports no power → NOT_SUPPORTED.
 */
export const measurementsGet: Cmd = {
  name: "POWERCAP_MEASUREMENTS_GET",
  params: 4,
  resource: "powercap",
  a2p: "domain_id",
  run(ctx, m) {
    const phys = m.res;
    const d = domainOf(ctx, phys);
    if (!monitored(d.desc)) return Status.NOT_SUPPORTED;
    const out = d.hw.measure(phys);
    if (out instanceof Promise) {
      return out.then((power) => {
        m.w.u32(power);
        m.w.u32(d.hw.getPai(phys));
      });
    }
    m.w.u32(out);
    m.w.u32(d.hw.getPai(phys));
  },
};
