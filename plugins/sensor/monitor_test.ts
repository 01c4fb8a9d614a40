import { assert, assertEquals } from "../../core/_assert_test.ts";
import { Status } from "../../core/status.ts";
import { cmd, drainWords, event, sensor, sensorTest } from "./_fixture.ts";
import { until } from "../../core/_wait_test.ts";
import { SensorEvent, SensorMsg, TRIP_DESC_ASCENDING } from "./msg.ts";

const OK = Status.SUCCESS;
const TRIP = event(SensorEvent.SENSOR_TRIP_POINT_EVENT);
const UPDATE = event(SensorEvent.SENSOR_UPDATE);

/**
 * `temp` (phys 0) steps through 0, 20, 40, 20, 40, 60, 10 every 100 ms and is sampled every
 * 100 ms: arming at t = 0 samples it at 100 (20, the baseline), 200 (40), 300 (20), 400 (40),
 * 500 (60), 600 (10), 700 (0). Agent `a` sees it as sensor 0, agent `b` as sensor 1.
 */
function stepBoard() {
  return sensorTest({
    sensors: [
      sensor(0, "temp", {
        intervalsUs: [100_000],
        tripPoints: 2,
        continuousUpdate: true,
        timestamps: true,
        timestampExp: -3,
        sim: { kind: "steps", values: [0, 20, 40, 20, 40, 60, 10], periodMs: 100 },
      }),
      sensor(1, "volt", { tripPoints: 1, sim: { kind: "constant", value: 5 } }),
    ],
    agents: [
      { name: "a", grants: { sensor: [0, 1] } },
      { name: "b", grants: { sensor: [1, 0] } },
    ],
  });
}

/** trip_point_ev_ctrl for trip point `id` with event control `mode`. */
const ctrl = (id: number, mode: number) => (id << 4) | mode;

Deno.test("positive trip point fires upwards only, to the arming agent, in its ids", async () => {
  const { fx, clock } = await stepBoard();
  // a: trip 0 of its sensor 0, positive crossings of 30.
  assertEquals(
    (await fx.words("a", [cmd(SensorMsg.SENSOR_TRIP_POINT_CONFIG), 0, ctrl(0, 1), 30, 0]))[1],
    OK,
  );
  assertEquals((await fx.words("a", [cmd(SensorMsg.SENSOR_TRIP_POINT_NOTIFY), 0, 1]))[1], OK);
  // b: trip 1 of its sensor 1 (the same physical sensor), negative crossings of 50.
  assertEquals(
    (await fx.words("b", [cmd(SensorMsg.SENSOR_TRIP_POINT_CONFIG), 1, ctrl(1, 2), 50, 0]))[1],
    OK,
  );
  assertEquals((await fx.words("b", [cmd(SensorMsg.SENSOR_TRIP_POINT_NOTIFY), 1, 1]))[1], OK);

  clock.advance(100); // 20: baseline
  assertEquals(drainWords(fx, "a"), []);
  clock.advance(100); // 40: up through 30
  assertEquals(drainWords(fx, "a"), [[TRIP, 0, 0, 0 | TRIP_DESC_ASCENDING]]);
  assertEquals(drainWords(fx, "b"), []);
  clock.advance(100); // 20: down through 30, a wants positive only
  assertEquals(drainWords(fx, "a"), []);
  clock.advance(100); // 40: up again
  assertEquals(drainWords(fx, "a"), [[TRIP, 0, 0, TRIP_DESC_ASCENDING]]);
  clock.advance(100); // 60: up through 50, b wants negative only
  assertEquals(drainWords(fx, "b"), []);
  clock.advance(100); // 10: down through 50 → b only, its sensor id 1, trip 1, descending
  assertEquals(drainWords(fx, "b"), [[TRIP, 0, 1, 1]]);
  assertEquals(drainWords(fx, "a"), []);
});

Deno.test("trip point with both crossings reports the direction of each", async () => {
  const { fx, clock } = await stepBoard();
  await fx.words("a", [cmd(SensorMsg.SENSOR_TRIP_POINT_CONFIG), 0, ctrl(1, 3), 30, 0]);
  await fx.words("a", [cmd(SensorMsg.SENSOR_TRIP_POINT_NOTIFY), 0, 1]);
  clock.advance(400); // 20, 40, 20, 40
  assertEquals(drainWords(fx, "a"), [
    [TRIP, 0, 0, 1 | TRIP_DESC_ASCENDING],
    [TRIP, 0, 0, 1],
    [TRIP, 0, 0, 1 | TRIP_DESC_ASCENDING],
  ]);
});

