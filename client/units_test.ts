import { assertEquals, assertThrows } from "../core/_assert_test.ts";
import { UsageError } from "./args.ts";
import { formatRate, parseRate } from "./units.ts";

Deno.test("parseRate: Hz integers, 0x hex and units, exactly", () => {
  assertEquals(parseRate("24000000"), 24_000_000);
  assertEquals(parseRate("0x16e3600"), 24_000_000);
  assertEquals(parseRate("24MHz"), 24_000_000);
  assertEquals(parseRate("32.768kHz"), 32_768);
  assertEquals(parseRate("1.2GHz"), 1_200_000_000);
  assertEquals(parseRate("22.5792MHz"), 22_579_200);
  assertEquals(parseRate("148.5 MHz"), 148_500_000);
  assertEquals(parseRate("50Hz"), 50);
  assertEquals(parseRate("0"), 0);
});

Deno.test("parseRate: the unit's case does not matter (mhz is megahertz)", () => {
  assertEquals(parseRate("100mhz"), 100_000_000);
  assertEquals(parseRate("2.4ghz"), 2_400_000_000);
  assertEquals(parseRate("32.768KHZ"), 32_768);
});

Deno.test("parseRate: fractions of a Hz, unknown units, signs and junk → UsageError", () => {
  for (const bad of ["1.5Hz", "32.7685kHz", "100THz", "-1MHz", "fast", "", "1.2.3MHz", "MHz"]) {
    const e = assertThrows(() => parseRate(bad, "RATE"), UsageError);
    assertEquals(e.message.startsWith("RATE must be a whole number of Hz"), true, e.message);
    assertEquals(e.message.endsWith(`got "${bad}"`), true, e.message);
  }
  assertThrows(() => parseRate("9007199254740993"), UsageError);
});

Deno.test("formatRate: the largest unit that keeps the value exact", () => {
  assertEquals(formatRate(1_800_000_000), "1.8GHz");
  assertEquals(formatRate(2_400_000_000), "2.4GHz");
  assertEquals(formatRate(1_000_000_000), "1GHz");
  assertEquals(formatRate(148_500_000), "148.5MHz");
  assertEquals(formatRate(22_579_200), "22.5792MHz");
  assertEquals(formatRate(32_768), "32.768kHz");
  assertEquals(formatRate(999), "999Hz");
  assertEquals(formatRate(0), "0Hz");
  assertEquals(formatRate(1_000_000_001), "1.000000001GHz");
});

Deno.test("formatRate output reads back with parseRate", () => {
  for (const hz of [1, 999, 1000, 32_768, 24_576_000, 148_500_000, 1_608_000_000, 2 ** 40]) {
    assertEquals(parseRate(formatRate(hz)), hz);
  }
});
