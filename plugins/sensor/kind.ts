/**
 * The sensor resource kind: `[[sensor]]` board tables (type names, simulated behaviour,
 * update intervals, axes, extended attributes) and `sensors = […]` member lists.
 * @module
 */
import { z } from "zod";
import { defineKind, hwClass, MICROWATTS, type ResourceDesc, schema } from "../../mod.ts";
import type { SensorHw } from "./hw.ts";

const { bool, int, list, name, quantity, table } = schema;

/** How a simulated sensor's value moves over time. */
export type SensorSim =
  | { kind: "constant"; value: number }
  /**
   * From `from` to `to` over `periodMs`, then again from `from` (a sawtooth); with `bounce`
   * it runs back down over the next period instead (a triangle).
   */
  | { kind: "ramp"; from: number; to: number; periodMs: number; bounce?: boolean }
  /** Uniform noise within ±`amplitude` of `center`; `seed` fixes the sequence (default: id). */
  | { kind: "noise"; center: number; amplitude: number; seed?: number }
  /** Each of `values` in turn for `periodMs`, then again from the first. */
  | { kind: "steps"; values: number[]; periodMs: number };

/** One axis of a multi-axis sensor (sensor protocol 2.0 and later). */
export interface SensorAxisDesc {
  /** Up to 63 ASCII characters; default `<sensor name>_X`, `_Y`, `_Z`, then `_<index>`. */
  name?: string;
  /** SCMI sensor type of this axis; default the sensor's. */
  type?: number;
  /** Power-of-ten exponent of this axis's unit; default the sensor's. */
  scale?: number;
  /** Resolution `resolution × 10^resolutionExp` in the axis's unit; default the sensor's. */
  resolution?: number;
  /** Power-of-ten exponent of `resolution`; default the sensor's. */
  resolutionExp?: number;
  /** Smallest value the axis can report; default the sensor's. */
  min?: number;
  /** Largest value the axis can report; default the sensor's. */
  max?: number;
  /** How the simulated axis moves; default the sensor's `sim`. */
  sim?: SensorSim;
}

/**
 * A sensor: its type, unit, axes, update intervals, how the simulation moves it, and extended
 * attributes.
 */
export interface SensorDesc extends ResourceDesc {
  /** SCMI sensor type (e.g. 2 = degrees C, 5 = volts, 6 = amps, 7 = watts). */
  type: number;
  /** Power-of-ten exponent of the reading's unit. */
  scale: number;
  /** Number of axes (1 for a scalar sensor). */
  axes: number;
  /** Update intervals the sensor supports, µs. */
  intervalsUs: number[];
  /** Supports asynchronous reads. */
  async: boolean;
  /** How the simulated sensor's value moves over time. */
  sim: SensorSim;
  /** Per-axis descriptions when `axes` > 1, by axis index; absent entries take the sensor's. */
  axisDescs?: SensorAxisDesc[];
  /** Trip points each agent may configure on the sensor, 0–255 (default 0). */
  tripPoints?: number;
  /** Sends SENSOR_UPDATE notifications at its update interval (protocol 2.0+; default no). */
  continuousUpdate?: boolean;
  /** Readings carry a timestamp (protocol 2.0+; default no). */
  timestamps?: boolean;
  /** Power-of-ten exponent of the timestamp unit in seconds, −16…15 (default −6: µs). */
  timestampExp?: number;
  /** Supported update intervals as a segment (min, max, step, µs) instead of `intervalsUs`. */
  intervalSegment?: { min: number; max: number; step: number };
  /** Update interval at power-on, µs; default the shortest supported. */
  intervalUs?: number;
  /** Enabled at power-on (default yes). */
  enabled?: boolean;
  /** Time one reading takes, µs (default 0); the sim answers reads after it. */
  latencyUs?: number;
  /**
   * Extended attributes (protocol 2.0+), reported when any of these is given: average power
   * drawn, µW; resolution `resolution × 10^resolutionExp` in the sensor's unit; smallest and
   * largest value it can report (the last three only for scalar sensors, per axis otherwise).
   */
  powerUw?: number;
  /** Resolution `resolution × 10^resolutionExp` in the sensor's unit (scalar sensors). */
  resolution?: number;
  /** Power-of-ten exponent of `resolution`. */
  resolutionExp?: number;
  /** Smallest value the sensor can report (scalar sensors). */
  min?: number;
  /** Largest value the sensor can report (scalar sensors). */
  max?: number;
}