Deno.test("negative trip value compares as s64", async () => {
  const { fx, clock } = await sensorTest({
    sensors: [
      sensor(0, "cold", {
        intervalsUs: [10_000],
        tripPoints: 1,
        sim: { kind: "steps", values: [-10, -3, -7], periodMs: 10 },
      }),
    ],
    agents: [{ name: "a", grants: { sensor: [0] } }],
  });
  // −5 = 0xfffffffb_ffffffff… as low, high words.
  await fx.words("a", [cmd(SensorMsg.SENSOR_TRIP_POINT_CONFIG), 0, ctrl(0, 3), -5 >>> 0, -1 >>> 0]);
  await fx.words("a", [cmd(SensorMsg.SENSOR_TRIP_POINT_NOTIFY), 0, 1]);
  clock.advance(10); // −3 baseline (above −5)
  clock.advance(10); // −7: down
  clock.advance(10); // −10: still below
  clock.advance(10); // −3: up
  assertEquals(drainWords(fx, "a"), [[TRIP, 0, 0, 0], [TRIP, 0, 0, TRIP_DESC_ASCENDING]]);
});

Deno.test("no trip events while notify is off; enabling takes a new baseline", async () => {
  const { fx, clock, shared } = await stepBoard();
  await fx.words("a", [cmd(SensorMsg.SENSOR_TRIP_POINT_CONFIG), 0, ctrl(0, 3), 30, 0]);
  assertEquals(clock.pending, 0);
  assertEquals(shared.monitor.running, false);
  clock.advance(300);
  assertEquals(drainWords(fx, "a"), []);
  await fx.words("a", [cmd(SensorMsg.SENSOR_TRIP_POINT_NOTIFY), 0, 1]); // at t = 300
  assertEquals(shared.monitor.running, true);
  clock.advance(100); // t = 400: 40, baseline (no event although 20 → 40 happened unseen)
  assertEquals(drainWords(fx, "a"), []);
  clock.advance(200); // 60, then 10: down
  assertEquals(drainWords(fx, "a"), [[TRIP, 0, 0, 0]]);
});

Deno.test("continuous updates carry each timestamped sample, to that agent only", async () => {
  const { fx, clock } = await stepBoard();
  assertEquals(
    (await fx.words("b", [cmd(SensorMsg.SENSOR_CONTINUOUS_UPDATE_NOTIFY), 1, 1]))[1],
    OK,
  );
  clock.advance(300);
  // agent 0 (platform), b's sensor 1, value, then timestamp in ms (exp −3).
  assertEquals(drainWords(fx, "b"), [
    [UPDATE, 0, 1, 20, 0, 100, 0],
    [UPDATE, 0, 1, 40, 0, 200, 0],
    [UPDATE, 0, 1, 20, 0, 300, 0],
  ]);
  assertEquals(drainWords(fx, "a"), []);
  await fx.words("b", [cmd(SensorMsg.SENSOR_CONTINUOUS_UPDATE_NOTIFY), 1, 0]);
  clock.advance(300);
  assertEquals(drainWords(fx, "b"), []);
});

Deno.test("continuous updates of a multi-axis sensor carry one reading per axis", async () => {
  const { fx, clock } = await sensorTest({
    sensors: [
      sensor(0, "gyro", {
        axes: 2,
        intervalsUs: [50_000],
        continuousUpdate: true,
        axisDescs: [
          { sim: { kind: "constant", value: -1 } },
          { sim: { kind: "constant", value: 7 } },
        ],
      }),
    ],
    agents: [{ name: "a", grants: { sensor: [0] } }],
  });
  await fx.words("a", [cmd(SensorMsg.SENSOR_CONTINUOUS_UPDATE_NOTIFY), 0, 1]);
  clock.advance(50);
  // No timestamp support: timestamps are 0.
  assertEquals(drainWords(fx, "a"), [[UPDATE, 0, 0, 0xffffffff, 0xffffffff, 0, 0, 7, 0, 0, 0]]);
});

Deno.test("the monitor follows the sensor's update interval after SENSOR_CONFIG_SET", async () => {
  const { fx, clock } = await sensorTest({
    sensors: [
      sensor(0, "temp", {
        intervalsUs: [10_000, 100_000],
        intervalUs: 100_000,
        continuousUpdate: true,
      }),
    ],
    agents: [{ name: "a", grants: { sensor: [0] } }],
  });
  await fx.words("a", [cmd(SensorMsg.SENSOR_CONTINUOUS_UPDATE_NOTIFY), 0, 1]);
  clock.advance(99);
  assertEquals(drainWords(fx, "a").length, 0);
  clock.advance(1);
  assertEquals(drainWords(fx, "a").length, 1);
  // 10 ms: seconds 1, exponent −2; enabled.
  const cfg = (1 << 16) | ((-2 & 0x1f) << 11) | 1;
  assertEquals((await fx.words("a", [cmd(SensorMsg.SENSOR_CONFIG_SET), 0, cfg]))[1], OK);
  clock.advance(50);
  assertEquals(drainWords(fx, "a").length, 5);
});

