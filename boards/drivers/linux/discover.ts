/**
 * `vscmi discover` for the host: a board manifest of what the running kernel shows, every
 * resource backed by one `linux` driver instance whose options say where it is. Clocks from
 * debugfs (parents before children, rate and state as they are), regulators with a voltage,
 * hwmon channels, thermal zones and IIO channels of temperature, voltage and current (power
 * for hwmon) as sensors in the units their files give, cpufreq policies as performance
 * domains (one level per frequency, the level being the frequency in kHz), GPIO lines as pins.
 * A comment marks every resource the host cannot change and says why.
 * @module
 */
import type { Logger } from "../../../core/log.ts";
import type { HostFs } from "./host_fs.ts";
import { clockAccess } from "./clock.ts";
import { regulatorAccess } from "./regulator.ts";
import { policyAccess } from "./perf.ts";
import { emptySection, Names, q, type Section, table, tryInt, tryText } from "./discover_toml.ts";
import { sensors } from "./discover_sensors.ts";
import { gpioPins } from "./discover_gpio.ts";

const CLK = "/sys/kernel/debug/clk";
const REGULATORS = "/sys/class/regulator";
const CPUFREQ = "/sys/devices/system/cpu/cpufreq";

function clocks(fs: HostFs): Section {
  const s = emptySection();
  const dirs = fs.list(CLK).filter((n) => fs.kind(`${CLK}/${n}`) === "dir");
  const parentOf = new Map<string, string>();
  for (const n of dirs) {
    const p = tryText(fs, `${CLK}/${n}/clk_parent`);
    if (p && dirs.includes(p)) parentOf.set(n, p);
  }
  const depth = (n: string): number => {
    let d = 0;
    for (let p = parentOf.get(n); p !== undefined && d < dirs.length; p = parentOf.get(p)) d++;
    return d;
  };
  const ordered = [...dirs].sort((a, b) => depth(a) - depth(b) || (a < b ? -1 : a > b ? 1 : 0));
  const names = new Names();
  const nameOf = new Map<string, string>();
  let id = 0;
  for (const n of ordered) {
    const dir = `${CLK}/${n}`;
    const rate = tryInt(fs, `${dir}/clk_rate`);
    if (rate === undefined || rate < 1) {
      s.skipped.push(`clock ${n}: rate ${rate ?? "unreadable"}`);
      continue;
    }
    const name = names.take(n);
    nameOf.set(n, name);
    const keys = [
      `rates = [${rate}]`,
      `enabled = ${(tryInt(fs, `${dir}/clk_enable_count`) ?? 0) > 0}`,
    ];
    const possible = (tryText(fs, `${dir}/clk_possible_parents`) ?? "").split(/\s+/)
      .filter((p) => nameOf.has(p));
    const parent = parentOf.get(n);
    const parents = possible.length ? possible : parent && nameOf.has(parent) ? [parent] : [];
    if (parents.length) {
      keys.push(`parents = [${parents.map((p) => q(nameOf.get(p)!)).join(", ")}]`);
    }
    if (parent && parents.includes(parent)) keys.push(`parent = ${q(nameOf.get(parent)!)}`);
    const a = clockAccess(fs, dir);
    s.entries.push(table("clock", id++, name, keys, a.write ? [] : [`read-only: ${a.why}`]));
    s.sources.push([name, dir]);
  }
  return s;
}

function regulators(fs: HostFs): Section {
  const s = emptySection();
  const names = new Names();
  let id = 0;
  for (const n of fs.list(REGULATORS)) {
    const dir = `${REGULATORS}/${n}`;
    const uv = tryInt(fs, `${dir}/microvolts`);
    if (uv === undefined) {
      s.skipped.push(`regulator ${n} (${tryText(fs, `${dir}/name`) ?? "?"}): no voltage to read`);
      continue;
    }
    const name = names.take(tryText(fs, `${dir}/name`) || n);
    const min = tryInt(fs, `${dir}/min_microvolts`);
    const max = tryInt(fs, `${dir}/max_microvolts`);
    const comment = [
      `${dir}${min !== undefined && max !== undefined ? `: constraints ${min}–${max} µV` : ""}`,
    ];
    const a = regulatorAccess(fs, { path: dir });
    if (!a.write) comment.push(`read-only: ${a.why}`);
    s.entries.push(table("voltage", id++, name, [
      `levels = [${uv}]`,
      `on = ${tryText(fs, `${dir}/state`) === "enabled"}`,
    ], comment));
    s.sources.push([name, dir]);
  }
  return s;
}

