/**
 * The `linux` board driver: the host kernel as the hardware. Clocks from debugfs, voltage
 * domains from the regulator class, sensors from hwmon, thermal zones and IIO, performance
 * domains from cpufreq policies; each resource names its place on the host in the driver's
 * options (`vscmi discover` writes them). Paths are opened under the hardware root
 * (`--hw-root`); what the kernel refuses becomes an SCMI status, nothing throws past the
 * driver. `--dry-run` logs each write instead of making it.
 * @module
 */
import { API_MAJOR } from "../../../core/api.ts";
import { defineDriver } from "../../../core/driver.ts";
import type { BoardDriver, DriverEnv, HwResourceAccess } from "../../../core/driver.ts";
import { hwAccessOf } from "../../../core/hw_root.ts";
import { OptionError } from "../../../core/options.ts";
import type { Logger } from "../../../core/log.ts";
import { type HostFs, realHostFs } from "./host_fs.ts";
import type { LinuxClass, LinuxCtx } from "./_ctx.ts";
import { linuxClocks } from "./clock.ts";
import { linuxRegulators, type RegulatorSource } from "./regulator.ts";
import { linuxSensors } from "./sensor.ts";
import { linuxPerf } from "./perf.ts";
import { discoverHost } from "./discover.ts";
import { type GpioSource, linuxGpio } from "./gpio.ts";
import { GPIO_IOCTL, type GpioIo } from "./gpio_uapi.ts";
import { libcGpioIo } from "./gpio_libc.ts";
import { recordTree, writeRecording } from "./record_format.ts";

/** The linux driver's options, checked. */
export interface LinuxOptions {
  clocks?: Record<string, string>;
  regulators?: Record<string, RegulatorSource>;
  sensors?: Record<string, string>;
  perf?: Record<string, string>;
  gpio?: Record<string, GpioSource>;
}

function pathTable(name: string, v: unknown): Record<string, string> | undefined {
  if (v === undefined) return undefined;
  const what = "a table of resource name = absolute host path";
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new OptionError(name, what, v);
  for (const [k, p] of Object.entries(v)) {
    if (typeof p !== "string" || !p.startsWith("/")) {
      throw new OptionError(`${name}.${k}`, "an absolute host path", p);
    }
  }
  return v as Record<string, string>;
}

function gpioTable(v: unknown): Record<string, GpioSource> | undefined {
  if (v === undefined) return undefined;
  const what = 'a table of pin name = { chip = "/dev/gpiochip<n>", line = <offset> }';
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new OptionError("gpio", what, v);
  }
  for (const [k, t] of Object.entries(v)) {
    const g = t as Partial<GpioSource>;
    const ok = typeof t === "object" && t !== null && typeof g.chip === "string" &&
      g.chip.startsWith("/") && Number.isInteger(g.line) && g.line! >= 0 && g.line! < 0x10000 &&
      Object.keys(t).every((x) => x === "chip" || x === "line");
    if (!ok) throw new OptionError(`gpio.${k}`, "{ chip = absolute path, line = offset }", t);
  }
  return v as Record<string, GpioSource>;
}

/** The linux driver's options, checked: throws OptionError naming the option. */
export function linuxOptions(options: Readonly<Record<string, unknown>>): LinuxOptions {
  const regs = options.regulators;
  let regulators: Record<string, RegulatorSource> | undefined;
  if (regs !== undefined) {
    const what = "a table of voltage domain name = regulator directory or { path, consumer }";
    if (typeof regs !== "object" || regs === null || Array.isArray(regs)) {
      throw new OptionError("regulators", what, regs);
    }
    for (const [k, v] of Object.entries(regs)) {
      if (typeof v === "string" && v.startsWith("/")) continue;
      const t = v as { path?: unknown; consumer?: unknown };
      const ok = typeof v === "object" && v !== null && typeof t.path === "string" &&
        t.path.startsWith("/") &&
        (t.consumer === undefined ||
          (typeof t.consumer === "string" && t.consumer.startsWith("/"))) &&
        Object.keys(v).every((x) => x === "path" || x === "consumer");
      if (!ok) {
        throw new OptionError(
          `regulators.${k}`,
          "an absolute path, or { path, consumer } with absolute paths",
          v,
        );
      }
    }
    regulators = regs as Record<string, RegulatorSource>;
  }
  return {
    gpio: gpioTable(options.gpio),
    clocks: pathTable("clocks", options.clocks),
    regulators,
    sensors: pathTable("sensors", options.sensors),
    perf: pathTable("perf", options.perf),
  };
}

/** `io` whose line requests and changes are logged instead of made. */
function dryRunGpio(io: GpioIo, name: string, log: Logger | undefined): GpioIo {
  const changes = new Set<number>([
    GPIO_IOCTL.V2_GET_LINE,
    GPIO_IOCTL.V2_LINE_SET_CONFIG,
    GPIO_IOCTL.V2_LINE_SET_VALUES,
  ]);
  return {
    ...io,
    ioctl(fd, request, buf) {
      if (!changes.has(request)) return io.ioctl(fd, request, buf);
      log?.info(`Driver "${name}": dry run: would ioctl 0x${request.toString(16)} on fd ${fd}`);
      // A request that was not made hands back no line: later reads of it fail.
      if (request === GPIO_IOCTL.V2_GET_LINE) new DataView(buf.buffer).setInt32(588, -1, true);
      return 0;
    },
  };
}

/** `fs` whose writes are logged instead of made. */
function dryRunFs(fs: HostFs, name: string, log: Logger | undefined): HostFs {
  return {
    ...fs,
    write(path, text) {
      log?.info(`Driver "${name}": dry run: would write "${text}" to ${path}`);
    },
  };
}

/** GPIO for a driver given none: every chip is absent. */
const NO_GPIO: GpioIo = { open: () => -2, ioctl: () => -19, close() {} };

/** A linux driver instance over `fs` and `gpio` (tests pass models of the kernel). */
export function createLinux(
  env: Pick<DriverEnv, "name" | "board">,
  fs: HostFs,
  opts: LinuxOptions,
  gpio: GpioIo = NO_GPIO,
): BoardDriver {
  const ctx: LinuxCtx = { fs, board: env.board, name: env.name };
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
