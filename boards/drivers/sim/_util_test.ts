import { assertEquals } from "../../../core/_assert_test.ts";
import { HISTORY_LIMIT, NumberHistory, record } from "./_util.ts";

Deno.test("a sim history keeps at most HISTORY_LIMIT entries, the newest ones", () => {
  const h: number[] = [];
  for (let i = 0; i < HISTORY_LIMIT * 3; i++) record(h, i);
  assertEquals(h.length <= HISTORY_LIMIT, true);
  assertEquals(h[h.length - 1], HISTORY_LIMIT * 3 - 1);
  assertEquals(h[0] + h.length, HISTORY_LIMIT * 3);
});

Deno.test("a NumberHistory keeps exactly the entries record() keeps, in the same order", () => {
  const h: number[] = [];
  const ring = new NumberHistory();
  for (let i = 0; i < HISTORY_LIMIT * 3 + 7; i++) {
    record(h, i);
    ring.push(i, -i, i * 2);
    if (i % 97 === 0 || i === HISTORY_LIMIT || i === HISTORY_LIMIT + 1) {
      assertEquals(ring.length, h.length);
      assertEquals(ring.map((a) => a), h);
    }
  }
  assertEquals(ring.map((a, b, c) => [a, b, c]).at(-1), [
    HISTORY_LIMIT * 3 + 6,
    -(HISTORY_LIMIT * 3 + 6),
    (HISTORY_LIMIT * 3 + 6) * 2,
  ]);
});
