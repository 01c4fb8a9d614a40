/**
 * What one guest of the end-to-end run is given and what it must show: its DT fragment
 * (`vscmi dt`) plus consumers that really drive SCMI resources at boot, and the facts about
 * its grants the checks compare Linux's view with.
 *
 * Consumers, all in the minimal harness kernel:
 * - the PL031 RTC node gets the agent's clock 0 as `apb_pclk`, reset 0 and power domain 0:
 *   the AMBA bus powers the domain on, enables the clock and deasserts the reset to read the
 *   peripheral id, then gives the clock and the domain back;
 * - the clock provider node assigns a new rate to one clock no other guest shares
 *   (`assigned-clock-rates`);
 * - the first regulator is made always-on at a fixed voltage other than its power-on one; the
 *   others are constrained to their domain's whole range, which Linux checks against the
 *   levels it read (VOLTAGE_DESCRIBE_LEVELS);
 * - cpu@0 is put on the agent's CPU performance domain, so scmi-cpufreq binds, with the
 *   performance governor (kernel parameter): it sets the top level once, and the guest is
 *   then idle when it reads its SCMI message counters (schedutil would keep changing the
 *   level, so a command could be in flight while they are read);
 * - with pin control, the SCMI pin controller hogs a default state of its own: the agent's
 *   first function on one of its groups, with a pull-up, so pinctrl-scmi requests the pins,
 *   selects the function and configures the group as soon as it registers. (The PL031 cannot
 *   carry it: the harness kernel has no RTC driver, so no pin state is ever applied for it.)
 * @module
 */
import { clockKind } from "../../plugins/clock/kind.ts";
import { voltageKind } from "../../plugins/voltage/kind.ts";
import { functionKind, groupKind } from "../../plugins/pinctrl/kind.ts";
import type { ResourceKind } from "../../core/board.ts";
import type { ClockDesc } from "../../plugins/clock/kind.ts";
import type { VoltageDesc, VoltageLevels } from "../../plugins/voltage/kind.ts";
import type { AgentDecl, Deployment } from "../../server/manifest/mod.ts";
import { guestDeviceTree } from "../../cli/dt.ts";

/** A resource as the agent sees it. */
export interface Granted {
  vid: number;
  phys: number;
  name: string;
}

export interface GuestPlan {
  agent: AgentDecl;
  /** SCMI agent id. */
  agentId: number;
  /** Protocol ids granted, Base included. */
  protocols: Set<number>;
  granted: { [K in ResourceKind]: Granted[] };
  /** `vscmi dt` output followed by the consumers. */
  dts: string;
  /** Extra kernel command line. */
  cmdline: string;
  /** Clock whose rate the guest sets at boot, and to what. */
  rateSet: { clock: Granted; rate: number } | null;
  /** Regulator made always-on, at which voltage. */
  regulator: { domain: Granted; microvolts: number } | null;
  /** Regulators other than the fixed one, constrained to their domain's range, µV. */
  ranges: { domain: Granted; min: number; max: number }[];
  /** Perf domain cpu@0 uses. */
  cpuPerf: Granted | null;
  /** Function, group and the group's pins the pin controller's own default state selects. */
  pinmux: { fn: Granted; group: Granted; pins: Granted[] } | null;
  /** Clock, reset and power domain the PL031 consumer uses (virtual id 0 of each). */
  consumer: { clock: Granted | null; reset: Granted | null; power: Granted | null };
}

const KINDS: ResourceKind[] = [
  "clock",
  "reset",
  "power",
  "perf",
  "sensor",
  "voltage",
  "pin",
  "group",
  "function",
  "powercap",
];

