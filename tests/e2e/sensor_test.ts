/**
 * End to end, Sensor management protocol (0x15) over the stream transport: the probe walk of
 * Linux's `sensors.c` (version, attributes, MESSAGE_ATTRIBUTES of the notify commands, every
 * SENSOR_DESCRIPTION_GET page, names, update intervals, axes), checked against the board
 * manifests and the agents' grants; readings (synchronous, per axis, asynchronous with
 * SENSOR_READING_COMPLETE after the reply), configuration, trip point events and continuous
 * updates to subscribed agents only; and `vscmi call sensor` against the running server.
 *
 * Layouts (DEN0056 §4.7; `shared/reference/scmi.md` §2.7): descriptor u32 id, u32
 * attributes_low (31 async, 30 continuous, 29 extended name, 14:10 timestamp exponent, 9
 * timestamps, 8 extended attributes, 7:0 trip points), u32 attributes_high (21:16 axes, 15:11
 * scale, 8 axis support, 7:0 type), name[16], then sensor_power, resolution (26:0, 31:27
 * exponent), s64 min, s64 max; a reading (2.0+) is s64 value, u64 timestamp; interval words
 * 20:5 multiplier, 4:0 exponent.
 * @module
 */
import { sensorKind } from "../../plugins/sensor/kind.ts";
import { assert, assertEquals } from "../../core/_assert_test.ts";
import type { SensorDesc } from "../../plugins/sensor/kind.ts";
import { Status } from "../../core/status.ts";
import type { ScmiClient } from "../../client/stream.ts";
import type { Payload } from "../../client/decode.ts";
import { type E2e, p2a, startE2e } from "./_server.ts";

const SENSOR = 0x15;
const Msg = {
  VERSION: 0x0,
  ATTRIBUTES: 0x1,
  MESSAGE_ATTRIBUTES: 0x2,
  DESCRIPTION_GET: 0x3,
  TRIP_POINT_NOTIFY: 0x4,
  TRIP_POINT_CONFIG: 0x5,
  READING_GET: 0x6,
  AXIS_DESCRIPTION_GET: 0x7,
  LIST_UPDATE_INTERVALS: 0x8,
  CONFIG_GET: 0x9,
  CONFIG_SET: 0xa,
  CONTINUOUS_UPDATE_NOTIFY: 0xb,
  NAME_GET: 0xc,
  AXIS_NAME_GET: 0xd,
} as const;
const BOARD = new URL("./sensor_board.toml", import.meta.url).pathname;

/**
 * On tests/e2e/sensor_board.toml: vm1 sees all three sensors; vm2 (80-byte messages) sees
 * fan then die_temp; the host speaks Sensor 1.0 and sees die_temp.
 *
 *   sensor                        phys  vm1  vm2  host
 *   die_temp                      0     0    1    0
 *   accelerometer_of_the_board    1     1    -    -
 *   fan                           2     2    0    -
 */
const DEPLOYMENT = `board = ${JSON.stringify(BOARD)}

[[agent]]
name = "vm1"
transport = { type = "stream" }
protocols = ["sensor"]
sensors = ["die_temp", "accelerometer_of_the_board", "fan"]

[[agent]]
name = "vm2"
max_msg_size = 80
transport = { type = "stream" }
protocols = ["sensor"]
sensors = ["fan", "die_temp"]

[[agent]]
name = "host"
trusted = true
transport = { type = "stream" }
protocols = { sensor = "1.0" }
sensors = ["die_temp"]
`;

function sensors(e2e: E2e, agent: string): SensorDesc[] {
  const phys = e2e.dep.agents.find((a) => a.name === agent)!.grants.sensor ?? [];
  return phys.map((p) => sensorKind.of(e2e.dep.board).find((s) => s.id === p)!);
}

function s64(p: Payload): number {
  const low = p.u32();
  return p.i32() * 0x1_0000_0000 + low;
}

/** An update interval in µs as the spec's word: multiplier << 5 | (exponent & 0x1f). */
function intervalWord(us: number): number {
  let m = us;
  let e = -6;
  while (m % 10 === 0) {
    m /= 10;
    e++;
  }
  return (m << 5) | (e & 0x1f);
}

