/**
 * What the sensor plugin knows of each board sensor, checked and precomputed once at startup
 * from its `SensorDesc`: counts, capability bits, encoded update intervals, axis models.
 *
 * Every sensor has at least one update interval. One that declares none is sampled at a
 * fixed {@linkcode FIXED_INTERVAL_US} (or its `intervalUs`): SENSOR_LIST_UPDATE_INTERVALS
 * lists that one interval, SENSOR_CONFIG_GET reports it, the 1.0 descriptor carries it and the
 * monitor polls at it, so an agent that asks (Linux asks every sensor at 2.0+) gets an answer.
 * @module
 */
import type { SensorDesc } from "./kind.ts";
import { encodeInterval, type Intervals, resolutionWord } from "./_codec.ts";
import { MAX_AXES } from "./msg.ts";

/** One axis of a multi-axis sensor. */
export interface AxisModel {
  readonly name: string;
  readonly type: number;
  readonly scale: number;
  /** Resolution and range are reported. */
  readonly ext: boolean;
  readonly resolution: number;
  readonly min: number | undefined;
  readonly max: number | undefined;
}

export interface SensorModel {
  readonly desc: SensorDesc;
  /** Readings per sample: the number of axes, 1 for a scalar sensor. */
  readonly axes: number;
  /** Has axes (axis support bit, SENSOR_AXIS_DESCRIPTION_GET). */
  readonly multi: boolean;
  readonly tripPoints: number;
  readonly async: boolean;
  readonly continuous: boolean;
  readonly timestamps: boolean;
  /** Power-of-ten exponent of the timestamp unit, seconds. */
  readonly tsExp: number;
  /** Nanoseconds per timestamp unit. */
  readonly tsDivisor: number;
  /** Extended attributes are reported (protocol 2.0+). */
  readonly ext: boolean;
  readonly powerUw: number;
  /** Resolution word (scalar sensors). */
  readonly resolution: number;
  readonly min: number | undefined;
  readonly max: number | undefined;
  readonly intervals: Intervals;
  /**
   * Declares no update interval: `intervals` is its one fixed interval, which the driver is
   * neither asked for nor told to change.
   */
  readonly fixed: boolean;
  /** SENSOR_LIST_UPDATE_INTERVALS words, in order (three for a segment). */
  readonly intervalWords: readonly number[];
  /** Update interval at power-on, µs (the fixed one when the sensor declares none). */
  readonly defaultIntervalUs: number;
  /** attributes_high bits 31:22 at protocol 1.0: the shortest interval, 5-bit multiplier. */
  readonly v1IntervalBits: number;
  readonly axisModels: readonly AxisModel[];
}

/**
 * Update interval of a sensor that declares none, µs: the period the monitor samples it at
 * for trip points and continuous updates.
 */
export const FIXED_INTERVAL_US = 100_000;

const AXIS_SUFFIX = ["X", "Y", "Z"];

function check(ok: boolean, d: SensorDesc, what: string): void {
  if (!ok) throw new TypeError(`Sensor "${d.name}" (${d.id}): ${what}`);
}

function int(v: number | undefined, lo: number, hi: number): boolean {
  return v === undefined || (Number.isInteger(v) && v >= lo && v <= hi);
}

function intervalsOf(d: SensorDesc): Intervals {
  const seg = d.intervalSegment;
  if (seg) {
    check(
      Number.isInteger(seg.min) && Number.isInteger(seg.max) && Number.isInteger(seg.step) &&
        seg.min > 0 && seg.max >= seg.min && seg.step >= 0 &&
        (seg.step === 0 ? seg.max === seg.min : (seg.max - seg.min) % seg.step === 0),
      d,
      "intervalSegment must have 0 < min ≤ max, step ≥ 0 and max − min a multiple of step",
    );
    return { kind: "segment", min: seg.min, max: seg.max, step: seg.step };
  }
  if (d.intervalsUs.length === 0) {
    const us = d.intervalUs ?? FIXED_INTERVAL_US;
    check(Number.isInteger(us) && us > 0, d, `intervalUs ${us} µs must be a positive integer`);
    return { kind: "list", us: [us] };
  }
  for (const us of d.intervalsUs) {
    check(Number.isInteger(us) && us > 0, d, `update interval ${us} µs must be a positive integer`);
  }
  const us = [...new Set(d.intervalsUs)].sort((a, b) => a - b);
  return { kind: "list", us };
}

