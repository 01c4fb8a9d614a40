/**
 * Notifications never tell one guest about another (`core/notify_rules.ts`): on the shared
 * device `io` of `_scenario.ts` (bus: vm1 clock 5, vm2 clock 0; rst: reset 0 of both; pd_io:
 * power domain 0 of both), the guest that did not act reads agent_id 0 (the platform), and
 * a request (the rate or state asked for: a vote) reaches only the requester's own sessions.
 *
 * Layouts (DEN0056): CLOCK_RATE_CHANGED / CLOCK_RATE_CHANGE_REQUESTED p2a agent_id,
 * clock_id, rate_lo, rate_hi; RESET_ISSUED p2a agent_id, domain_id, reset_state;
 * POWER_STATE_CHANGED / POWER_STATE_CHANGE_REQUESTED p2a agent_id, domain_id, power_state.
 * @module
 */
import { assertEquals } from "../../core/_assert_test.ts";
import { Status } from "../../core/status.ts";
import { MHZ, P, Scenario, u64 } from "./_scenario.ts";

const VM1 = 1;
const VM2 = 2;
const Clock = { RATE_SET: 0x5, RATE_NOTIFY: 0x9, RATE_CHANGE_REQUESTED_NOTIFY: 0xa } as const;
const ClockEvent = { CHANGED: 0x0, REQUESTED: 0x1 } as const;
const Reset = { RESET: 0x4, NOTIFY: 0x5 } as const;
const AUTONOMOUS = 1;
const Power = { STATE_SET: 0x4, NOTIFY: 0x6, CHANGE_REQUESTED_NOTIFY: 0x7 } as const;
const PowerEvent = { CHANGED: 0x0, REQUESTED: 0x1 } as const;
const ON = 0;
const OFF = 0x4000_0000;

function scenario(name: string, fn: (s: Scenario) => Promise<void>): void {
  Deno.test(name, async () => {
    const s = await Scenario.start();
    try {
      await fn(s);
    } finally {
      await s.close();
    }
  });
}

/** The notifications queued for `agent`, as [protocol, event id, words]. */
function heard(s: Scenario, agent: string): [number, number, number[]][] {
  return s.drain(agent).map((n) => [n.protocol, n.id, n.words]);
}

scenario(
  "shared clock: vm2 hears vm1's rate change from agent 0 and never vm1's requested rate",
  async (s) => {
    await s.ok("vm1", P.CLOCK, Clock.RATE_NOTIFY, [5, 1]);
    await s.ok("vm1", P.CLOCK, Clock.RATE_CHANGE_REQUESTED_NOTIFY, [5, 1]);
    await s.ok("vm2", P.CLOCK, Clock.RATE_NOTIFY, [0, 1]);
    await s.ok("vm2", P.CLOCK, Clock.RATE_CHANGE_REQUESTED_NOTIFY, [0, 1]);
    await s.ok("vm1", P.CLOCK, Clock.RATE_SET, [0, 5, ...u64(200 * MHZ)]);
    assertEquals(await s.clockRate(1), 200 * MHZ, "bus follows the highest vote");
    assertEquals(heard(s, "vm1"), [
      [P.CLOCK, ClockEvent.REQUESTED, [VM1, 5, 200 * MHZ, 0]],
      [P.CLOCK, ClockEvent.CHANGED, [VM1, 5, 200 * MHZ, 0]],
    ]);
    assertEquals(heard(s, "vm2"), [[P.CLOCK, ClockEvent.CHANGED, [0, 0, 200 * MHZ, 0]]]);
    // vm2's own request: it reads its own id and vote; vm1 hears nothing (the bus stays at
    // 200 MHz, vm1's vote being the highest).
    await s.ok("vm2", P.CLOCK, Clock.RATE_SET, [0, 0, ...u64(50 * MHZ)]);
    assertEquals(heard(s, "vm2"), [[P.CLOCK, ClockEvent.REQUESTED, [VM2, 0, 50 * MHZ, 0]]]);
    assertEquals(heard(s, "vm1"), [], "vm2's vote is not vm1's to see");
  },
);

scenario("shared reset domain: vm2 hears vm1's reset from agent 0", async (s) => {
  await s.ok("vm1", P.RESET, Reset.NOTIFY, [0, 1]);
  await s.ok("vm2", P.RESET, Reset.NOTIFY, [0, 1]);
  await s.ok("vm1", P.RESET, Reset.RESET, [0, AUTONOMOUS, 0]);
  assertEquals(heard(s, "vm2"), [[P.RESET, 0, [0, 0, 0]]], "never vm1's id 1");
  assertEquals(heard(s, "vm1"), [], "the issuer is not told of its own reset");
  await s.ok("vm2", P.RESET, Reset.RESET, [0, AUTONOMOUS, 0]);
  assertEquals(heard(s, "vm1"), [[P.RESET, 0, [0, 0, 0]]], "never vm2's id 2");
});

scenario(
  "shared power domain: vm2 hears vm1's switch from agent 0 and never vm1's requested state",
  async (s) => {
    for (const agent of ["vm1", "vm2"]) {
      await s.ok(agent, P.POWER, Power.NOTIFY, [0, 1]);
      await s.ok(agent, P.POWER, Power.CHANGE_REQUESTED_NOTIFY, [0, 1]);
    }
    await s.ok("vm1", P.POWER, Power.STATE_SET, [0, 0, ON]);
    assertEquals(heard(s, "vm1"), [
      [P.POWER, PowerEvent.REQUESTED, [VM1, 0, ON]],
      [P.POWER, PowerEvent.CHANGED, [VM1, 0, ON]],
    ]);
    assertEquals(heard(s, "vm2"), [[P.POWER, PowerEvent.CHANGED, [0, 0, ON]]]);
    // vm2 asks for off: vm1's vote keeps pd_io on; only vm2 hears its own request.
    assertEquals(await s.status("vm2", P.POWER, Power.STATE_SET, [0, 0, OFF]), Status.SUCCESS);
    assertEquals(heard(s, "vm2"), [[P.POWER, PowerEvent.REQUESTED, [VM2, 0, OFF]]]);
    assertEquals(heard(s, "vm1"), [], "vm2's vote is not vm1's to see");
  },
);