/** Whether the sensor carries extended attributes (the board gives any of them). */
function ext(d: SensorDesc): boolean {
  return [d.powerUw, d.resolution, d.resolutionExp, d.min, d.max].some((v) => v !== undefined);
}

/** Reads one descriptor and checks it against the manifest, at protocol 2.0 or later. */
function checkDescriptor(p: Payload, vid: number, d: SensorDesc): void {
  const multi = d.axes > 1;
  let low = (d.tripPoints ?? 0) | (d.async ? 0x8000_0000 : 0) |
    (d.continuousUpdate ? 0x4000_0000 : 0) | (d.name.length > 15 ? 0x2000_0000 : 0);
  if (d.timestamps) low |= 0x200 | (((d.timestampExp ?? -6) & 0x1f) << 10);
  if (ext(d)) low |= 0x100;
  const high = d.type | ((d.scale & 0x1f) << 11) | (multi ? 0x100 | (d.axes << 16) : 0);
  assertEquals([p.u32(), p.u32(), p.u32(), p.name(16)], [
    vid,
    low >>> 0,
    high,
    d.name.slice(0, 15),
  ], d.name);
  if (!ext(d)) return;
  assertEquals(p.u32(), d.powerUw ?? 0);
  if (multi) return;
  assertEquals(p.u32(), ((d.resolution ?? 0) | (((d.resolutionExp ?? 0) & 0x1f) << 27)) >>> 0);
  assertEquals([s64(p), s64(p)], [d.min, d.max]);
}

/** The walk of Linux's `scmi_sensors_protocol_init` at 3.1 for one agent. */
async function walk(e2e: E2e, c: ScmiClient, agent: string, room: number): Promise<void> {
  const list = sensors(e2e, agent);
  assertEquals((await e2e.ok(c, SENSOR, Msg.VERSION)).u32(), 0x30001);
  const a = await e2e.ok(c, SENSOR, Msg.ATTRIBUTES);
  // u16 num_sensors, u8 max_pending_async_requests (16 by default), no shared-memory area.
  assertEquals([a.u32(), a.u32(), a.u32(), a.u32()], [list.length | (16 << 16), 0, 0, 0]);
  for (const m of [Msg.TRIP_POINT_NOTIFY, Msg.CONTINUOUS_UPDATE_NOTIFY]) {
    assertEquals((await e2e.ok(c, SENSOR, Msg.MESSAGE_ATTRIBUTES, [m])).u32(), 0);
  }
  // Every page of SENSOR_DESCRIPTION_GET: as many descriptors as fit `room` bytes.
  let vid = 0;
  while (vid < list.length) {
    const p = await e2e.ok(c, SENSOR, Msg.DESCRIPTION_GET, [vid]);
    const head = p.u32();
    const n = head & 0xfff;
    assert(n > 0, "a page returns at least one descriptor");
    assertEquals(head >>> 16, list.length - vid - n, "remaining");
    for (let i = 0; i < n; i++) checkDescriptor(p, vid + i, list[vid + i]);
    assertEquals(p.remaining, 0);
    assert(p.bytes.length <= room, "the page fits the agent's message size");
    vid += n;
  }
  if (list.length === 0) {
    // An agent without sensors still gets its empty first page, as Linux asks for it.
    assertEquals((await e2e.ok(c, SENSOR, Msg.DESCRIPTION_GET, [0])).u32(), 0);
  } else {
    assertEquals(
      await e2e.status(c, SENSOR, Msg.DESCRIPTION_GET, [list.length]),
      Status.INVALID_PARAMETERS,
    );
  }
  for (let v = 0; v < list.length; v++) {
    const d = list[v];
    const name = await e2e.ok(c, SENSOR, Msg.NAME_GET, [v]);
    assertEquals([name.u32(), name.name(64)], [0, d.name]);
    const iv = await e2e.request(c, SENSOR, Msg.LIST_UPDATE_INTERVALS, [v, 0]);
    if (d.intervalSegment) {
      const { min, max, step } = d.intervalSegment;
      assertEquals(iv.status, Status.SUCCESS);
      assertEquals(
        [iv.payload.u32(), iv.payload.u32(), iv.payload.u32(), iv.payload.u32()],
        [3 | 0x1000, intervalWord(min), intervalWord(max), intervalWord(step)],
      );
    } else if (d.intervalsUs.length) {
      assertEquals(iv.status, Status.SUCCESS);
      assertEquals(iv.payload.u32(), d.intervalsUs.length);
      for (const us of d.intervalsUs) assertEquals(iv.payload.u32(), intervalWord(us));
    } else {
      // A sensor that states no interval lists its one fixed interval, 100 ms.
      assertEquals(iv.status, Status.SUCCESS, `${d.name} states no interval`);
      assertEquals([iv.payload.u32(), iv.payload.u32()], [1, intervalWord(100_000)]);
    }
    if (d.axes > 1) await axes(e2e, c, v, d);
    else {
      assertEquals(
        await e2e.status(c, SENSOR, Msg.AXIS_DESCRIPTION_GET, [v, 0]),
        Status.NOT_SUPPORTED,
      );
    }
  }
}

