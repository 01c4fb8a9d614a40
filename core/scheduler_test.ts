import { assertEquals, assertThrows } from "./_assert_test.ts";
import { Agent } from "./agent.ts";
import { Scheduler } from "./scheduler.ts";

/** A pause the test ends: each call waits until `release()`; `paused` resolves on a call. */
function manualPause() {
  let ends: (() => void)[] = [];
  let onPause: (() => void) | null = null;
  return {
    calls: 0,
    pause(): Promise<void> {
      this.calls++;
      onPause?.();
      onPause = null;
      return new Promise<void>((r) => ends.push(r));
    },
    /** Resolves at the next pause (or now if one is waiting). */
    paused(): Promise<void> {
      if (ends.length !== 0) return Promise.resolve();
      return new Promise<void>((r) => onPause = r);
    },
    release(): void {
      const e = ends;
      ends = [];
      for (const r of e) r();
    },
  };
}

const a = new Agent({ id: 1, name: "a" });
const b = new Agent({ id: 2, name: "b" });
const c = new Agent({ id: 3, name: "c" });

Deno.test("agents wanting more after their turn wait a pause, then go in the order they asked", async () => {
  const p = manualPause();
  const s = new Scheduler({ quota: 4, pause: () => p.pause() });
  const order: string[] = [];
  const turns = [a, b, c].map((x) => s.next(x).then(() => order.push(x.name)));
  assertEquals(s.waiting.map((x) => x.name), ["a", "b", "c"]);
  await p.paused();
  assertEquals(order, [], "nobody goes before the pause ends");
  p.release();
  await Promise.all(turns);
  assertEquals(order, ["a", "b", "c"]);
});

Deno.test("one turn per agent per round: a second request of the same agent waits for the next round", async () => {
  const p = manualPause();
  const s = new Scheduler({ quota: 1, pause: () => p.pause() });
  const order: string[] = [];
  const turns = [
    s.next(a).then(() => order.push("a1")),
    s.next(a).then(() => order.push("a2")),
    s.next(b).then(() => order.push("b1")),
  ];
  await p.paused();
  p.release();
  await turns[0];
  await turns[2];
  assertEquals(order, ["a1", "b1"]);
  assertEquals(s.waiting.map((x) => x.name), ["a"]);
  await p.paused();
  p.release();
  await turns[1];
  assertEquals(order, ["a1", "b1", "a2"]);
});

Deno.test("a flooding agent re-queuing every turn cannot pass an agent that waits", async () => {
  const p = manualPause();
  const s = new Scheduler({ quota: 2, pause: () => p.pause() });
  const order: string[] = [];
  // The flooder takes a turn, and asks for the next one each time it is served.
  let flooderTurns = 0;
  const flood = async () => {
    while (flooderTurns < 5) {
      await s.next(a);
      order.push("a");
      flooderTurns++;
    }
  };
  const flooding = flood();
  await p.paused();
  const bTurn = s.next(b).then(() => order.push("b"));
  p.release();
  await bTurn;
  assertEquals(order, ["a", "b"], "one turn each in the round");
  for (let i = 0; i < 4; i++) {
    await p.paused();
    p.release();
  }
  await flooding;
  assertEquals(order, ["a", "b", "a", "a", "a", "a"]);
});

Deno.test("once nobody waits the rounds stop: no more pauses", async () => {
  const p = manualPause();
  const s = new Scheduler({ quota: 4, pause: () => p.pause() });
  const t = s.next(a);
  await p.paused();
  p.release();
  await t;
  // One more pause finds the queue empty and ends the rounds.
  await p.paused();
  p.release();
  await new Promise<void>((r) => setImmediate(r));
  assertEquals(p.calls, 2);
  assertEquals(s.waiting.length, 0);
  // The next agent to queue starts the rounds again.
  const u = s.next(b);
  await p.paused();
  assertEquals(p.calls, 3);
  p.release();
  await u;
});

Deno.test("quota must be a positive integer", () => {
  assertThrows(() => new Scheduler({ quota: 0 }), RangeError, "quota");
  assertThrows(() => new Scheduler({ quota: 1.5 }), RangeError, "quota");
});

Deno.test("the I/O pause: attached by its users, closed with the last; rounds still run after", async () => {
  const s = new Scheduler({ quota: 1 });
  const detach1 = await s.attachIoPause();
  const detach2 = await s.attachIoPause();
  await s.next(a);
  detach1();
  await s.next(b);
  detach2();
  detach2();
  await s.next(c);
});
