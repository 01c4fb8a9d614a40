/**
 * Board sensors: type names, simulated behaviour, update intervals, axes and the optional
 * extended attributes, from the `[[sensor]]` table to the model.
 * @module
 */
import type { SensorAxisDesc, SensorDesc, SensorSim } from "../board.ts";
import type { BoardCtx } from "./_board_ctx.ts";
import type { Base } from "./board_kinds.ts";
import { type ResourceInput, SENSOR_TYPE } from "./board_schema.ts";
import type { KeyPath } from "./problem.ts";

type SimInput = NonNullable<ResourceInput["sensor"]["sim"]>;

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
  from: Record<string, unknown>,
  keys: Record<string, keyof T>,
) {
  for (const [k, field] of Object.entries(keys)) {
    if (from[k] !== undefined) (to as Record<string, unknown>)[field as string] = from[k];
  }
}

export function sensor(c: BoardCtx, p: KeyPath, base: Base, t: ResourceInput["sensor"]) {
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
      c.src.report(at, "Expected intervals_us or interval_segment, got both", "key");
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
}
