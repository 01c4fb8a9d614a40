/**
 * The Performance domain management protocol (0x13, DEN0056 §4.5): discovery of domains and
 * their levels, limits and levels set by agents holding WRITE on the domain, and level/limit
 * change notifications. The specification names the commands PERFORMANCE_*; Linux and this
 * code abbreviate them PERF_*.
 *
 * Versions spoken: 1.0, 2.0, 3.0 and 4.0 (Linux supports 4.0). What each adds:
 * - **1.0**: commands 0x1–0xA; power costs in mW (bit 0) or abstract.
 * - **2.0**: PERF_DESCRIBE_FASTCHANNEL (0xB) and the fast-channel bits. vscmi offers no fast
 *   channel (its transports cannot carry one): PROTOCOL_MESSAGE_ATTRIBUTES reads 0 for every
 *   command, domain attribute bit 27 is never set, and the query answers NOT_SUPPORTED.
 * - **3.0**: costs in µW (bit 1), extended names (bit 26, PERF_DOMAIN_NAME_GET 0xC), and in
 *   PERF_LIMITS_SET a zero level leaves that limit as it is (both zero: INVALID_PARAMETERS).
 * - **4.0**: each DESCRIBE_LEVELS entry also carries the indicative frequency (kHz) and the
 *   level's index; level-indexing mode (bit 25) for domains whose board entry asks for it.
 *
 * Decisions where the specification leaves room:
 * - A board in µW talks mW (rounded) to 1.0/2.0 sessions, which have no µW unit.
 * - Bit 26 is set when the agent's name for the domain does not fit 15 characters;
 *   PERF_DOMAIN_NAME_GET answers for every domain.
 * - DESCRIBE_LEVELS returns as many levels as fit the agent's message size, at least one
 *   (COMMS_ERROR when not even one fits); a level_index past the last is INVALID_PARAMETERS.
 * - PERF_LIMITS_SET checks, in order: both zero (3.0+, not in level-indexing mode, where 0 is
 *   the lowest level's index) → INVALID_PARAMETERS; range_max below range_min →
 *   INVALID_PARAMETERS; an index past the last level → OUT_OF_RANGE; a limit outside the
 *   declared levels, or limits admitting no declared level → OUT_OF_RANGE.
 *   Limits between levels are kept as given; a level outside new limits moves to the nearest
 *   one inside (the hardware does it), and subscribers hear LIMITS_CHANGED then
 *   LEVEL_CHANGED. Unchanged limits or level send nothing.
 * - PERF_LEVEL_SET outside the current limits → OUT_OF_RANGE; a level the domain does not
 *   declare → OUT_OF_RANGE unless its hardware approximates (`PerfDesc.approximate`).
 * - Per-agent bounds (deployment `[[agent.perf]] min / max / levels`, in level values) are
 *   checked by the dispatcher before PERF_LEVEL_SET and PERF_LIMITS_SET run: the level, and
 *   each limit given (from 3.0 a zero level is left as it is and not checked), outside
 *   min–max → OUT_OF_RANGE, not among the allowed levels → DENIED. Level indices are turned
 *   into levels first.
 * - The rate limit is reported, not enforced: it tells the agent how often to ask (Linux uses
 *   it as cpufreq's transition delay); refusing early requests would only make guests fail.
 * - Level-indexing mode (4.0 sessions, `PerfDesc.levelIndexing`): LEVEL_SET/GET,
 *   LIMITS_SET/GET and both notifications carry level indices; DESCRIBE_LEVELS and
 *   sustained_perf_level keep level values. Limits another agent set between levels read as
 *   the indices of the outermost levels they admit. 1.0–3.0 sessions see values.
 * - Notifications exist only for sessions with a platform→agent channel (otherwise the
 *   NOTIFY commands are absent and bits 29/28 clear). Each goes to every subscribed session
 *   that can see the domain, the one that caused the change included, in its own virtual id
 *   and level terms; agent_id is the receiver's own id when it caused the change, otherwise 0
 *   (the platform), so a guest never learns which other guest acts on a shared domain.
 * - Shared domains: each agent's level request is its vote in the platform's vote book
 *   (store `perf.level`), combined by the domain's policy (`desc.policy`: `exclusive`,
 *   `max`, `min`, or `last` by default); a request the policy does not pick succeeds without
 *   moving the level, and one on a domain another agent owns exclusively is DENIED. When an
 *   agent's votes go (its grace period ends, an explicit end, losing the domain) the domain
 *   moves to what the remaining requests call for, if it lies within the current limits.
 *   Limits are a setting of the domain, not votes: the last writer sets them.
 * @module
 */
import { defineProtocol, type ProtocolDef, Right } from "../../mod.ts";
import { perfKind } from "./kind.ts";
import { levelGet, levelSet, limitsGet, limitsSet } from "./_control.ts";
import {
  describeFastchannel,
  describeLevels,
  domainAttributes,
  domainNameGet,
  protocolAttributes,
} from "./_info.ts";
import { notifyLevel, notifyLimits } from "./_notify.ts";
import {
  fromWire,
  indexed,
  open,
  type PerfCtx,
  type PerfSession,
  type PerfShared,
  revoke,
  setup,
} from "./_state.ts";
import { PerfEvent, PerfMsg, V1, V2, V3, V4 } from "./msg.ts";
import { perfCall } from "./call.ts";

