import { assert, assertEquals } from "./_assert_test.ts";
import { preciseClock } from "./timer_clock.ts";

Deno.test("preciseClock: a timer never fires before its time, and asynchronously", async () => {
  for (const ms of [0, 0.05, 1, 4]) {
    const due = performance.now() + ms;
    let sync = true;
    const firedAt = await new Promise<number>((resolve) => {
      preciseClock.setTimer(() => resolve(performance.now()), ms);
      sync = false;
    });
    assert(!sync || firedAt >= due, "fired inside setTimer");
    assert(firedAt >= due, `${ms} ms timer fired ${due - firedAt} ms early`);
  }
});

Deno.test("preciseClock: a cleared timer does not fire, short or long", async () => {
  const fired: number[] = [];
  const short = preciseClock.setTimer(() => fired.push(1), 0.01);
  const long = preciseClock.setTimer(() => fired.push(2), 5);
  preciseClock.clearTimer(short);
  preciseClock.clearTimer(long);
  // A later timer fires only after both would have.
  await new Promise<void>((resolve) => preciseClock.setTimer(resolve, 6));
  assertEquals(fired, []);
});
