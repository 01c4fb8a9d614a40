import { assert, assertEquals, assertRejects, assertThrows } from "../../../core/_assert_test.ts";
import { emptyBoard } from "../../../core/board.ts";
import type { SensorDesc } from "../../../plugins/sensor/kind.ts";
import { DriverError } from "../../../core/driver.ts";
import { createSimSensor } from "./sensor.ts";
import { ManualClock } from "../../../core/timer_clock.ts";
import { settled } from "../../../core/_wait_test.ts";

function desc(id: number, more: Partial<SensorDesc>): SensorDesc {
  return {
    id,
    name: `s${id}`,
    driver: "sim",
    type: 2,
    scale: 0,
    axes: 1,
    intervalsUs: [],
    async: false,
    sim: { kind: "constant", value: 0 },
    ...more,
  };
}

function sim(sensors: SensorDesc[], timeScale = 0) {
  const board = emptyBoard();
  board.resources.sensor = sensors;
  let t = 500;
  const clock = new ManualClock();
  const hw = createSimSensor(board, "sim", { timeScale, clock }, () => t);
  const read = (id: number, n = 1) => {
    const out = new Array(n).fill(NaN);
    const ts = hw.sample(id, out);
    if (ts instanceof Promise) throw new Error("unexpected async sample");
    return { out, ts };
  };
  return { hw, read, at: (ms: number) => void (t = 500 + ms), clock };
}

Deno.test("ramp: a sawtooth from → to per period; bounce makes a triangle", () => {
  const { read, at } = sim([
    desc(0, { sim: { kind: "ramp", from: 0, to: 100, periodMs: 1000 } }),
    desc(1, { sim: { kind: "ramp", from: 0, to: 100, periodMs: 1000, bounce: true } }),
  ]);
  const samples = [0, 250, 999, 1000, 1500, 1750].map((ms) => {
    at(ms);
    return [read(0).out[0], read(1).out[0]];
  });
  assertEquals(samples, [[0, 0], [25, 25], [100, 100], [0, 100], [50, 50], [75, 25]]);
});

Deno.test("steps: each value for its period, then around again", () => {
  const { read, at } = sim([desc(0, { sim: { kind: "steps", values: [3, 1, 4], periodMs: 10 } })]);
  const seen = [0, 9, 10, 25, 30, 41].map((ms) => (at(ms), read(0).out[0]));
  assertEquals(seen, [3, 3, 1, 4, 3, 1]);
});

Deno.test("noise: within ±amplitude of center, the same sequence for the same seed", () => {
  const one = sim([desc(0, { sim: { kind: "noise", center: 1000, amplitude: 50, seed: 7 } })]);
  const two = sim([desc(0, { sim: { kind: "noise", center: 1000, amplitude: 50, seed: 7 } })]);
  const a = Array.from({ length: 200 }, () => one.read(0).out[0]);
  const b = Array.from({ length: 200 }, () => two.read(0).out[0]);
  assertEquals(a, b);
  assert(a.every((v) => Number.isInteger(v) && v >= 950 && v <= 1050));
  assert(new Set(a).size > 20, "noise should vary");
});

Deno.test("axes follow their own sims; axes without one follow the sensor's", () => {
  const { read } = sim([desc(0, {
    axes: 3,
    sim: { kind: "constant", value: 5 },
    axisDescs: [{ sim: { kind: "constant", value: -1 } }, {}],
  })]);
  assertEquals(read(0, 3).out, [-1, 5, 5]);
});

Deno.test("timestamps are ns since the sim started, from the injected clock", () => {
  const { read, at } = sim([desc(0, {})]);
  assertEquals(read(0).ts, 0);
  at(1.5);
  assertEquals(read(0).ts, 1_500_000);
  at(86_400_000);
  assertEquals(read(0).ts, 86_400_000_000_000);
});

Deno.test("a disabled sensor refuses to sample; enable and interval are kept per sensor", () => {
  const { hw, read } = sim([
    desc(0, { enabled: false, intervalsUs: [10, 20] }),
    desc(1, { intervalSegment: { min: 100, max: 300, step: 100 }, intervalUs: 200 }),
  ]);
  assertEquals(hw.isEnabled!(0), false);
  assertThrows(() => read(0), DriverError, "disabled");
  hw.setEnabled!(0, true);
  assertEquals(read(0).out, [0]);
  assertEquals([hw.getIntervalUs!(0), hw.getIntervalUs!(1)], [10, 200]);
  hw.setIntervalUs!(0, 20);
  hw.setIntervalUs!(1, 300);
  assertEquals([hw.getIntervalUs!(0), hw.getIntervalUs!(1)], [20, 300]);
  assertThrows(() => hw.setIntervalUs!(0, 15), DriverError, "15");
  assertThrows(() => hw.setIntervalUs!(1, 250), DriverError, "250");
  assertThrows(() => hw.sample(9, []), DriverError);
});

Deno.test("a sensor with latency answers after it when the time scale allows", async () => {
  const { hw, clock } = sim([desc(0, { latencyUs: 3000, sim: { kind: "constant", value: 8 } })], 1);
  const out = [0];
  const r = hw.sample(0, out);
  assert(r instanceof Promise, "a read with latency settles later");
  clock.advance(2.9);
  assert(!await settled(r), "the read takes its 3 ms");
  assertEquals(out, [0], "values land when the read completes");
  clock.advance(0.1);
  await r;
  assertEquals(out, [8]);
  const instant = sim([desc(0, { latencyUs: 3000 })], 0);
  assert(!(instant.hw.sample(0, [0]) instanceof Promise), "time_scale 0 makes it immediate");
});

Deno.test("disabling during a slow read fails it", async () => {
  const { hw, clock } = sim([desc(0, { latencyUs: 2000 })], 1);
  const r = hw.sample(0, [0]);
  hw.setEnabled!(0, false);
  clock.advance(2);
  await assertRejects(() => r as Promise<number>, DriverError, "disabled");
});
