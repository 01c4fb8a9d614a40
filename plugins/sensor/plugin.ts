/**
 * Sensor management protocol (0x15), DEN0056 §4.7: versions 1.0, 2.0, 3.0 and 3.1.
 *
 * - 1.0: scalar s64 readings, the shortest update interval in the descriptor's
 *   attributes_high, trip points.
 * - 2.0: axes (SENSOR_AXIS_DESCRIPTION_GET), extended attributes in descriptors, per-axis
 *   timestamped readings, SENSOR_LIST_UPDATE_INTERVALS, SENSOR_CONFIG_GET/SET,
 *   SENSOR_CONTINUOUS_UPDATE_NOTIFY and SENSOR_UPDATE.
 * - 3.0: extended names (SENSOR_NAME_GET, SENSOR_AXIS_NAME_GET, attribute bits). 3.1 has no
 *   layout change.
 *
 * Every sensor has an update interval: one that declares none has a fixed 100 ms (the
 * monitor's poll period), which SENSOR_LIST_UPDATE_INTERVALS, SENSOR_CONFIG_GET and the 1.0
 * descriptor report, so discovery never ends in an error for a well-formed request.
 *
 * Trip points, trip point events and continuous updates are per agent: each agent configures
 * its own and only it receives their events, with its own sensor ids. A sensor's enable,
 * update interval and timestamp setting are the sensor's, shared by every agent that may
 * write it. The monitor samples a sensor only while some agent watches it, at the sensor's
 * update interval. Asynchronous reads and notifications are offered only to sessions with a
 * platform→agent channel.
 * @module
 */
import { defineProtocol, type ProtocolDef } from "../../mod.ts";
import { sensorKind } from "./kind.ts";
import type { SensorDesc } from "./kind.ts";
import { type SensorClock, systemClock } from "./clock.ts";
import { configGet, configSet } from "./_config.ts";
import {
  axisDescriptionGet,
  axisNameGet,
  descriptionGet,
  listUpdateIntervals,
  nameGet,
} from "./_describe.ts";
import { type SensorModel, sensorModel } from "./_model.ts";
import { SensorMonitor } from "./_monitor.ts";
import { continuousUpdateNotify, tripPointConfig, tripPointNotify } from "./_notify.ts";
import { readingGet } from "./_reading.ts";
import { SensorSession, type SensorShared } from "./_state.ts";
import { MAX_AXES, SensorEvent, SensorMsg, SensorVersion } from "./msg.ts";
import { sensorCall } from "./call.ts";

/** Options of {@linkcode createSensorProtocol}. */
export interface SensorProtocolOptions {
  /** Time source of trip point and continuous-update sampling (default: the system clock). */
  clock?: SensorClock;
  /** Most asynchronous reads one session may have in flight, 1–255 (default 16). */
  maxPending?: number;
}

/** Sessions may have this many asynchronous reads in flight unless told otherwise. */
export const DEFAULT_MAX_PENDING = 16;

/**
 * Builds the sensor protocol plugin; tests pass a manual clock to drive trip points and
 * continuous updates without waiting.
 *
 * @example
 * ```ts
 * import { createSensorProtocol } from "./plugin.ts";
 * import { ManualClock } from "./clock.ts";
 * const clock = new ManualClock();
 * const sensor = createSensorProtocol({ clock });
 * // Platform({ …, protocols: [sensor, …] }); then clock.advance(ms) runs the monitor.
 * ```
 */
