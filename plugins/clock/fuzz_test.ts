/**
 * Property test of the clock protocol: whatever an agent sends, the reply echoes the header,
 * carries a status SCMI defines, stays within the agent's message size, is exactly 8 bytes
 * on error, and no handler fails on a bug (no error logged).
 */
import fc from "fast-check";
import { assert, assertEquals } from "../../core/_assert_test.ts";
import { encodeHeader, MsgType } from "../../core/header.ts";
import { Status } from "../../core/status.ts";
import { AGENTS, clockFixture } from "../../tests/vectors/clock/fixture.ts";
import { CLOCK, sleep } from "./_call_test.ts";

const STATUSES = new Set<number>(Object.values(Status));

/** Mostly small words (ids, flags, indices), sometimes anything. */
const word = fc.oneof(
  fc.integer({ min: 0, max: 8 }),
  fc.constantFrom(0x80, 0x00800003, 0x00010001, 0x10, 0xffffffff, 24_000_000, 48_000_000),
  fc.integer({ min: 0, max: 0xffffffff }),
);

const message = fc.record({
  agent: fc.constantFrom(...AGENTS.map((a) => a.name)),
  id: fc.integer({ min: 0, max: 0x12 }),
  token: fc.integer({ min: 0, max: 0x3ff }),
  params: fc.array(word, { maxLength: 5 }),
  cut: fc.integer({ min: 0, max: 3 }),
});

Deno.test("any clock message → a well-formed reply with a known status, never a bug", async () => {
  const fx = await clockFixture(AGENTS);
  await fc.assert(
    fc.asyncProperty(message, async ({ agent, id, token, params, cut }) => {
      const h = encodeHeader(id, MsgType.COMMAND, CLOCK, token);
      const req = new Uint8Array(4 + params.length * 4);
      const dv = new DataView(req.buffer);
      dv.setUint32(0, h, true);
      params.forEach((p, i) => dv.setUint32(4 + i * 4, p >>> 0, true));
      const sent = params.length > 0 ? req.subarray(0, req.length - cut) : req;
      const reply = await fx.call(agent, sent);
      const rdv = new DataView(reply.buffer, reply.byteOffset, reply.byteLength);
      assert(reply.length >= 8 && reply.length % 4 === 0, `reply of ${reply.length} bytes`);
      assertEquals(rdv.getUint32(0, true), h);
      const status = rdv.getInt32(4, true);
      assert(STATUSES.has(status), `unknown status ${status}`);
      if (status !== Status.SUCCESS) assertEquals(reply.length, 8);
      assert(reply.length <= 8 + 128);
    }),
    { numRuns: 3000 },
  );
  await sleep(10);
  for (const a of AGENTS) fx.drain(a.name);
  assertEquals(fx.logs.filter((l) => l.startsWith("error")), []);
});
