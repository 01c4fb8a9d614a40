/**
 * SENSOR_CONFIG_GET and SENSOR_CONFIG_SET: a sensor's enable, update interval and timestamp
 * setting. These are the sensor's own (hardware) settings, the same for every agent.
 * @module
 */
import { type CommandDef, Right, Status } from "../../mod.ts";
import { sensorKind } from "./kind.ts";
import { decodeInterval, encodeInterval, pickInterval, signed5 } from "./_codec.ts";
import { enabledOf, intervalUsOf } from "./_sample.ts";
import type { SensorSession, SensorShared } from "./_state.ts";
import { IntervalRound, SensorConfig, SensorVersion } from "./msg.ts";

type Command = CommandDef<SensorSession, SensorShared>;

/**
 * SENSOR_CONFIG_GET (DEN0056 §4.7, 2.0+). a2p: u32 sensor_id. p2a: u32 sensor_config: bits
 * 31:16 update interval seconds multiplier and 15:11 its signed power-of-ten exponent (a
 * sensor that declares no intervals reports its fixed one), bit 1 timestamps on, bit 0
 * enabled.
 */
export const configGet: Command = {
  name: "SENSOR_CONFIG_GET",
  params: 4,
  resource: "sensor",
  since: SensorVersion.V2,
  a2p: "sensor_id",
  run(ctx, m) {
    const phys = m.res;
    const model = ctx.shared.models[phys]!;
    const hw = sensorKind.hwOf(ctx.hw)[phys]!;
    const iv = encodeInterval(intervalUsOf(hw, model), 16);
    let cfg = ((iv >>> 5) << SensorConfig.INTERVAL_SECS_SHIFT) |
      ((iv & 0x1f) << SensorConfig.INTERVAL_EXP_SHIFT);
    if (ctx.shared.tsOn[phys]) cfg |= SensorConfig.TIMESTAMP;
    if (enabledOf(hw, phys)) cfg |= SensorConfig.ENABLED;
    m.w.u32(cfg >>> 0);
  },
};

/**
 * SENSOR_CONFIG_SET (DEN0056 §4.7, 2.0+). a2p: u32 sensor_id, u32 sensor_config: bits 31:11
 * the update interval as in SENSOR_CONFIG_GET (all zero: keep the current one), bits 10:9
 * rounding to a supported interval (0 down, 1 up, 2 nearest), bit 1 timestamps, bit 0
 * enable. p2a: —. Nothing changes unless all of it can: INVALID_PARAMETERS for reserved bits
 * or rounding 3; NOT_SUPPORTED for an interval, timestamps or an enable change the sensor
 * cannot take; OUT_OF_RANGE when no supported interval lies in the rounding direction (a
 * sensor with one fixed interval keeps it for a request that rounds to it).
 */
export const configSet: Command = {
  name: "SENSOR_CONFIG_SET",
  params: 8,
  resource: "sensor",
  needs: Right.WRITE,
  since: SensorVersion.V2,
  a2p: "sensor_id sensor_config",
  run(ctx, m) {
    const phys = m.res;
    const shared = ctx.shared;
    const model = shared.models[phys]!;
    const hw = sensorKind.hwOf(ctx.hw)[phys]!;
    m.r.u32();
    const cfg = m.r.u32();
    if ((cfg & SensorConfig.RESERVED) !== 0) return Status.INVALID_PARAMETERS;
    const round = (cfg >>> SensorConfig.ROUND_SHIFT) & 0x3;
    if (round > IntervalRound.AUTO) return Status.INVALID_PARAMETERS;
    const ts = (cfg & SensorConfig.TIMESTAMP) !== 0;
    const on = (cfg & SensorConfig.ENABLED) !== 0;
    if (ts && !model.timestamps) return Status.NOT_SUPPORTED;
    const current = intervalUsOf(hw, model);
    let interval = current;
    if (cfg >>> SensorConfig.INTERVAL_EXP_SHIFT !== 0) {
      const req = decodeInterval(
        cfg >>> SensorConfig.INTERVAL_SECS_SHIFT,
        signed5(cfg >>> SensorConfig.INTERVAL_EXP_SHIFT),
      );
      interval = pickInterval(model.intervals, req, round);
      if (interval < 0) return Status.OUT_OF_RANGE;
      if (interval !== current && !hw.setIntervalUs) return Status.NOT_SUPPORTED;
    }
    const enable = on !== enabledOf(hw, phys);
    if (enable && !hw.setEnabled) return Status.NOT_SUPPORTED;
    const a = enable ? hw.setEnabled!(phys, on) : undefined;
    const b = interval !== current ? hw.setIntervalUs!(phys, interval) : undefined;
    shared.tsOn[phys] = ts;
    if (a instanceof Promise || b instanceof Promise) {
      return Promise.all([a, b]).then(() => shared.monitor.retime(phys));
    }
    shared.monitor.retime(phys);
  },
};
