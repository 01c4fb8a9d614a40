/**
 * Property test of the sensor plugin: whatever a sensor-protocol message carries, the reply
 * is well formed — at least header and status, a known status, exactly 8 bytes on error,
 * never above the agent's message size — and the server keeps answering.
 * @module
 */
import fc from "fast-check";
import { assert, assertEquals } from "../../core/_assert_test.ts";
import { Status } from "../../core/status.ts";
import { cmd, sensor, sensorTest, settle, words } from "./_fixture.ts";

const STATUSES = new Set<number>(Object.values(Status));

Deno.test("any sensor-protocol message gets a well-formed reply with a known status", async () => {
  const { fx, clock } = await sensorTest({
    sensors: [
      sensor(0, "a_sensor_with_a_long_name", {
        tripPoints: 3,
        continuousUpdate: true,
        async: true,
        intervalsUs: [1000, 5000],
        timestamps: true,
        powerUw: 1,
        sim: { kind: "ramp", from: -50, to: 50, periodMs: 40, bounce: true },
      }),
      sensor(1, "imu", { axes: 5, intervalSegment: { min: 100, max: 900, step: 200 } }),
      sensor(2, "steps", { tripPoints: 1, sim: { kind: "steps", values: [1, 9], periodMs: 5 } }),
    ],
    agents: [
      { name: "big", grants: { sensor: [0, 1, 2] } },
      { name: "small", grants: { sensor: [2, 0] }, maxMsgSize: 40 },
      { name: "old", grants: { sensor: [1, 0] }, protocols: { 0x15: 0x10000 } },
      { name: "mute", grants: { sensor: [0, 1] }, p2a: false, rights: { sensor: [1, 1] } },
    ],
    plugin: { maxPending: 2 },
  });
  const agents = ["big", "small", "old", "mute"];
  const sizes: Record<string, number> = { big: 128, small: 40, old: 128, mute: 128 };
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...agents),
      fc.integer({ min: 0, max: 0x11 }),
      fc.integer({ min: 0, max: 0x3ff }),
      fc.array(
        fc.oneof(
          fc.integer({ min: 0, max: 4 }),
          fc.constantFrom(0xffffffff, 0x80000000, 0x13, 0x23, 0x1f001, 0x0001ea03),
          fc.nat(),
        ),
        { maxLength: 5 },
      ),
      fc.integer({ min: 0, max: 200 }),
      async (agent, msg, token, params, advance) => {
        const reply = await fx.words(agent, [cmd(msg, token), ...params]);
        assertEquals(reply[0], cmd(msg, token), "the header is echoed");
        const status = reply[1] | 0;
        assert(STATUSES.has(status), `unknown status ${status}`);
        if (status !== Status.SUCCESS) assertEquals(reply.length, 2);
        assert(reply.length * 4 <= 8 + sizes[agent], "within the agent's message size");
        clock.advance(advance);
        for (const a of agents) {
          for (const m of fx.drain(a)) assert(words(m).length >= 2, "a p2a message has a body");
        }
      },
    ),
    { numRuns: 2000 },
  );
  await settle(5);
  for (const a of agents) fx.drain(a);
  for (const a of agents) fx.platform.closeSession(fx.session(a));
  assertEquals(clock.pending, 0, "closing every session stops the monitor");
});