/** SCMI sensor types by name (DEN0056 sensor type table); any 0–255 may be given as a number. */
export const SENSOR_TYPE = {
  none: 0,
  unspecified: 1,
  celsius: 2,
  fahrenheit: 3,
  kelvin: 4,
  volts: 5,
  amps: 6,
  watts: 7,
} as const;

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const sensorValue = () => int(-MAX_SAFE, MAX_SAFE, "an integer reading");
const period = () => int(1, 0x7fffffff, "a period in ms from 1 to 2147483647");
const sensorSim = z.discriminatedUnion("kind", [
  table({ kind: z.literal("constant"), value: sensorValue() }),
  table({
    kind: z.literal("ramp"),
    from: sensorValue(),
    to: sensorValue(),
    period_ms: period(),
    bounce: bool().optional(),
  }),
  table({
    kind: z.literal("noise"),
    center: sensorValue(),
    amplitude: int(0, MAX_SAFE, "an amplitude of 0 or more"),
    seed: int(0, 0xffffffff, "a seed from 0 to 4294967295").optional(),
  }),
  table({
    kind: z.literal("steps"),
    values: list(sensorValue(), "an array of readings").min(1, {
      error: "a non-empty array of readings",
    }),
    period_ms: period(),
  }),
], { error: 'a table with kind = "constant", "ramp", "noise" or "steps"' });

const SENSOR_TYPE_EXPECTED = `a sensor type from 0 to 255 or one of ${
  Object.keys(SENSOR_TYPE).map((k) => `"${k}"`).join(", ")
}`;
const sensorType = () =>
  z.union([
    int(0, 255, SENSOR_TYPE_EXPECTED),
    z.enum(Object.keys(SENSOR_TYPE) as [keyof typeof SENSOR_TYPE], {
      error: SENSOR_TYPE_EXPECTED,
    }),
  ], { error: SENSOR_TYPE_EXPECTED });
const exponent = () => int(-16, 15, "a power-of-ten exponent from -16 to 15");
const resolution = () => int(0, 0x7ffffff, "a resolution from 0 to 134217727");

const axisTable = table({
  name: name().optional(),
  type: sensorType().optional(),
  scale: exponent().optional(),
  resolution: resolution().optional(),
  resolution_exp: exponent().optional(),
  min: sensorValue().optional(),
  max: sensorValue().optional(),
  sim: sensorSim.optional(),
}, "a table describing one axis");

const interval = () => int(1, 0xffffffff, "an interval in µs from 1 to 4294967295");
type SimInput = NonNullable<z.output<typeof sensorSim>>;

function simOf(sim: SimInput): SensorSim {
  switch (sim.kind) {
    case "constant":
      return { kind: "constant", value: sim.value };
    case "ramp": {
      const r: SensorSim = { kind: "ramp", from: sim.from, to: sim.to, periodMs: sim.period_ms };
      if (sim.bounce !== undefined) r.bounce = sim.bounce;
      return r;
    }
    case "noise": {
      const n: SensorSim = { kind: "noise", center: sim.center, amplitude: sim.amplitude };
      if (sim.seed !== undefined) n.seed = sim.seed;
      return n;
    }
    case "steps":
      return { kind: "steps", values: sim.values, periodMs: sim.period_ms };
  }
}

const typeOf = (t: number | keyof typeof SENSOR_TYPE) => typeof t === "number" ? t : SENSOR_TYPE[t];

/** Copies the keys of `from` that are defined, renamed per `keys`, onto `to`. */
function optional<T extends object>(
  to: T,
  from: object,
  keys: Record<string, keyof T>,
) {
  const src = from as Record<string, unknown>;
  for (const [k, field] of Object.entries(keys)) {
    if (src[k] !== undefined) (to as Record<string, unknown>)[field as string] = src[k];
  }
}