export function planGuest(dep: Deployment, name: string): GuestPlan {
  const index = dep.agents.findIndex((a) => a.name === name);
  const agent = dep.agents[index];
  const granted = {} as GuestPlan["granted"];
  for (const kind of KINDS) {
    granted[kind] = (agent.grants[kind] ?? []).map((phys, vid) => ({
      vid,
      phys,
      name: dep.board.resources[kind]?.find((r) => r.id === phys)?.name ?? `${kind}${phys}`,
    }));
  }
  const protocols = new Set(agent.protocols.map((p) => p.id));
  const has = (id: number) => protocols.has(id);

  const clockDesc = (g: Granted) =>
    clockKind.of(dep.board).find((c) => c.id === g.phys) as ClockDesc;
  // A clock no other guest sees: two guests booting at once must not race on its rate.
  const shared = (g: Granted) =>
    dep.agents.some((a) => a !== agent && (a.grants.clock ?? []).includes(g.phys));
  const rateClock = has(0x14)
    ? granted.clock.find((g) =>
      g.vid !== 0 && !shared(g) && clockDesc(g).rates.kind === "list" &&
      (clockDesc(g).rates as { rates: number[] }).rates.length >= 2
    )
    : undefined;
  let rateSet: GuestPlan["rateSet"] = null;
  if (rateClock) {
    const d = clockDesc(rateClock);
    const rates = (d.rates as { rates: number[] }).rates;
    rateSet = { clock: rateClock, rate: rates.find((r) => r !== d.rate)! };
  }

  let regulator: GuestPlan["regulator"] = null;
  const vd = has(0x17) ? granted.voltage[0] : undefined;
  if (vd) {
    const d = voltageKind.of(dep.board).find((v) => v.id === vd.phys) as VoltageDesc;
    const l = d.levels;
    const uv = l.kind === "list"
      ? l.levels.find((x) => x !== d.level)!
      : d.level + l.step <= l.max
      ? d.level + l.step
      : d.level - l.step;
    regulator = { domain: vd, microvolts: uv };
  }

  const ranges: GuestPlan["ranges"] = [];
  for (const g of has(0x17) ? granted.voltage : []) {
    if (g === vd) continue;
    const d = voltageKind.of(dep.board).find((v) => v.id === g.phys) as VoltageDesc;
    ranges.push({ domain: g, ...levelRange(d.levels) });
  }

  const cpuPerf = has(0x13) ? granted.perf.find((g) => /^cpu/.test(g.name)) ?? null : null;

  let pinmux: GuestPlan["pinmux"] = null;
  for (const fn of has(0x19) ? granted.function : []) {
    const groups = functionKind.of(dep.board).find((f) => f.id === fn.phys)?.groups ?? [];
    const group = granted.group.find((g) => groups.includes(g.phys));
    if (!group) continue;
    const pins = groupKind.of(dep.board).find((g) => g.id === group.phys)!.pins;
    pinmux = { fn, group, pins: granted.pin.filter((p) => pins.includes(p.phys)) };
    break;
  }
  const consumer = {
    clock: has(0x14) ? granted.clock[0] ?? null : null,
    reset: has(0x16) ? granted.reset[0] ?? null : null,
    power: has(0x11) ? granted.power[0] ?? null : null,
  };

  const extra: string[] = ["", "/* Consumers added by the end-to-end test. */"];
  const rtc: string[] = [];
  if (consumer.clock) {
    rtc.push(`clocks = <&scmi_clk ${consumer.clock.vid}>;`, `clock-names = "apb_pclk";`);
  }
  if (consumer.reset) rtc.push(`resets = <&scmi_reset ${consumer.reset.vid}>;`);
  if (consumer.power) rtc.push(`power-domains = <&scmi_devpd ${consumer.power.vid}>;`);
  if (pinmux) {
    extra.push(
      "&scmi_pinctrl {",
      `\tpinctrl-names = "default";`,
      "\tpinctrl-0 = <&e2e_pins>;",
      "\te2e_pins: e2e-pins {",
      `\t\tfunction = "${pinmux.fn.name}";`,
      `\t\tgroups = "${pinmux.group.name}";`,
      "\t\tbias-pull-up;",
      "\t};",
      "};",
    );
  }
  if (rtc.length) extra.push("&{/pl031@9010000} {", ...rtc.map((l) => `\t${l}`), "};");
  if (rateSet) {
    extra.push(
      "&scmi_clk {",
      `\tassigned-clocks = <&scmi_clk ${rateSet.clock.vid}>;`,
      `\tassigned-clock-rates = <${rateSet.rate}>;`,
      "};",
    );
  }
  if (regulator) {
    extra.push(
      `&${vregLabel(regulator.domain)} {`,
      `\tregulator-min-microvolt = <${regulator.microvolts}>;`,
      `\tregulator-max-microvolt = <${regulator.microvolts}>;`,
      "\tregulator-always-on;",
      "};",
    );
  }
  for (const r of ranges) {
    extra.push(
      `&${vregLabel(r.domain)} {`,
      `\tregulator-min-microvolt = <${r.min}>;`,
      `\tregulator-max-microvolt = <${r.max}>;`,
      "};",
    );
  }
  if (cpuPerf) extra.push(`&{/cpus/cpu@0} { clocks = <&scmi_dvfs ${cpuPerf.vid}>; };`);

  return {
    agent,
    agentId: index + 1,
    protocols,
    granted,
    dts: guestDeviceTree(dep, name) + extra.join("\n") + "\n",
    cmdline: cpuPerf ? "cpufreq.default_governor=performance" : "",
    rateSet,
    regulator,
    ranges,
    cpuPerf,
    pinmux,
    consumer,
  };
}

/** The DT label `vscmi dt` gives a voltage domain's regulator node. */
function vregLabel(g: Granted): string {
  return `scmi_vreg_${g.name.replace(/[^A-Za-z0-9_]/g, "_")}`;
}

/** Lowest and highest level of a voltage domain, µV. */
function levelRange(l: VoltageLevels): { min: number; max: number } {
  return l.kind === "list"
    ? { min: l.levels[0], max: l.levels[l.levels.length - 1] }
    : { min: l.min, max: l.max };
}
