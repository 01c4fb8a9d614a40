/**
 * PINCTRL_SET_PERMISSIONS: a trusted agent (a hypervisor) gives another agent access to a
 * pin, group or function, or takes it away. The grant table changes through
 * `core/permissions.ts`, as for Base's device permissions.
 * @module
 */
import { type CommandDef, Status } from "../../mod.ts";
import type { PinctrlSession, PinctrlShared } from "./_state.ts";
import { PermissionFlag } from "./msg.ts";

type Command = CommandDef<PinctrlSession, PinctrlShared>;

const KINDS = ["pin", "group", "function"] as const;

/**
 * §4.11.2.11 PINCTRL_SET_PERMISSIONS. a2p: u32 agent_id, u32 identifier (the caller's id),
 * u32 flags (1:0 selector; 2: 1 allow, 0 deny; 31:3 reserved). p2a: —.
 *
 * Allowing makes the resource visible to the agent with full rights (a new virtual id after
 * its others, or the one it has); denying removes it (its claims on it are released first,
 * its other ids do not move). Only that resource changes: a group's pins or a function's
 * groups are granted on their own. Checks, in order: untrusted caller → DENIED; `agent_id`
 * other than 0 and the ids of agents present → NOT_FOUND; reserved bits or selector →
 * INVALID_PARAMETERS; identifier the caller does not see → NOT_FOUND; `agent_id` 0 (the
 * platform) → DENIED. A trusted agent may act on itself.
 */
export const pinctrlSetPermissions: Command = {
  name: "PINCTRL_SET_PERMISSIONS",
  params: 12,
  a2p: "agent_id identifier flags",
  run(ctx, m) {
    if (!ctx.agent.trusted) return Status.DENIED;
    const agentId = m.r.u32();
    const id = m.r.u32();
    const flags = m.r.u32();
    const target = ctx.shared.agents.byId(agentId);
    if (agentId !== 0 && target === undefined) return Status.NOT_FOUND;
    const sel = flags & 0x3;
    if ((flags & PermissionFlag.RESERVED) !== 0 || sel === 3) return Status.INVALID_PARAMETERS;
    const kind = KINDS[sel];
    const phys = ctx.ids(kind).toPhysical(id);
    if (phys < 0) return Status.NOT_FOUND;
    if (target === undefined) return Status.DENIED;
    const allow = (flags & PermissionFlag.ALLOW) !== 0;
    return ctx.shared.agents.setResourceAccess(ctx, agentId, kind, phys, allow);
  },
};