Deno.test("a disabled sensor is not sampled", async () => {
  const { fx, clock } = await stepBoard();
  await fx.words("a", [cmd(SensorMsg.SENSOR_CONTINUOUS_UPDATE_NOTIFY), 0, 1]);
  await fx.words("a", [cmd(SensorMsg.SENSOR_CONFIG_SET), 0, 0]);
  clock.advance(300);
  assertEquals(drainWords(fx, "a"), []);
  await fx.words("a", [cmd(SensorMsg.SENSOR_CONFIG_SET), 0, 1]);
  clock.advance(100);
  assertEquals(drainWords(fx, "a").length, 1);
});

Deno.test("close disarms what the session armed; the timer stops with the last", async () => {
  const { fx, clock, shared } = await stepBoard();
  await fx.words("a", [cmd(SensorMsg.SENSOR_CONTINUOUS_UPDATE_NOTIFY), 0, 1]);
  await fx.words("b", [cmd(SensorMsg.SENSOR_TRIP_POINT_CONFIG), 1, ctrl(0, 3), 30, 0]);
  await fx.words("b", [cmd(SensorMsg.SENSOR_TRIP_POINT_NOTIFY), 1, 1]);
  assertEquals(shared.monitor.watching, [0]);
  fx.reconnect("b");
  clock.advance(200);
  assertEquals(drainWords(fx, "b"), []);
  assertEquals(drainWords(fx, "a").length, 2);
  // b's new session starts clean: notifications on again, but no trip point is configured.
  await fx.words("b", [cmd(SensorMsg.SENSOR_TRIP_POINT_NOTIFY), 1, 1]);
  clock.advance(300);
  assertEquals(drainWords(fx, "b"), []);
  fx.platform.closeSession(fx.session("a"));
  fx.platform.closeSession(fx.session("b"));
  assertEquals(shared.monitor.running, false);
  assertEquals(shared.monitor.watching, []);
  assertEquals(clock.pending, 0);
});

Deno.test("disabling the last trip point stops the timer", async () => {
  const { fx, clock, shared } = await stepBoard();
  await fx.words("a", [cmd(SensorMsg.SENSOR_TRIP_POINT_NOTIFY), 0, 1]);
  assertEquals(shared.monitor.running, false);
  await fx.words("a", [cmd(SensorMsg.SENSOR_TRIP_POINT_CONFIG), 0, ctrl(1, 1), 30, 0]);
  assertEquals(shared.monitor.running, true);
  await fx.words("a", [cmd(SensorMsg.SENSOR_TRIP_POINT_CONFIG), 0, ctrl(1, 0), 30, 0]);
  assertEquals(shared.monitor.running, false);
  assertEquals(clock.pending, 0);
  await fx.words("a", [cmd(SensorMsg.SENSOR_TRIP_POINT_NOTIFY), 0, 0]);
  const state = fx.session("a").ctxs[0x15]!.state as { arms: Map<number, unknown> };
  assertEquals(state.arms.size, 0);
});

Deno.test("a withdrawn sensor is disarmed for that agent only", async () => {
  const { fx, clock } = await stepBoard();
  await fx.words("a", [cmd(SensorMsg.SENSOR_CONTINUOUS_UPDATE_NOTIFY), 0, 1]);
  await fx.words("b", [cmd(SensorMsg.SENSOR_CONTINUOUS_UPDATE_NOTIFY), 1, 1]);
  const rt = fx.platform.protocols[0x15]!;
  const ctx = fx.session("a").ctxs[0x15]!;
  rt.def.onRevoke!(ctx, "sensor", 0);
  fx.session("a").agent.grants.maps.sensor.revoke(0);
  clock.advance(100);
  assertEquals(drainWords(fx, "a"), []);
  assertEquals(drainWords(fx, "b").length, 1);
});

Deno.test("on the system clock the monitor fires by itself and stops when disarmed", async () => {
  const { fx, shared } = await sensorTest({
    sensors: [sensor(0, "fast", { intervalsUs: [1000], continuousUpdate: true })],
    agents: [{ name: "a", grants: { sensor: [0] } }],
    realTime: true,
  });
  await fx.words("a", [cmd(SensorMsg.SENSOR_CONTINUOUS_UPDATE_NOTIFY), 0, 1]);
  assertEquals(shared.monitor.running, true);
  await until(() => fx.session("a").p2a!.length >= 2, "two SENSOR_UPDATE on the system clock");
  await fx.words("a", [cmd(SensorMsg.SENSOR_CONTINUOUS_UPDATE_NOTIFY), 0, 0]);
  assertEquals(shared.monitor.running, false);
  const got = drainWords(fx, "a");
  assert(got.length >= 2, `expected several SENSOR_UPDATE, got ${got.length}`);
  assertEquals(got[0].slice(0, 3), [UPDATE, 0, 0]);
});
