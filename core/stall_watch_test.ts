import { assert, assertEquals } from "./_assert_test.ts";
import { type StallLane, StallWatch } from "./stall_watch.ts";
import { ManualClock } from "./timer_clock.ts";

function watch(ms = 100): { w: StallWatch; clock: ManualClock; stalls: StallLane[] } {
  const clock = new ManualClock(1000);
  const stalls: StallLane[] = [];
  const w = new StallWatch(ms, (lane) => stalls.push(lane), clock);
  return { w, clock, stalls };
}

Deno.test("a frame not done within the limit → onStall once, at the deadline, then nothing", () => {
  const { w, clock, stalls } = watch();
  w.start("in");
  clock.advance(99);
  assertEquals(stalls, []);
  clock.advance(1);
  assertEquals(stalls, ["in"]);
  w.start("in");
  clock.advance(1000);
  assertEquals(stalls, ["in"], "a stalled watch stays stopped");
  assertEquals(clock.pending, 0);
});

Deno.test("frames done in time → never stalls, however long the connection lives", () => {
  const { w, clock, stalls } = watch();
  for (let i = 0; i < 50; i++) {
    w.start("in");
    clock.advance(60);
    w.stop("in");
    w.start("out");
    clock.advance(60);
    w.stop("out");
  }
  clock.advance(10_000);
  assertEquals(stalls, []);
  assertEquals(clock.pending, 0, "an idle watch holds no timer");
});

Deno.test("start on a running lane keeps the frame's first start; a given start dates it back", () => {
  const { w, clock, stalls } = watch();
  w.start("in");
  clock.advance(70);
  w.start("in"); // more bytes of the same frame
  clock.advance(30);
  assertEquals(stalls, ["in"]);

  const b = watch();
  const since = b.w.now();
  b.clock.advance(50);
  b.w.start("out");
  b.clock.advance(20);
  b.w.start("in", since); // a frame that began 70 ms ago, due before the write's deadline
  b.clock.advance(29);
  assertEquals(b.stalls, []);
  b.clock.advance(1);
  assertEquals(b.stalls, ["in"]);
});

Deno.test("the later lane's deadline is kept after the earlier one finished", () => {
  const { w, clock, stalls } = watch();
  w.start("in");
  clock.advance(40);
  w.start("out");
  clock.advance(10);
  w.stop("in");
  clock.advance(89);
  assertEquals(stalls, []);
  clock.advance(1);
  assertEquals(stalls, ["out"]);
});

Deno.test("check() → stalls a frame past its deadline at once, leaves a young one alone", () => {
  // A clock whose timers never fire: only check() can find the stall.
  let t = 0;
  const clock = { now: () => t, setTimer: () => 0, clearTimer: () => {} };
  const stalls: StallLane[] = [];
  const w = new StallWatch(100, (lane) => stalls.push(lane), clock);
  assert(!w.busy);
  w.start("out");
  assert(w.busy);
  t = 99;
  assertEquals(w.check(), false);
  assertEquals(stalls, []);
  t = 100;
  assertEquals(w.check(), true);
  assertEquals(w.check(), false, "once only");
  assertEquals(stalls, ["out"]);
});

Deno.test("dispose() → no callback, no timer left", () => {
  const { w, clock, stalls } = watch();
  w.start("in");
  w.dispose();
  assertEquals(clock.pending, 0);
  clock.advance(1000);
  assertEquals(stalls, []);
});
