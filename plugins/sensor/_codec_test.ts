import { assertEquals } from "../../core/_assert_test.ts";
import { decodeInterval, encodeInterval, type Intervals, pickInterval, signed5 } from "./_codec.ts";

/** Splits an interval word into [seconds multiplier, exponent]. */
const split = (w: number) => [w >>> 5, signed5(w)];

Deno.test("encodeInterval strips trailing zeros into the exponent", () => {
  assertEquals(split(encodeInterval(1000, 16)), [1, -3]);
  assertEquals(split(encodeInterval(1500, 16)), [15, -4]);
  assertEquals(split(encodeInterval(7, 16)), [7, -6]);
  assertEquals(split(encodeInterval(60_000_000, 16)), [6, 1]);
  assertEquals(encodeInterval(0, 16), 0);
});

Deno.test("encodeInterval rounds a multiplier that does not fit its field", () => {
  // 123456 µs with a 16-bit multiplier: 12346e−5 s.
  assertEquals(split(encodeInterval(123456, 16)), [12346, -5]);
  // The 5-bit multiplier of protocol 1.0: 45 ms → 5e−2 s (rounded), 31 ms fits.
  assertEquals(split(encodeInterval(45_000, 5)), [5, -2]);
  assertEquals(split(encodeInterval(31_000, 5)), [31, -3]);
});

Deno.test("decodeInterval is seconds × 10^exp in µs", () => {
  assertEquals(decodeInterval(15, -4), 1500);
  assertEquals(decodeInterval(1, 0), 1_000_000);
  assertEquals(decodeInterval(5, -7), 0.5);
});

Deno.test("signed5 sign-extends bit 4", () => {
  assertEquals([signed5(0x0f), signed5(0x10), signed5(0x1f), signed5(0x3d)], [15, -16, -1, -3]);
});

Deno.test("pickInterval on a list: down, up, nearest (ties down), none that way → -1", () => {
  const list: Intervals = { kind: "list", us: [1000, 10_000, 100_000] };
  assertEquals(pickInterval(list, 5000, 0), 1000);
  assertEquals(pickInterval(list, 5000, 1), 10_000);
  assertEquals(pickInterval(list, 5500, 2), 1000);
  assertEquals(pickInterval(list, 5501, 2), 10_000);
  assertEquals(pickInterval(list, 10_000, 0), 10_000);
  assertEquals(pickInterval(list, 10_000, 1), 10_000);
  assertEquals(pickInterval(list, 500, 0), -1);
  assertEquals(pickInterval(list, 500, 2), 1000);
  assertEquals(pickInterval(list, 1e9, 1), -1);
  assertEquals(pickInterval(list, 1e9, 2), 100_000);
});

Deno.test("pickInterval on a segment snaps to its steps and clamps to its ends", () => {
  const seg: Intervals = { kind: "segment", min: 500, max: 2000, step: 500 };
  assertEquals(pickInterval(seg, 1300, 0), 1000);
  assertEquals(pickInterval(seg, 1300, 1), 1500);
  assertEquals(pickInterval(seg, 1300, 2), 1500);
  assertEquals(pickInterval(seg, 1500, 1), 1500);
  assertEquals(pickInterval(seg, 200, 0), -1);
  assertEquals(pickInterval(seg, 200, 1), 500);
  assertEquals(pickInterval(seg, 3000, 1), -1);
  assertEquals(pickInterval(seg, 3000, 0), 2000);
  assertEquals(pickInterval(seg, 2000, 1), 2000);
});
