import { assertEquals, assertThrows } from "../../../core/_assert_test.ts";
import { DriverError } from "../../../core/driver.ts";
import { Status } from "../../../core/status.ts";
import { sensorKind } from "../../../plugins/sensor/kind.ts";
import type { SensorHw } from "../../../plugins/sensor/hw.ts";
import { FIXTURES, idOf, modelRig } from "./_kernel_model_test.ts";

function read(hw: SensorHw, id: number): number {
  const out = [NaN];
  hw.sample(id, out);
  return out[0];
}

Deno.test("linux sensors: hwmon, thermal zone and IIO readings in their declared units", async () => {
  const { model, board, driver } = await modelRig(FIXTURES.thermalIioGpio);
  const hw = sensorKind.hw.of(driver) as SensorHw;
  const desc = (n: string) => sensorKind.of(board).find((s) => s.name === n)!;
  // hwmon: m°C and mV as the files give them.
  assertEquals(read(hw, idOf(board, "sensor", "cpu_thermal")), 47_500);
  assertEquals([desc("cpu_thermal").type, desc("cpu_thermal").scale], [2, -3]);
  assertEquals(read(hw, idOf(board, "sensor", "vdd_soc_volt")), 850);
  // Thermal zone: m°C.
  const zone = idOf(board, "sensor", "cpu-thermal");
  assertEquals(read(hw, zone), Number(model.text("/sys/class/thermal/thermal_zone0/temp")));
  // IIO: raw × scale (m/s²), declared in thousandths.
  const x = idOf(board, "sensor", "imu_accel_accel_x");
  assertEquals([desc("imu_accel_accel_x").type, desc("imu_accel_accel_x").scale], [89, -3]);
  const dev = "/sys/bus/iio/devices/iio:device0";
  assertEquals(read(hw, x), Math.round(Number(model.text(`${dev}/in_accel_x_raw`)) * 0.001 * 1000));
  model.set(`${dev}/in_accel_x_scale`, "0.002000000");
  model.addFile(
    "/sys/devices/platform/arm-scmi.0.auto/scmi_dev.8/iio:device0/in_accel_x_offset",
    "5\n",
    0o644,
  );
  assertEquals(read(hw, x), (120 + 5) * 2);
  assertEquals(read(hw, idOf(board, "sensor", "imu_accel_accel_z")), 9810);
});

Deno.test("linux sensors: a file the kernel cannot read is HARDWARE_ERROR, not a throw", async () => {
  const { model, board, driver } = await modelRig(FIXTURES.scmiGuest);
  const hw = sensorKind.hw.of(driver) as SensorHw;
  const id = idOf(board, "sensor", "soc_temp");
  model.set("/sys/class/hwmon/hwmon0/temp2_input", "garbage");
  assertEquals(
    (assertThrows(() => read(hw, id), DriverError) as DriverError).status,
    Status.HARDWARE_ERROR,
  );
  model.files.delete([...model.files.keys()].find((p) => p.endsWith("hwmon0/temp2_input"))!);
  assertEquals(
    (assertThrows(() => read(hw, id), DriverError) as DriverError).status,
    Status.HARDWARE_ERROR,
  );
});
