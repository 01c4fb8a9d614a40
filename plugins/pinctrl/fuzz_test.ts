/**
 * Property test of the Pin control protocol: whatever an agent sends, the reply echoes the
 * header, carries a status SCMI defines, stays within the agent's message size, is exactly
 * 8 bytes on error, no handler fails on a bug (no error logged), and no agent ends up owning
 * a pin another agent owns.
 */
import fc from "fast-check";
import { assertEquals } from "../../core/_assert_test.ts";
import { callWellFormed } from "../../tests/well_formed.ts";
import { fixture } from "../../tests/vectors/pinctrl/fixture.ts";
import type { PinctrlShared } from "./_state.ts";
import { PINCTRL_PROTOCOL } from "./msg.ts";

const AGENTS = ["hyp", "vm1", "vm2", "small"] as const;
const SIZES: Record<string, number> = { hyp: 128, vm1: 128, vm2: 128, small: 16 };

/** Mostly small words (ids, selectors, indices, attribute words), sometimes anything. */
const word = fc.oneof(
  fc.integer({ min: 0, max: 20 }),
  fc.constantFrom(0x401, 0x405, 0x409, 0x40000, 0x80000, 0x10004, 0x41000, 0xc0, 0xffffffff),
  fc.integer({ min: 0, max: 0xffffffff }),
);

const message = fc.record({
  agent: fc.constantFrom(...AGENTS),
  id: fc.integer({ min: 0, max: 0x11 }),
  token: fc.integer({ min: 0, max: 0x3ff }),
  params: fc.array(word, { maxLength: 9 }),
  cut: fc.integer({ min: 0, max: 3 }),
});

Deno.test("any pin control message → a well-formed reply, known status, no bug", async () => {
  const fx = await fixture();
  const rt = fx.platform.protocols[PINCTRL_PROTOCOL]!;
  const shared = rt.shared as PinctrlShared;
  /** Every pin's owner is the one agent whose claims cover it, counted exactly. */
  const checkClaims = () => {
    const holders = new Map<number, number[]>();
    for (const agent of fx.platform.agents) {
      const covered = [
        ...shared.pinClaims.heldBy(agent.id),
        ...shared.groupClaims.heldBy(agent.id).flatMap((g) => shared.groups[g]!.pins),
      ];
      for (const p of covered) holders.set(p, [...holders.get(p) ?? [], agent.id]);
    }
    for (let p = 0; p < shared.owner.length; p++) {
      const h = holders.get(p) ?? [];
      assertEquals(shared.holds[p], h.length, `pin ${p} holds`);
      assertEquals(new Set(h).size <= 1, true, `pin ${p} held by two agents`);
      assertEquals(shared.owner[p], h[0] ?? 0, `pin ${p} owner`);
    }
  };
  await fc.assert(
    fc.asyncProperty(message, async ({ agent, ...m }) => {
      await callWellFormed(fx, agent, PINCTRL_PROTOCOL, m, SIZES[agent]);
      checkClaims();
    }),
    { numRuns: 4000 },
  );
  const errors = fx.logs.filter((l) => l.startsWith("error") && !l.includes("reply too large"));
  assertEquals(errors, []);
});
