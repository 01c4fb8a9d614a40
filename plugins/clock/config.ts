/**
 * Clock enable and extended configuration: CLOCK_CONFIG_SET (the 1.0/2.0 layout and the 3.0
 * layout with an extended configuration type and value) and CLOCK_CONFIG_GET (3.0).
 *
 * An enable or disable is the agent's vote (see `state.ts`): the hardware changes only when
 * the clock's effective state flips, and the agent reads back its own vote. Enabling a clock
 * whose parent is off starts the parent chain first (`tree.ts`).
 * @module
 */
import { type CommandDef, Right, Status } from "../../mod.ts";
import { ClockState, ClockVersion, ConfigAttr, ConfigType } from "./msg.ts";
import {
  type ClockCtx,
  type ClockSession,
  type ClockShared,
  foundReleased,
  hasExtendedConfig,
  keepFound,
  releaseFound,
} from "./state.ts";
import { settle, settleAfter } from "./tree.ts";

type Cmd = CommandDef<ClockSession, ClockShared>;

/** CLOCK_CONFIG_SET attribute bits defined by the 3.0 layout. */
const V3_ATTRS = ConfigAttr.STATE_MASK | (ConfigAttr.TYPE_MASK << ConfigAttr.TYPE_SHIFT);

/**
 * Records the agent's enable vote on physical clock `phys` and, when the clock's effective
 * state flips, settles it with its parent chain (`tree.ts`): enabling starts the chain first,
 * disabling stops the clock, then the parents nothing else needs. The first vote on a clock
 * kept only until voted (`state.ts`, {@linkcode releaseFound}) ends that keep, so a disable
 * that changes no vote may still stop it. A driver failure gives the vote (and the keep)
 * back, lets go of what it started, and is thrown.
 */
export function voteEnable(ctx: ClockCtx, phys: number, on: boolean): void | Promise<void> {
  const shared = ctx.shared;
  const votes = shared.votes;
  const agent = ctx.agent.id;
  const had = votes.has(agent, phys);
  const released = releaseFound(shared, phys);
  const flipped = had !== on && votes.vote(agent, phys, on);
  if (!flipped && !released) return;
  const undo = (e: unknown): never | Promise<never> => {
    if (had !== on) votes.vote(agent, phys, had);
    if (released) keepFound(shared, phys);
    return settleAfter(shared, phys, e);
  };
  let out: void | Promise<void>;
  try {
    out = settle(shared, phys);
  } catch (e) {
    return undo(e);
  }
  if (out instanceof Promise) {
    return released ? out.then(() => foundReleased(ctx, phys), undo) : out.catch(undo);
  }
  if (released) foundReleased(ctx, phys);
}

/**
 * Checks an extended configuration type for the clock: 0 when it may be used, else the
 * status to answer (reserved types 0x03–0x7F → INVALID_PARAMETERS, a type the clock does
 * not have → NOT_SUPPORTED).
 */
function checkType(ctx: ClockCtx, phys: number, type: number): Status {
  if (type >= ConfigType.RESERVED_FIRST && type < ConfigType.OEM_FIRST) {
    return Status.INVALID_PARAMETERS;
  }
  if (!hasExtendedConfig(ctx, phys) || !ctx.shared.configTypes[phys].includes(type)) {
    return Status.NOT_SUPPORTED;
  }
  return Status.SUCCESS;
}

/**
 * CLOCK_CONFIG_SET (§4.6.2.9).
 * a2p before 3.0: u32 clock_id, u32 attributes (bit 0: 1 enable, 0 disable; 31:1 reserved).
 * a2p from 3.0: u32 clock_id, u32 attributes (1:0 state: 0 disable, 1 enable, 2 reserved,
 * 3 unchanged; 23:16 extended configuration type, 0 = none; other bits reserved), u32
 * extended_config_val. A 3.0 session also takes the 8-byte layout.
 * p2a: —. Reserved bits or state, or "unchanged" with no type → INVALID_PARAMETERS; a type
 * the clock lacks → NOT_SUPPORTED. The configuration value is applied before the state.
 */
export const clockConfigSet: Cmd = {
  name: "CLOCK_CONFIG_SET",
  params: { min: 8, max: 12 },
  resource: "clock",
  needs: Right.WRITE,
  a2p: "clock_id attributes extended_config_val",
  run(ctx, m) {
    const n = m.r.length;
    if (n !== 8 && (n !== 12 || ctx.version < ClockVersion.V3)) return Status.PROTOCOL_ERROR;
    const phys = m.res;
    m.r.u32();
    const attrs = m.r.u32();
    let state: number = attrs & 1;
    let type: number = ConfigType.NONE;
    let value = 0;
    if (n === 8) {
      if ((attrs & ~1) !== 0) return Status.INVALID_PARAMETERS;
    } else {
      value = m.r.u32();
      if ((attrs & ~V3_ATTRS) !== 0) return Status.INVALID_PARAMETERS;
      state = attrs & ConfigAttr.STATE_MASK;
      type = (attrs >>> ConfigAttr.TYPE_SHIFT) & ConfigAttr.TYPE_MASK;
      if (state === ClockState.RESERVED) return Status.INVALID_PARAMETERS;
      if (type === ConfigType.NONE && state === ClockState.UNCHANGED) {
        return Status.INVALID_PARAMETERS;
      }
      if (type !== ConfigType.NONE) {
        const bad = checkType(ctx, phys, type);
        if (bad !== Status.SUCCESS) return bad;
      }
    }
    const on = state === ClockState.ENABLE;
    const keep = state === ClockState.UNCHANGED;
    if (type === ConfigType.NONE) return voteEnable(ctx, phys, on);
    const out = ctx.shared.hw[phys]!.setOemConfig!(phys, type, value);
    if (keep) return out;
    if (out instanceof Promise) return out.then(() => voteEnable(ctx, phys, on));
    return voteEnable(ctx, phys, on);
  },
};

/**
 * CLOCK_CONFIG_GET (§4.6.2.10, 3.0+). a2p: u32 clock_id, u32 flags (7:0 extended
 * configuration type to read, 0 = none; 31:8 reserved → INVALID_PARAMETERS).
 * p2a: u32 attributes (reserved, 0), u32 config (bit 0: enabled in this agent's view),
 * u32 extended_config_val (0 when no type was asked).
 */
export const clockConfigGet: Cmd = {
  name: "CLOCK_CONFIG_GET",
  params: 8,
  resource: "clock",
  since: ClockVersion.V3,
  a2p: "clock_id flags",
  run(ctx, m) {
    const phys = m.res;
    m.r.u32();
    const flags = m.r.u32();
    if ((flags & ~ConfigAttr.TYPE_MASK) !== 0) return Status.INVALID_PARAMETERS;
    let value = 0;
    if (flags !== ConfigType.NONE) {
      const bad = checkType(ctx, phys, flags);
      if (bad !== Status.SUCCESS) return bad;
      value = ctx.shared.hw[phys]!.getOemConfig!(phys, flags);
    }
    m.w.u32(0);
    m.w.u32(ctx.shared.votes.has(ctx.agent.id, phys) ? 1 : 0);
    m.w.u32(value);
  },
};
