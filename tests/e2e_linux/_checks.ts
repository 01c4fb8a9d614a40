/**
 * The checks of one guest: what Linux reported (`parse_results.py`'s JSON) and what vscmi
 * traced for the agent, against the agent's grants. Each failed check is one sentence.
 * @module
 */
import { clockKind } from "../../plugins/clock/kind.ts";
import { powerKind } from "../../plugins/power/kind.ts";
import { perfKind } from "../../plugins/perf/kind.ts";
import type { Deployment } from "../../server/manifest/mod.ts";
import { dmesgProblems, type GuestKernel } from "./_dmesg.ts";
import type { GuestPlan } from "./_plan.ts";

/** One traced command (vscmi serve --trace-json). */
export interface TraceLine {
  agent: string;
  protocol: string;
  message: string;
  /** Named a2p fields; words past the layout are in `rest`. */
  params?: Record<string, number> & { rest?: number[] };
  /** Absent for notifications. */
  status?: string;
  /** "delayed" or "notification" for platform→agent messages; absent for commands. */
  type?: string;
}

/**
 * Linux's debugfs message counters (`drivers/firmware/arm_scmi/common.h` `debug_counters`)
 * that count a failure: any non-zero status in a reply (err_protocol), a reply or delayed
 * response Linux could not match or took out of order (err_msg_*), a timeout, a send that
 * failed. All must stay 0.
 */
export const ERROR_COUNTERS = [
  "err_protocol",
  "err_msg_invalid",
  "err_msg_unexpected",
  "err_msg_nomem",
  "xfers_response_timeout",
  "xfers_response_polled_timeout",
  "sent_fail",
  "sent_fail_channel_not_found",
  "sent_fail_polling_unsupported",
];

/** The Linux driver that binds to each protocol's DT node. */
export const DRIVERS: Record<number, string> = {
  0x11: "scmi-power-domain",
  0x12: "scmi-system-power",
  0x13: "scmi-perf-domain",
  0x14: "scmi-clocks",
  0x15: "scmi-hwmon",
  0x16: "scmi-reset",
  0x17: "scmi-regulator",
  0x18: "scmi-powercap",
  0x19: "scmi-pinctrl",
};

// deno-lint-ignore no-explicit-any
type Results = any;

/** Section lines of the guest's report. */
function section(r: Results, name: string): string[] {
  return r.sections?.[name] ?? [];
}

