/**
 * A vendor's fan protocol, written as a vendor writes one: against the public API only
 * (`mod.ts`, by a relative path, as a vendor's copy of vscmi would be laid out). The module's
 * default export is the protocol; its `drivers` export lists the driver types a board may
 * name (`fan-sim` here), so the deployment needs nothing but `[platform] plugins`.
 *
 * Protocol 0x80 "fan", version 1.0 (0x10000):
 * - 0x0 PROTOCOL_VERSION, 0x2 PROTOCOL_MESSAGE_ATTRIBUTES: answered by the core.
 * - 0x1 PROTOCOL_ATTRIBUTES → status, u32 attributes: bits 15:0 the number of fans the
 *   agent sees, 31:16 zero.
 * - 0x3 FAN_GET_SPEED (u32 fan_id) → status, u32 rpm.
 * - 0x4 FAN_SET_SPEED (u32 fan_id, u32 rpm) → status. An rpm above the fan's `max_rpm` is
 *   OUT_OF_RANGE; a fan the agent does not see is NOT_FOUND; a fan granted read-only is DENIED.
 * @module
 */
import {
  API_MAJOR,
  type Ctx,
  defineDriver,
  defineKind,
  defineProtocol,
  field,
  hwClass,
  Right,
  ScmiError,
  Status,
} from "../../mod.ts";
import type { Board, ResourceDesc } from "../../mod.ts";
import { fanCall, FanMsg } from "./call.ts";

/** A fan as the board describes it (`[[fan]]`: `id`, `name`, `max_rpm`). */
export interface FanDesc extends ResourceDesc {
  /** Highest speed the fan may be set to, rpm. */
  maxRpm: number;
}

/** What a board driver implements for fans (its `fan` sub-object). */
export interface FanHw {
  /** Current speed of fan `id` (physical), rpm. */
  speed(id: number): number;
  /** Sets fan `id` (physical) to `rpm`, already checked against its `max_rpm`. */
  setSpeed(id: number, rpm: number): void;
}

/** The fan resource kind: `[[fan]]` in a board, `fans = […]` in an `[[agent]]`. */
export const fanKind = defineKind({
  name: "fan",
  noun: "fan",
  member: "fans",
  hw: hwClass<FanHw>("fan"),
  fields: {
    max_rpm: field.int(1, 1_000_000, "a speed in rpm from 1 to 1000000"),
  },
  convert: (_c, _p, base, t): FanDesc => ({ ...base, maxRpm: t.max_rpm }),
});

/**
 * The physical id behind the agent's fan `virt`: NOT_FOUND when the agent does not see
 * it, DENIED when it lacks the `needs` rights on it.
 */
function fanOf(ctx: Ctx<undefined, Board>, virt: number, needs: number): number {
  const ids = ctx.ids("fan");
  const phys = ids.toPhysical(virt);
  if (phys < 0) throw new ScmiError(Status.NOT_FOUND);
  if ((ids.rights[virt] & needs) !== needs) throw new ScmiError(Status.DENIED);
  return phys;
}

/** The fan protocol (the module's default export). */
const protocol = defineProtocol<undefined, Board>({
  api: API_MAJOR,
  id: 0x80,
  name: "fan",
  versions: [0x10000],
  kinds: [fanKind],
  dt: {
    label: "scmi_fan",
    cells: "#cooling-cells",
    consumers: { fan: "cooling = <&scmi_fan ID>" },
  },
  // The board, shared by every agent: the handlers read each fan's max_rpm from it.
  setup: (env) => env.board,
  commands: {
    [FanMsg.PROTOCOL_ATTRIBUTES]: {
      name: "PROTOCOL_ATTRIBUTES",
      params: 0,
      run: (ctx, m) => m.w.u32(ctx.ids("fan").count & 0xffff),
    },
    [FanMsg.FAN_GET_SPEED]: {
      name: "FAN_GET_SPEED",
      params: 4,
      a2p: "fan_id",
      run: (ctx, m) => {
        const phys = fanOf(ctx, m.r.u32(), Right.READ);
        m.w.u32(fanKind.hwOf(ctx.hw)[phys]!.speed(phys));
      },
    },
    [FanMsg.FAN_SET_SPEED]: {
      name: "FAN_SET_SPEED",
      params: 8,
      a2p: "fan_id rpm",
      run: (ctx, m) => {
        const phys = fanOf(ctx, m.r.u32(), Right.WRITE);
        const rpm = m.r.u32();
        if (rpm > fanKind.find(ctx.shared, phys)!.maxRpm) throw new ScmiError(Status.OUT_OF_RANGE);
        fanKind.hwOf(ctx.hw)[phys]!.setSpeed(phys, rpm);
      },
    },
  },
  call: fanCall,
});
export default protocol;

/** A simulated fan driver: every fan starts stopped and keeps the speed last set. */
export const fanSim = defineDriver({
  api: API_MAJOR,
  name: "fan-sim",
  summary: "simulated fans: start stopped, keep the speed last set",
  options: {},
  create: ({ name }) => {
    const rpm = new Map<number, number>();
    return {
      name,
      fan: {
        speed: (id) => rpm.get(id) ?? 0,
        setSpeed: (id, value) => void rpm.set(id, value),
      } satisfies FanHw,
    };
  },
});

/** The driver types this module adds: a board may name them in `[[driver]] type`. */
export const drivers = [fanSim];
