import { assert, assertEquals } from "../../../core/_assert_test.ts";
import { driverConformance } from "../../../testing/driver.ts";
import { BUILTIN_CONTRACTS } from "../../../testing/contracts.ts";
import { recordTree } from "./record_format.ts";
import { FIXTURES, KernelModel, modelRig } from "./_kernel_model_test.ts";

Deno.test("discover: every clock, regulator, sensor and policy of the default e2e kernel", async () => {
  const { board, toml } = await modelRig(FIXTURES.scmiGuest);
  const names = (k: string) => (board.resources[k] ?? []).map((r) => r.name).sort();
  assertEquals(names("clock"), [
    "apb_clk",
    "clk24mhz",
    "cluster0_clk",
    "gpu_core_clk",
    "i2c0_clk",
    "pll_gpu",
    "timer_clk",
    "uart0_clk",
  ]);
  // regulator-dummy has no voltage: left out, and said so.
  assertEquals(names("voltage"), ["vdd_cpu", "vdd_gpu"]);
  assert(toml.includes("# left out: regulator regulator.0 (regulator-dummy)"), toml);
  assertEquals(names("sensor"), ["gpu_temp", "soc_temp", "vdd_cpu_curr", "vdd_cpu_volt"]);
  assertEquals(names("perf"), ["cpu_policy0"]);
  // Each clock and regulator is marked read-only, with the reason.
  const marks = toml.split("\n").filter((l) => l.startsWith("# read-only:"));
  assertEquals(marks.length, 8 + 2);
  assert(toml.includes("debugfs clock writes are compiled out"), toml);
});

Deno.test("discover: thermal zones, IIO channels and gpio-sim chips of the second kernel", async () => {
  const { board, toml } = await modelRig(FIXTURES.thermalIioGpio);
  const sensors = (board.resources.sensor ?? []).map((r) => r.name).sort();
  assertEquals(sensors, [
    "cpu-thermal",
    "cpu_thermal",
    "imu_accel_accel_x",
    "imu_accel_accel_y",
    "imu_accel_accel_z",
    "vdd_soc_volt",
  ]);
  assert(toml.includes(`"cpu-thermal" = "/sys/class/thermal/thermal_zone0/temp"`), toml);
  // gpio-sim's chip of 8 lines: one pin per line, each placed on /dev/gpiochip0.
  assertEquals(board.resources.pin?.length, 8);
  assert(toml.includes(`"gpiochip0_7" = { chip = "/dev/gpiochip0", line = 7 }`), toml);
  assert(toml.includes("partly writable: the performance governor chooses the level"), toml);
});

Deno.test("discover: every path the board names is one the recording holds", async () => {
  for (const f of Object.values(FIXTURES)) {
    const { model, board } = await modelRig(f);
    const opts = board.drivers[0].options as Record<string, Record<string, unknown>>;
    for (const [option, table] of Object.entries(opts)) {
      for (const p of Object.values(table)) {
        // A GPIO chip's device node is not a file; its sysfs device is.
        const path = option === "gpio"
          ? `/sys/bus/gpio/devices/${(p as { chip: string }).chip.slice("/dev/".length)}`
          : p as string;
        assert(model.exists(path), `${f}: ${path}`);
      }
    }
  }
});

Deno.test("recordTree over the model of a recorded tree gives back that tree", () => {
  for (const f of Object.values(FIXTURES)) {
    const model = KernelModel.load(f);
    const rec = recordTree(model);
    assertEquals([...rec.files.keys()].sort(), [...model.files.keys()].sort());
    assertEquals([...rec.links].sort(), [...model.links].sort());
    for (const [p, m] of rec.modes) assertEquals(m, model.modes.get(p), p);
  }
});

Deno.test("linux driver conformance over both recorded kernels", async (t) => {
  for (const [name, f] of Object.entries(FIXTURES)) {
    const { driver, board } = await modelRig(f);
    await t.step(
      name,
      (s) => driverConformance(s, { driver, board, contracts: BUILTIN_CONTRACTS }),
    );
  }
});
