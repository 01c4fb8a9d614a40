import {
  type Answer,
  ClientError,
  DecodeError,
  delayed,
  nameWords,
  notification,
  scripted,
  status,
  unexpected,
  UsageError,
} from "../../client/mod.ts";
/**
 * `vscmi call sensor` against scripted replies written from the Sensor layouts (DEN0056
 * §4.7): descriptors (sensor_id, attributes_low, attributes_high, name[16], then extended
 * attributes), axis descriptors, update interval words (20:5 multiplier, 4:0 exponent),
 * readings (s64 value, u64 timestamp per axis from 2.0) and notifications.
 */
import { assert, assertEquals, assertRejects } from "../../core/_assert_test.ts";
import { sensorProtocol } from "./plugin.ts";

const V3_1 = 0x30001;

/**
 * soc_temp (0): async, 4 trip points, timestamps in µs (exponent -6 in bits 14:10 = 26),
 * extended attributes: 0x80000000 | 26 << 10 | 0x200 | 0x100 | 4 = 0x80006b04. °C (2) at
 * 10^-3 (29 in bits 15:11): 0xe802. Power 1500 µW, resolution 1 × 10^-3 (29 << 27 | 1),
 * range −40000 … 125000.
 */
const SOC_TEMP = [
  0,
  0x8000_6b04,
  0x0000_e802,
  ...nameWords("soc_temp"),
  1500,
  0xe800_0001,
  0xffff_63c0,
  0xffff_ffff,
  0x0001_e848,
  0,
];
/**
 * accel (1): continuous updates (bit 30), extended name (bit 29); 3 axes (bits 21:16), axis
 * support (bit 8), gravities (0x28) at 10^-2 (30 << 11): 0x0003f128. No extended attributes.
 */
const ACCEL = [1, 0x6000_0000, 0x0003_f128, ...nameWords("accel")];

function board(ver = V3_1) {
  return (id: number, p: number[]): Answer => {
    switch (id) {
      case 0x0:
        return [ver];
      case 0x1:
        return [2 | (16 << 16), 0, 0, 0];
      case 0x3:
        if (p[0] === 0) return [1 | (1 << 16), ...SOC_TEMP];
        if (p[0] === 1) return [1, ...ACCEL];
        return status("INVALID_PARAMETERS");
      case 0x7:
        if (p[1] === 0) {
          return [
            2 | (1 << 26),
            ...[0, 0x100, 0xf028, ...nameWords("x"), 0xf000_0001, 0xffff_ff9c, 0xffff_ffff, 100, 0],
            ...[1, 0, 0xf028, ...nameWords("y")],
          ];
        }
        return [1, 2, 0x200, 0xf028, ...nameWords("z")];
      case 0xc:
        return [0, ...nameWords("accelerometer_with_a_long_name", 64)];
      case 0xd:
        return [
          3,
          0,
          ...nameWords("x", 64),
          1,
          ...nameWords("y", 64),
          2,
          ...nameWords("z_axis_long", 64),
        ];
    }
    return unexpected(id, p);
  };
}

Deno.test("sensor list at 3.1 → pages, extended names, axes with extended attributes", async () => {
  const s = scripted(sensorProtocol, board());
  const out = await s.run("list");
  assertEquals(
    s.sent.map((x) => [x.id, ...x.params]),
    [[0x0], [0x1], [0x3, 0], [0x3, 1], [0xc, 1], [0x7, 1, 0], [0x7, 1, 2], [0xd, 1, 0]],
  );
  const json = out.json as { maxPending: number; sensors: Record<string, unknown>[] };
  assertEquals(json.maxPending, 16);
  const [t, a] = json.sensors;
  assertEquals(
    [t.name, t.type, t.scale, t.tripPoints, t.async, t.timestamps, t.timestampExp],
    ["soc_temp", 2, -3, 4, true, true, -6],
  );
  assertEquals([t.powerUw, t.resolution, t.min, t.max], [
    1500,
    { value: 1, exp: -3 },
    -40000,
    125000,
  ]);
  assertEquals([a.name, a.continuous, a.type, a.scale], [
    "accelerometer_with_a_long_name",
    true,
    40,
    -2,
  ]);
  const axes = a.axes as { name: string; min?: number; max?: number; resolution?: unknown }[];
  assertEquals(axes.map((x) => x.name), ["x", "y", "z_axis_long"]);
  assertEquals([axes[0].min, axes[0].max, axes[0].resolution], [-100, 100, { value: 1, exp: -2 }]);
  assert(
    /^1\s+accelerometer_with_a_long_name\s+×g\s+10\^-2\s+0\s+x,y,z_axis_long\s+continuous$/m
      .test(out.text),
    out.text,
  );
});

