import { assert, assertEquals } from "../../core/_assert_test.ts";
import type { SensorDesc } from "./kind.ts";
import { Status } from "../../core/status.ts";
import type { Fixture } from "../../tests/harness.ts";
import { cmd, sensor, sensorTest, words } from "./_fixture.ts";
import { SensorMsg } from "./msg.ts";

/** Message sizes to page at: shmem's 104, virtio's 128, and odd ones around a descriptor. */
const SIZES = [32, 36, 40, 44, 48, 56, 60, 64, 80, 100, 104, 128, 256, 1024, 4096];

/** 20 sensors: plain scalar (28 bytes), scalar with extended attributes (52), multi-axis (32). */
function mixed(): SensorDesc[] {
  const out: SensorDesc[] = [];
  for (let i = 0; i < 20; i++) {
    const more: Partial<SensorDesc> = i % 3 === 1
      ? { powerUw: i, resolution: 3, resolutionExp: -2, min: -i, max: 1000 + i }
      : i % 3 === 2
      ? { axes: 3, powerUw: 7 }
      : {};
    out.push(sensor(i, `sensor_${i}`, more));
  }
  return out;
}

interface Parsed {
  id: number;
  name: string;
  low: number;
  high: number;
  ext?: number[];
}

function cString(b: Uint8Array): string {
  const end = b.indexOf(0);
  return new TextDecoder().decode(b.subarray(0, end < 0 ? b.length : end));
}

/**
 * Reads every descriptor the way Linux's sensor driver does: le16 returned, le16 remaining,
 * 28-byte descriptors plus 4 (extended attributes) plus 24 (and no axes); it refuses more
 * returned than it asked for, and stops when either count is 0.
 */
async function linuxDescribe(fx: Fixture, agent: string, total: number): Promise<Parsed[]> {
  const out: Parsed[] = [];
  let index = 0;
  for (let round = 0; round < 1000; round++) {
    const reply = await fx.call(
      agent,
      new Uint8Array(
        new Uint32Array([cmd(SensorMsg.SENSOR_DESCRIPTION_GET), index]).buffer,
      ),
    );
    const dv = new DataView(reply.buffer, reply.byteOffset, reply.byteLength);
    assertEquals(dv.getInt32(4, true), Status.SUCCESS, `page at ${index}`);
    const returned = dv.getUint16(8, true);
    const remaining = dv.getUint16(10, true);
    assert(returned <= total - index, `No. of resources can't exceed ${total}`);
    let at = 12;
    for (let i = 0; i < returned; i++) {
      const low = dv.getUint32(at + 4, true);
      const high = dv.getUint32(at + 8, true);
      const p: Parsed = {
        id: dv.getUint32(at, true),
        low,
        high,
        name: cString(reply.subarray(at + 12, at + 28)),
      };
      let size = 28;
      if (low & 0x100) {
        const axes = high & 0x100 ? (high >>> 16) & 0x3f : 0;
        size += axes ? 4 : 24;
        p.ext = words(reply.subarray(at + 28, at + size));
      }
      out.push(p);
      at += size;
    }
    assertEquals(at, reply.length, `page at ${index} has no stray bytes`);
    index += returned;
    if (!returned || !remaining) break;
  }
  return out;
}

for (const version of [0x10000, 0x20000, 0x30001]) {
  Deno.test(`DESCRIPTION_GET at ${version.toString(16)}: every page size reassembles`, async () => {
    const sensors = mixed();
    const agents = SIZES.map((n) => ({
      name: `m${n}`,
      maxMsgSize: n,
      protocols: { 0x15: version },
      grants: { sensor: sensors.map((s) => s.id) },
    }));
    const { fx } = await sensorTest({ sensors, agents });
    const reference = await linuxDescribe(fx, "m4096", sensors.length);
    assertEquals(reference.map((p) => p.id), sensors.map((s) => s.id));
    assertEquals(reference.map((p) => p.name), sensors.map((s) => s.name));
    for (const n of SIZES) {
      // Descriptors of 52 bytes need 56 bytes of payload; 32-byte ones need 36.
      const biggest = version < 0x20000 ? 28 : 52;
      if (4 + biggest > n) continue;
      assertEquals(await linuxDescribe(fx, `m${n}`, sensors.length), reference, `size ${n}`);
    }
  });
}

