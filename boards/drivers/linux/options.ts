/** The linux driver's options: where each resource is on the host, checked. @module */
import { OptionError } from "../../../core/options.ts";
import type { GpioSource } from "./gpio.ts";
import type { RegulatorSource } from "./regulator.ts";

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
