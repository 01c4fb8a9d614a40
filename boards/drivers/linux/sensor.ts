/**
 * Sensors from hwmon (`…/temp1_input`: m°C, mV, mA, µW), thermal zones (`…/temp`: m°C) and
 * IIO (`…/in_temp_raw`, `…/in_accel_x_raw`: scaled by their `_scale` and `_offset` files; or
 * a processed `…_input`). Each sensor names the file it reads and the board declares its unit
 * and power of ten (`vscmi discover` writes both), so a reading is the file's integer as it
 * is, or for an IIO raw file (raw + offset) × scale in the declared power of ten, rounded.
 * @module
 */
import { sensorKind } from "../../../plugins/sensor/kind.ts";
import type { SensorHw } from "../../../plugins/sensor/hw.ts";
import { DriverError } from "../../../core/driver.ts";
import { systemClock, type TimerClock } from "../../../core/timer_clock.ts";
import type { HostFs } from "./host_fs.ts";
import { hostOp, readInt } from "./host_fs.ts";
import { type LinuxClass, type LinuxCtx, placed, readOnly, unreadable } from "./_ctx.ts";

/** The IIO attribute next to raw file `raw` named `attr` (`scale`, `offset`), if any. */
export function iioSibling(fs: HostFs, raw: string, attr: string): string | undefined {
  const own = raw.replace(/_raw$/, `_${attr}`);
  if (fs.exists(own)) return own;
  // Shared by the channel type: in_voltage0_raw → in_voltage_scale.
  const shared = raw.replace(/\d*_raw$/, `_${attr}`);
  return fs.exists(shared) ? shared : undefined;
}

/**
 * The power of ten of the unit IIO gives a channel type once scaled: milli-degrees Celsius,
 * millivolts and milliamps; m/s² and rad/s as they are.
 */
export const IIO_EXP: Readonly<Record<string, number>> = {
  temp: -3,
  voltage: -3,
  current: -3,
  accel: 0,
  anglvel: 0,
};

function readNumber(fs: HostFs, path: string): number {
  return hostOp(path, () => {
    const text = fs.read(path).trim();
    const n = Number(text);
    if (text === "" || !Number.isFinite(n)) {
      throw new DriverError("hardware", `${path}: not a number: "${text}"`);
    }
    return n;
  });
}

/**
 * A reading of `file` in units of 10^`scale` of its quantity: hwmon and thermal files as they
 * are (the board declares the scale their unit has), IIO raw files as (raw + offset) × scale
 * converted from the channel type's unit ({@linkcode IIO_EXP}), rounded.
 */
export function readSensorFile(fs: HostFs, file: string, scale: number): number {
  if (!file.endsWith("_raw")) return readInt(fs, file);
  const type = /\/in_([a-z]+?)\d*(_[a-z0-9]+)?_raw$/.exec(file)?.[1] ?? "";
  const exp = IIO_EXP[type] ?? 0;
  const raw = readNumber(fs, file);
  const scaleFile = iioSibling(fs, file, "scale");
  const offsetFile = iioSibling(fs, file, "offset");
  const s = scaleFile === undefined ? 1 : readNumber(fs, scaleFile);
  const o = offsetFile === undefined ? 0 : readNumber(fs, offsetFile);
  return Math.round((raw + o) * s * 10 ** (exp - scale));
}

/** The sensors an instance backs; `sources` maps sensor names to the file each reads. */
export function linuxSensors(
  ctx: LinuxCtx,
  sources: Readonly<Record<string, string>> | undefined,
  clock: TimerClock = systemClock,
): LinuxClass<SensorHw> {
  const sensors = placed(ctx, sensorKind, "sensors", sources);
  const s = (id: number) => {
    const found = sensors.get(id);
    if (!found) throw new DriverError("invalid", `Sensor ${id} is not driven by "${ctx.name}"`);
    return found;
  };
  return {
    hw: {
      sample(id, out) {
        out[0] = readSensorFile(ctx.fs, s(id).source, s(id).desc.scale);
        return Math.round(clock.now() * 1e6);
      },
    },
    access: (id) => {
      return unreadable(ctx.fs, s(id).source) ?? readOnly("a sensor is only read");
    },
  };
}