/** Sensors: `[[sensor]]`, `sensors = […]`. */
export const sensorKind = defineKind({
  name: "sensor",
  noun: "sensor",
  member: "sensors",
  hw: hwClass<SensorHw>("sensor"),
  fields: {
    type: sensorType(),
    scale: exponent().optional(),
    axes: int(1, 63, "a number of axes from 1 to 63").optional(),
    axis: list(axisTable, "an array of axis tables").optional(),
    intervals_us: list(interval(), "an array of intervals").optional(),
    interval_segment: table({
      min: interval(),
      max: interval(),
      step: int(0, 0xffffffff, "a step in µs from 0 to 4294967295"),
    }, "a table { min, max, step }").optional(),
    interval_us: interval().optional(),
    async: bool().optional(),
    enabled: bool().optional(),
    latency_us: int(0, MAX_SAFE, "a time in µs of 0 or more").optional(),
    trip_points: int(0, 255, "a number of trip points from 0 to 255").optional(),
    continuous_update: bool().optional(),
    timestamps: bool().optional(),
    timestamp_exp: exponent().optional(),
    power: quantity(MICROWATTS, "a power", 0, 0xffffffff).optional(),
    resolution: resolution().optional(),
    resolution_exp: exponent().optional(),
    min: sensorValue().optional(),
    max: sensorValue().optional(),
    sim: sensorSim.optional(),
  },
  convert(c, p, base, t) {
    const axes = t.axes ?? 1;
    const desc: SensorDesc = {
      ...base,
      type: typeOf(t.type),
      scale: t.scale ?? 0,
      axes,
      intervalsUs: t.intervals_us ?? [],
      async: t.async ?? false,
      sim: t.sim ? simOf(t.sim) : { kind: "constant", value: 0 },
    };
    optional(desc, t, {
      trip_points: "tripPoints",
      continuous_update: "continuousUpdate",
      timestamps: "timestamps",
      timestamp_exp: "timestampExp",
      interval_us: "intervalUs",
      enabled: "enabled",
      latency_us: "latencyUs",
      power: "powerUw",
      resolution: "resolution",
      resolution_exp: "resolutionExp",
      min: "min",
      max: "max",
    });
    if (t.interval_segment) {
      const seg = t.interval_segment;
      const at = [...p, "interval_segment"];
      if (t.intervals_us?.length) {
        c.report(at, "Expected intervals_us or interval_segment, got both", "key");
      } else if (seg.max < seg.min) {
        c.expect([...at, "max"], `a maximum of at least ${seg.min} µs (the minimum)`);
      } else if (seg.step === 0 ? seg.max !== seg.min : (seg.max - seg.min) % seg.step !== 0) {
        c.expect([...at, "step"], `a step that divides max - min (${seg.max - seg.min} µs)`);
      } else desc.intervalSegment = { min: seg.min, max: seg.max, step: seg.step };
    }
    if (t.interval_us !== undefined) {
      const seg = desc.intervalSegment;
      const ok = seg
        ? t.interval_us >= seg.min && t.interval_us <= seg.max &&
          (seg.step === 0 || (t.interval_us - seg.min) % seg.step === 0)
        : desc.intervalsUs.includes(t.interval_us);
      if (!ok) c.expect([...p, "interval_us"], "one of the sensor's update intervals");
    }
    if (t.min !== undefined && t.max !== undefined && t.max < t.min) {
      c.expect([...p, "max"], `a value of at least ${t.min} (min)`);
    }
    if (t.axis) {
      if (t.axis.length > axes) {
        c.expect([...p, "axis", axes], `at most ${axes} axis tables (axes = ${axes})`);
      }
      desc.axisDescs = t.axis.map((a) => {
        const out: SensorAxisDesc = {};
        optional(out, a, {
          name: "name",
          scale: "scale",
          resolution: "resolution",
          resolution_exp: "resolutionExp",
          min: "min",
          max: "max",
        });
        if (a.type !== undefined) out.type = typeOf(a.type);
        if (a.sim) out.sim = simOf(a.sim);
        return out;
      });
    }
    return desc;
  },
});
