import { assert, assertEquals, assertThrows } from "./_assert_test.ts";
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

Deno.test("an agent alone goes at once: no pause, no promise", () => {
  const p = manualPause();
  const s = new Scheduler({ quota: 4, pause: () => p.pause() });
  assertEquals(s.turn(a), null);
  assertEquals(s.turn(b), null);
  assertEquals(p.calls, 0);
});

Deno.test("an agent wanting more after its turn waits a pause; agents arriving meanwhile go before it, in arrival order", async () => {
  const p = manualPause();
  const s = new Scheduler({ quota: 4, pause: () => p.pause() });
  const order: string[] = [];
  const aMore = s.next(a).then(() => order.push("a"));
  // While a's next turn waits, b and c find the scheduler busy: they queue behind it.
  const bTurn = s.turn(b);
  const cTurn = s.turn(c);
  assert(bTurn !== null && cTurn !== null, "a busy scheduler makes newcomers wait");
  bTurn.then(() => order.push("b"));
  cTurn.then(() => order.push("c"));
  assertEquals(s.waiting.map((x) => x.name), ["b", "c", "a"]);
  await p.paused();
  assertEquals(order, [], "nobody goes before the pause ends");
  p.release();
  await Promise.all([aMore, bTurn, cTurn]);
  assertEquals(order, ["b", "c", "a"]);
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
  const bTurn = s.turn(b)!.then(() => order.push("b"));
  p.release();
  await bTurn;
  assertEquals(order, ["b", "a"], "b goes first in the round after it arrived");
  for (let i = 0; i < 4; i++) {
    await p.paused();
    p.release();
  }
  await flooding;
  assertEquals(order, ["b", "a", "a", "a", "a", "a"]);
});

Deno.test("once nobody waits the rounds stop: the next agent goes at once again", async () => {
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
  assertEquals(s.turn(b), null);
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
