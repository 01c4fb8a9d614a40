import { assertEquals } from "../../../core/_assert_test.ts";
import { HISTORY_LIMIT, record } from "./_util.ts";

Deno.test("a sim history keeps at most HISTORY_LIMIT entries, the newest ones", () => {
  const h: number[] = [];
  for (let i = 0; i < HISTORY_LIMIT * 3; i++) record(h, i);
  assertEquals(h.length <= HISTORY_LIMIT, true);
  assertEquals(h[h.length - 1], HISTORY_LIMIT * 3 - 1);
  assertEquals(h[0] + h.length, HISTORY_LIMIT * 3);
});
