/**
 * Clock management protocol (0x14), DEN0056 §4.6: versions 1.0, 2.0 and 3.0.
 *
 * What each version adds on the wire:
 * - 2.0: CLOCK_NAME_GET, CLOCK_RATE_NOTIFY, CLOCK_RATE_CHANGE_REQUESTED_NOTIFY, the
 *   notification and extended-name attribute bits, and CLOCK_ATTRIBUTES'
 *   clock_enable_latency word.
 * - 3.0: CLOCK_CONFIG_GET, CLOCK_POSSIBLE_PARENTS_GET, CLOCK_PARENT_SET/GET,
 *   CLOCK_GET_PERMISSIONS, the parent / extended-configuration / restricted attribute bits,
 *   and CLOCK_CONFIG_SET's 12-byte layout with an extended configuration type and value.
 *
 * Each agent sees its own clocks by its own virtual ids, its own enable votes and rights;
 * see `state.ts` for how shared clocks are arbitrated (enable and rate votes in the
 * platform's vote book) and `rates.ts` for rate changes.
 *
 * Decisions where the specification leaves room:
 * - A rate below the clock's lowest or above its highest → INVALID_PARAMETERS (the status
 *   DEN0056 gives for an unsupported rate), whatever the round mode and the agent's bounds;
 *   rates in between are rounded as the flags say. A supported rate outside the agent's
 *   min–max → OUT_OF_RANGE, outside its allowed rates → DENIED.
 * - Enabling a clock starts its parent chain first; the platform holds each parent for its
 *   running children, also one the agent cannot see (`tree.ts`).
 * - Asynchronous CLOCK_RATE_SET is offered (max_async_req 8 per session) only to sessions
 *   with a platform→agent channel; elsewhere max_async_req is 0 and an asynchronous request
 *   exceeds it → BUSY. The delayed response always follows the command's reply.
 * - CLOCK_DESCRIBE_RATES: `rate_index` at or past the number of rates → OUT_OF_RANGE; a range
 *   clock answers its triplet whatever the index. CLOCK_POSSIBLE_PARENTS_GET: `skip_parents`
 *   at or past the number of parents → OUT_OF_RANGE.
 * - Parents: a clock without a parent the agent sees → NOT_SUPPORTED for the parent commands;
 *   CLOCK_PARENT_SET to anything but one of those parents → INVALID_PARAMETERS;
 *   CLOCK_PARENT_GET when the current parent is hidden from the agent → NOT_FOUND.
 * - CLOCK_NAME_GET answers every clock, long name or not. The *_NOTIFY commands exist only
 *   for sessions with a platform→agent channel (PROTOCOL_MESSAGE_ATTRIBUTES: NOT_FOUND).
 * - A CLOCK_RATE_SET that leaves the effective rate as it was, on a clock already running at
 *   it (an agent repeating its request), succeeds without asking the driver again.
 * - CLOCK_RATE_CHANGED goes out once the rate really differs from the last one seen, to
 *   every subscribed session that sees the clock; `agent_id` is the receiver's own id when
 *   its agent made the change and 0 (the platform) otherwise, so a guest never learns which
 *   other guest acts on a shared clock.
 * - CLOCK_RATE_CHANGE_REQUESTED goes out for every accepted rate request, before the change,
 *   with the requested rate. That rate is the requester's vote, which other agents must not
 *   see: only the requesting agent's own subscribed sessions hear it (another agent learns
 *   of the request only through the CLOCK_RATE_CHANGED it may cause).
 *
 * Section numbers are those of DEN0056E (SCMI 3.2).
 * @module
 */
import { defineProtocol } from "../../mod.ts";
import { clockKind } from "./kind.ts";
import {
  clockAttributes,
  clockGetPermissions,
  clockNameGet,
  protocolAttributes,
} from "./attributes.ts";
import { clockConfigGet, clockConfigSet } from "./config.ts";
import { ClockEvent, ClockMsg, ClockVersion } from "./msg.ts";
import { clockRateChangeRequestedNotify, clockRateNotify } from "./notify.ts";
import { clockParentGet, clockParentSet, clockPossibleParentsGet } from "./parents.ts";
import { clockDescribeRates, clockRateGet, clockRateSet } from "./rates.ts";
import {
  type ClockSession,
  type ClockShared,
  closeClock,
  openClock,
  revokeClock,
  setupClock,
} from "./state.ts";
import { clockCall } from "./call.ts";
import { tooManyRates } from "./lint.ts";

export { ClockAttr, ClockEvent, ClockMsg, ClockVersion, RateFlag } from "./msg.ts";
export type { ClockSession, ClockShared } from "./state.ts";

/** The clock protocol plugin. */
export const clockProtocol = defineProtocol<ClockSession, ClockShared>({
  api: 1,
  id: 0x14,
  name: "clock",
  call: clockCall,
  lint: tooManyRates,
  dt: { label: "scmi_clk", cells: "#clock-cells", consumers: { clock: "clocks = <&scmi_clk ID>" } },
  versions: [ClockVersion.V1, ClockVersion.V2, ClockVersion.V3],
  kinds: [clockKind],
  commands: {
    [ClockMsg.PROTOCOL_ATTRIBUTES]: protocolAttributes,
    [ClockMsg.CLOCK_ATTRIBUTES]: clockAttributes,
    [ClockMsg.CLOCK_DESCRIBE_RATES]: clockDescribeRates,
    [ClockMsg.CLOCK_RATE_SET]: clockRateSet,
    [ClockMsg.CLOCK_RATE_GET]: clockRateGet,
    [ClockMsg.CLOCK_CONFIG_SET]: clockConfigSet,
    [ClockMsg.CLOCK_NAME_GET]: clockNameGet,
    [ClockMsg.CLOCK_RATE_NOTIFY]: clockRateNotify,
    [ClockMsg.CLOCK_RATE_CHANGE_REQUESTED_NOTIFY]: clockRateChangeRequestedNotify,
    [ClockMsg.CLOCK_CONFIG_GET]: clockConfigGet,
    [ClockMsg.CLOCK_POSSIBLE_PARENTS_GET]: clockPossibleParentsGet,
    [ClockMsg.CLOCK_PARENT_SET]: clockParentSet,
    [ClockMsg.CLOCK_PARENT_GET]: clockParentGet,
    [ClockMsg.CLOCK_GET_PERMISSIONS]: clockGetPermissions,
  },
  events: {
    [ClockEvent.CLOCK_RATE_CHANGED]: {
      name: "CLOCK_RATE_CHANGED",
      p2a: "agent_id clock_id rate:u64",
    },
    [ClockEvent.CLOCK_RATE_CHANGE_REQUESTED]: {
      name: "CLOCK_RATE_CHANGE_REQUESTED",
      p2a: "agent_id clock_id rate:u64",
    },
    [ClockMsg.CLOCK_RATE_SET]: { name: "CLOCK_RATE_SET_COMPLETE", p2a: "clock_id rate:u64" },
  },
  setup: setupClock,
  open: openClock,
  close: closeClock,
  onRevoke: revokeClock,
});
