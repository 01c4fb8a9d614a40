import { assert, assertEquals, assertThrows } from "../../../core/_assert_test.ts";
import { DriverError } from "../../../core/driver.ts";
import { Status } from "../../../core/status.ts";
import { pinKind } from "../../../plugins/pinctrl/kind.ts";
import { NO_FUNCTION, PinConfig, type PinctrlHw } from "../../../plugins/pinctrl/hw.ts";
import { driverConformance } from "../../../testing/driver.ts";
import { BUILTIN_CONTRACTS } from "../../../testing/contracts.ts";
import { Logger } from "../../../core/log.ts";
import { GPIO_IOCTL, type GpioIo } from "./gpio_uapi.ts";
import { GpioChipModel } from "./_gpio_model_test.ts";
import { FIXTURES, idOf, modelRig } from "./_kernel_model_test.ts";

const { BIAS_PULL_UP, BIAS_PULL_DOWN, INPUT_MODE, INPUT_VALUE, OUTPUT_MODE, OUTPUT_VALUE } =
  PinConfig;

async function rig() {
  const chip = new GpioChipModel("/dev/gpiochip0", 8);
  const r = await modelRig(FIXTURES.thermalIioGpio, undefined, chip);
  const hw = pinKind.hw.of(r.driver) as PinctrlHw;
  return { ...r, chip, hw, pin: (n: number) => idOf(r.board, "pin", `gpiochip0_${n}`) };
}

const status = (fn: () => unknown) => (assertThrows(fn, DriverError) as DriverError).status;

Deno.test("GPIO v2 ioctl numbers are the kernel's", () => {
  // _IOR/_IOWR(0xB4, nr, struct): values libgpiod and the kernel headers give.
  assertEquals(GPIO_IOCTL.GET_CHIPINFO, 0x8044b401);
  assertEquals(GPIO_IOCTL.V2_GET_LINEINFO, 0xc100b405);
  assertEquals(GPIO_IOCTL.V2_GET_LINE, 0xc250b407);
  assertEquals(GPIO_IOCTL.V2_LINE_SET_CONFIG, 0xc110b40d);
  assertEquals(GPIO_IOCTL.V2_LINE_GET_VALUES, 0xc010b40e);
  assertEquals(GPIO_IOCTL.V2_LINE_SET_VALUES, 0xc010b40f);
});

Deno.test("linux GPIO: an output is requested for vscmi, driven, then set without reconfiguring", async () => {
  const { chip, hw, pin } = await rig();
  hw.setConfigs("pin", pin(3), [OUTPUT_MODE, 1, OUTPUT_VALUE, 1], 2);
  assertEquals(chip.lines[3].consumer, "vscmi");
  assertEquals([chip.lines[3].flags & 0b1100n, chip.lines[3].value], [0b1000n, 1]);
  assertEquals(hw.getConfig("pin", pin(3), OUTPUT_MODE), 1);
  assertEquals(hw.getConfig("pin", pin(3), OUTPUT_VALUE), 1);
  chip.calls.length = 0;
  hw.setConfigs("pin", pin(3), [OUTPUT_VALUE, 0], 1);
  assertEquals(chip.calls, [GPIO_IOCTL.V2_LINE_SET_VALUES]);
  assertEquals(chip.lines[3].value, 0);
  // Other lines are untouched.
  assertEquals(chip.lines.filter((l) => l.consumer).length, 1);
});

Deno.test("linux GPIO: pulls and inputs read back through the kernel", async () => {
  const { chip, hw, pin } = await rig();
  hw.setConfigs("pin", pin(0), [INPUT_MODE, 1, BIAS_PULL_UP, 1], 2);
  assertEquals(hw.getConfig("pin", pin(0), INPUT_VALUE), 1);
  assertEquals(hw.getConfig("pin", pin(0), BIAS_PULL_UP), 1);
  hw.setConfigs("pin", pin(0), [BIAS_PULL_DOWN, 1], 1);
  assertEquals(chip.calls.at(-1), GPIO_IOCTL.V2_LINE_SET_CONFIG);
  assertEquals(hw.getConfig("pin", pin(0), INPUT_VALUE), 0);
  assertEquals(hw.getConfig("pin", pin(0), BIAS_PULL_UP), 0);
  chip.lines[5].external = 1;
  assertEquals(hw.getConfig("pin", pin(5), INPUT_VALUE), 1);
});