/** SENSOR_AXIS_DESCRIPTION_GET and SENSOR_AXIS_NAME_GET of a multi-axis sensor. */
async function axes(e2e: E2e, c: ScmiClient, vid: number, d: SensorDesc): Promise<void> {
  const p = await e2e.ok(c, SENSOR, Msg.AXIS_DESCRIPTION_GET, [vid, 0]);
  const head = p.u32();
  assertEquals([head & 0x3f, head >>> 26], [d.axes, 0], "every axis fits one page");
  for (let i = 0; i < d.axes; i++) {
    const a = d.axisDescs?.[i] ?? {};
    const name = a.name ?? `${d.name}_${"XYZ"[i]}`;
    const axExt = [a.resolution, a.resolutionExp, a.min, a.max].some((v) => v !== undefined);
    const low = (axExt ? 0x100 : 0) | (name.length > 15 ? 0x200 : 0);
    assertEquals([p.u32(), p.u32(), p.u32(), p.name(16)], [
      i,
      low,
      (a.type ?? d.type) | (((a.scale ?? d.scale) & 0x1f) << 11),
      name.slice(0, 15),
    ]);
    if (axExt) {
      assertEquals(p.u32(), ((a.resolution ?? 0) | (((a.resolutionExp ?? 0) & 0x1f) << 27)) >>> 0);
      assertEquals([s64(p), s64(p)], [a.min, a.max]);
    }
  }
  // SENSOR_AXIS_NAME_GET pages: {axis_id, name[64]} entries, as many as fit.
  for (let i = 0; i < d.axes;) {
    const n = await e2e.ok(c, SENSOR, Msg.AXIS_NAME_GET, [vid, i]);
    const head = n.u32();
    const got = head & 0x3f;
    assert(got > 0, "a page returns at least one name");
    assertEquals(head >>> 26, d.axes - i - got, "remaining");
    for (const end = i + got; i < end; i++) {
      assertEquals([n.u32(), n.name(64)], [i, d.axisDescs?.[i]?.name ?? `${d.name}_${"XYZ"[i]}`]);
    }
  }
}

Deno.test("e2e sensor: the Linux probe walk on examples/sim matches the manifest and grants", async () => {
  await using e2e = await startE2e();
  // By hand from examples/sim/vscmi.toml: vm1's gpu device has gpu_temp; vm2 has no sensor;
  // the host has cpu_cluster0's two sensors, then thermal's three.
  assertEquals(sensors(e2e, "vm1").map((s) => s.name), ["gpu_temp"]);
  assertEquals(sensors(e2e, "vm2"), []);
  assertEquals(sensors(e2e, "host").map((s) => s.name), [
    "vdd_cpu_volt",
    "vdd_cpu_curr",
    "soc_temp",
    "board_temp",
    "soc_power",
  ]);
  await walk(e2e, await e2e.connect("vm1"), "vm1", 128);
  await walk(e2e, await e2e.connect("vm2"), "vm2", 128);
  await walk(e2e, await e2e.connect("host"), "host", 256);
});

