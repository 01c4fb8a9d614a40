/**
 * What an agent learns about its clocks: PROTOCOL_ATTRIBUTES, CLOCK_ATTRIBUTES,
 * CLOCK_NAME_GET and CLOCK_GET_PERMISSIONS. Every answer is the agent's own view: its
 * count of clocks, its names, its enable votes, its rights.
 * @module
 */
import type { CommandDef } from "../../mod.ts";
import { ALL_PERMS, ClockAttr, ClockVersion, LONG_NAME, MAX_ASYNC, SHORT_NAME } from "./msg.ts";
import {
  type ClockSession,
  type ClockShared,
  descOf,
  hasExtendedConfig,
  hasParents,
  nameOf,
  permissionsOf,
} from "./state.ts";

type Cmd = CommandDef<ClockSession, ClockShared>;

/**
 * PROTOCOL_ATTRIBUTES (§4.6.2.3). a2p: —.
 * p2a: u32 attributes = num_clocks 15:0 | max_async_req 23:16 | reserved 31:24.
 * `num_clocks` counts the agent's virtual ids; asynchronous rate changes are offered only to
 * a session with a platform→agent channel.
 */
export const protocolAttributes: Cmd = {
  name: "PROTOCOL_ATTRIBUTES",
  params: 0,
  run(ctx, m) {
    const n = Math.min(ctx.ids("clock").count, 0xffff);
    m.w.u32(n | (ctx.canNotify ? MAX_ASYNC << 16 : 0));
  },
};

/**
 * CLOCK_ATTRIBUTES (§4.6.2.5). a2p: u32 clock_id.
 * p2a: u32 attributes, char name[16], then from 2.0 u32 clock_enable_latency (µs, 0 = not
 * known). Attribute bits by version: 0 enabled (this agent's vote) always; 31/30 rate
 * notifications (2.0+, sessions with a platform→agent channel); 29 extended name (2.0+,
 * names over 15 characters); 28 parents (3.0+, when the agent sees one); 27 extended
 * configuration (3.0+); 1 restricted (3.0+, rights short of full control).
 */
export const clockAttributes: Cmd = {
  name: "CLOCK_ATTRIBUTES",
  params: 4,
  resource: "clock",
  a2p: "clock_id",
  run(ctx, m) {
    const phys = m.res;
    const d = descOf(ctx, phys);
    // The agent's own name for the clock, or the board's (written pre-encoded below).
    const own = ctx.ids("clock").names[m.vid];
    const name = own ?? d.name;
    const v = ctx.version;
    let attr = ctx.shared.votes.has(ctx.agent.id, phys) ? ClockAttr.ENABLED : 0;
    if (v >= ClockVersion.V2) {
      if (ctx.canNotify) {
        attr |= ClockAttr.RATE_CHANGED_NOTIFY | ClockAttr.RATE_CHANGE_REQUESTED_NOTIFY;
      }
      if (name.length >= SHORT_NAME) attr |= ClockAttr.EXTENDED_NAME;
    }
    if (v >= ClockVersion.V3) {
      if (hasParents(ctx, phys)) attr |= ClockAttr.PARENTS;
      if (hasExtendedConfig(ctx, phys)) attr |= ClockAttr.EXTENDED_CONFIG;
      if (permissionsOf(ctx, m.vid) !== ALL_PERMS) attr |= ClockAttr.RESTRICTED;
    }
    m.w.u32(attr);
    const encoded = own === undefined ? ctx.shared.shortNames[phys] : undefined;
    if (encoded !== undefined) m.w.words(encoded);
    else m.w.name(name, SHORT_NAME);
    if (v >= ClockVersion.V2) m.w.u32(d.enableLatencyUs ?? 0);
  },
};

/**
 * CLOCK_NAME_GET (§4.6.2.11, 2.0+). a2p: u32 clock_id.
 * p2a: u32 flags (0), char name[64]. Answered for every clock, long name or not.
 */
export const clockNameGet: Cmd = {
  name: "CLOCK_NAME_GET",
  params: 4,
  resource: "clock",
  since: ClockVersion.V2,
  a2p: "clock_id",
  run(ctx, m) {
    m.w.u32(0);
    m.w.name(nameOf(ctx, m), LONG_NAME);
  },
};

/**
 * CLOCK_GET_PERMISSIONS (§4.6.2.17, 3.0+). a2p: u32 clock_id.
 * p2a: u32 permissions: 31 state control, 30 parent control, 29 rate control allowed.
 */
export const clockGetPermissions: Cmd = {
  name: "CLOCK_GET_PERMISSIONS",
  params: 4,
  resource: "clock",
  since: ClockVersion.V3,
  a2p: "clock_id",
  run(ctx, m) {
    m.w.u32(permissionsOf(ctx, m.vid));
  },
};
