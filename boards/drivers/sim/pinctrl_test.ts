import { functionKind } from "../../../plugins/pinctrl/kind.ts";
import { groupKind, pinKind } from "../../../plugins/pinctrl/kind.ts";
import { assertEquals, assertThrows } from "../../../core/_assert_test.ts";
import { type Board, emptyBoard } from "../../../core/board.ts";
import { DriverError } from "../../../core/driver.ts";
import { NO_FUNCTION, PinConfig } from "../../../plugins/pinctrl/hw.ts";
import { createSimPinctrl } from "./pinctrl.ts";

const STANDARD = Array.from({ length: 20 }, (_, i) => i + 1);

/**
 * Pins 0–3 (pin 1 has OEM type 200 = 7 and pulls up; pin 3 starts as gpio), pin 9 on
 * another driver. Groups: 10 = pins 0, 1; 11 = pins 2, 3. Functions: 20 "uart" on group 10;
 * 21 "gpio", pin-only, on pins 0–3.
 */
function board(): Board {
  const b = emptyBoard("sim-pinctrl");
  pinKind.of(b).push(
    { id: 0, name: "p0", driver: "sim" },
    { id: 1, name: "p1", driver: "sim", config: { 200: 7, [PinConfig.BIAS_PULL_UP]: 1 } },
    { id: 2, name: "p2", driver: "sim", config: { [PinConfig.DRIVE_STRENGTH]: 8 } },
    { id: 3, name: "p3", driver: "sim", function: 21 },
    { id: 9, name: "far", driver: "other" },
  );
  groupKind.of(b).push(
    { id: 10, name: "uart0", driver: "sim", pins: [0, 1] },
    { id: 11, name: "pair", driver: "sim", pins: [2, 3] },
  );
  functionKind.of(b).push(
    { id: 20, name: "uart", driver: "sim", groups: [10] },
    { id: 21, name: "gpio", driver: "sim", groups: [], pins: [0, 1, 2, 3], gpio: true },
  );
  return b;
}

function sim(b = board()) {
  return createSimPinctrl(b, "sim", { timeScale: 0 });
}

function fault(fn: () => unknown): string {
  return (assertThrows(fn, DriverError) as DriverError).fault;
}

Deno.test("a pin has every standard type plus its board's OEM types, at power-on values", () => {
  const hw = sim();
  assertEquals(hw.configTypes("pin", 0), STANDARD);
  assertEquals(hw.configTypes("pin", 1), [...STANDARD, 200]);
  assertEquals(hw.getConfig("pin", 1, 200), 7);
  assertEquals(hw.getConfig("pin", 1, PinConfig.BIAS_PULL_UP), 1);
  assertEquals(hw.getConfig("pin", 2, PinConfig.DRIVE_STRENGTH), 8);
  assertEquals(hw.getConfig("pin", 0, PinConfig.SLEW_RATE), 0);
  assertEquals(hw.getFunction("pin", 3), 21);
  assertEquals(hw.getFunction("pin", 0), NO_FUNCTION);
});

Deno.test("getConfig of a type the pin lacks, or of Default → unsupported", () => {
  const hw = sim();
  assertEquals(fault(() => hw.getConfig("pin", 0, 200)), "unsupported");
  assertEquals(fault(() => hw.getConfig("pin", 0, PinConfig.DEFAULT)), "unsupported");
  assertEquals(fault(() => hw.getConfig("pin", 0, 21)), "unsupported");
});

Deno.test("setConfigs writes each pair in order", () => {
  const hw = sim();
  hw.setConfigs("pin", 0, [PinConfig.DRIVE_STRENGTH, 4, PinConfig.SLEW_RATE, 2, 10, 12], 3);
  assertEquals(hw.getConfig("pin", 0, PinConfig.DRIVE_STRENGTH), 12);
  assertEquals(hw.getConfig("pin", 0, PinConfig.SLEW_RATE), 2);
});

Deno.test("bias types are alternatives: writing one zeroes the others, whatever its value", () => {
  const hw = sim();
  hw.setConfigs("pin", 1, [PinConfig.BIAS_PULL_DOWN, 1], 1);
  assertEquals(hw.getConfig("pin", 1, PinConfig.BIAS_PULL_UP), 0);
  assertEquals(hw.getConfig("pin", 1, PinConfig.BIAS_PULL_DOWN), 1);
  hw.setConfigs("pin", 1, [PinConfig.BIAS_DISABLE, 0], 1);
  for (let t = 1; t <= 6; t++) assertEquals(hw.getConfig("pin", 1, t), 0);
  assertEquals(hw.getConfig("pin", 1, 200), 7, "OEM type untouched");
});

Deno.test("drive types are alternatives; drive strength is not one of them", () => {
  const hw = sim();
  hw.setConfigs("pin", 2, [PinConfig.DRIVE_OPEN_DRAIN, 1, PinConfig.DRIVE_PUSH_PULL, 1], 2);
  assertEquals(hw.getConfig("pin", 2, PinConfig.DRIVE_OPEN_DRAIN), 0);
  assertEquals(hw.getConfig("pin", 2, PinConfig.DRIVE_PUSH_PULL), 1);
  assertEquals(hw.getConfig("pin", 2, PinConfig.DRIVE_STRENGTH), 8);
});

Deno.test("writing Default restores every power-on value, later pairs still apply", () => {
  const hw = sim();
  hw.setConfigs("pin", 1, [PinConfig.BIAS_PULL_DOWN, 1, 200, 3, PinConfig.SLEW_RATE, 5], 3);
  hw.setConfigs("pin", 1, [PinConfig.DEFAULT, 0, PinConfig.INPUT_MODE, 1], 2);
  const s = hw.pinState(1);
  assertEquals([s.config[4], s.config[6], s.config[200], s.config[20], s.config[12]], [
    1,
    0,
    7,
    0,
    1,
  ]);
});

