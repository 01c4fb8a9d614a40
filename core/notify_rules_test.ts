import { assertEquals } from "./_assert_test.ts";
import type { Agent } from "./agent.ts";
import { causerFor, hearsRequest, type NotifyReceiver, PLATFORM_AGENT_ID } from "./notify_rules.ts";

const as = (id: number): NotifyReceiver => ({ agent: { id } as Agent });

Deno.test("causerFor: the acting agent reads its own id, every other agent reads 0", () => {
  assertEquals(causerFor(as(2), 2), 2);
  assertEquals(causerFor(as(1), 2), PLATFORM_AGENT_ID);
  assertEquals(causerFor(as(3), 0), 0, "a platform change stays 0 for everyone");
});

Deno.test("hearsRequest: only the requester's own sessions hear its request", () => {
  assertEquals(hearsRequest(as(2), 2), true);
  assertEquals(hearsRequest(as(1), 2), false);
});
