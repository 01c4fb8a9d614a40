/**
 * Discovery of sensors: hwmon channels (temperature, voltage, current, power), thermal zones,
 * and IIO channels (temperature, voltage, current, acceleration, angular velocity), each in
 * the unit and power of ten its file gives.
 * @module
 */
import type { HostFs } from "./host_fs.ts";
import { readSensorFile } from "./sensor.ts";
import { emptySection, Names, q, type Section, table, tryText } from "./discover_toml.ts";

const HWMON = "/sys/class/hwmon";
const THERMAL = "/sys/class/thermal";
const IIO = "/sys/bus/iio/devices";

/** Sensor unit and power of ten of a channel type, as hwmon and IIO files give it. */
const UNITS: Record<string, [string, number]> = {
  temp: ["celsius", -3],
  in: ["volts", -3],
  voltage: ["volts", -3],
  curr: ["amps", -3],
  current: ["amps", -3],
  power: ["watts", -6],
  // SCMI unit 89 is m/s², 87 rad/s; IIO gives them whole, discovery declares thousandths.
  accel: ["89", -3],
  anglvel: ["87", -3],
};

/** The sensors the host shows. */
export function sensors(fs: HostFs): Section {
  const s = emptySection();
  const names = new Names();
  let id = 0;
  const add = (raw: string, file: string, chan: string, what: string) => {
    const [unit, scale] = UNITS[chan];
    let value: number | undefined;
    try {
      value = readSensorFile(fs, file, scale);
    } catch {
      s.skipped.push(`sensor ${raw}: ${file} cannot be read`);
      return;
    }
    const name = names.take(raw);
    const type = /^\d+$/.test(unit) ? unit : q(unit);
    s.entries.push(table("sensor", id++, name, [`type = ${type}`, `scale = ${scale}`], [
      `${what}, ${file} (read ${value})`,
    ]));
    s.sources.push([name, file]);
  };
  for (const h of fs.list(HWMON)) {
    const dir = `${HWMON}/${h}`;
    const dev = tryText(fs, `${dir}/name`) ?? h;
    for (const f of fs.list(dir)) {
      const m = /^(temp|in|curr|power)(\d+)_input$/.exec(f);
      if (!m) continue;
      const label = tryText(fs, `${dir}/${m[1]}${m[2]}_label`);
      add(label || `${dev}_${m[1]}${m[2]}`, `${dir}/${f}`, m[1], `hwmon ${dev}`);
    }
  }
  for (const z of fs.list(THERMAL).filter((n) => /^thermal_zone\d+$/.test(n))) {
    const dir = `${THERMAL}/${z}`;
    add(tryText(fs, `${dir}/type`) || z, `${dir}/temp`, "temp", `thermal zone ${z}`);
  }
  for (const d of fs.list(IIO)) {
    const dir = `${IIO}/${d}`;
    const dev = tryText(fs, `${dir}/name`) ?? d;
    for (const f of fs.list(dir)) {
      const m = /^in_(temp|voltage|current|accel|anglvel)(\d*)(_[a-z0-9]+)?_(raw|input)$/.exec(f);
      if (!m) continue;
      // A processed value wins over the raw one of the same channel.
      if (m[4] === "raw" && fs.list(dir).includes(f.replace(/_raw$/, "_input"))) continue;
      add(`${dev}_${f.replace(/^in_|_(raw|input)$/g, "")}`, `${dir}/${f}`, m[1], `IIO ${dev}`);
    }
  }
  return s;
}
