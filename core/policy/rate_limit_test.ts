import { assert, assertEquals, assertThrows } from "../_assert_test.ts";
import { TokenBucket } from "./rate_limit.ts";

/** How many of `n` requests at time `t` the bucket lets through. */
function burst(b: TokenBucket, t: number, n: number): number {
  let ok = 0;
  for (let i = 0; i < n; i++) if (b.take(t)) ok++;
  return ok;
}

Deno.test("token bucket: a full bucket lets `burst` requests through at once, then refuses", () => {
  const b = new TokenBucket({ perS: 100, burst: 5 });
  assertEquals(burst(b, 1000, 8), 5);
  assertEquals(b.take(1000), false);
});

Deno.test("token bucket: refills at per_s, never above burst", () => {
  const b = new TokenBucket({ perS: 100, burst: 5 });
  assertEquals(burst(b, 0, 5), 5);
  // 100 per second: one token every 10 ms.
  assertEquals(b.take(5), false, "half a token after 5 ms");
  assertEquals(b.take(10), true, "one token after 10 ms");
  assertEquals(burst(b, 30, 10), 2, "two more by 30 ms");
  // A long quiet spell fills it to burst, not beyond.
  assertEquals(burst(b, 60_000, 10), 5);
});

Deno.test("token bucket: a sustained flood gets per_s through each second", () => {
  const b = new TokenBucket({ perS: 1000, burst: 100 });
  let ok = 0;
  // 10 000 requests over 2 s (one every 0.2 ms).
  for (let i = 0; i < 10_000; i++) if (b.take(i * 0.2)) ok++;
  // The first burst of 100, then 1000 a second for 2 s (minus rounding at the edge).
  assert(ok >= 2090 && ok <= 2100, `got ${ok}`);
});

Deno.test("token bucket: a clock going backwards neither refills nor breaks it", () => {
  const b = new TokenBucket({ perS: 10, burst: 1 });
  assertEquals(b.take(1000), true);
  assertEquals(b.take(500), false);
  assertEquals(b.take(1050), false, "still 50 ms since the last refill at 1000, half a token");
  assertEquals(b.take(1100), true);
});

Deno.test("token bucket: per_s ≤ 0 or burst < 1 → RangeError", () => {
  assertThrows(() => new TokenBucket({ perS: 0, burst: 1 }), RangeError, "per_s");
  assertThrows(() => new TokenBucket({ perS: 10, burst: 0 }), RangeError, "burst");
  assertThrows(() => new TokenBucket({ perS: NaN, burst: 1 }), RangeError);
});