Deno.test("INPUT_VALUE reads the outside level, or the output value while output is on", () => {
  const hw = sim();
  assertEquals(hw.getConfig("pin", 0, PinConfig.INPUT_VALUE), 0);
  hw.setInputLevel(0, 1);
  assertEquals(hw.getConfig("pin", 0, PinConfig.INPUT_VALUE), 1);
  hw.setConfigs("pin", 0, [PinConfig.OUTPUT_MODE, 1, PinConfig.OUTPUT_VALUE, 0], 2);
  assertEquals(hw.getConfig("pin", 0, PinConfig.INPUT_VALUE), 0);
  hw.setConfigs("pin", 0, [PinConfig.OUTPUT_MODE, 0], 1);
  assertEquals(hw.getConfig("pin", 0, PinConfig.INPUT_VALUE), 1);
});

Deno.test("setConfigs is all or nothing: a bad pair after good ones changes nothing", () => {
  const hw = sim();
  const before = hw.pinState(1);
  const bad: [number, number, string][] = [
    [PinConfig.INPUT_VALUE, 1, "invalid"],
    [PinConfig.OUTPUT_VALUE, 2, "invalid"],
    [PinConfig.INPUT_MODE, 0xffffffff, "invalid"],
    [201, 1, "unsupported"],
    [21, 0, "unsupported"],
  ];
  for (const [type, value, want] of bad) {
    const pairs = [PinConfig.SLEW_RATE, 9, PinConfig.BIAS_PULL_DOWN, 1, type, value];
    assertEquals(fault(() => hw.setConfigs("pin", 1, pairs, 3)), want, `type ${type}`);
  }
  assertEquals(hw.pinState(1), before);
});

Deno.test("a group has the types all its pins have and writes each pin", () => {
  const hw = sim();
  assertEquals(hw.configTypes("group", 10), STANDARD, "pin 0 lacks OEM 200");
  hw.setConfigs("group", 10, [PinConfig.SLEW_RATE, 3, PinConfig.BIAS_PULL_DOWN, 1], 2);
  for (const p of [0, 1]) {
    assertEquals(hw.getConfig("pin", p, PinConfig.SLEW_RATE), 3);
    assertEquals(hw.getConfig("pin", p, PinConfig.BIAS_PULL_UP), 0);
  }
  assertEquals(hw.getConfig("pin", 1, 200), 7);
  assertEquals(fault(() => hw.setConfigs("group", 10, [200, 1], 1)), "unsupported");
});

Deno.test("a group whose pins differ reads as its first pin", () => {
  const hw = sim();
  assertEquals(hw.getConfig("group", 11, PinConfig.DRIVE_STRENGTH), 8, "pin 2");
  hw.setConfigs("pin", 2, [PinConfig.DRIVE_STRENGTH, 1], 1);
  hw.setConfigs("pin", 3, [PinConfig.DRIVE_STRENGTH, 16], 1);
  assertEquals(hw.getConfig("group", 11, PinConfig.DRIVE_STRENGTH), 1);
  hw.setConfigs("group", 11, [PinConfig.DRIVE_STRENGTH, 4], 1);
  assertEquals(hw.getConfig("pin", 3, PinConfig.DRIVE_STRENGTH), 4);
});

Deno.test("selecting a function on a group selects it on each pin", () => {
  const hw = sim();
  hw.setFunction("group", 10, 20);
  assertEquals([hw.getFunction("pin", 0), hw.getFunction("pin", 1)], [20, 20]);
  assertEquals(hw.getFunction("group", 10), 20);
  hw.setFunction("pin", 1, 21);
  assertEquals(hw.getFunction("group", 10), NO_FUNCTION, "pins differ");
  hw.setFunction("group", 10, NO_FUNCTION);
  assertEquals(hw.pinState(1).fn, NO_FUNCTION);
});

Deno.test("functions fit only where the board allows them → otherwise invalid", () => {
  const hw = sim();
  assertEquals(fault(() => hw.setFunction("group", 11, 20)), "invalid", "uart is not on group 11");
  assertEquals(fault(() => hw.setFunction("group", 10, 21)), "invalid", "gpio is pin-only");
  assertEquals(fault(() => hw.setFunction("pin", 2, 20)), "invalid", "pin 2 is not in uart0");
  assertEquals(fault(() => hw.setFunction("pin", 0, 99)), "invalid", "no such function");
  hw.setFunction("pin", 0, 20);
  hw.setFunction("pin", 2, 21);
  assertEquals([hw.getFunction("pin", 0), hw.getFunction("pin", 2)], [20, 21]);
});

Deno.test("ids the instance does not drive → invalid", () => {
  const hw = sim();
  assertEquals(fault(() => hw.getConfig("pin", 9, 1)), "invalid");
  assertEquals(fault(() => hw.configTypes("group", 12)), "invalid");
  assertEquals(fault(() => hw.setFunction("pin", 4, NO_FUNCTION)), "invalid");
});

Deno.test("board mistakes are TypeErrors at creation", () => {
  const reserved = board();
  pinKind.of(reserved)[0] = { ...pinKind.of(reserved)[0], config: { 50: 1 } };
  assertThrows(() => sim(reserved), TypeError, "reserved");
  const foreign = board();
  groupKind.of(foreign)[0] = { ...groupKind.of(foreign)[0], pins: [0, 9] };
  assertThrows(() => sim(foreign), TypeError, "does not drive");
  const misfit = board();
  pinKind.of(misfit)[2] = { ...pinKind.of(misfit)[2], function: 20 };
  assertThrows(() => sim(misfit), TypeError, "does not fit");
});
