/**
 * The board `vscmi discover` writes for a recorded kernel serves what Linux's SCMI drivers
 * ask at probe and use afterwards, with the linux driver over a model of that kernel
 * (`boards/drivers/linux/_kernel_model_test.ts`): Base protocol discovery; every clock's
 * attributes, rates and rate (the kernel's `clk_rate`), enabling one the host already runs
 * and being DENIED one it keeps off; every sensor's description and reading (the kernel's
 * files); every regulator's levels, level and state; the cpufreq domain's levels and level
 * changes, which move the kernel's `scaling_cur_freq`; and on the gpio-sim kernel a GPIO line
 * requested and driven through pin control (a model of the chip's ioctls).
 * @module
 */
import { join } from "node:path";
import { assertEquals } from "../core/_assert_test.ts";
import { Status } from "../core/status.ts";
import { Harness } from "../testing/mod.ts";
import { defineDriver } from "../core/driver.ts";
import { createLinux, linuxDriver, linuxOptions } from "../boards/drivers/linux/mod.ts";
import { FIXTURES, type ModelRig, modelRig } from "../boards/drivers/linux/_kernel_model_test.ts";
import { GpioChipModel } from "../boards/drivers/linux/_gpio_model_test.ts";
import { BaseMsg } from "../plugins/base/msg.ts";
import { ClockMsg } from "../plugins/clock/msg.ts";
import { SensorMsg } from "../plugins/sensor/msg.ts";
import { PerfMsg } from "../plugins/perf/msg.ts";
import { VoltageMsg } from "../plugins/voltage/msg.ts";

const CLOCK = 0x14, PERF = 0x13, SENSOR = 0x15, VOLTAGE = 0x17, PINCTRL = 0x19;

