/**
 * The per-agent notification commands of the sensor protocol: SENSOR_TRIP_POINT_NOTIFY,
 * SENSOR_TRIP_POINT_CONFIG and SENSOR_CONTINUOUS_UPDATE_NOTIFY. What an agent arms here is
 * its own: other agents neither see its trip points nor receive its events.
 * @module
 */
import { type CommandDef, Right, Status } from "../../mod.ts";
import type { SensorSession, SensorShared } from "./_state.ts";
import { SensorVersion, TripCtrl } from "./msg.ts";

type Command = CommandDef<SensorSession, SensorShared>;

/** Bit 0 of `event_control` / `notify_enable`; bits 31:1 are reserved. */
const ENABLE = 0x1;

/**
 * SENSOR_TRIP_POINT_NOTIFY (DEN0056 §4.7). a2p: u32 sensor_id, u32 event_control (bit 0:
 * send this agent SENSOR_TRIP_POINT_EVENT for the sensor's trip points). p2a: —.
 * INVALID_PARAMETERS for reserved bits; NOT_SUPPORTED for a sensor without trip points.
 * Only sessions with a platform→agent channel have it.
 */
export const tripPointNotify: Command = {
  name: "SENSOR_TRIP_POINT_NOTIFY",
  params: 8,
  resource: "sensor",
  a2p: "sensor_id event_control",
  available: (ctx) => ctx.canNotify,
  run(ctx, m) {
    const phys = m.res;
    const model = ctx.shared.models[phys]!;
    m.r.u32();
    const ctrl = m.r.u32();
    if ((ctrl & ~ENABLE) !== 0) return Status.INVALID_PARAMETERS;
    if (model.tripPoints === 0) return Status.NOT_SUPPORTED;
    const on = ctrl === ENABLE;
    const st = ctx.state;
    if (on || st.arms.has(phys)) {
      const arm = st.arm(phys, model);
      if (on && !arm.tripNotify) arm.rebase();
      arm.tripNotify = on;
      st.tidy(phys);
    }
    ctx.shared.monitor.update(ctx, phys);
  },
};

/**
 * SENSOR_TRIP_POINT_CONFIG (DEN0056 §4.7). a2p: u32 sensor_id, u32 trip_point_ev_ctrl (bits
 * 1:0 event control: 0 disabled, 1 positive, 2 negative, 3 both crossings; bits 11:4 trip
 * point id), s64 trip_point_value. p2a: —. The trip point is this agent's; crossings are
 * counted from the next sample. INVALID_PARAMETERS for reserved bits or a trip point id the
 * sensor does not have.
 */
export const tripPointConfig: Command = {
  name: "SENSOR_TRIP_POINT_CONFIG",
  params: 16,
  resource: "sensor",
  needs: Right.WRITE,
  a2p: "sensor_id trip_point_ev_ctrl trip_point_val_low trip_point_val_high",
  run(ctx, m) {
    const phys = m.res;
    const model = ctx.shared.models[phys]!;
    m.r.u32();
    const ctrl = m.r.u32();
    const low = m.r.u32();
    const high = m.r.i32();
    if ((ctrl & TripCtrl.RESERVED) !== 0) return Status.INVALID_PARAMETERS;
    const id = (ctrl >>> TripCtrl.ID_SHIFT) & 0xff;
    if (id >= model.tripPoints) return Status.INVALID_PARAMETERS;
    const mode = ctrl & TripCtrl.MODE_MASK;
    const st = ctx.state;
    if (mode !== 0 || st.arms.has(phys)) {
      const trip = st.arm(phys, model).trips[id];
      trip.mode = mode;
      trip.value = high * 0x1_0000_0000 + low;
      trip.above = undefined;
      st.tidy(phys);
    }
    ctx.shared.monitor.update(ctx, phys);
  },
};

/**
 * SENSOR_CONTINUOUS_UPDATE_NOTIFY (DEN0056 §4.7, 2.0+). a2p: u32 sensor_id, u32
 * notify_enable (bit 0: send this agent SENSOR_UPDATE at the sensor's update interval).
 * p2a: —. INVALID_PARAMETERS for reserved bits; NOT_SUPPORTED for a sensor without
 * continuous updates. Only sessions with a platform→agent channel have it.
 */
export const continuousUpdateNotify: Command = {
  name: "SENSOR_CONTINUOUS_UPDATE_NOTIFY",
  params: 8,
  resource: "sensor",
  since: SensorVersion.V2,
  a2p: "sensor_id notify_enable",
  available: (ctx) => ctx.canNotify,
  run(ctx, m) {
    const phys = m.res;
    const model = ctx.shared.models[phys]!;
    m.r.u32();
    const en = m.r.u32();
    if ((en & ~ENABLE) !== 0) return Status.INVALID_PARAMETERS;
    if (!model.continuous) return Status.NOT_SUPPORTED;
    const on = en === ENABLE;
    const st = ctx.state;
    if (on || st.arms.has(phys)) {
      st.arm(phys, model).continuous = on;
      st.tidy(phys);
    }
    ctx.shared.monitor.update(ctx, phys);
  },
};
