import { assert, assertEquals } from "../../core/_assert_test.ts";
import { DriverError } from "../../core/driver.ts";
import type { SensorHw } from "./hw.ts";
import { Msg } from "../../core/msg.ts";
import { Status } from "../../core/status.ts";
import { cmd, delayed, drainWords, sensor, sensorTest, settle, words } from "./_fixture.ts";
import { SensorMsg } from "./msg.ts";
import { settled, turn, until } from "../../core/_wait_test.ts";

const READ = SensorMsg.SENSOR_READING_GET;
const u = (s: number) => s >>> 0;

/** A board with one async-capable sensor whose reads take `latencyUs` on the sim. */
function slowBoard(latencyUs: number, maxPending?: number) {
  return sensorTest({
    sensors: [
      sensor(0, "slow", {
        async: true,
        latencyUs,
        timestamps: true,
        timestampExp: -9,
        sim: { kind: "constant", value: 42 },
      }),
      sensor(1, "quick", { sim: { kind: "constant", value: 9 } }),
    ],
    agents: [{ name: "a", grants: { sensor: [0, 1] } }],
    timeScale: 1,
    plugin: maxPending ? { maxPending } : undefined,
  });
}

Deno.test("async read: reply first, SENSOR_READING_COMPLETE later, same token", async () => {
  const { fx } = await slowBoard(0);
  const reply = await fx.words("a", [cmd(READ, 0x2a5), 0, 1]);
  assertEquals(reply, [cmd(READ, 0x2a5), Status.SUCCESS]);
  assertEquals(drainWords(fx, "a"), [], "the delayed response must not precede the reply");
  await until(() => fx.session("a").p2a!.length > 0, "SENSOR_READING_COMPLETE");
  // status, sensor id, value 42, timestamp in ns (manual clock at 0 → 0).
  assertEquals(drainWords(fx, "a"), [[delayed(READ, 0x2a5), 0, 0, 42, 0, 0, 0]]);
});

Deno.test("read with latency: sync waits for the driver, async completes after", async () => {
  const { fx, clock } = await slowBoard(3000);
  const sync = fx.words("a", [cmd(READ, 1), 0, 0]);
  clock.advance(2.9);
  assert(!await settled(sync), "the sync read takes the sensor's 3 ms");
  clock.advance(0.1);
  assertEquals(await sync, [cmd(READ, 1), Status.SUCCESS, 42, 0, 3_000_000, 0]);
  assertEquals(await fx.words("a", [cmd(READ, 2), 0, 1]), [cmd(READ, 2), Status.SUCCESS]);
  clock.advance(2.9);
  await settle(0);
  assertEquals(drainWords(fx, "a"), []);
  clock.advance(0.1);
  await until(() => fx.session("a").p2a!.length > 0, "SENSOR_READING_COMPLETE");
  assertEquals(drainWords(fx, "a"), [[delayed(READ, 2), 0, 0, 42, 0, 6_000_000, 0]]);
});

Deno.test("async reads past the session's limit → BUSY until one completes", async () => {
  const { fx, clock } = await slowBoard(3000, 1);
  const queued = () => fx.session("a").p2a!.length;
  assertEquals((await fx.words("a", [cmd(READ, 1), 0, 1]))[1], Status.SUCCESS);
  assertEquals((await fx.words("a", [cmd(READ, 2), 0, 1]))[1], u(Status.BUSY));
  // PROTOCOL_ATTRIBUTES reports the limit.
  assertEquals((await fx.words("a", [cmd(1)]))[2], (1 << 16) | 2);
  clock.advance(3);
  await until(() => queued() > 0, "the first SENSOR_READING_COMPLETE");
  assertEquals(drainWords(fx, "a").length, 1);
  assertEquals((await fx.words("a", [cmd(READ, 3), 0, 1]))[1], Status.SUCCESS);
  clock.advance(3);
  await until(() => queued() > 0, "the second SENSOR_READING_COMPLETE");
  assertEquals(drainWords(fx, "a").length, 1);
});