/** A harness serving the rig's discovered board to one agent granted every resource. */
async function serve(
  rig: ModelRig,
  chip?: GpioChipModel,
): Promise<{ h: Harness; close(): Promise<void> }> {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(join(dir, "board.toml"), rig.toml);
  const names = (k: string) => JSON.stringify((rig.board.resources[k] ?? []).map((r) => r.name));
  const protocols = JSON.stringify([
    "clock",
    "sensor",
    "voltage",
    "perf",
    ...(rig.board.resources.pin?.length ? ["pinctrl"] : []),
  ]);
  await Deno.writeTextFile(
    join(dir, "vscmi.toml"),
    `board = "board.toml"\n\n[[agent]]\nname = "vm"\ntransport = { type = "stream" }\n` +
      `protocols = ${protocols}\nclocks = ${names("clock")}\n` +
      `sensors = ${names("sensor")}\nvoltage_domains = ${names("voltage")}\n` +
      `perf_domains = ${names("perf")}\npins = ${names("pin")}\n`,
  );
  const overModel = defineDriver({
    ...linuxDriver,
    create: (env) => createLinux(env, rig.model, linuxOptions(env.options), chip),
  });
  const h = await Harness.load(join(dir, "vscmi.toml"), { drivers: [overModel], log: () => {} });
  return {
    h,
    async close() {
      await h.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** A NUL-terminated name at byte `at` of `bytes`. */
function nameAt(bytes: Uint8Array, at: number, len = 16): string {
  const raw = bytes.subarray(at, at + len);
  const end = raw.indexOf(0);
  return new TextDecoder().decode(end < 0 ? raw : raw.subarray(0, end));
}

/** The sign-extended 64-bit value of two little-endian words. */
const u64 = (lo: number, hi: number) => hi * 2 ** 32 + lo;
const s64 = (lo: number, hi: number) => (hi | 0) * 2 ** 32 + lo;

async function ok(h: Harness, p: number, m: number, params: number[] = []) {
  const r = await h.send("vm", p, m, params);
  assertEquals(r.status, Status.SUCCESS, `protocol 0x${p.toString(16)} message ${m} ${params}`);
  return r;
}

async function walk(rig: ModelRig, chip?: GpioChipModel): Promise<void> {
  const { model, board } = rig;
  const { h, close } = await serve(rig, chip);
  try {
    // Base: the protocols Linux instantiates drivers for.
    const list = await ok(h, 0x10, BaseMsg.DISCOVER_LIST_PROTOCOLS, [0]);
    const [n] = list.words();
    const ids = [...list.payload.subarray(4, 4 + n)];
    const pins = board.resources.pin ?? [];
    assertEquals(
      ids.sort(),
      [PERF, CLOCK, SENSOR, VOLTAGE, ...(pins.length ? [PINCTRL] : [])].sort(),
    );

    // Clocks (clk-scmi): attributes, rates, rate; enable only what the host runs.
    const clocks = [...(board.resources.clock ?? [])].sort((a, b) => a.id - b.id);
    assertEquals(
      (await ok(h, CLOCK, ClockMsg.PROTOCOL_ATTRIBUTES)).words()[0] & 0xffff,
      clocks.length,
    );
    for (const [vid, c] of clocks.entries()) {
      const attrs = await ok(h, CLOCK, ClockMsg.CLOCK_ATTRIBUTES, [vid]);
      assertEquals(nameAt(attrs.payload, 4), c.name.slice(0, 15));
      const rate = Number(model.text(`/sys/kernel/debug/clk/${c.name}/clk_rate`));
      const rates = (await ok(h, CLOCK, ClockMsg.CLOCK_DESCRIBE_RATES, [vid, 0])).words();
      assertEquals([rates[0] & 0xfff, u64(rates[1], rates[2])], [1, rate]);
      const got = (await ok(h, CLOCK, ClockMsg.CLOCK_RATE_GET, [vid])).words();
      assertEquals(u64(got[0], got[1]), rate, c.name);
      const running = Number(model.text(`/sys/kernel/debug/clk/${c.name}/clk_enable_count`)) > 0;
      const r = await h.send("vm", CLOCK, ClockMsg.CLOCK_CONFIG_SET, [vid, 1, 0]);
      assertEquals(r.status, running ? Status.SUCCESS : Status.DENIED, c.name);
    }

    // Sensors (scmi-hwmon, scmi-iio): descriptions, then readings equal to the kernel's.
    const sensors = [...(board.resources.sensor ?? [])].sort((a, b) => a.id - b.id);
    const desc = await ok(h, SENSOR, SensorMsg.SENSOR_DESCRIPTION_GET, [0]);
    assertEquals((desc.words()[0] & 0xfff) + (desc.words()[0] >>> 16), sensors.length);
    const opts = board.drivers[0].options as { sensors: Record<string, string> };
    for (const [vid, s] of sensors.entries()) {
      const file = opts.sensors[s.name];
      // IIO raw values are scaled by their _scale file into the declared thousandths.
      const want = file.endsWith("_raw")
        ? Math.round(
          Number(model.text(file)) * Number(model.text(file.replace(/_raw$/, "_scale"))) * 1000,
        )
        : Number(model.text(file));
      const w = (await ok(h, SENSOR, SensorMsg.SENSOR_READING_GET, [vid, 0])).words();
      assertEquals(s64(w[0], w[1]), want, s.name);
    }
    // A reading follows the kernel's file, not a cached value.
    const first = sensors.findIndex((s) => !opts.sensors[s.name].endsWith("_raw"));
    model.set(opts.sensors[sensors[first].name], 61_250);
    const again = (await ok(h, SENSOR, SensorMsg.SENSOR_READING_GET, [first, 0])).words();
    assertEquals(s64(again[0], again[1]), 61_250);

    // Regulators (scmi-regulator): levels, level and state; another level is DENIED.
    const regs = [...(board.resources.voltage ?? [])].sort((a, b) => a.id - b.id);
    const ropts = board.drivers[0].options as { regulators: Record<string, string> };
    for (const [vid, v] of regs.entries()) {
      await ok(h, VOLTAGE, VoltageMsg.VOLTAGE_DOMAIN_ATTRIBUTES, [vid]);
      const uv = Number(model.text(`${ropts.regulators[v.name]}/microvolts`));
      const levels = (await ok(h, VOLTAGE, VoltageMsg.VOLTAGE_DESCRIBE_LEVELS, [vid, 0])).words();
      assertEquals([levels[0] & 0xfff, levels[1] | 0], [1, uv]);
      assertEquals((await ok(h, VOLTAGE, VoltageMsg.VOLTAGE_LEVEL_GET, [vid])).words()[0] | 0, uv);
      // Switching on what the host runs is a vote the host already satisfies; switching on
      // what it keeps off needs a userspace consumer, which these kernels do not bind.
      const on = model.text(`${ropts.regulators[v.name]}/state`) === "enabled";
      const cfg = await h.send("vm", VOLTAGE, VoltageMsg.VOLTAGE_CONFIG_SET, [vid, 7]);
      assertEquals(cfg.status, on ? Status.SUCCESS : Status.DENIED, v.name);
      const got = (await ok(h, VOLTAGE, VoltageMsg.VOLTAGE_CONFIG_GET, [vid])).words()[0];
      assertEquals(got & 0xf, on ? 7 : 0, v.name);
    }

    // cpufreq (scmi-cpufreq): levels, then a level change the kernel carries out.
    const policy = "/sys/devices/system/cpu/cpufreq/policy0";
    await ok(h, PERF, PerfMsg.DOMAIN_ATTRIBUTES, [0]);
    const lv = (await ok(h, PERF, PerfMsg.DESCRIBE_LEVELS, [0, 0])).words();
    const levels = board.resources.perf![0] as unknown as { levels: { level: number }[] };
    assertEquals((lv[0] & 0xfff) + (lv[0] >>> 16), levels.levels.length);
    const target = levels.levels[1].level;
    const set = await h.send("vm", PERF, PerfMsg.LEVEL_SET, [0, target]);
    if (model.text(`${policy}/scaling_governor`) === "userspace") {
      assertEquals(set.status, Status.SUCCESS);
      assertEquals(model.text(`${policy}/scaling_cur_freq`), String(target));
      assertEquals((await ok(h, PERF, PerfMsg.LEVEL_GET, [0])).words()[0], target);
    } else {
      assertEquals(set.status, Status.DENIED);
      assertEquals(
        (await ok(h, PERF, PerfMsg.LEVEL_GET, [0])).words()[0],
        Number(model.text(`${policy}/scaling_cur_freq`)),
      );
    }

    // Pins (pinctrl-scmi as a GPIO user): request a line, drive it high, read it back.
    if (chip && pins.length) {
      const attrs = await ok(h, PINCTRL, 0x3, [3, 0]);
      assertEquals(nameAt(attrs.payload, 4), pins.find((p) => p.id === 3)!.name);
      await ok(h, PINCTRL, 0x7, [3, 0]);
      // Function "none" (not selected: bit 10 clear), OUTPUT_MODE 1, OUTPUT_VALUE 1.
      await ok(h, PINCTRL, 0x6, [3, 0xffff_ffff, (2 << 2) | 0, 17, 1, 18, 1]);
      assertEquals([chip.lines[3].consumer, chip.lines[3].value], ["vscmi", 1]);
      const got = (await ok(h, PINCTRL, 0x5, [3, 18])).words();
      assertEquals([got[1] & 0xff, got[2], got[3]], [1, 18, 1]);
    }
  } finally {
    await close();
  }
}

Deno.test("a discovered board serves Linux's probe walk over the default e2e kernel's model", async () => {
  await walk(await modelRig(FIXTURES.scmiGuest));
});

Deno.test("a discovered board serves Linux's probe walk over the thermal/IIO/gpio-sim kernel's model", async () => {
  const chip = new GpioChipModel("/dev/gpiochip0", 8);
  await walk(await modelRig(FIXTURES.thermalIioGpio, undefined, chip), chip);
});