Deno.test("linux GPIO: refusals are statuses, and a refused list changes nothing", async () => {
  const { chip, hw, pin } = await rig();
  chip.lines[2].consumer = "other";
  assertEquals(status(() => hw.setConfigs("pin", pin(2), [OUTPUT_MODE, 1], 1)), Status.BUSY);
  chip.calls.length = 0;
  assertEquals(
    status(() => hw.setConfigs("pin", pin(4), [OUTPUT_MODE, 1, INPUT_VALUE, 1], 2)),
    Status.INVALID_PARAMETERS,
  );
  assertEquals(
    status(() => hw.setConfigs("pin", pin(4), [OUTPUT_MODE, 2], 1)),
    Status.INVALID_PARAMETERS,
  );
  assertEquals(
    status(() => hw.setConfigs("pin", pin(4), [PinConfig.DRIVE_STRENGTH, 1], 1)),
    Status.NOT_SUPPORTED,
  );
  assert(!chip.calls.includes(GPIO_IOCTL.V2_GET_LINE), "a refused list requested the line");
  // The kernel's own refusal: open drain on an input.
  assertEquals(
    status(() => hw.setConfigs("pin", pin(4), [INPUT_MODE, 1, PinConfig.DRIVE_OPEN_DRAIN, 1], 2)),
    Status.INVALID_PARAMETERS,
  );
  assertEquals(hw.getFunction("pin", pin(4)), NO_FUNCTION);
  assertEquals(status(() => hw.setFunction("pin", pin(4), 0)), Status.INVALID_PARAMETERS);
});

Deno.test("linux GPIO: a chip that is not there is a status, not a throw; close releases lines", async () => {
  const { chip, hw, pin, driver } = await rig();
  hw.setConfigs("pin", pin(1), [OUTPUT_MODE, 1], 1);
  await driver.close!();
  assertEquals(chip.lines[1].consumer, "");
  const { board } = await rig();
  const missing = await modelRig(FIXTURES.thermalIioGpio);
  const hw2 = pinKind.hw.of(missing.driver) as PinctrlHw;
  assertEquals(
    status(() => hw2.getConfig("pin", idOf(board, "pin", "gpiochip0_0"), INPUT_VALUE)),
    Status.HARDWARE_ERROR,
  );
  const a = missing.driver.access!("pin", idOf(board, "pin", "gpiochip0_0"));
  assertEquals([a.read, a.write], [false, false]);
});

Deno.test("linux driver conformance with GPIO lines on a chip model", async (t) => {
  const { driver, board } = await rig();
  await driverConformance(t, { driver, board, contracts: BUILTIN_CONTRACTS });
});

Deno.test("linux GPIO: a group configures every one of its lines and reads as its first", async () => {
  const chip = new GpioChipModel("/dev/gpiochip0", 8);
  const group = `\n[[group]]\nid = 0\nname = "leds"\npins = ["gpiochip0_5", "gpiochip0_6"]\n`;
  const { driver, board } = await modelRig(FIXTURES.thermalIioGpio, undefined, chip, group);
  const hw = pinKind.hw.of(driver) as PinctrlHw;
  hw.setConfigs("group", 0, [OUTPUT_MODE, 1, OUTPUT_VALUE, 1], 2);
  assertEquals(chip.lines.map((l) => l.value), [0, 0, 0, 0, 0, 1, 1, 0]);
  assertEquals(hw.getConfig("group", 0, OUTPUT_VALUE), 1);
  assertEquals(driver.access!("group", 0), { read: true, write: true });
  assertEquals(
    status(() => hw.setConfigs("group", 1, [OUTPUT_VALUE, 0], 1)),
    Status.INVALID_PARAMETERS,
  );
  assertEquals(idOf(board, "group", "leds"), 0);
});

/** A group of four lines, 4–7, on a chip model whose ioctls `refuse` may answer instead. */
async function groupRig() {
  const chip = new GpioChipModel("/dev/gpiochip0", 8);
  // refuse(request, n): the errno the n-th ioctl of that request number (from 0) answers, or 0.
  let refuse = (_request: number, _n: number) => 0;
  const seen = new Map<number, number>();
  const io: GpioIo = {
    open: (path) => chip.open(path),
    close: (fd) => chip.close(fd),
    ioctl(fd, request, buf) {
      const n = seen.get(request) ?? 0;
      seen.set(request, n + 1);
      return refuse(request, n) || chip.ioctl(fd, request, buf);
    },
  };
  const logged: string[] = [];
  const log = new Logger();
  log.sink = (level, line) => logged.push(`${level}: ${line}`);
  const group = `\n[[group]]\nid = 0\nname = "bus"\n` +
    `pins = ["gpiochip0_4", "gpiochip0_5", "gpiochip0_6", "gpiochip0_7"]\n`;
  const { driver, board } = await modelRig(FIXTURES.thermalIioGpio, undefined, io, group, log);
  const hw = pinKind.hw.of(driver) as PinctrlHw;
  /** From now on, the n-th next ioctl of `request` (1: the next one) answers `errnos[n]`. */
  const refuseNext = (request: number, errnos: Record<number, number>) => {
    const from = seen.get(request) ?? 0;
    refuse = (r, n) => r === request ? errnos[n - from + 1] ?? 0 : 0;
  };
  return {
    chip,
    hw,
    logged,
    refuseNext,
    pin: (n: number) => idOf(board, "pin", `gpiochip0_${n}`),
    // What the kernel shows of each line: flags, consumer, and the value an output drives (an
    // input's output latch is not shown).
    lines: () => chip.lines.map((l) => [l.flags, l.consumer, l.flags & 0b1000n ? l.value : "in"]),
  };
}