Deno.test("sensor read at 3.1 → s64 value scaled, u64 timestamp at 10^-6 s", async () => {
  const s = scripted(
    sensorProtocol,
    (id, p) => id === 0x6 ? [41250, 0, 12_345_678, 0] : board()(id, p),
  );
  const out = await s.run("read", ["soc_temp"]);
  assertEquals(out.text, "soc_temp: 41.25°C at 12.345678s");
  assertEquals(s.sent.at(-1), { id: 0x6, params: [0, 0] });
});

Deno.test("sensor read of a 3-axis sensor → one s64 per axis, negative values sign-extended", async () => {
  const s = scripted(
    sensorProtocol,
    (id, p) =>
      id === 0x6 ? [98, 0, 0, 0, 0xffff_fffb, 0xffff_ffff, 0, 0, 1, 0, 0, 0] : board()(id, p),
  );
  const out = await s.run("read", ["1"]);
  assertEquals(
    out.text,
    "accelerometer_with_a_long_name:\n  x: 0.98×g\n  y: -0.05×g\n  z_axis_long: 0.01×g",
  );
  const r = (out.json as { readings: { value: number; scaled: string }[] }).readings;
  assertEquals(r.map((x) => [x.value, x.scaled]), [[98, "0.98"], [-5, "-0.05"], [1, "0.01"]]);
});

Deno.test("sensor read at 1.0 → one s64, no timestamp, descriptor without 2.0 fields", async () => {
  // At 1.0 attributes_high bits 31:22 are the update interval and no extended attributes follow.
  const s = scripted(sensorProtocol, (id, p) => {
    if (id === 0x0) return [0x10000];
    if (id === 0x3) return [1, 0, 0x8000_0004, (1 << 27) | (0 << 22) | 0xe802, ...nameWords("t")];
    if (id === 0x6) return [31500, 0];
    return board()(id, p);
  });
  const out = await s.run("read", ["0"]);
  assertEquals(out.text, "t: 31.5°C");
});

Deno.test("sensor read --async → empty reply, then SENSOR_READING_COMPLETE with the token", async () => {
  const s = scripted(
    sensorProtocol,
    (id, p) => id === 0x6 ? [] : board()(id, p),
    (reply, sent, sc) => {
      if (sent.id === 0x6) sc.p2a.push(delayed(reply, 0, [0, 41250, 0, 1_000_000, 0]));
    },
  );
  const out = await s.run("read", ["0"], { async: true });
  assertEquals(s.sent.at(-1), { id: 0x6, params: [0, 1] });
  assertEquals(out.text, "soc_temp: 41.25°C at 1s");
});

Deno.test("sensor read --async: delayed HARDWARE_ERROR → StatusError; none → ClientError", async () => {
  const failing = scripted(
    sensorProtocol,
    (id, p) => id === 0x6 ? [] : board()(id, p),
    (reply, sent, sc) => {
      if (sent.id === 0x6) sc.p2a.push(delayed(reply, -9, [0]));
    },
  );
  await assertRejects(
    () => failing.run("read", ["0"], { async: true }),
    Error,
    "SENSOR_READING_COMPLETE answered HARDWARE_ERROR",
  );
  const silent = scripted(sensorProtocol, (id, p) => id === 0x6 ? [] : board()(id, p));
  await assertRejects(() => silent.run("read", ["0"], { async: true }), ClientError);
});

Deno.test("sensor config → CONFIG_GET fields; changes keep what is not given", async () => {
  // 100 ms = 1 × 10^-1 s: multiplier 1 in 31:16, exponent 31 in 15:11, enabled.
  const s = scripted(sensorProtocol, (id, p) => {
    if (id === 0x9) return [0x0001_f801];
    if (id === 0xa) return [];
    return board()(id, p);
  });
  const got = await s.run("config", ["0"]);
  assertEquals(got.json, {
    sensor: 0,
    enabled: true,
    timestamps: false,
    intervalUs: 100_000,
    raw: 0x0001_f801,
  });
  await s.run("config", ["0"], { interval: "500ms", round: "up" });
  // 5 × 10^-1 s, round up (1 << 9), still enabled.
  assertEquals(s.sent.at(-1), { id: 0xa, params: [0, 0x0005_fa01] });
  await s.run("config", ["0", "disable"], { timestamps: "on" });
  assertEquals(s.sent.at(-1), { id: 0xa, params: [0, 0x2] });
  await assertRejects(() => s.run("config", ["0"], { round: "sideways" }), UsageError);
});

