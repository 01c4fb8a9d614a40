/**
 * Samples on the wire: the timestamped per-axis readings of protocol 2.0 and later, shared by
 * SENSOR_READING_GET, its delayed response and SENSOR_UPDATE; and the sensor settings a
 * sample depends on.
 * @module
 */
import type { Writer } from "../../mod.ts";
import type { SensorHw } from "./hw.ts";
import { writeS64 } from "./_codec.ts";
import type { SensorModel } from "./_model.ts";

/** Bytes of one timestamped reading: value_low, value_high, timestamp_low, timestamp_high. */
export const READING_SIZE = 16;

/**
 * Writes one reading per axis (one for a scalar sensor): s64 value, u64 timestamp in the
 * sensor's timestamp unit (0 when timestamps are off or unsupported).
 */
export function writeReadings(
  w: Writer,
  model: SensorModel,
  values: readonly number[],
  tsNs: number,
  tsOn: boolean,
): void {
  const ts = tsOn && model.timestamps ? Math.floor(tsNs / model.tsDivisor) : 0;
  for (let i = 0; i < model.axes; i++) {
    writeS64(w, values[i]);
    w.u64(ts);
  }
}

/**
 * The update interval the sensor samples at now, µs: its fixed one when it declares none,
 * else the driver's, else the power-on one.
 */
export function intervalUsOf(hw: SensorHw, model: SensorModel): number {
  if (model.fixed || !hw.getIntervalUs) return model.defaultIntervalUs;
  return hw.getIntervalUs(model.desc.id);
}

/** Whether the sensor is enabled (a driver without an enable is always on). */
export function enabledOf(hw: SensorHw, id: number): boolean {
  return hw.isEnabled ? hw.isEnabled(id) : true;
}
