/**
 * PINCTRL_REQUEST and PINCTRL_RELEASE: an agent claims pins and groups for its exclusive use
 * and gives them back. How claims and ownership work is in `_state.ts`.
 * @module
 */
import { type CommandDef, type Msg, type Outcome, Right, Status } from "../../mod.ts";
import type { PinTarget } from "./hw.ts";
import {
  claim,
  lookup,
  type PinctrlCtx,
  type PinctrlSession,
  type PinctrlShared,
  targetOf,
  unclaim,
} from "./_state.ts";
import { FLAGS_RESERVED } from "./msg.ts";

type Command = CommandDef<PinctrlSession, PinctrlShared>;

/**
 * Decodes the a2p both commands share (u32 identifier, u32 flags: 1:0 selector, pin or
 * group; 31:2 reserved) and runs `act` on the physical pin or group. INVALID_PARAMETERS for
 * reserved bits or a function or reserved selector; NOT_FOUND or DENIED from the lookup.
 */
function onTarget(
  ctx: PinctrlCtx,
  m: Msg,
  needs: number,
  act: (ctx: PinctrlCtx, target: PinTarget, phys: number) => Outcome,
): Outcome {
  const id = m.r.u32();
  const flags = m.r.u32();
  const target = targetOf(flags & 0x3);
  if ((flags & FLAGS_RESERVED) !== 0 || target === undefined) return Status.INVALID_PARAMETERS;
  const phys = lookup(ctx, target, id, needs);
  if (phys < 0) return phys as Status;
  return act(ctx, target, phys);
}

/**
 * §4.11.2.8 PINCTRL_REQUEST. a2p: u32 identifier, u32 flags (1:0 selector: pin or group;
 * 31:2 reserved). p2a: —. The agent becomes the owner of the pin, or of every pin of the
 * group; asking again for what it holds succeeds. INVALID_PARAMETERS: reserved bits, a
 * function or reserved selector; NOT_FOUND: not visible; DENIED: no write right; IN_USE:
 * another agent owns the pin or a pin of the group.
 */
export const pinctrlRequest: Command = {
  name: "PINCTRL_REQUEST",
  params: 8,
  a2p: "identifier flags",
  run: (ctx, m) => onTarget(ctx, m, Right.WRITE, claim),
};

/**
 * §4.11.2.9 PINCTRL_RELEASE. a2p: u32 identifier, u32 flags (1:0 selector: pin or group;
 * 31:2 reserved). p2a: —. Withdraws this session's claim on the pin or group; the pins stay
 * owned while another claim of the agent (a group holding the pin, the pin itself) covers
 * them. Releasing what the agent does not hold succeeds unless another agent owns it
 * (DENIED). INVALID_PARAMETERS: reserved bits, a function or reserved selector; NOT_FOUND:
 * not visible.
 */
export const pinctrlRelease: Command = {
  name: "PINCTRL_RELEASE",
  params: 8,
  a2p: "identifier flags",
  run: (ctx, m) => onTarget(ctx, m, Right.READ, unclaim),
};
