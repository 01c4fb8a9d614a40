import { assertEquals } from "./_assert_test.ts";
import { until } from "./_wait_test.ts";
import { turnClock } from "./timer_clock.ts";

/** A turn clock over a time the test sets, counting how often the clock reads it. */
function fakeTime() {
  const t = { now: 100, reads: 0 };
  const clock = turnClock(() => {
    t.reads++;
    return t.now;
  });
  return { t, clock };
}

Deno.test("turn clock: a timer fires asynchronously, once the time reaches its due time, never before", async () => {
  const { t, clock } = fakeTime();
  for (const ms of [0.05, 1, 4]) {
    const start = t.now;
    let firedAt = -1;
    clock.setTimer(() => firedAt = t.now, ms);
    assertEquals(firedAt, -1, "not fired inside setTimer");
    // Just short of the due time, however many times the clock looks: no firing.
    t.now = start + ms * 0.99;
    const reads = t.reads;
    await until(
      () => t.reads >= reads + 5 || firedAt >= 0,
      `five looks at the time (${ms} ms timer)`,
    );
    assertEquals(firedAt, -1, `${ms} ms timer fired early`);
    t.now = start + ms;
    await until(() => firedAt >= 0, `the ${ms} ms timer`);
    assertEquals(firedAt, start + ms);
  }
  // A zero timer fires at the first look, never inside setTimer.
  let zero = false;
  clock.setTimer(() => zero = true, 0);
  assertEquals(zero, false);
  await until(() => zero, "the zero timer");
});

Deno.test("turn clock: a cleared timer does not fire, short or long", async () => {
  const { t, clock } = fakeTime();
  const fired: number[] = [];
  const short = clock.setTimer(() => fired.push(1), 0.01);
  const long = clock.setTimer(() => fired.push(2), 5);
  clock.clearTimer(short);
  clock.clearTimer(long);
  t.now += 10;
  // A timer set after both fires on a later turn than the short one's first look; the long
  // one's timeout is cleared outright.
  let later = false;
  clock.setTimer(() => later = true, 0);
  await until(() => later, "the later timer");
  assertEquals(fired, []);
});