Deno.test("DESCRIPTION_GET with room for no descriptor → COMMS_ERROR, logged once", async () => {
  const sensors = mixed();
  const { fx } = await sensorTest({
    sensors,
    agents: [{ name: "tiny", maxMsgSize: 40, grants: { sensor: [1] } }],
  });
  const reply = await fx.words("tiny", [cmd(SensorMsg.SENSOR_DESCRIPTION_GET), 0]);
  assertEquals(reply, [cmd(SensorMsg.SENSOR_DESCRIPTION_GET), Status.COMMS_ERROR >>> 0]);
  await fx.words("tiny", [cmd(SensorMsg.SENSOR_DESCRIPTION_GET), 0]);
  assertEquals(fx.logs.filter((l) => l.includes("too large")).length, 1);
});

/** Pages a 6-bit-count list (axes, axis names) like Linux and returns the entries' ids. */
async function linuxAxes(
  fx: Fixture,
  agent: string,
  msg: number,
  total: number,
  entrySize: (reply: Uint8Array, at: number) => number,
): Promise<number[]> {
  const ids: number[] = [];
  let index = 0;
  for (let round = 0; round < 200; round++) {
    const reply = await fx.call(
      agent,
      new Uint8Array(new Uint32Array([cmd(msg), 0, index]).buffer),
    );
    const w = words(reply);
    assertEquals(w[1], Status.SUCCESS);
    const returned = w[2] & 0x3f;
    const remaining = w[2] >>> 26;
    assert(returned <= total - index, "too many axes returned");
    let at = 12;
    for (let i = 0; i < returned; i++) {
      ids.push(new DataView(reply.buffer, reply.byteOffset).getUint32(at, true));
      at += entrySize(reply, at);
    }
    assertEquals(at, reply.length);
    index += returned;
    if (!returned || !remaining) break;
  }
  return ids;
}

Deno.test("AXIS_DESCRIPTION_GET and AXIS_NAME_GET page 63 axes at every message size", async () => {
  const axisDescs = Array.from(
    { length: 63 },
    (_, i) => i % 2 ? { name: `axis_with_a_long_name_${i}`, resolution: i } : {},
  );
  const sensors = [sensor(0, "imu", { axes: 63, axisDescs })];
  const agents = SIZES.map((n) => ({ name: `m${n}`, maxMsgSize: n, grants: { sensor: [0] } }));
  const { fx } = await sensorTest({ sensors, agents });
  const all = Array.from({ length: 63 }, (_, i) => i);
  const axisSize = (r: Uint8Array, at: number) =>
    new DataView(r.buffer, r.byteOffset).getUint32(at + 4, true) & 0x100 ? 48 : 28;
  for (const n of SIZES) {
    if (n >= 4 + 48) {
      assertEquals(
        await linuxAxes(fx, `m${n}`, SensorMsg.SENSOR_AXIS_DESCRIPTION_GET, 63, axisSize),
        all,
        `axes at ${n}`,
      );
    }
    if (n >= 4 + 68) {
      assertEquals(
        await linuxAxes(fx, `m${n}`, SensorMsg.SENSOR_AXIS_NAME_GET, 63, () => 68),
        all,
        `axis names at ${n}`,
      );
    }
  }
});

Deno.test("LIST_UPDATE_INTERVALS pages a long list at every message size", async () => {
  const intervalsUs = Array.from({ length: 100 }, (_, i) => (i + 1) * 1000);
  const sensors = [sensor(0, "slow", { intervalsUs })];
  const agents = SIZES.map((n) => ({ name: `m${n}`, maxMsgSize: n, grants: { sensor: [0] } }));
  const { fx } = await sensorTest({ sensors, agents });
  for (const n of SIZES) {
    const got: number[] = [];
    let index = 0;
    for (;;) {
      const w = await fx.words(`m${n}`, [cmd(SensorMsg.SENSOR_LIST_UPDATE_INTERVALS), 0, index]);
      assertEquals(w[1], Status.SUCCESS);
      const returned = w[2] & 0xfff;
      assertEquals(w[2] & 0x1000, 0, "list format");
      assertEquals(w.length, 3 + returned);
      for (const word of w.slice(3)) {
        const secs = (word >>> 5) & 0xffff;
        const exp = ((word & 0x1f) ^ 0x10) - 0x10;
        got.push(Math.round(secs * 10 ** (exp + 6)));
      }
      index += returned;
      if (!returned || !(w[2] >>> 16)) break;
    }
    assertEquals(got, intervalsUs, `size ${n}`);
  }
});
