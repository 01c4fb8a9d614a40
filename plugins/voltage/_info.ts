/**
 * Voltage domain discovery: PROTOCOL_ATTRIBUTES, VOLTAGE_DOMAIN_ATTRIBUTES and
 * VOLTAGE_DOMAIN_NAME_GET.
 * @module
 */
import type { CommandDef } from "../../mod.ts";
import { asyncLevelSet } from "./_levels.ts";
import { nameOf, type VoltageSession, type VoltageShared } from "./_state.ts";
import { DomainAttr, LONG_NAME, SHORT_NAME, VoltageVersion } from "./msg.ts";

type Cmd = CommandDef<VoltageSession, VoltageShared>;

/** PROTOCOL_ATTRIBUTES (§4.9). a2p: —. p2a: u32 (15:0 domains this agent sees; 31:16 0). */
export const protocolAttributes: Cmd = {
  name: "PROTOCOL_ATTRIBUTES",
  params: 0,
  run(ctx, m) {
    m.w.u32(Math.min(ctx.ids("voltage").count, 0xffff));
  },
};

/**
 * VOLTAGE_DOMAIN_ATTRIBUTES (§4.9). a2p: u32 domain_id. p2a: u32 attributes, char name[16].
 * From 2.0: bit 31 asynchronous VOLTAGE_LEVEL_SET (the domain supports it and the session has
 * a platform→agent channel), bit 30 extended name (the agent's name for it does not fit 15
 * characters). 1.0: attributes 0.
 */
export const domainAttributes: Cmd = {
  name: "VOLTAGE_DOMAIN_ATTRIBUTES",
  params: 4,
  resource: "voltage",
  a2p: "domain_id",
  run(ctx, m) {
    const name = nameOf(ctx, m.vid, m.res);
    let attrs = 0;
    if (ctx.version >= VoltageVersion.V2) {
      if (asyncLevelSet(ctx, m.res)) attrs |= DomainAttr.ASYNC_LEVEL_SET;
      if (name.length >= SHORT_NAME) attrs |= DomainAttr.EXTENDED_NAME;
    }
    m.w.u32(attrs >>> 0);
    m.w.name(name, SHORT_NAME);
  },
};

/**
 * VOLTAGE_DOMAIN_NAME_GET (§4.9, 2.0+). a2p: u32 domain_id. p2a: u32 flags (0), char
 * name[64]. Answered for every domain, short names included.
 */
export const domainNameGet: Cmd = {
  name: "VOLTAGE_DOMAIN_NAME_GET",
  params: 4,
  resource: "voltage",
  since: VoltageVersion.V2,
  a2p: "domain_id",
  run(ctx, m) {
    m.w.u32(0);
    m.w.name(nameOf(ctx, m.vid, m.res), LONG_NAME);
  },
};
