/**
 * The `linux` board driver: the host kernel as the hardware. Clocks from debugfs, voltage
 * domains from the regulator class, sensors from hwmon, thermal zones and IIO, performance
 * domains from cpufreq policies, pins as GPIO lines of the character device; each resource names its place on the host in the driver's
 * options (`vscmi discover` writes them). Paths are opened under the hardware root
 * (`--hw-root`); what the kernel refuses becomes an SCMI status, nothing throws past the
 * driver. `--dry-run` logs each write instead of making it.
 * @module
 */
import { API_MAJOR } from "../../../core/api.ts";
import { defineDriver } from "../../../core/driver.ts";
import type { BoardDriver, DriverEnv, HwResourceAccess } from "../../../core/driver.ts";
import { hwAccessOf } from "../../../core/hw_root.ts";
import { type HostFs, realHostFs } from "./host_fs.ts";
import type { LinuxClass, LinuxCtx } from "./_ctx.ts";
import { linuxClocks } from "./clock.ts";
import { linuxRegulators } from "./regulator.ts";
import { linuxSensors } from "./sensor.ts";
import { linuxPerf } from "./perf.ts";
import { discoverHost } from "./discover.ts";
import { linuxGpio } from "./gpio.ts";
import type { GpioIo } from "./gpio_uapi.ts";
import { type LinuxOptions, linuxOptions } from "./options.ts";
import { dryRunFs, dryRunGpio } from "./dry_run.ts";
import { libcGpioIo } from "./gpio_libc.ts";
import { recordTree, writeRecording } from "./record_format.ts";

export { type LinuxOptions, linuxOptions };

/** GPIO for a driver given none: every chip is absent. */
const NO_GPIO: GpioIo = { open: () => -2, ioctl: () => -19, close() {} };

/** A linux driver instance over `fs` and `gpio` (tests pass models of the kernel). */
export function createLinux(
  env: Pick<DriverEnv, "name" | "board" | "log">,
  fs: HostFs,
  opts: LinuxOptions,
  gpio: GpioIo = NO_GPIO,
): BoardDriver {
  const ctx: LinuxCtx = { fs, board: env.board, name: env.name, log: env.log };
  const pins = linuxGpio(ctx, opts.gpio, gpio);
  const classes: Record<string, LinuxClass<unknown>> = {
    clock: linuxClocks(ctx, opts.clocks),
    voltage: linuxRegulators(ctx, opts.regulators),
    sensor: linuxSensors(ctx, opts.sensors),
    perf: linuxPerf(ctx, opts.perf),
    pinctrl: pins,
  };
  // `vscmi check` may name the pin control class by its resource kinds.
  const byKind: Record<string, (id: number) => HwResourceAccess> = {
    pin: pins.access,
    group: pins.groupAccess,
  };
  const driver: BoardDriver = {
    name: env.name,
    close: () => pins.close(),
    access(cls: string, id: number): HwResourceAccess {
      const c = byKind[cls] ? { access: byKind[cls] } : classes[cls];
      if (!c) return { read: false, write: false, why: `the linux driver does not back ${cls}` };
      try {
        return c.access(id);
      } catch (e) {
        return { read: false, write: false, why: e instanceof Error ? e.message : String(e) };
      }
    },
  };
  for (const [cls, c] of Object.entries(classes)) driver[cls] = c.hw;
  return driver;
}

export const linuxDriver = defineDriver({
  api: API_MAJOR,
  name: "linux",
  summary:
    "The host kernel: debugfs clocks, regulators, hwmon/thermal/IIO sensors, cpufreq, GPIO lines",
  options: {
    clocks: "Clock name = its debugfs directory (/sys/kernel/debug/clk/<clk>)",
    regulators:
      "Voltage domain name = /sys/class/regulator/<r>, or { path, consumer = state file }",
    sensors: "Sensor name = the file it reads (hwmon *_input, thermal temp, IIO *_raw/_input)",
    perf:
      "Performance domain name = its cpufreq policy (/sys/devices/system/cpu/cpufreq/policy<n>)",
    gpio: 'Pin name = { chip = "/dev/gpiochip<n>", line = <offset> } (GPIO character device)',
  },
  checkOptions: linuxOptions,
  create(env) {
    const hw = hwAccessOf(env);
    const real = realHostFs(hw.hwRoot);
    const fs = hw.dryRun ? dryRunFs(real, env.name, env.log) : real;
    const io = libcGpioIo(hw.hwRoot);
    const gpio = hw.dryRun ? dryRunGpio(io, env.name, env.log) : io;
    return createLinux(env, fs, linuxOptions(env.options), gpio);
  },
  discover: {
    summary: "The host kernel's clocks, regulators, sensors, cpufreq policies and GPIO lines",
    records: true,
    run(env) {
      const fs = realHostFs(env.hwRoot);
      if (env.record !== undefined) writeRecording(recordTree(fs), env.record);
      return Promise.resolve(discoverHost(fs, env.log));
    },
  },
});
