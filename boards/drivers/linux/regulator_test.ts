import { assert, assertEquals, assertThrows } from "../../../core/_assert_test.ts";
import { DriverError } from "../../../core/driver.ts";
import { Status } from "../../../core/status.ts";
import { voltageKind } from "../../../plugins/voltage/kind.ts";
import type { VoltageHw } from "../../../plugins/voltage/hw.ts";
import { createLinux, linuxOptions } from "./mod.ts";
import { FIXTURES, idOf, modelRig } from "./_kernel_model_test.ts";

const REG = "/sys/class/regulator";

Deno.test("linux regulators: level and state from sysfs; another level is DENIED", async () => {
  const { model, board, driver } = await modelRig(FIXTURES.thermalIioGpio);
  const hw = voltageKind.hw.of(driver) as VoltageHw;
  const soc = idOf(board, "voltage", "vdd_soc");
  assertEquals(hw.getLevel(soc), Number(model.text(`${REG}/regulator.1/microvolts`)));
  assertEquals(hw.isOn(soc), model.text(`${REG}/regulator.1/state`) === "enabled");
  hw.setLevel(soc, hw.getLevel(soc) as number);
  const e = assertThrows(() => hw.setLevel(soc, 900_000), DriverError) as DriverError;
  assertEquals(e.status, Status.DENIED);
  const off = assertThrows(() => hw.setOn(soc, !hw.isOn(soc)), DriverError) as DriverError;
  assertEquals(off.status, Status.DENIED);
  assert(off.message.includes("no userspace consumer"), off.message);
  assertEquals(driver.access!("voltage", soc).write, false);
});

Deno.test("linux regulators: a userspace consumer switches the regulator on and off", async () => {
  const { model, board, driver: discovered } = await modelRig(FIXTURES.thermalIioGpio);
  const consumer = "/sys/devices/platform/reg-userspace-consumer.0/state";
  model.addFile(consumer, "enabled\n", 0o644);
  // The consumer driver enables or disables its supply as `state` says.
  model.onWrite(consumer, (t) => model.set(`${REG}/regulator.1/state`, t));
  const options = linuxOptions(board.drivers[0].options);
  const driver = createLinux({ name: "host", board }, model, {
    ...options,
    regulators: {
      vdd_soc: { path: `${REG}/regulator.1`, consumer },
      vcc_io: `${REG}/regulator.2`,
    },
  });
  const hw = voltageKind.hw.of(driver) as VoltageHw;
  const soc = idOf(board, "voltage", "vdd_soc");
  hw.setOn(soc, false);
  assertEquals(model.text(`${REG}/regulator.1/state`), "disabled");
  assertEquals(hw.isOn(soc), false);
  hw.setOn(soc, true);
  assertEquals(model.text(`${REG}/regulator.1/state`), "enabled");
  assertEquals(driver.access!("voltage", soc).write, true);
  assertEquals(discovered.access!("voltage", soc).write, false);
  // A consumer that does nothing cannot pass for one that switched.
  model.onWrite(consumer, () => {});
  const e = assertThrows(() => hw.setOn(soc, false), DriverError) as DriverError;
  assertEquals(e.status, Status.HARDWARE_ERROR);
});