Deno.test("e2e sensor: axes, extended attributes and names, 80-byte pages, and a 1.0 agent", async () => {
  await using e2e = await startE2e({ toml: DEPLOYMENT });
  await walk(e2e, await e2e.connect("vm1"), "vm1", 128);
  // vm2: fan (28 bytes) and die_temp (52) do not fit one 80-byte reply: pages of 1 and 1.
  const vm2 = await e2e.connect("vm2");
  await walk(e2e, vm2, "vm2", 80);
  assertEquals((await e2e.ok(vm2, SENSOR, Msg.DESCRIPTION_GET, [0])).u32(), 1 | (1 << 16));

  // The host at 1.0: 28-byte descriptor, the shortest interval (20 ms = 2 × 10^-2 s) in
  // attributes_high bits 31:27 and 26:22, no 2.0 bits, an 8-byte reading.
  const host = await e2e.connect("host");
  assertEquals((await e2e.ok(host, SENSOR, Msg.VERSION)).u32(), 0x10000);
  const p = await e2e.ok(host, SENSOR, Msg.DESCRIPTION_GET, [0]);
  assertEquals([p.u32(), p.u32(), p.u32(), p.u32(), p.name(16)], [
    1,
    0,
    0x8000_0002,
    ((2 << 27) | (30 << 22) | (29 << 11) | 2) >>> 0,
    "die_temp",
  ]);
  assertEquals(p.remaining, 0);
  const r = await e2e.ok(host, SENSOR, Msg.READING_GET, [0, 0]);
  const v = s64(r);
  assert(v >= 20000 && v <= 100000, `die_temp reads ${v}`);
  assertEquals(r.remaining, 0);
  assertEquals(
    await e2e.status(host, SENSOR, Msg.AXIS_DESCRIPTION_GET, [0, 0]),
    Status.NOT_SUPPORTED,
  );
});

Deno.test("e2e sensor: readings per axis; asynchronous → reply first, then SENSOR_READING_COMPLETE", async () => {
  await using e2e = await startE2e({ toml: DEPLOYMENT });
  const raw = await e2e.raw("vm1");
  // accelerometer (vm1 id 1): three readings of 16 bytes, the board's constants.
  await raw.send(SENSOR, Msg.READING_GET, 1, [1, 0]);
  const acc = p2a(await raw.next());
  assertEquals([acc.type, acc.token, acc.words[0], acc.words.length], [0, 1, 0, 13]);
  const values = [0, 1, 2].map((i) => acc.words[1 + 4 * i] + (acc.words[2 + 4 * i] | 0) * 2 ** 32);
  assertEquals(values, [98, -5, 1]);

  // die_temp (vm1 id 0) asynchronously, token 0x2a: an empty SUCCESS reply, then the delayed
  // response with the same token: status, sensor_id, value, timestamp.
  await raw.send(SENSOR, Msg.READING_GET, 0x2a, [0, 1]);
  assertEquals(p2a(await raw.next()), {
    type: 0,
    protocol: SENSOR,
    id: Msg.READING_GET,
    token: 0x2a,
    words: [0],
  });
  const done = p2a(await raw.next());
  assertEquals([done.type, done.id, done.token, done.words.length], [2, Msg.READING_GET, 0x2a, 6]);
  assertEquals(done.words.slice(0, 2), [0, 0]);
  assert(done.words[2] >= 20000 && done.words[2] <= 100000, `die_temp ${done.words[2]}`);
  assert(done.words[4] > 0 || done.words[5] > 0, "timestamped");

  // fan has no asynchronous reads; reserved flag bits are refused.
  await raw.send(SENSOR, Msg.READING_GET, 3, [2, 1]);
  assertEquals(p2a(await raw.next()).words, [Status.NOT_SUPPORTED >>> 0]);
  await raw.send(SENSOR, Msg.READING_GET, 4, [2, 2]);
  assertEquals(p2a(await raw.next()).words, [Status.INVALID_PARAMETERS >>> 0]);
  assert(await raw.idle(50), "nothing else was sent");
});