function perf(fs: HostFs): Section {
  const s = emptySection();
  const names = new Names();
  let id = 0;
  for (const p of fs.list(CPUFREQ).filter((n) => /^policy\d+$/.test(n))) {
    const dir = `${CPUFREQ}/${p}`;
    const list = (f: string) =>
      (tryText(fs, `${dir}/${f}`) ?? "").split(/\s+/).filter((x) => /^\d+$/.test(x)).map(Number);
    const normal = list("scaling_available_frequencies");
    const boost = list("scaling_boost_frequencies");
    let khz = [...new Set([...normal, ...boost])].sort((a, b) => a - b);
    if (khz.length === 0) {
      khz = [tryInt(fs, `${dir}/cpuinfo_min_freq`), tryInt(fs, `${dir}/cpuinfo_max_freq`)]
        .filter((x): x is number => x !== undefined && x > 0);
      khz = [...new Set(khz)].sort((a, b) => a - b);
    }
    if (khz.length === 0) {
      s.skipped.push(`cpufreq ${p}: no frequencies`);
      continue;
    }
    const cur = tryInt(fs, `${dir}/scaling_cur_freq`) ?? khz[0];
    const level = khz.reduce((b, k) => Math.abs(k - cur) < Math.abs(b - cur) ? k : b);
    const latency = Math.ceil((tryInt(fs, `${dir}/cpuinfo_transition_latency`) ?? 0) / 1000);
    const sustained = normal.length ? Math.max(...normal) : khz[khz.length - 1];
    const name = names.take(`cpu_${p}`);
    const cpus = tryText(fs, `${dir}/related_cpus`) ?? "?";
    const comment = [
      `${dir}: CPUs ${cpus}, ${tryText(fs, `${dir}/scaling_driver`) ?? "?"} driver, ` +
      `governor ${tryText(fs, `${dir}/scaling_governor`) ?? "?"}; levels are kHz`,
    ];
    const a = policyAccess(fs, dir);
    if (!a.write) comment.push(`read-only: ${a.why}`);
    else if (a.why) comment.push(`partly writable: ${a.why}`);
    s.entries.push(table("perf", id++, name, [
      "levels = [",
      ...khz.map((k) => `  { level = ${k}, freq = ${k * 1000}, latency_us = ${latency} },`),
      "]",
      `level = ${level}`,
      `sustained_level = ${sustained}`,
    ], comment));
    s.sources.push([name, dir]);
  }
  return s;
}

/**
 * The board manifest (TOML) for what `fs` shows; `log` hears what was left out.
 *
 * @param fs The host's files (under the hardware root).
 * @param log Where each skipped object is reported.
 * @returns The manifest text.
 */
export function discoverHost(fs: HostFs, log?: Logger): string {
  const parts: [string, string, Section][] = [
    ["clocks", "Clocks (debugfs)", clocks(fs)],
    ["regulators", "Voltage domains (regulators)", regulators(fs)],
    ["sensors", "Sensors (hwmon, thermal zones, IIO)", sensors(fs)],
    ["perf", "Performance domains (cpufreq policies)", perf(fs)],
    ["gpio", "Pins (GPIO lines of the character device)", gpioPins(fs)],
  ];
  const out: string[] = [
    "# Board manifest written by `vscmi discover` from the host kernel's debugfs and sysfs.",
    '# Every resource is backed by the linux driver "host"; the driver\'s options say where each',
    '# one is. "read-only:" marks what the host cannot change (asking for another value is',
    "# DENIED); `vscmi check` reports it per resource. Name devices ([[device]]) to grant",
    "# resources together.",
    "",
    "[board]",
    `name = "host"`,
    "",
    "[[driver]]",
    `name = "host"`,
    `type = "linux"`,
  ];
  for (const [option, , sec] of parts) {
    if (sec.sources.length === 0) continue;
    out.push("", `[driver.options.${option}]`);
    for (const [name, src] of sec.sources) {
      out.push(
        typeof src === "string"
          ? `${q(name)} = ${q(src)}`
          : `${q(name)} = { ${
            Object.entries(src).map(([k, v]) => `${k} = ${typeof v === "string" ? q(v) : v}`).join(
              ", ",
            )
          } }`,
      );
    }
  }
  for (const [, title, sec] of parts) {
    if (sec.entries.length === 0 && sec.skipped.length === 0) continue;
    out.push("", `# ── ${title} ${"─".repeat(Math.max(3, 80 - title.length))}`);
    for (const sk of sec.skipped) {
      out.push(`# left out: ${sk}`);
      log?.info(`discover: left out ${sk}`);
    }
    for (const e of sec.entries) out.push("", e);
  }
  return out.join("\n") + "\n";
}