export function createSensorProtocol(
  opts: SensorProtocolOptions = {},
): ProtocolDef<SensorSession, SensorShared> {
  const clock = opts.clock ?? systemClock;
  const maxPending = opts.maxPending ?? DEFAULT_MAX_PENDING;
  if (!Number.isInteger(maxPending) || maxPending < 1 || maxPending > 255) {
    throw new RangeError(`Sensor maxPending must be 1–255, got ${maxPending}`);
  }
  return defineProtocol<SensorSession, SensorShared>({
    api: 1,
    id: 0x15,
    name: "sensor",
    call: sensorCall,
    dt: {
      label: "scmi_sensors",
      cells: "#thermal-sensor-cells",
      consumers: { sensor: "thermal-sensors = <&scmi_sensors ID>" },
    },
    versions: [SensorVersion.V1, SensorVersion.V2, SensorVersion.V3, SensorVersion.V3_1],
    kinds: [sensorKind],
    commands: {
      /**
       * PROTOCOL_ATTRIBUTES. p2a: u16 num_sensors (this agent's), u8
       * max_pending_async_requests (0 without a platform→agent channel), u8 reserved, u32
       * sensor_reg_address_low, u32 sensor_reg_address_high, u32 sensor_reg_len (no
       * shared-memory statistics: 0).
       */
      [SensorMsg.PROTOCOL_ATTRIBUTES]: {
        name: "PROTOCOL_ATTRIBUTES",
        params: 0,
        run(ctx, m) {
          const pending = ctx.canNotify ? ctx.shared.maxPending : 0;
          m.w.u32((Math.min(ctx.ids("sensor").count, 0xffff) | (pending << 16)) >>> 0);
          m.w.u32(0);
          m.w.u32(0);
          m.w.u32(0);
        },
      },
      [SensorMsg.SENSOR_DESCRIPTION_GET]: descriptionGet,
      [SensorMsg.SENSOR_TRIP_POINT_NOTIFY]: tripPointNotify,
      [SensorMsg.SENSOR_TRIP_POINT_CONFIG]: tripPointConfig,
      [SensorMsg.SENSOR_READING_GET]: readingGet,
      [SensorMsg.SENSOR_AXIS_DESCRIPTION_GET]: axisDescriptionGet,
      [SensorMsg.SENSOR_LIST_UPDATE_INTERVALS]: listUpdateIntervals,
      [SensorMsg.SENSOR_CONFIG_GET]: configGet,
      [SensorMsg.SENSOR_CONFIG_SET]: configSet,
      [SensorMsg.SENSOR_CONTINUOUS_UPDATE_NOTIFY]: continuousUpdateNotify,
      [SensorMsg.SENSOR_NAME_GET]: nameGet,
      [SensorMsg.SENSOR_AXIS_NAME_GET]: axisNameGet,
    },
    events: {
      [SensorEvent.SENSOR_TRIP_POINT_EVENT]: {
        name: "SENSOR_TRIP_POINT_EVENT",
        p2a: "agent_id sensor_id trip_point_desc",
      },
      [SensorEvent.SENSOR_UPDATE]: { name: "SENSOR_UPDATE", p2a: "agent_id sensor_id" },
      [SensorMsg.SENSOR_READING_GET]: { name: "SENSOR_READING_COMPLETE", p2a: "sensor_id" },
    },
    setup(env) {
      const models: (SensorModel | undefined)[] = [];
      const tsOn: boolean[] = [];
      for (const d of sensorKind.of(env.board) as SensorDesc[]) {
        const model = sensorModel(d);
        models[d.id] = model;
        tsOn[d.id] = model.timestamps;
      }
      return {
        models,
        tsOn,
        monitor: new SensorMonitor(clock, models, sensorKind.hwOf(env.hw), tsOn, env.log),
        maxPending,
        scratch: new Array<number>(MAX_AXES).fill(0),
      };
    },
    open: () => new SensorSession(),
    close(ctx) {
      ctx.state.arms.clear();
      ctx.shared.monitor.drop(ctx);
    },
    onRevoke(ctx, kind, phys) {
      if (kind !== "sensor") return;
      ctx.state.arms.delete(phys);
      ctx.shared.monitor.update(ctx, phys);
    },
  });
}

/** The sensor management protocol plugin, on the system clock. */
export const sensorProtocol: ProtocolDef<SensorSession, SensorShared> = createSensorProtocol();
