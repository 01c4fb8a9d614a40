import { assertEquals } from "../../core/_assert_test.ts";
import { isPinConfigType, PIN_CONFIG_NAMES, PinConfig } from "./hw.ts";

Deno.test("configuration types 0–20 and 192–255 are defined; 21–191 and past 255 are not", () => {
  const defined = Array.from({ length: 300 }, (_, t) => t).filter(isPinConfigType);
  assertEquals(defined.length, 21 + 64);
  assertEquals([isPinConfigType(20), isPinConfigType(21), isPinConfigType(191)], [
    true,
    false,
    false,
  ]);
  assertEquals([isPinConfigType(192), isPinConfigType(255), isPinConfigType(256)], [
    true,
    true,
    false,
  ]);
  assertEquals(isPinConfigType(-1), false);
});

Deno.test("PIN_CONFIG_NAMES names every type a pin can hold, snake_case, Default excluded", () => {
  assertEquals(Object.keys(PIN_CONFIG_NAMES).length, 20 + 64);
  assertEquals(PIN_CONFIG_NAMES.bias_pull_up, PinConfig.BIAS_PULL_UP);
  assertEquals(PIN_CONFIG_NAMES.drive_open_drain, 7);
  assertEquals(PIN_CONFIG_NAMES.slew_rate, 20);
  assertEquals(PIN_CONFIG_NAMES.oem_200, 200);
  assertEquals(PIN_CONFIG_NAMES.default, undefined);
});