function supports(iv: Intervals, us: number): boolean {
  switch (iv.kind) {
    case "list":
      return iv.us.includes(us);
    case "segment":
      return us >= iv.min && us <= iv.max &&
        (iv.step === 0 ? us === iv.min : (us - iv.min) % iv.step === 0);
  }
}

/** Checks `d` and precomputes its model. Throws TypeError naming the sensor and the field. */
export function sensorModel(d: SensorDesc): SensorModel {
  check(/^[\x20-\x7e]{1,63}$/.test(d.name), d, "name must be 1–63 printable ASCII characters");
  check(int(d.type, 0, 255), d, "type must be 0–255");
  check(int(d.scale, -16, 15), d, "scale must be −16…15");
  check(int(d.axes, 1, MAX_AXES), d, `axes must be 1–${MAX_AXES}`);
  check(int(d.tripPoints, 0, 255), d, "tripPoints must be 0–255");
  check(int(d.timestampExp, -16, 15), d, "timestampExp must be −16…15");
  check(int(d.powerUw, 0, 0xffff_ffff), d, "powerUw must be 0–4294967295");
  check(int(d.resolution, 0, 0x7ff_ffff), d, "resolution must be 0–134217727");
  check(int(d.resolutionExp, -16, 15), d, "resolutionExp must be −16…15");
  check(int(d.latencyUs, 0, Number.MAX_SAFE_INTEGER), d, "latencyUs must be ≥ 0");
  const intervals = intervalsOf(d);
  const shortest = intervals.kind === "list" ? intervals.us[0] : intervals.min;
  const defaultIntervalUs = d.intervalUs ?? shortest;
  check(
    d.intervalUs === undefined || supports(intervals, d.intervalUs),
    d,
    `intervalUs ${d.intervalUs} is not one of the supported update intervals`,
  );
  const multi = d.axes > 1;
  const ext = d.powerUw !== undefined || d.resolution !== undefined ||
    d.resolutionExp !== undefined || d.min !== undefined || d.max !== undefined;
  const resolution = resolutionWord(d.resolution ?? 0, d.resolutionExp ?? 0);
  const axisModels: AxisModel[] = [];
  if (multi) {
    for (let i = 0; i < d.axes; i++) {
      const a = d.axisDescs?.[i] ?? {};
      const name = a.name ?? `${d.name}_${AXIS_SUFFIX[i] ?? i}`;
      const where = `axis ${i} `;
      check(/^[\x20-\x7e]{1,63}$/.test(name), d, `${where}name must be 1–63 printable ASCII`);
      check(int(a.type, 0, 255), d, `${where}type must be 0–255`);
      check(int(a.scale, -16, 15), d, `${where}scale must be −16…15`);
      check(int(a.resolution, 0, 0x7ff_ffff), d, `${where}resolution must be 0–134217727`);
      check(int(a.resolutionExp, -16, 15), d, `${where}resolutionExp must be −16…15`);
      const res = a.resolution ?? d.resolution;
      const resExp = a.resolutionExp ?? d.resolutionExp;
      const min = a.min ?? d.min;
      const max = a.max ?? d.max;
      axisModels.push({
        name,
        type: a.type ?? d.type,
        scale: a.scale ?? d.scale,
        ext: res !== undefined || resExp !== undefined || min !== undefined || max !== undefined,
        resolution: resolutionWord(res ?? 0, resExp ?? 0),
        min,
        max,
      });
    }
  }
  const v1 = encodeInterval(shortest, 5);
  const tsExp = d.timestampExp ?? -6;
  return {
    desc: d,
    axes: multi ? d.axes : 1,
    multi,
    tripPoints: d.tripPoints ?? 0,
    async: d.async,
    continuous: d.continuousUpdate ?? false,
    timestamps: d.timestamps ?? false,
    tsExp,
    tsDivisor: 10 ** (tsExp + 9),
    ext,
    powerUw: d.powerUw ?? 0,
    resolution,
    min: d.min,
    max: d.max,
    intervals,
    fixed: d.intervalsUs.length === 0 && d.intervalSegment === undefined,
    intervalWords: intervals.kind === "list"
      ? intervals.us.map((us) => encodeInterval(us, 16))
      : [intervals.min, intervals.max, intervals.step].map((us) => encodeInterval(us, 16)),
    defaultIntervalUs,
    v1IntervalBits: (((v1 >>> 5) << 27) | ((v1 & 0x1f) << 22)) >>> 0,
    axisModels,
  };
}
