/**
 * Property test of the clock protocol: whatever an agent sends, the reply echoes the header,
 * carries a status SCMI defines, stays within the agent's message size, is exactly 8 bytes
 * on error, and no handler fails on a bug (no error logged).
 */
import fc from "fast-check";
import { assertEquals } from "../../core/_assert_test.ts";
import { callWellFormed } from "../../tests/well_formed.ts";
import { AGENTS, clockFixture } from "../../tests/vectors/clock/fixture.ts";
import { turn } from "../../core/_wait_test.ts";
import { CLOCK } from "./_call_test.ts";

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
    fc.asyncProperty(message, async ({ agent, ...m }) => {
      await callWellFormed(fx, agent, CLOCK, m, 128);
    }),
    { numRuns: 3000 },
  );
  // The sim runs at time scale 0: what the fuzz left pending completes within a turn.
  await turn();
  for (const a of AGENTS) fx.drain(a.name);
  assertEquals(fx.logs.filter((l) => l.startsWith("error")), []);
});
