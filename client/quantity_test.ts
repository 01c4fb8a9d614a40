import { assertEquals, assertThrows } from "../core/_assert_test.ts";
import { UsageError } from "./args.ts";
import {
  formatMicros,
  formatMicrovolts,
  formatPower,
  formatScaled,
  parseMicros,
  parseMicrovolts,
  parsePower,
  unscale,
} from "./quantity.ts";

Deno.test("parseMicrovolts → µV from integers and units, any case; inexact or too big refused", () => {
  assertEquals(
    ["900000", "900mV", "900MV", "1.8V", "-5V", "606.25mV", "12uV", "12µV", " 1v "].map((t) =>
      parseMicrovolts(t)
    ),
    [900_000, 900_000, 900_000, 1_800_000, -5_000_000, 606_250, 12, 12, 1_000_000],
  );
  for (const bad of ["0.1uV", "1.0000001V", "3kV", "fast", "", "2148V", "-2148V", "1e3mV"]) {
    assertThrows(() => parseMicrovolts(bad), UsageError);
  }
});

Deno.test("parsePower → the domain's unit; mW needs whole mW; abstract takes no suffix", () => {
  assertEquals(parsePower("5W", "uW"), 5_000_000);
  assertEquals(parsePower("5W", "mW"), 5000);
  assertEquals(parsePower("500mW", "uW"), 500_000);
  assertEquals(parsePower("1500uW", "uW"), 1500);
  assertEquals(parsePower("42", "abstract"), 42);
  assertThrows(() => parsePower("1500uW", "mW"), UsageError, "whole number of mW");
  assertThrows(() => parsePower("5W", "abstract"), UsageError, "abstract units");
  assertThrows(() => parsePower("-5W", "uW"), UsageError);
  assertThrows(() => parsePower("4295W", "uW"), UsageError);
});

Deno.test("parseMicros → µs from integers, us, ms and s", () => {
  assertEquals(["10000", "10ms", "1.5ms", "2s", "100us", "7µs"].map((t) => parseMicros(t)), [
    10_000,
    10_000,
    1500,
    2_000_000,
    100,
    7,
  ]);
  for (const bad of ["1.5us", "10min", "-1ms", "5000s"]) {
    assertThrows(() => parseMicros(bad), UsageError);
  }
});

Deno.test("formatters → the largest unit that keeps the value exact", () => {
  assertEquals([900_000, 1_800_000, 606_250, -5_000_000, 12, 0].map(formatMicrovolts), [
    "900mV",
    "1.8V",
    "606.25mV",
    "-5V",
    "12µV",
    "0µV",
  ]);
  assertEquals(
    [
      formatPower(8_000_000, "uW"),
      formatPower(350, "mW"),
      formatPower(1, "mW"),
      formatPower(7, "abstract"),
    ],
    ["8W", "350mW", "1mW", "7"],
  );
  assertEquals([10_000, 1_500_000, 250].map(formatMicros), ["10ms", "1.5s", "250µs"]);
});

Deno.test("formatScaled and unscale → exact decimals both ways", () => {
  assertEquals(
    [formatScaled(31500, -3), formatScaled(7, 2), formatScaled(-125, -2), formatScaled(5n, -3)],
    ["31.5", "700", "-1.25", "0.005"],
  );
  assertEquals(formatScaled(2n ** 63n - 1n, -3), "9223372036854775.807");
  assertEquals([unscale("70.5", -3), unscale("-10", -3), unscale("700", 2), unscale("7", 0)], [
    70_500n,
    -10_000n,
    7n,
    7n,
  ]);
  assertEquals([unscale("70.0005", -3), unscale("750", 2), unscale("1e3", 0)], [
    undefined,
    undefined,
    undefined,
  ]);
});
