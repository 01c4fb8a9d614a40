/**
 * The guest's kernel log, read for anything the SCMI stack or a driver that talks SCMI
 * complains about: every line of the SCMI core, its transports and consumers (clk,
 * regulator, hwmon, reset, genpd, cpufreq, pinctrl, powercap, thermal, OPP) that reports a
 * failure, a warning, a malformed or unexpected message, a refused value or a stuck probe.
 * Linux logs these at every level (`dev_err`, `dev_warn`, and `dev_dbg` with the harness's
 * dynamic debug), so the level is not looked at.
 * @module
 */

/** What the guest kernel was built with, as far as the log depends on it. */
export interface GuestKernel {
  /**
   * CONFIG_THERMAL_OF. Without it scmi-hwmon's attempt to register every temperature sensor
   * as a thermal zone gets -ENOTSUPP (-524) from the kernel's stub, whatever the platform
   * answered, and it warns "Thermal zone misconfigured … err=-524".
   */
  thermalOf: boolean;
}

/** Lines from the SCMI stack and the drivers it serves. */
const SUBSYSTEM =
  /scmi|virtio|\bclk|clock|regulator|hwmon|reset|genpd|pm_domain|PM: |cpufreq|\bopp\b|pinctrl|pinmux|pinconf|powercap|thermal|pl031|rtc/i;

/** Words of a complaint. */
const PROBLEM = new RegExp(
  [
    "fail",
    "error",
    "\\berr[=:]",
    "warn",
    "invalid",
    "malformed",
    "truncated",
    "exceed",
    "unsupport",
    "not supported",
    "not expected",
    "unexpected",
    "unknown",
    "OoO",
    "timed out",
    "misconfigured",
    "out-of-spec",
    "inconsistent",
    "can't",
    "cannot",
    "unable",
    "refus",
    "bad ",
    "wrong",
    "-E[A-Z]{3,}",
    "negotiat",
    "backward compatibility",
    "deferred probe pending",
    "not implemented",
    "not available",
    "not found",
    "buggy",
  ].join("|"),
  "i",
);

/** Lines that look like complaints but are not about SCMI. */
const NOT_SCMI: RegExp[] = [
  // The harness's own kernel parameters (scmi_wait=…), handed on to init.
  /Unknown kernel command line parameters/,
  // The echo of the command line itself.
  /Kernel command line:/,
  /^\[\s*[\d.]+\]\s+scmi_(wait|settle|extra)=/,
];

/** The complaints in `lines` (the guest's dmesg), each once, in order. */
export function dmesgProblems(lines: readonly string[], kernel: GuestKernel): string[] {
  const out: string[] = [];
  for (const line of lines) {
    if (!SUBSYSTEM.test(line) || !PROBLEM.test(line)) continue;
    if (NOT_SCMI.some((re) => re.test(line))) continue;
    if (!kernel.thermalOf && /scmi-hwmon .*Thermal zone misconfigured for .*err=-524$/.test(line)) {
      continue;
    }
    if (!out.includes(line)) out.push(line);
  }
  return out;
}

/** Reads a kernel `.config`: the options set to `y` or `m`. */
export function kernelOptions(config: string): Set<string> {
  const on = new Set<string>();
  for (const m of config.matchAll(/^(CONFIG_\w+)=[ym]$/gm)) on.add(m[1]);
  return on;
}
