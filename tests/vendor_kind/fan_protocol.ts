/**
 * A vendor protocol module for the vendor-kind test, written as a vendor would, against
 * `mod.ts` only: protocol 0x90 carries a resource kind of its own, the fan (`[[fan]]` in a
 * board, `fans = […]` in an agent), and a driver type whose `fan` sub-object serves it.
 *
 * Commands: PROTOCOL_ATTRIBUTES → status, number of fans the agent sees; FAN_MAX_RPM
 * (0x3, fan_id) → status, the fan's `max_rpm`; FAN_RPM (0x4, fan_id) → status, the rpm the
 * driver reports. `vscmi call fans get|max FAN_ID` asks for them (`fan_call.ts`).
 * @module
 */
import { API_MAJOR, defineDriver, defineKind, defineProtocol, field, hwClass } from "../../mod.ts";
import type { Board, ResourceDesc } from "../../mod.ts";
import { fanCall } from "./fan_call.ts";

/** A fan as the board describes it. */
export interface FanDesc extends ResourceDesc {
  /** Highest speed, rpm. */
  maxRpm: number;
}

/** What a driver implements for fans. */
export interface FanHw {
  /** Current speed of fan `id`, rpm. */
  rpm(id: number): number;
}

/** The fan kind. */
export const fanKind = defineKind({
  name: "fan",
  noun: "fan",
  member: "fans",
  hw: hwClass<FanHw>("fan"),
  fields: {
    max_rpm: field.int(1, 100_000, "a speed in rpm from 1 to 100000"),
  },
  convert: (_c, _p, base, t): FanDesc => ({ ...base, maxRpm: t.max_rpm }),
});

/** The vendor's fan protocol. */
export const protocol = defineProtocol<undefined, Board>({
  api: API_MAJOR,
  id: 0x90,
  name: "fans",
  versions: [0x10000],
  kinds: [fanKind],
  dt: {
    label: "scmi_fans",
    cells: "#cooling-cells",
    consumers: { fan: "cooling = <&scmi_fans ID>" },
  },
  call: fanCall,
  // The board, kept for the handlers: they see only their agent's view and the shared state.
  setup: (env) => env.board,
  commands: {
    0x1: {
      name: "PROTOCOL_ATTRIBUTES",
      params: 0,
      run: (ctx, m) => m.w.u32(ctx.ids("fan").count),
    },
    0x3: {
      name: "FAN_MAX_RPM",
      params: 4,
      resource: "fan",
      run: (ctx, m) => m.w.u32(fanKind.find(ctx.shared, m.res)!.maxRpm),
    },
    0x4: {
      name: "FAN_RPM",
      params: 4,
      resource: "fan",
      run: (ctx, m) => m.w.u32(fanKind.hwOf(ctx.hw)[m.res]!.rpm(m.res)),
    },
  },
});

/** A driver type serving fans: each spins at a tenth of its board maximum. */
export const fanDriver = defineDriver({
  api: API_MAJOR,
  name: "fan-sim",
  summary: "fans at a tenth of their maximum",
  options: {},
  create: ({ name, board }) => ({
    name,
    fan: { rpm: (id: number) => (fanKind.find(board, id)?.maxRpm ?? 0) / 10 } satisfies FanHw,
  }),
});
