import { assertEquals, assertThrows } from "../_assert_test.ts";
import { HERTZ, MICROVOLTS, MICROWATTS, parseQuantity, toBaseUnit } from "./units.ts";

Deno.test("frequencies: integers are Hz, suffixes scale exactly", () => {
  assertEquals(toBaseUnit(24_000_000, HERTZ), 24_000_000);
  assertEquals(toBaseUnit("100MHz", HERTZ), 100_000_000);
  assertEquals(toBaseUnit("32.768kHz", HERTZ), 32_768);
  assertEquals(toBaseUnit("1.2GHz", HERTZ), 1_200_000_000);
  assertEquals(toBaseUnit("22.5792MHz", HERTZ), 22_579_200);
  assertEquals(toBaseUnit("2.4GHz", HERTZ), 2_400_000_000);
  assertEquals(toBaseUnit("50 Hz", HERTZ), 50);
  assertEquals(toBaseUnit("1.000Hz", HERTZ), 1);
});

Deno.test("frequencies: fractions of a Hz, unknown units and negatives are refused", () => {
  assertEquals(toBaseUnit("1.5Hz", HERTZ), "a whole number of Hz");
  assertEquals(toBaseUnit("32.7685kHz", HERTZ), "a whole number of Hz");
  assertEquals(toBaseUnit("100mhz", HERTZ), 'a unit among "Hz", "kHz", "MHz", "GHz"');
  assertEquals(toBaseUnit("MHz", HERTZ), 'a number followed by a unit ("Hz", "kHz", "MHz", "GHz")');
  assertEquals(toBaseUnit("100", HERTZ), 'a number followed by a unit ("Hz", "kHz", "MHz", "GHz")');
  assertEquals(toBaseUnit(-1, HERTZ), "a value of 0 Hz or more");
  assertEquals(toBaseUnit("-5MHz", HERTZ), "a value of 0 Hz or more");
  assertEquals(toBaseUnit(1.5, HERTZ), "a whole number of Hz");
  assertEquals(toBaseUnit(2n ** 60n, HERTZ), "a value below 2^53 Hz");
  assertEquals(toBaseUnit("99999999GHz", HERTZ), "a value below 2^53 Hz");
  assertEquals(
    toBaseUnit(true, HERTZ),
    'an integer in Hz or a string with a unit ("Hz", "kHz", "MHz", "GHz")',
  );
});

Deno.test("voltages: µV integers, mV/V strings, negative values allowed", () => {
  assertEquals(toBaseUnit(900_000, MICROVOLTS), 900_000);
  assertEquals(toBaseUnit("900mV", MICROVOLTS), 900_000);
  assertEquals(toBaseUnit("1.8V", MICROVOLTS), 1_800_000);
  assertEquals(toBaseUnit("6.25mV", MICROVOLTS), 6_250);
  assertEquals(toBaseUnit("-5V", MICROVOLTS), -5_000_000);
  assertEquals(toBaseUnit("-0V", MICROVOLTS), 0);
  assertEquals(toBaseUnit("750uV", MICROVOLTS), 750);
  assertEquals(toBaseUnit("750µV", MICROVOLTS), 750);
  assertEquals(toBaseUnit("0.1uV", MICROVOLTS), "a whole number of µV");
});

Deno.test("power: µW integers, mW/W strings", () => {
  assertEquals(toBaseUnit("10W", MICROWATTS), 10_000_000);
  assertEquals(toBaseUnit("50mW", MICROWATTS), 50_000);
  assertEquals(toBaseUnit("0.5W", MICROWATTS), 500_000);
  assertEquals(toBaseUnit(250, MICROWATTS), 250);
});

Deno.test("parseQuantity throws RangeError saying what was expected", () => {
  assertEquals(parseQuantity("1.2GHz", HERTZ), 1_200_000_000);
  assertThrows(
    () => parseQuantity("1.5Hz", HERTZ),
    RangeError,
    'Cannot read quantity: expected a whole number of Hz, got "1.5Hz"',
  );
  assertThrows(() => parseQuantity(2n ** 60n, HERTZ), RangeError, "got 1152921504606846976");
});