export { PerfEvent, PerfMsg } from "./msg.ts";
export type { PerfDomain, PerfSession, PerfShared } from "./_state.ts";

const canNotify = (ctx: PerfCtx) => ctx.canNotify;

/** A level on the wire (an index in level-indexing mode) as a level value; NaN: none. */
function levelValue(ctx: PerfCtx, phys: number, wire: number): number {
  const level = fromWire(ctx, ctx.shared.domains[phys]!, wire);
  return level < 0 ? NaN : level;
}

/**
 * A limit on the wire; from 3.0 a zero level leaves the limit as it is and is not checked (in
 * level-indexing mode 0 is an index like any other).
 */
function limitValue(ctx: PerfCtx, phys: number, wire: number): number {
  const keep = wire === 0 && ctx.version >= V3 && !indexed(ctx, ctx.shared.domains[phys]!);
  return keep ? NaN : levelValue(ctx, phys, wire);
}

/** The built-in Performance protocol plugin. */
export const perfProtocol: ProtocolDef<PerfSession, PerfShared> = defineProtocol({
  api: 1,
  id: 0x13,
  name: "perf",
  call: perfCall,
  dt: {
    label: "scmi_dvfs",
    cells: "#clock-cells",
    consumers: { perf: "clocks = <&scmi_dvfs ID> (on a cpu node: scmi-cpufreq)" },
  },
  versions: [V1, V2, V3, V4],
  kinds: [perfKind],
  commands: {
    [PerfMsg.PROTOCOL_ATTRIBUTES]: {
      name: "PROTOCOL_ATTRIBUTES",
      params: 0,
      run: protocolAttributes,
    },
    [PerfMsg.DOMAIN_ATTRIBUTES]: {
      name: "PERFORMANCE_DOMAIN_ATTRIBUTES",
      params: 4,
      resource: "perf",
      a2p: "domain",
      run: domainAttributes,
    },
    [PerfMsg.DESCRIBE_LEVELS]: {
      name: "PERFORMANCE_DESCRIBE_LEVELS",
      params: 8,
      resource: "perf",
      a2p: "domain level_index",
      run: describeLevels,
    },
    [PerfMsg.LIMITS_SET]: {
      name: "PERFORMANCE_LIMITS_SET",
      params: 12,
      resource: "perf",
      needs: Right.WRITE,
      value: [{ at: 4, of: limitValue }, { at: 8, of: limitValue }],
      a2p: "domain range_max range_min",
      run: limitsSet,
    },
    [PerfMsg.LIMITS_GET]: {
      name: "PERFORMANCE_LIMITS_GET",
      params: 4,
      resource: "perf",
      a2p: "domain",
      run: limitsGet,
    },
    [PerfMsg.LEVEL_SET]: {
      name: "PERFORMANCE_LEVEL_SET",
      params: 8,
      resource: "perf",
      needs: Right.WRITE,
      value: { at: 4, of: levelValue },
      a2p: "domain level",
      run: levelSet,
    },
    [PerfMsg.LEVEL_GET]: {
      name: "PERFORMANCE_LEVEL_GET",
      params: 4,
      resource: "perf",
      a2p: "domain",
      run: levelGet,
    },
    [PerfMsg.NOTIFY_LIMITS]: {
      name: "PERFORMANCE_NOTIFY_LIMITS",
      params: 8,
      resource: "perf",
      a2p: "domain notify_enable",
      available: canNotify,
      run: notifyLimits,
    },
    [PerfMsg.NOTIFY_LEVEL]: {
      name: "PERFORMANCE_NOTIFY_LEVEL",
      params: 8,
      resource: "perf",
      a2p: "domain notify_enable",
      available: canNotify,
      run: notifyLevel,
    },
    [PerfMsg.DESCRIBE_FASTCHANNEL]: {
      name: "PERFORMANCE_DESCRIBE_FASTCHANNEL",
      params: 8,
      resource: "perf",
      since: V2,
      a2p: "domain message_id",
      run: describeFastchannel,
    },
    [PerfMsg.DOMAIN_NAME_GET]: {
      name: "PERFORMANCE_DOMAIN_NAME_GET",
      params: 4,
      resource: "perf",
      since: V3,
      a2p: "domain",
      run: domainNameGet,
    },
  },
  events: {
    [PerfEvent.LIMITS_CHANGED]: {
      name: "PERFORMANCE_LIMITS_CHANGED",
      p2a: "agent domain range_max range_min",
    },
    [PerfEvent.LEVEL_CHANGED]: {
      name: "PERFORMANCE_LEVEL_CHANGED",
      p2a: "agent domain level",
    },
  },
  setup,
  open,
  onRevoke: revoke,
});