Deno.test("sensor intervals → a segment triplet, or a list over pages", async () => {
  // 10 ms = 1 × 10^-2: (1 << 5) | 30 = 0x3e; 1 s = (1 << 5) | 0 = 0x20.
  const seg = scripted(
    sensorProtocol,
    (id) => id === 0x8 ? [3 | 0x1000, 0x3e, 0x20, 0x3e] : [V3_1],
  );
  assertEquals((await seg.run("intervals", ["0"])).text, "10ms to 1s in steps of 10ms");
  const list = scripted(
    sensorProtocol,
    (id, p) => id === 0x8 ? (p[1] === 0 ? [2 | (1 << 16), 0x3f, 0xbf] : [1, 0x20]) : [V3_1],
  );
  assertEquals((await list.run("intervals", ["0"])).text, "100ms, 500ms, 1s");
  assertEquals(list.sent.filter((x) => x.id === 0x8).map((x) => x.params), [[0, 0], [0, 2]]);
  const bad = scripted(sensorProtocol, (id) => id === 0x8 ? [2 | 0x1000, 0x3e, 0x20] : [V3_1]);
  await assertRejects(() => bad.run("intervals", ["0"]), DecodeError, "not 3 and 0");
});

Deno.test("sensor trip → TRIP_POINT_CONFIG (id 11:4, mode 1:0, s64 value), then its events", async () => {
  const s = scripted(sensorProtocol, (id, p) => id === 0x5 || id === 0x4 ? [] : board()(id, p));
  s.p2a.push(notification(0x15, 0x0, [0, 0, 0x0001_0001]));
  const out = await s.run("trip", ["soc_temp", "1", "both", "70.5"], { count: "1" });
  assertEquals(s.sent.filter((x) => x.id === 0x5 || x.id === 0x4).map((x) => [x.id, ...x.params]), [
    [0x5, 0, 0x13, 70500, 0],
    [0x4, 0, 1],
    [0x4, 0, 0],
  ]);
  assertEquals(s.printed.at(-1)?.text, "trip point 1 crossed upwards (agent 0)");
  assertEquals(out.text, "(1 notification; count reached)");
});

Deno.test("sensor trip values: negative as two's complement, --raw as given, too precise refused", async () => {
  const s = scripted(sensorProtocol, (id, p) => id === 0x5 ? [] : board()(id, p));
  await s.run("trip", ["0", "0", "off"]);
  assertEquals(s.sent.at(-1), { id: 0x5, params: [0, 0x00, 0, 0] });
  const armed = scripted(sensorProtocol, (id, p) => id === 0x5 || id === 0x4 ? [] : board()(id, p));
  armed.p2a.push(notification(0x15, 0x0, [0, 0, 0x0000_0000]));
  await armed.run("trip", ["0", "0", "low", "-10"], { count: "1" });
  assertEquals(armed.sent.find((x) => x.id === 0x5)?.params, [0, 0x02, 0xffff_d8f0, 0xffff_ffff]);
  assertEquals(armed.printed.at(-1)?.text, "trip point 0 crossed downwards (agent 0)");
  const raw = scripted(sensorProtocol, (id, p) => id === 0x5 || id === 0x4 ? [] : board()(id, p));
  await raw.run("trip", ["0", "3", "high", "123"], { raw: true, duration: "1" });
  assertEquals(raw.sent.find((x) => x.id === 0x5)?.params, [0, 0x31, 123, 0]);
  await assertRejects(() => s.run("trip", ["0", "0", "high", "70.0005"]), UsageError, "3 decimals");
  await assertRejects(() => s.run("trip", ["0", "0", "up", "7"]), UsageError, "high, low, both");
  await assertRejects(() => s.run("trip", ["0", "0", "high"]), UsageError, "needs a VALUE");
});

Deno.test("sensor watch of a continuous sensor → SENSOR_UPDATE readings per axis", async () => {
  const s = scripted(sensorProtocol, (id, p) => id === 0xb ? [] : board()(id, p));
  s.p2a.push(notification(0x15, 0x1, [0, 1, 98, 0, 7, 0, 0, 0, 7, 0, 1, 0, 7, 0]));
  await s.run("watch", ["1"], { count: "1" });
  assertEquals(s.sent.filter((x) => x.id === 0xb).map((x) => x.params), [[1, 1], [1, 0]]);
  assert(!s.sent.some((x) => x.id === 0x4), "accel has no trip points: no TRIP_POINT_NOTIFY");
  assertEquals(s.printed[0].text, "update\n  x: 0.98×g\n  y: 0×g\n  z_axis_long: 0.01×g");
});
