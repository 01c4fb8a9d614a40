import { assertEquals } from "./_assert_test.ts";
import { OnVotes } from "./votes.ts";

Deno.test("the effective state flips only on the first vote on and the last vote off", () => {
  const v = new OnVotes();
  assertEquals(v.vote(1, 5, true), true);
  assertEquals(v.vote(2, 5, true), false);
  assertEquals(v.vote(1, 5, false), false);
  assertEquals(v.effective(5), true);
  assertEquals(v.vote(2, 5, false), true);
  assertEquals(v.effective(5), false);
});

Deno.test("a repeated vote by the same agent counts once", () => {
  const v = new OnVotes();
  v.vote(1, 3, true);
  v.vote(1, 3, true);
  assertEquals(v.vote(1, 3, false), true);
});

Deno.test("a kept resource stays on whatever agents vote, and each agent sees its own vote", () => {
  const v = new OnVotes();
  v.keep(7);
  assertEquals(v.has(1, 7), false);
  assertEquals(v.vote(1, 7, true), false);
  assertEquals(v.has(1, 7), true);
  assertEquals(v.vote(1, 7, false), false);
  assertEquals(v.effective(7), true);
});

Deno.test("release withdraws every vote of one agent and reports what turned off", () => {
  const v = new OnVotes();
  v.vote(1, 1, true);
  v.vote(1, 2, true);
  v.vote(2, 2, true);
  assertEquals(v.release(1), [1]);
  assertEquals(v.effective(2), true);
  assertEquals(v.heldBy(1), []);
  assertEquals(v.heldBy(2), [2]);
});

Deno.test("agents with large ids vote and read back like small ids", () => {
  const v = new OnVotes();
  for (const agent of [0, 29, 30, 31, 1000]) {
    assertEquals(v.has(agent, 4), false, `agent ${agent} before`);
    v.vote(agent, 4, true);
    assertEquals(v.has(agent, 4), true, `agent ${agent} after`);
  }
  assertEquals([...v.voters(4)], [0, 29, 30, 31, 1000]);
  for (const agent of [29, 1000, 0, 30]) v.vote(agent, 4, false);
  assertEquals(v.has(29, 4) || v.has(1000, 4) || v.has(0, 4) || v.has(30, 4), false);
  assertEquals(v.has(31, 4), true);
  assertEquals(v.vote(31, 4, false), true, "the last vote off flips the state");
  assertEquals(v.has(31, 4), false);
});

Deno.test("keep(false) ends the platform's hold; heldBy keeps the order of first votes", () => {
  const v = new OnVotes();
  v.keep(2);
  v.vote(1, 9, true);
  v.vote(1, 2, true);
  v.vote(1, 5, true);
  assertEquals(v.heldBy(1), [9, 2, 5]);
  v.keep(2, false);
  assertEquals(v.isKept(2), false);
  assertEquals(v.release(1), [9, 2, 5]);
});

Deno.test("a platform hold keeps a resource on without being anyone's vote; each holder counts once", () => {
  const v = new OnVotes();
  assertEquals(v.hold(4, 10, true), true);
  assertEquals(v.hold(4, 10, true), false, "the same holder again");
  assertEquals(v.hold(4, 11, true), false);
  assertEquals([v.effective(4), v.has(1, 4), v.voters(4).size], [true, false, 0]);
  assertEquals(v.vote(1, 4, true), false, "already on for its holders");
  assertEquals(v.vote(1, 4, false), false);
  assertEquals(v.hold(4, 10, false), false, "holder 11 still needs it");
  assertEquals([v.heldFor(4, 10), v.heldFor(4, 11)], [false, true]);
  assertEquals(v.hold(4, 11, false), true);
  assertEquals([v.effective(4), v.holders(4).size], [false, 0]);
});

Deno.test("an agent's last vote off does not flip a resource the platform holds", () => {
  const v = new OnVotes();
  v.vote(1, 2, true);
  v.hold(2, 9, true);
  assertEquals(v.release(1), []);
  assertEquals(v.effective(2), true);
  assertEquals(v.hold(2, 9, false), true);
});
