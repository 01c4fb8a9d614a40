import { assertEquals, assertThrows } from "../../core/_assert_test.ts";
import { sensor } from "./_fixture.ts";
import { FIXED_INTERVAL_US, sensorModel } from "./_model.ts";

Deno.test("a scalar sensor without extended fields: one reading, no extended attributes", () => {
  const m = sensorModel(sensor(3, "t", { intervalsUs: [2000, 1000] }));
  assertEquals([m.axes, m.multi, m.ext, m.tripPoints], [1, false, false, 0]);
  assertEquals(m.intervals, { kind: "list", us: [1000, 2000] });
  assertEquals(m.defaultIntervalUs, 1000);
  // 1 ms at 1.0: seconds 1 in bits 31:27, exponent −3 in bits 26:22.
  assertEquals(m.v1IntervalBits, (1 << 27) | (29 << 22));
});

Deno.test("a sensor that declares no intervals has one fixed 100 ms interval at every version", () => {
  const m = sensorModel(sensor(3, "t"));
  assertEquals(FIXED_INTERVAL_US, 100_000);
  assertEquals([m.fixed, m.intervals], [true, { kind: "list", us: [100_000] }]);
  assertEquals(m.defaultIntervalUs, 100_000);
  // The SENSOR_LIST_UPDATE_INTERVALS word: multiplier 1 in bits 20:5, exponent −1 in 4:0.
  assertEquals(m.intervalWords, [(1 << 5) | 0x1f]);
  // 100 ms at 1.0: seconds 1 in bits 31:27, exponent −1 in bits 26:22.
  assertEquals(m.v1IntervalBits, ((1 << 27) | (31 << 22)) >>> 0);
});

Deno.test("a sensor with only intervalUs has that one fixed interval", () => {
  const m = sensorModel(sensor(3, "t", { intervalUs: 250_000 }));
  assertEquals([m.fixed, m.intervals, m.defaultIntervalUs], [
    true,
    { kind: "list", us: [250_000] },
    250_000,
  ]);
  assertEquals(m.intervalWords, [(25 << 5) | 0x1e], "25 × 10^−2 s");
  const listed = sensorModel(sensor(3, "t", { intervalsUs: [1000] }));
  assertEquals(listed.fixed, false, "a declared list is the driver's to apply");
});

Deno.test("axes take the sensor's type, scale, resolution and range unless they say", () => {
  const m = sensorModel(sensor(0, "imu", {
    type: 7,
    scale: -2,
    axes: 2,
    min: -5,
    axisDescs: [{ name: "pitch", scale: 1 }],
  }));
  assertEquals(m.axisModels.map((a) => [a.name, a.type, a.scale, a.ext, a.min]), [
    ["pitch", 7, 1, true, -5],
    ["imu_Y", 7, -2, true, -5],
  ]);
});

Deno.test("board mistakes are TypeErrors naming the sensor and the field", () => {
  assertThrows(() => sensorModel(sensor(1, "x", { axes: 64 })), TypeError, "axes");
  assertThrows(() => sensorModel(sensor(1, "x", { tripPoints: 256 })), TypeError, "tripPoints");
  assertThrows(() => sensorModel(sensor(1, "x", { scale: 16 })), TypeError, "scale");
  assertThrows(() => sensorModel(sensor(1, "x", { type: 300 })), TypeError, "type");
  assertThrows(() => sensorModel(sensor(1, "x", { intervalsUs: [0] })), TypeError, "interval");
  assertThrows(
    () => sensorModel(sensor(1, "x", { intervalsUs: [1000], intervalUs: 500 })),
    TypeError,
    "intervalUs",
  );
  assertThrows(
    () => sensorModel(sensor(1, "x", { intervalSegment: { min: 500, max: 1200, step: 500 } })),
    TypeError,
    "intervalSegment",
  );
  assertThrows(() => sensorModel(sensor(1, "é")), TypeError, '"é"');
  assertThrows(
    () => sensorModel(sensor(1, "x", { axes: 2, axisDescs: [{ name: "" }] })),
    TypeError,
    "axis 0",
  );
});