Deno.test("e2e sensor: CONFIG_SET rounds to the segment, disables and re-enables the sensor", async () => {
  await using e2e = await startE2e({ toml: DEPLOYMENT });
  const c = await e2e.connect("vm1");
  const cfg = async () => (await e2e.ok(c, SENSOR, Msg.CONFIG_GET, [0])).u32();
  // 20 ms = 2 × 10^-2: multiplier 2 in 31:16, exponent 30 in 15:11; timestamps, enabled.
  assertEquals(await cfg(), (2 << 16) | (30 << 11) | 0x3);
  const word = (mult: number, exp: number, round: number, flags = 0x3) =>
    ((mult << 16) | ((exp & 0x1f) << 11) | (round << 9) | flags) >>> 0;
  await e2e.ok(c, SENSOR, Msg.CONFIG_SET, [0, word(1, -1, 0)]);
  assertEquals(await cfg(), word(1, -1, 0));
  await e2e.ok(c, SENSOR, Msg.CONFIG_SET, [0, word(3, -2, 1)]); // 30 ms, round up → 40 ms
  assertEquals(await cfg(), word(4, -2, 0));
  await e2e.ok(c, SENSOR, Msg.CONFIG_SET, [0, word(3, -2, 0)]); // round down → 20 ms
  assertEquals(await cfg(), word(2, -2, 0));
  assertEquals(
    await e2e.status(c, SENSOR, Msg.CONFIG_SET, [0, word(2, 0, 1)]),
    Status.OUT_OF_RANGE,
    "nothing at or above 2 s",
  );
  assertEquals(
    await e2e.status(c, SENSOR, Msg.CONFIG_SET, [2, 0x3]),
    Status.NOT_SUPPORTED,
    "fan has no timestamps",
  );
  await e2e.ok(c, SENSOR, Msg.CONFIG_SET, [0, 0x0]);
  assertEquals(await e2e.status(c, SENSOR, Msg.READING_GET, [0, 0]), Status.HARDWARE_ERROR);
  await e2e.ok(c, SENSOR, Msg.CONFIG_SET, [0, 0x3]);
  assertEquals(await e2e.status(c, SENSOR, Msg.READING_GET, [0, 0]), Status.SUCCESS);
});

Deno.test("e2e sensor: SENSOR_UPDATE and trip point events reach the subscribed agent only", async () => {
  await using e2e = await startE2e({ toml: DEPLOYMENT });
  const vm1 = await e2e.connect("vm1");
  const vm2 = await e2e.connect("vm2");

  // Continuous updates of die_temp: vm1 (its id 0) subscribes, vm2 (its id 1) does not.
  await e2e.ok(vm1, SENSOR, Msg.CONTINUOUS_UPDATE_NOTIFY, [0, 1]);
  const u = await vm1.waitFor(() => true);
  assert(u !== null, "vm1 hears SENSOR_UPDATE");
  const up = p2a(u);
  assertEquals([up.type, up.protocol, up.id, up.words.length], [3, SENSOR, 0x1, 6]);
  assertEquals(up.words.slice(0, 2), [0, 0], "agent 0 (the platform), vm1's sensor id 0");
  await e2e.ok(vm1, SENSOR, Msg.CONTINUOUS_UPDATE_NOTIFY, [0, 0]);
  assertEquals(vm2.notifications.length, 0);

  // vm2 arms trip point 1 5 °C above the value, rising 10 m°C per ms: crossed in about
  // 500 ms, after the first sample (20 ms) has found it below; the margin is for a busy
  // machine, the server running on the system clock. vm1 arms the same without
  // notifications. Only vm2 hears the crossing, in its ids, ascending (bit 16).
  const now = s64(await e2e.ok(vm2, SENSOR, Msg.READING_GET, [1, 0]));
  const at = now + 5000;
  await e2e.ok(vm2, SENSOR, Msg.TRIP_POINT_CONFIG, [1, (1 << 4) | 1, at, 0]);
  await e2e.ok(vm2, SENSOR, Msg.TRIP_POINT_NOTIFY, [1, 1]);
  await e2e.ok(vm1, SENSOR, Msg.TRIP_POINT_CONFIG, [0, (1 << 4) | 1, at, 0]);
  const t = await vm2.waitFor(() => true);
  assert(t !== null, "vm2 hears the trip point");
  assertEquals(p2a(t), { type: 3, protocol: SENSOR, id: 0x0, token: 0, words: [0, 1, 0x1_0001] });
  const rest = await vm1.collect(100);
  assert(!rest.some((m) => p2a(m).id === 0x0), "vm1 did not ask for trip events");

  // Errors: a trip point the sensor lacks, notifications of a sensor without any.
  assertEquals(
    await e2e.status(vm2, SENSOR, Msg.TRIP_POINT_CONFIG, [1, (2 << 4) | 1, 0, 0]),
    Status.INVALID_PARAMETERS,
  );
  assertEquals(
    await e2e.status(vm2, SENSOR, Msg.TRIP_POINT_NOTIFY, [0, 1]),
    Status.NOT_SUPPORTED,
    "fan has no trip points",
  );
  assertEquals(
    await e2e.status(vm2, SENSOR, Msg.CONTINUOUS_UPDATE_NOTIFY, [0, 1]),
    Status.NOT_SUPPORTED,
    "fan has no continuous updates",
  );
});

