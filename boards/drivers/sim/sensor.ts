/**
 * Simulated sensors: readings that move over time as the board's `sim` describes (constant,
 * ramp, seeded noise, steps), per axis, with nanosecond timestamps from the sim's start.
 * Enable state and update interval are kept per sensor. Everything reads time from one clock,
 * so an injected clock makes the sim deterministic; a read takes the sensor's declared
 * latency (scaled by `time_scale`) and then settles asynchronously.
 * @module
 */
import { sensorKind } from "../../../plugins/sensor/kind.ts";
import type { Board } from "../../../core/board.ts";
import type { SensorDesc, SensorSim } from "../../../plugins/sensor/kind.ts";
import { DriverError } from "../../../core/driver.ts";
import type { SensorHw } from "../../../plugins/sensor/hw.ts";
import { delay, mine, simNow, type SimOptions } from "./_util.ts";

interface SimSensor {
  readonly desc: SensorDesc;
  /** How each axis moves. */
  readonly sims: readonly SensorSim[];
  /** Update intervals the sensor accepts, µs (a segment is checked arithmetically). */
  readonly accepts: (us: number) => boolean;
  /** xorshift32 state for noise. */
  seed: number;
  enabled: boolean;
  intervalUs: number;
}

/** The shortest update interval a sensor declares, µs, or 0 when it declares none. */
function shortestIntervalUs(d: SensorDesc): number {
  if (d.intervalSegment) return d.intervalSegment.min;
  return d.intervalsUs.length ? Math.min(...d.intervalsUs) : 0;
}

function acceptor(d: SensorDesc): (us: number) => boolean {
  const seg = d.intervalSegment;
  if (seg) {
    return (us) =>
      us >= seg.min && us <= seg.max && (seg.step === 0 ? us === seg.min : (us - seg.min) %
          seg.step === 0);
  }
  const set = new Set(d.intervalsUs);
  return (us) => set.has(us);
}

/** Next value in [0, 1] of a sensor's xorshift32 sequence. */
function next(s: SimSensor): number {
  let x = s.seed;
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  s.seed = x >>> 0;
  return s.seed / 0xffffffff;
}

/** The value `sim` gives `t` ms after the sim started. */
function valueAt(sim: SensorSim, t: number, s: SimSensor): number {
  switch (sim.kind) {
    case "constant":
      return sim.value;
    case "ramp": {
      const p = sim.periodMs;
      let phase: number;
      if (sim.bounce) {
        const u = t % (2 * p);
        phase = u < p ? u / p : 2 - u / p;
      } else {
        phase = (t % p) / p;
      }
      return Math.round(sim.from + (sim.to - sim.from) * phase);
    }
    case "noise":
      return sim.center + Math.round(sim.amplitude * (2 * next(s) - 1));
    case "steps":
      return sim.values[Math.floor(t / sim.periodMs) % sim.values.length];
  }
}

/**
 * The sim's sensor class for the sensors of `board` that name driver `driver`. `now` is the
 * clock in ms (default the sim's clock); tests pass a fake one.
 */
export function createSimSensor(
  board: Board,
  driver: string,
  opts: SimOptions,
  now: () => number = simNow(opts),
): SensorHw {
  const sensors = new Map<number, SimSensor>();
  for (const d of mine(board, sensorKind, driver)) {
    const sims: SensorSim[] = [];
    for (let i = 0; i < Math.max(1, d.axes); i++) sims.push(d.axisDescs?.[i]?.sim ?? d.sim);
    const firstNoise = sims.find((x) => x.kind === "noise");
    const seed = (firstNoise?.kind === "noise" ? firstNoise.seed : undefined) ??
      Math.imul(d.id + 1, 0x9e3779b1);
    sensors.set(d.id, {
      desc: d,
      sims,
      accepts: acceptor(d),
      seed: (seed >>> 0) || 1,
      enabled: d.enabled ?? true,
      intervalUs: d.intervalUs ?? shortestIntervalUs(d),
    });
  }
  const t0 = now();
  const get = (id: number): SimSensor => {
    const s = sensors.get(id);
    if (!s) throw new DriverError("invalid", `sim driver "${driver}" has no sensor ${id}`);
    return s;
  };
  const fill = (s: SimSensor, out: number[]): number => {
    if (!s.enabled) throw new DriverError("hardware", `Sensor "${s.desc.name}" is disabled`);
    const t = Math.max(0, now() - t0);
    for (let i = 0; i < s.sims.length; i++) out[i] = valueAt(s.sims[i], t, s);
    return Math.round(t * 1_000_000);
  };
  return {
    sample(id, out) {
      const s = get(id);
      if (!s.enabled) throw new DriverError("hardware", `Sensor "${s.desc.name}" is disabled`);
      const wait = delay(opts, s.desc.latencyUs ?? 0);
      return wait ? wait.then(() => fill(s, out)) : fill(s, out);
    },
    isEnabled: (id) => get(id).enabled,
    setEnabled(id, on) {
      get(id).enabled = on;
    },
    getIntervalUs: (id) => get(id).intervalUs,
    setIntervalUs(id, us) {
      const s = get(id);
      if (!s.accepts(us)) {
        throw new DriverError("range", `Sensor "${s.desc.name}" cannot sample every ${us} µs`);
      }
      s.intervalUs = us;
    },
  };
}