Deno.test("linux GPIO: a group refused on its 3rd of 4 lines leaves lines 1–2 as they were, not requested", async () => {
  const { chip, hw, lines } = await groupRig();
  chip.lines[6].consumer = "other";
  const before = lines();
  assertEquals(
    status(() => hw.setConfigs("group", 0, [OUTPUT_MODE, 1, OUTPUT_VALUE, 1], 2)),
    Status.BUSY,
  );
  assertEquals(lines(), before);
  // Given back, they are requested again once the whole group can change.
  chip.lines[6].consumer = "";
  hw.setConfigs("group", 0, [OUTPUT_MODE, 1, OUTPUT_VALUE, 1], 2);
  assertEquals(chip.lines.map((l) => [l.consumer, l.value]).slice(4), [
    ["vscmi", 1],
    ["vscmi", 1],
    ["vscmi", 1],
    ["vscmi", 1],
  ]);
});

Deno.test("linux GPIO: a group refused on its 3rd of 4 held lines puts lines 1–2 back in their configuration", async () => {
  const { hw, pin, lines, refuseNext } = await groupRig();
  hw.setConfigs("group", 0, [INPUT_MODE, 1, BIAS_PULL_UP, 1], 2);
  const before = lines();
  refuseNext(GPIO_IOCTL.V2_LINE_SET_CONFIG, { 3: -5 });
  assertEquals(
    status(() => hw.setConfigs("group", 0, [OUTPUT_MODE, 1, OUTPUT_VALUE, 1], 2)),
    Status.HARDWARE_ERROR,
  );
  assertEquals(lines(), before);
  // The driver's view is the kernel's.
  assertEquals(hw.getConfig("pin", pin(5), BIAS_PULL_UP), 1);
  assertEquals(hw.getConfig("pin", pin(5), OUTPUT_MODE), 0);
  assertEquals(hw.getConfig("pin", pin(5), INPUT_VALUE), 1);
});

Deno.test("linux GPIO: a group value refused on its 3rd of 4 lines sets lines 1–2 back", async () => {
  const { hw, pin, lines, refuseNext } = await groupRig();
  hw.setConfigs("group", 0, [OUTPUT_MODE, 1, OUTPUT_VALUE, 0], 2);
  const before = lines();
  refuseNext(GPIO_IOCTL.V2_LINE_SET_VALUES, { 3: -5 });
  assertEquals(
    status(() => hw.setConfigs("group", 0, [OUTPUT_VALUE, 1], 1)),
    Status.HARDWARE_ERROR,
  );
  assertEquals(lines(), before);
  assertEquals(hw.getConfig("pin", pin(4), OUTPUT_VALUE), 0);
});

Deno.test("linux GPIO: a restore the kernel refuses is logged once; the group's first refusal is answered", async () => {
  const { chip, hw, pin, lines, logged, refuseNext } = await groupRig();
  hw.setConfigs("group", 0, [INPUT_MODE, 1, BIAS_PULL_UP, 1], 2);
  const before = lines();
  // The 3rd line refuses (EBUSY); restoring the 2nd, the 4th SET_CONFIG, fails (EIO).
  refuseNext(GPIO_IOCTL.V2_LINE_SET_CONFIG, { 3: -16, 4: -5 });
  assertEquals(
    status(() => hw.setConfigs("group", 0, [OUTPUT_MODE, 1, OUTPUT_VALUE, 1], 2)),
    Status.BUSY,
  );
  assertEquals(logged, [
    'error: Driver "host": /dev/gpiochip0 line 5 keeps a change its group could not complete: ' +
    "restoring it failed: EIO",
  ]);
  // The 1st line is restored all the same; the 2nd keeps the change, and says so.
  assertEquals(lines()[4], before[4]);
  assertEquals([chip.lines[5].flags & 0b1100n, chip.lines[5].value], [0b1000n, 1]);
  assertEquals(hw.getConfig("pin", pin(5), OUTPUT_MODE), 1);
  assertEquals(lines().slice(6), before.slice(6));
  // The same failure again is not logged again.
  hw.setConfigs("pin", pin(5), [INPUT_MODE, 1, BIAS_PULL_UP, 1], 2);
  refuseNext(GPIO_IOCTL.V2_LINE_SET_CONFIG, { 3: -16, 4: -5 });
  assertEquals(
    status(() => hw.setConfigs("group", 0, [OUTPUT_MODE, 1, OUTPUT_VALUE, 1], 2)),
    Status.BUSY,
  );
  assertEquals(logged.length, 1);
});