Deno.test("e2e sensor: vscmi call sensor list / read / config / intervals / axes / trip / watch", async () => {
  await using e2e = await startE2e({ toml: DEPLOYMENT });
  const list = await e2e.cli("vm1", "--json", "sensor", "list");
  const json = JSON.parse(list.lines[0]) as { sensors: { name: string; axes: unknown[] }[] };
  assertEquals(json.sensors.map((s) => [s.name, s.axes.length]), [
    ["die_temp", 0],
    ["accelerometer_of_the_board", 3],
    ["fan", 0],
  ]);
  assertEquals((await e2e.cli("vm1", "sensor", "read", "accelerometer_of_the_board")).lines, [
    "accelerometer_of_the_board:",
    "  x: 0.98×g",
    "  y: -0.05×g",
    "  z_axis_with_a_long_name: 0.01×g",
  ]);
  const async = await e2e.cli("vm1", "sensor", "read", "die_temp", "--async");
  assert(/^die_temp: \d+(\.\d+)?°C at \d+(\.\d+)?s$/.test(async.lines[0]), async.lines[0]);
  assertEquals((await e2e.cli("vm1", "sensor", "intervals", "0")).lines, [
    "20ms to 1s in steps of 20ms",
  ]);
  assertEquals(
    (await e2e.cli("vm1", "sensor", "config", "die_temp", "--interval", "100ms")).lines,
    [
      "ok",
    ],
  );
  const cfg = await e2e.cli("vm1", "--json", "sensor", "config", "die_temp");
  assertEquals(JSON.parse(cfg.lines[0]).intervalUs, 100_000, "the interval is the sensor's");
  assertEquals(
    (await e2e.cli("vm1", "sensor", "axes", "1")).lines.slice(1).map((l) => l.split(/\s+/)[1]),
    [
      "x",
      "y",
      "z_axis_with_a_long_name",
    ],
  );
  const trip = await e2e.cli(
    "vm1",
    "sensor",
    "trip",
    "die_temp",
    "0",
    "high",
    "1",
    "--duration",
    "300",
  );
  // 1 °C is below the ramp's start: armed, never crossed upwards.
  assertEquals(trip.lines, ["trip point 0 armed at 1°C (high)", "(0 notifications; time up)"]);
  const watch = await e2e.cli("vm1", "sensor", "watch", "die_temp", "--count", "2");
  assertEquals(watch.lines.length, 3);
  assert(watch.lines.slice(0, 2).every((l) => /^update \d+(\.\d+)?°C at /.test(l)), watch.lines[0]);
});
