/**
 * Voltage domain on/off: VOLTAGE_CONFIG_SET and VOLTAGE_CONFIG_GET. Switching a domain on or
 * off is the agent's vote (see `_state.ts`): the output changes only when the domain's
 * effective state flips, and the agent reads back its own vote.
 * @module
 */
import { type CommandDef, Right, Status } from "../../mod.ts";
import { type VoltageSession, type VoltageShared, voteOn } from "./_state.ts";
import { VoltageConfig } from "./msg.ts";

type Cmd = CommandDef<VoltageSession, VoltageShared>;

/**
 * VOLTAGE_CONFIG_SET (§4.9). a2p: u32 domain_id, u32 config (bits 3:0 mode: 0x0
 * architectural off, 0x7 architectural on; bit 3 set = IMPLEMENTATION DEFINED mode; bits
 * 31:4 reserved). p2a: —. Reserved bits, a reserved architectural mode, or an
 * IMPLEMENTATION DEFINED mode (vscmi's domains have none) → INVALID_PARAMETERS.
 */
export const configSet: Cmd = {
  name: "VOLTAGE_CONFIG_SET",
  params: 8,
  resource: "voltage",
  needs: Right.WRITE,
  a2p: "domain_id config",
  run(ctx, m) {
    m.r.u32();
    const config = m.r.u32();
    if (config === VoltageConfig.ON) return voteOn(ctx, m.res, true);
    if (config === VoltageConfig.OFF) return voteOn(ctx, m.res, false);
    return Status.INVALID_PARAMETERS;
  },
};

/**
 * VOLTAGE_CONFIG_GET (§4.9). a2p: u32 domain_id. p2a: u32 config: 0x7 (architectural on)
 * while this agent votes the domain on, 0x0 (architectural off) otherwise.
 */
export const configGet: Cmd = {
  name: "VOLTAGE_CONFIG_GET",
  params: 4,
  resource: "voltage",
  a2p: "domain_id",
  run(ctx, m) {
    const on = ctx.shared.votes.has(ctx.agent.id, m.res);
    m.w.u32(on ? VoltageConfig.ON : VoltageConfig.OFF);
  },
};