/** A sensor class whose samples are scripted per call. */
function scripted(script: (id: number, out: number[], call: number) => number | Promise<number>) {
  let calls = 0;
  const hw: SensorHw = { sample: (id, out) => script(id, out, calls++) };
  return hw;
}

Deno.test("async read whose sample fails → delayed HARDWARE_ERROR, no payload", async () => {
  const hw = scripted(() => Promise.reject(new DriverError("hardware", "bus stuck")));
  const { fx } = await sensorTest({
    sensors: [sensor(0, "flaky", { async: true })],
    agents: [{ name: "a", grants: { sensor: [0] } }],
    hw,
  });
  assertEquals(await fx.words("a", [cmd(READ, 7), 0, 1]), [cmd(READ, 7), Status.SUCCESS]);
  await until(() => fx.session("a").p2a!.length > 0, "SENSOR_READING_COMPLETE");
  assertEquals(drainWords(fx, "a"), [[delayed(READ, 7), u(Status.HARDWARE_ERROR)]]);
});

Deno.test("sync read whose sample throws → the driver's status, 8-byte reply", async () => {
  const hw = scripted(() => {
    throw new DriverError("busy");
  });
  const { fx } = await sensorTest({
    sensors: [sensor(0, "flaky")],
    agents: [{ name: "a", grants: { sensor: [0] } }],
    hw,
  });
  assertEquals(await fx.words("a", [cmd(READ), 0, 0]), [cmd(READ), u(Status.BUSY)]);
});

Deno.test("async read of a session that closes before completion queues nothing", async () => {
  const { fx, clock } = await slowBoard(3000);
  assertEquals((await fx.words("a", [cmd(READ, 1), 0, 1]))[1], Status.SUCCESS);
  const old = fx.session("a");
  const state = old.ctxs[0x15]!.state as { pending: number };
  fx.reconnect("a");
  clock.advance(3);
  await until(() => state.pending === 0, "the read to complete");
  assertEquals(old.p2a!.length, 0);
  assertEquals(drainWords(fx, "a"), []);
});

Deno.test("concurrent sync reads through an async driver keep their own samples", async () => {
  // Values land in `out` at once, the sample settles a tick later: a buffer shared by the
  // two reads would show the second read's values in the first reply.
  const hw = scripted((_id, out, call) => {
    out[0] = 100 + call;
    out[1] = 200 + call;
    return turn().then(() => 0);
  });
  const { fx } = await sensorTest({
    sensors: [sensor(0, "pair", { axes: 2 })],
    agents: [{ name: "a", grants: { sensor: [0] } }],
    hw,
  });
  const [first, second] = await Promise.all([
    fx.words("a", [cmd(READ, 1), 0, 0]),
    fx.words("a", [cmd(READ, 2), 0, 0]),
  ]);
  assertEquals(first, [cmd(READ, 1), 0, 100, 0, 0, 0, 200, 0, 0, 0]);
  assertEquals(second, [cmd(READ, 2), 0, 101, 0, 0, 0, 201, 0, 0, 0]);
});

Deno.test("a sync read through the sim allocates nothing per message", async () => {
  const { fx } = await sensorTest({
    sensors: [sensor(0, "t", { axes: 3, timestamps: true })],
    agents: [{ name: "a", grants: { sensor: [0] } }],
  });
  const session = fx.session("a");
  const req = new Uint8Array(12);
  const dv = new DataView(req.buffer);
  dv.setUint32(0, cmd(READ), true);
  const out = new Uint8Array(256);
  const m = new Msg();
  const run = () => {
    m.r.reset(req, 0, 12);
    m.w.reset(out, 0, 256);
    return fx.platform.dispatch(session, m);
  };
  assertEquals(run(), 8 + 3 * 16);
  const scratch = (fx.platform.protocols[0x15]!.shared as { scratch: number[] }).scratch;
  for (let i = 0; i < 1000; i++) run();
  assertEquals(
    (fx.platform.protocols[0x15]!.shared as { scratch: number[] }).scratch,
    scratch,
    "the sample buffer is reused",
  );
  assertEquals(words(out.subarray(0, 8)), [cmd(READ), 0]);
});