/** Runs every check; returns the failures (empty: the guest passed). */
export function checkGuest(
  dep: Deployment,
  plan: GuestPlan,
  r: Results,
  trace: TraceLine[],
  exitCode: number,
  kernel: GuestKernel,
): string[] {
  const fail: string[] = [];
  const expect = (ok: unknown, what: string) => {
    if (!ok) fail.push(what);
  };
  const name = plan.agent.name;
  expect(exitCode === 0, `run.sh exited ${exitCode} (0: SCMI came up)`);
  expect(r.complete === true, "the guest printed no complete result block");
  expect(r.meta?.wait_status === "ok", `wait_status is ${r.meta?.wait_status}, not ok`);

  // Base banner.
  const fw = `0x${dep.vendor.implementationVersion.toString(16)}`;
  expect(
    r.scmi?.vendor === dep.vendor.vendor,
    `vendor is ${r.scmi?.vendor}, not ${dep.vendor.vendor}`,
  );
  expect(
    r.scmi?.sub_vendor === dep.vendor.subVendor,
    `sub-vendor is ${r.scmi?.sub_vendor}, not ${dep.vendor.subVendor}`,
  );
  expect(r.scmi?.fw_version === fw, `firmware version is ${r.scmi?.fw_version}, not ${fw}`);
  expect(r.scmi?.version === "2.1", `Base version is ${r.scmi?.version}, not 2.1`);
  const found = section(r, "dmesg-scmi").find((l) => / Found \d+ protocol\(s\)/.test(l));
  const nproto = plan.protocols.size - 1;
  expect(
    found?.includes(`Found ${nproto} protocol(s)`),
    `Linux should find ${nproto} protocols: ${found ?? "no banner"}`,
  );
  expect((r.not_implemented ?? []).length === 0, `not implemented: ${r.not_implemented}`);

  // A driver bound for each granted protocol, none for the others.
  for (const id of plan.protocols) {
    expect(
      id === 0x10 || DRIVERS[id] !== undefined,
      `no Linux driver known for 0x${id.toString(16)}`,
    );
  }
  for (const [id, drv] of Object.entries(DRIVERS)) {
    const node = `protocol@${Number(id).toString(16)}`;
    const bound = (r.devices ?? []).some((d: { of_node: string; driver: string }) =>
      d.of_node === node && d.driver === drv
    );
    if (plan.protocols.has(Number(id))) expect(bound, `${drv} did not bind to ${node}`);
    else expect(!bound, `${drv} bound to ${node}, which ${name} was not granted`);
  }

  // Clocks: every granted one, by name and rate; nothing else from SCMI.
  const clocks = new Map<string, number>(
    (r.clocks ?? []).map((c: { name: string; rate: number }) => [c.name, c.rate]),
  );
  const summary = section(r, "clk-summary").join("\n");
  for (const g of plan.granted.clock) {
    const desc = clockKind.of(dep.board).find((c) => c.id === g.phys)!;
    const want = plan.rateSet?.clock.vid === g.vid ? plan.rateSet.rate : desc.rate;
    const rate = clocks.get(g.name) ?? rateIn(summary, g.name);
    expect(rate === want, `clock ${g.vid} "${g.name}": rate ${rate}, expected ${want}`);
  }
  for (const c of clockKind.of(dep.board)) {
    if (plan.granted.clock.some((g) => g.phys === c.id)) continue;
    expect(rateIn(summary, c.name) === undefined, `clock "${c.name}" is visible but not granted`);
  }

  // Power domains, regulators, sensors, powercap by name.
  const pd = section(r, "pm-domains").join("\n");
  for (const g of plan.granted.power) {
    expect(new RegExp(`^${g.name}\\s`, "m").test(pd), `power domain "${g.name}" missing`);
  }
  for (const p of powerKind.of(dep.board)) {
    if (!plan.granted.power.some((g) => g.phys === p.id)) {
      expect(
        !new RegExp(`^${p.name}\\s`, "m").test(pd),
        `power domain "${p.name}" not granted but present`,
      );
    }
  }
  const regs = section(r, "regulators");
  for (const g of plan.granted.voltage) {
    const line = regs.find((l) => l.includes(` name=${g.name} `));
    expect(line, `regulator "${g.name}" missing`);
    if (line && plan.regulator?.domain.vid === g.vid) {
      expect(
        line.includes(`microvolts=${plan.regulator.microvolts} `) && line.includes("state=enabled"),
        `regulator "${g.name}" should be enabled at ${plan.regulator.microvolts} µV: ${line}`,
      );
    }
    const range = plan.ranges.find((x) => x.domain.vid === g.vid);
    if (line && range) {
      const uv = Number(/ microvolts=(\d+) /.exec(line)?.[1]);
      expect(
        line.includes(` min_uV=${range.min} max_uV=${range.max}`) && uv >= range.min &&
          uv <= range.max,
        `regulator "${g.name}" should span ${range.min}–${range.max} µV: ${line}`,
      );
    }
  }
  const hwmon = section(r, "hwmon");
  for (const g of plan.granted.sensor) {
    expect(hwmon.some((l) => l.endsWith(`_label=${g.name}`)), `hwmon sensor "${g.name}" missing`);
  }
  const cpufreq = section(r, "cpufreq").join("\n");
  if (plan.cpuPerf) {
    const d = perfKind.of(dep.board).find((p) => p.id === plan.cpuPerf!.phys)!;
    const top = Math.max(...d.levels.map((l) => l.freqKhz));
    expect(
      /driver=scmi /.test(cpufreq),
      `scmi-cpufreq did not bind on perf domain ${plan.cpuPerf.vid}`,
    );
    expect(cpufreq.includes(`max=${top}`), `cpufreq max should be ${top} kHz: ${cpufreq}`);
    expect(
      cpufreq.includes(`cur=${top}`),
      `the performance governor should run at ${top} kHz: ${cpufreq}`,
    );
  } else expect(cpufreq.trim() === "", `cpufreq present without a CPU perf domain: ${cpufreq}`);
  const powercap = section(r, "powercap").join("\n");
  for (const g of plan.protocols.has(0x18) ? plan.granted.powercap : []) {
    expect(powercap.includes(`name=${g.name}`), `powercap zone "${g.name}" missing`);
  }

  // Health: no complaint in the kernel log, no error reply, every reply taken.
  const log = section(r, "dmesg-full").length ? section(r, "dmesg-full") : section(r, "dmesg-scmi");
  for (const l of dmesgProblems(log, kernel)) expect(false, `dmesg: ${l.trim()}`);
  expect((r.errors ?? []).length === 0, `SCMI errors in dmesg: ${JSON.stringify(r.errors)}`);
  const c = (k: string) => Number(r.debugfs?.[`0/transport/counters/${k}`] ?? NaN);
  for (const k of ERROR_COUNTERS) expect(c(k) === 0, `debugfs counter ${k} is ${c(k)}`);
  // The guest is idle when it reads the counters (probing done, no governor traffic), so
  // every command it sent has had its reply.
  expect(
    c("sent_ok") > 0 && c("sent_ok") === c("response_ok"),
    `sent_ok ${c("sent_ok")} ≠ response_ok ${c("response_ok")}`,
  );
  const mine = trace.filter((t) => t.agent === name && t.type === undefined);
  for (const e of trace.filter((t) => t.agent === name && t.status !== undefined)) {
    if (e.status === "SUCCESS") continue;
    expect(false, `vscmi answered ${e.status} to ${e.message} ${JSON.stringify(e.params)}`);
  }
  expect(
    mine.length >= c("sent_ok"),
    `vscmi traced ${mine.length} commands, Linux sent ${c("sent_ok")}`,
  );
  const delayed = trace.filter((t) => t.agent === name && t.type === "delayed").length;
  expect(
    c("delayed_response_ok") <= delayed && (delayed === 0 || c("delayed_response_ok") > 0),
    `Linux took ${c("delayed_response_ok")} delayed responses, vscmi sent ${delayed}`,
  );

  // Consumers: what the guest did reached vscmi.
  const did = (message: string, p: Record<string, number>) =>
    mine.some((t) =>
      t.message === message && t.status === "SUCCESS" &&
      Object.entries(p).every(([k, v]) => t.params?.[k] === v)
    );
  const k = plan.consumer;
  if (k.power) {
    expect(
      did("POWER_STATE_SET", { domain_id: k.power.vid, power_state: 0 }),
      `power domain ${k.power.vid} was not switched on`,
    );
  }
  if (k.clock) {
    expect(
      did("CLOCK_CONFIG_SET", { clock_id: k.clock.vid, attributes: 1 }),
      `clock ${k.clock.vid} was not enabled`,
    );
    expect(
      did("CLOCK_CONFIG_SET", { clock_id: k.clock.vid, attributes: 0 }),
      `clock ${k.clock.vid} was not disabled again`,
    );
  }
  if (k.reset) {
    expect(
      did("RESET", { domain_id: k.reset.vid, flags: 0 }),
      `reset ${k.reset.vid} was not deasserted`,
    );
  }
  if (plan.rateSet) {
    expect(
      did("CLOCK_RATE_SET", { clock_id: plan.rateSet.clock.vid, rate: plan.rateSet.rate }),
      `clock ${plan.rateSet.clock.vid} rate was not set`,
    );
  }
  if (plan.regulator) {
    expect(
      did("VOLTAGE_LEVEL_SET", {
        domain_id: plan.regulator.domain.vid,
        voltage_level: plan.regulator.microvolts,
      }),
      `voltage domain ${plan.regulator.domain.vid} level was not set`,
    );
  }
  if (plan.cpuPerf) {
    expect(
      did("PERFORMANCE_LEVEL_SET", { domain: plan.cpuPerf.vid }),
      `cpufreq never set perf domain ${plan.cpuPerf.vid}`,
    );
  }
  if (plan.pinmux) {
    const { fn, group, pins } = plan.pinmux;
    const pinctrl = section(r, "pinctrl");
    expect(
      pinctrl.some((l) => /pinctrl-scmi|scmi_dev/.test(l)),
      `no SCMI pin controller in debugfs: ${pinctrl.join(" ")}`,
    );
    for (const p of pins) {
      expect(did("PINCTRL_REQUEST", { identifier: p.vid, flags: 0 }), `pin ${p.vid} not requested`);
    }
    // PINCTRL_SETTINGS_CONFIGURE on the group (attributes 1:0 = 1), a2p identifier,
    // function_id, attributes, then the {type, value} pairs (`rest`).
    const configured = (fid: number, attributes: number, pairs: number[]) =>
      mine.some((t) =>
        t.message === "PINCTRL_SETTINGS_CONFIGURE" && t.status === "SUCCESS" &&
        t.params?.identifier === group.vid && t.params?.function_id === fid &&
        t.params?.attributes === attributes &&
        JSON.stringify(t.params?.rest ?? []) === JSON.stringify(pairs)
      );
    expect(
      configured(fn.vid, 1 | 1 << 10, []),
      `function ${fn.vid} "${fn.name}" was not selected on group ${group.vid} "${group.name}"`,
    );
    // One config (bits 9:2), type 4 bias-pull-up, value 1; no function (0xFFFFFFFF).
    expect(
      configured(0xffff_ffff, 1 | 1 << 2, [4, 1]),
      `group ${group.vid} "${group.name}" was not configured with bias-pull-up`,
    );
  }
  return fail;
}

