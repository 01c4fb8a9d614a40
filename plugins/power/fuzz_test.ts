import { powerKind } from "./kind.ts";
import fc from "fast-check";
import { assert, assertEquals } from "../../core/_assert_test.ts";
import { encodeHeader, MsgType } from "../../core/header.ts";
import { PowerState } from "./hw.ts";
import type { Ctx } from "../../core/session.ts";
import { Status } from "../../core/status.ts";
import { fixture } from "../../tests/harness.ts";
import { powerBoard } from "../../tests/vectors/power/fixture.ts";
import type { PowerSession, PowerShared } from "./mod.ts";
import { turn } from "../../core/_wait_test.ts";

const KNOWN = new Set<number>(Object.values(Status));
const AGENTS = ["vm1", "vm2", "old"];

const word = fc.oneof(
  fc.integer({ min: 0, max: 5 }),
  fc.constantFrom(PowerState.ON, PowerState.OFF, 0x1, 0x40000001, 0x80000000, 0xffffffff),
  fc.integer({ min: 0, max: 0xffffffff }),
);

const message = fc.record({
  agent: fc.constantFrom(...AGENTS),
  id: fc.integer({ min: 0, max: 0x11 }),
  token: fc.integer({ min: 0, max: 0x3ff }),
  params: fc.array(word, { maxLength: 4 }),
});

Deno.test("power: any message sequence gets well-formed replies and keeps hardware = aggregate", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 40 }), async (msgs) => {
      const fx = await fixture({
        board: powerBoard(),
        agents: [
          { name: "vm1", protocols: { 0x11: undefined }, grants: { power: [1, 2, 3, 0] } },
          { name: "vm2", protocols: { 0x11: undefined }, grants: { power: [2, 1, 3] } },
          { name: "old", protocols: { 0x11: 0x10000 }, grants: { power: [3, 1] } },
        ],
      });
      for (const m of msgs) {
        const header = encodeHeader(m.id, MsgType.COMMAND, 0x11, m.token);
        const reply = await fx.words(m.agent, [header, ...m.params]);
        assert(reply.length >= 2, "a reply has a header and a status");
        assertEquals(reply[0], header);
        const status = reply[1] | 0;
        assert(KNOWN.has(status), `unknown status ${status}`);
        if (status !== Status.SUCCESS) assertEquals(reply.length, 2);
      }
      await turn();
      assertEquals(fx.logs.filter((l) => l.startsWith("error")), []);
      const ctx = fx.session("vm1").ctxs[0x11] as Ctx<PowerSession, PowerShared>;
      const arb = ctx.shared.arbiter;
      for (const d of powerKind.of(powerBoard())) {
        assertEquals(arb.state(d.id), arb.desired(d.id), `domain ${d.name}`);
      }
      // Every agent's session ends explicitly (a server stop would keep the votes for a
      // restart): all votes go, and each domain returns to its power-on state.
      for (const a of fx.platform.agents) fx.platform.endAgent(a);
      await turn();
      for (const d of powerKind.of(powerBoard())) {
        const expect = d.on ? PowerState.ON : PowerState.OFF;
        assertEquals(arb.state(d.id), expect, `${d.name} back to its power-on state`);
      }
    }),
    { numRuns: 150 },
  );
});
