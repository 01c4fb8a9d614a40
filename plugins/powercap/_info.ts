/**
 * Powercap domain discovery: PROTOCOL_ATTRIBUTES, POWERCAP_DOMAIN_ATTRIBUTES,
 * POWERCAP_DOMAIN_NAME_GET and POWERCAP_DESCRIBE_FASTCHANNEL.
 * @module
 */
import { type CommandDef, Status } from "../../mod.ts";
import { asyncCapSet } from "./_cap.ts";
import {
  capConfigurable,
  domainOf,
  monitored,
  nameOf,
  paiConfigurable,
  type PowercapSession,
  type PowercapShared,
} from "./_state.ts";
import { DomainAttr, LONG_NAME, NO_PARENT, PowerUnit, SHORT_NAME } from "./msg.ts";

type Cmd = CommandDef<PowercapSession, PowercapShared>;

/** PROTOCOL_ATTRIBUTES (§4.10). a2p: —. p2a: u32 (15:0 domains this agent sees; 31:16 0). */
export const protocolAttributes: Cmd = {
  name: "PROTOCOL_ATTRIBUTES",
  params: 0,
  run(ctx, m) {
    m.w.u32(Math.min(ctx.ids("powercap").count, 0xffff));
  },
};

/**
 * POWERCAP_DOMAIN_ATTRIBUTES (§4.10). a2p: u32 domain_id. p2a: u32 attributes, char
 * name[16], u32 min_pai, u32 max_pai, u32 pai_step, u32 min_power_cap, u32 max_power_cap,
 * u32 power_cap_step, u32 sustainable_power, u32 accuracy, u32 parent_id.
 * Attributes: 31 cap-change and 30 measurement-change notifications (sessions with a
 * platform→agent channel; 30 only for a monitored domain), 29 asynchronous cap set (likewise),
 * 28 extended name, 27 cap configurable, 26 monitoring, 25 interval configurable, 24:23 power
 * unit (0 abstract, 1 µW, 2 mW), 22 fast channels (never). parent_id is the parent's id in
 * this agent's view, 0xFFFFFFFF when it has none or the agent cannot see it.
 */
export const domainAttributes: Cmd = {
  name: "POWERCAP_DOMAIN_ATTRIBUTES",
  params: 4,
  resource: "powercap",
  a2p: "domain_id",
  run(ctx, m) {
    const phys = m.res;
    const d = domainOf(ctx, phys).desc;
    const name = nameOf(ctx, m.vid, phys);
    let attrs = PowerUnit[d.unit ?? "uW"] << DomainAttr.UNIT_SHIFT;
    if (ctx.canNotify) {
      attrs |= DomainAttr.CAP_CHANGE_NOTIFY;
      if (monitored(d)) attrs |= DomainAttr.MEASUREMENTS_NOTIFY;
    }
    if (asyncCapSet(ctx, phys)) attrs |= DomainAttr.ASYNC_CAP_SET;
    if (name.length >= SHORT_NAME) attrs |= DomainAttr.EXTENDED_NAME;
    if (capConfigurable(d)) attrs |= DomainAttr.CAP_CONFIG;
    if (monitored(d)) attrs |= DomainAttr.MONITORING;
    if (paiConfigurable(d)) attrs |= DomainAttr.PAI_CONFIG;
    const parent = d.parent === undefined ? -1 : ctx.ids("powercap").toVirtual(d.parent);
    const w = m.w;
    w.u32(attrs >>> 0);
    w.name(name, SHORT_NAME);
    w.u32(d.minPai);
    w.u32(d.maxPai);
    w.u32(d.paiStep);
    w.u32(d.minCap);
    w.u32(d.maxCap);
    w.u32(d.capStep);
    w.u32(d.sustainablePower ?? d.maxCap);
    w.u32(d.accuracy ?? 0);
    w.u32(parent < 0 ? NO_PARENT : parent);
  },
};

/**
 * POWERCAP_DOMAIN_NAME_GET (§4.10). a2p: u32 domain_id. p2a: u32 flags (0), char name[64].
 * Answered for every domain, short names included.
 */
export const domainNameGet: Cmd = {
  name: "POWERCAP_DOMAIN_NAME_GET",
  params: 4,
  resource: "powercap",
  a2p: "domain_id",
  run(ctx, m) {
    m.w.u32(0);
    m.w.name(nameOf(ctx, m.vid, m.res), LONG_NAME);
  },
};

/**
 * POWERCAP_DESCRIBE_FASTCHANNEL (§4.10). a2p: u32 domain_id, u32 message_id. vscmi offers no
 * fast channel (attribute bit 22 is never set, PROTOCOL_MESSAGE_ATTRIBUTES reads 0 for every
 * command): a visible domain → NOT_SUPPORTED.
 */
export const describeFastchannel: Cmd = {
  name: "POWERCAP_DESCRIBE_FASTCHANNEL",
  params: 8,
  resource: "powercap",
  a2p: "domain_id message_id",
  run: () => Status.NOT_SUPPORTED,
};
