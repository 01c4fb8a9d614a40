import { assert, assertEquals, assertThrows } from "../../../core/_assert_test.ts";
import { DriverError } from "../../../core/driver.ts";
import { Status } from "../../../core/status.ts";
import { clockKind } from "../../../plugins/clock/kind.ts";
import type { ClockHw } from "../../../plugins/clock/hw.ts";
import { FIXTURES, idOf, modelRig } from "./_kernel_model_test.ts";

const CLK = "/sys/kernel/debug/clk";

function statusOf(fn: () => unknown): number {
  const e = assertThrows(fn, DriverError) as DriverError;
  return e.status;
}

Deno.test("linux clocks read rate, state and parent from a real kernel's debugfs", async () => {
  const { model, board, driver } = await modelRig(FIXTURES.scmiGuest);
  const hw = clockKind.hw.of(driver) as ClockHw;
  for (const c of clockKind.of(board)) {
    assertEquals(hw.getRate(c.id), Number(model.text(`${CLK}/${c.name}/clk_rate`)), c.name);
    assertEquals(
      hw.isEnabled(c.id),
      Number(model.text(`${CLK}/${c.name}/clk_enable_count`)) > 0,
      c.name,
    );
  }
  const i2c = idOf(board, "clock", "i2c0_clk");
  assertEquals(hw.getParent!(i2c), idOf(board, "clock", "apb_clk"));
  assertEquals(hw.getParent!(idOf(board, "clock", "clk24mhz")), -1);
  // The kernel's answer, not a copy: a rate change the kernel shows is what the driver reads.
  model.set(`${CLK}/i2c0_clk/clk_rate`, 12_500_000);
  assertEquals(hw.getRate(i2c), 12_500_000);
});

Deno.test("linux clocks: stock debugfs (0444) refuses other rates, states and parents as DENIED", async () => {
  const { model, board, driver } = await modelRig(FIXTURES.scmiGuest);
  const hw = clockKind.hw.of(driver) as ClockHw;
  const uart = idOf(board, "clock", "uart0_clk");
  const rate = hw.getRate(uart) as number;
  // What the clock already has succeeds without a write.
  assertEquals(hw.setRate(uart, rate, "nearest"), rate);
  hw.setEnabled(uart, hw.isEnabled(uart));
  assertEquals(statusOf(() => hw.setRate(uart, rate * 2, "nearest")), Status.DENIED);
  assertEquals(statusOf(() => hw.setEnabled(uart, !hw.isEnabled(uart))), Status.DENIED);
  const i2c = idOf(board, "clock", "i2c0_clk");
  assertEquals(statusOf(() => hw.setParent!(i2c, idOf(board, "clock", "pll_gpu"))), Status.DENIED);
  assertEquals(model.writes, []);
  const a = driver.access!("clock", uart);
  assertEquals([a.read, a.write], [true, false]);
  assert(a.why?.includes("compiled out"), a.why);
});

Deno.test("linux clocks: a kernel with debugfs clock writes gets the rate written, read back", async () => {
  const { model, board, driver } = await modelRig(FIXTURES.scmiGuest, (m) => {
    for (const p of m.modes.keys()) if (p.endsWith("/uart0_clk/clk_rate")) m.modes.set(p, 0o644);
  });
  const hw = clockKind.hw.of(driver) as ClockHw;
  const uart = idOf(board, "clock", "uart0_clk");
  assertEquals(hw.setRate(uart, 48_000_000, "nearest"), 48_000_000);
  assertEquals(model.text(`${CLK}/uart0_clk/clk_rate`), "48000000");
  assertEquals(driver.access!("clock", uart).write, true);
});

Deno.test("linux access: a file the kernel does not show is reported unreadable, with its path", async () => {
  const { model, board, driver } = await modelRig(FIXTURES.scmiGuest);
  const uart = idOf(board, "clock", "uart0_clk");
  model.files.delete("/sys/kernel/debug/clk/uart0_clk/clk_rate");
  const a = driver.access!("clock", uart);
  assertEquals([a.read, a.write], [false, false]);
  assert(a.why?.includes("/sys/kernel/debug/clk/uart0_clk/clk_rate"), a.why);
  const s = driver.access!("sensor", idOf(board, "sensor", "soc_temp"));
  assertEquals([s.read, s.write], [true, false]);
});