/** The rate of clock `name` in clk_summary text, at any depth. */
function rateIn(summary: string, name: string): number | undefined {
  const m = new RegExp(`^\\s*${name}\\s+\\d+\\s+\\d+\\s+\\d+\\s+(\\d+)`, "m").exec(summary);
  return m ? Number(m[1]) : undefined;
}

/** The guest's view, for the log: one block per protocol. */
export function guestView(plan: GuestPlan, r: Results): string {
  const out: string[] = [
    `── guest of agent "${plan.agent.name}" (SCMI agent id ${plan.agentId}) ──`,
  ];
  const s = r.scmi ?? {};
  out.push(
    `base      ${
      s.protocol ?? "SCMI"
    } vendor=${s.vendor} sub_vendor=${s.sub_vendor} fw=${s.fw_version}`,
  );
  const line = (label: string, lines: string[]) => {
    if (lines.length === 0) return;
    out.push(
      `${label.padEnd(10)}${lines[0]}`,
      ...lines.slice(1).map((l) => `${"".padEnd(10)}${l}`),
    );
  };
  line(
    "devices",
    (r.devices ?? []).map((d: { name: string; of_node: string; driver: string }) =>
      `${d.name} ${d.of_node} → ${d.driver}`
    ),
  );
  const summary = section(r, "clk-summary").join("\n");
  line(
    "clock",
    plan.granted.clock.map((g) => `${g.vid}: ${g.name} ${rateIn(summary, g.name) ?? "?"} Hz`),
  );
  line("power", section(r, "pm-domains").slice(3));
  line("reset", plan.granted.reset.map((g) => `${g.vid}: ${g.name}`));
  line("voltage", section(r, "regulators").filter((l) => !l.includes("regulator-dummy")));
  line("sensor", section(r, "hwmon"));
  line("perf", section(r, "cpufreq"));
  line("powercap", section(r, "powercap"));
  line("pinctrl", section(r, "pinctrl").slice(1));
  line(
    "debugfs",
    Object.entries(r.debugfs ?? {}).filter(([k]) => k.includes("counters/")).map(([k, v]) =>
      `${k.split("/").pop()}=${v}`
    ),
  );
  return out.join("\n");
}
