/**
 * The `vscmi` command line, run as a user would: `deno run -A main.ts …` in a child process,
 * checking exit codes, standard output and standard error.
 * @module
 */
import { assert, assertEquals } from "../core/_assert_test.ts";
import { HANG_MS, until } from "../core/_wait_test.ts";
import { defaultDeploymentPath, loadDeployment, simBoardPath } from "../server/manifest/mod.ts";
import { BUILTINS } from "../builtins.ts";
import { MAIN, ROOT, type Run, vscmi } from "./_vscmi.ts";

/** `vscmi serve` of the default deployment running in the background. */
interface Served {
  runDir: string;
  server: Deno.ChildProcess;
  output: Promise<Deno.CommandOutput>;
  /** `vscmi call --agent AGENT --run-dir RUNDIR …`. */
  call(agent: string, ...args: string[]): Promise<Run>;
}

/**
 * Starts `vscmi serve` in a fresh run directory and waits (30 s at most) until socket
 * `sock` of that directory exists; the server is stopped again when it never appears.
 */
async function serve(sock: string, stdout: "piped" | "null"): Promise<Served> {
  const runDir = await Deno.makeTempDir({ prefix: "vscmi-cli-run-" });
  const server = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "serve", "--run-dir", runDir],
    cwd: ROOT,
    stdout,
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const output = server.output();
  const call = (agent: string, ...args: string[]) =>
    vscmi("call", "--agent", agent, "--run-dir", runDir, "--timeout", String(HANG_MS), ...args);
  const made = () => Deno.lstat(`${runDir}/${sock}`).then(() => true, () => false);
  try {
    await until(made, `the server to create ${sock}`);
  } catch (e) {
    server.kill("SIGTERM");
    await output;
    throw e;
  }
  return { runDir, server, output, call };
}

Deno.test("vscmi --help → exit 0 and lists the commands", async () => {
  const r = await vscmi("--help");
  assertEquals(r.code, 0, r.stderr);
  for (const cmd of ["serve", "check", "call"]) {
    assert(new RegExp(`^  ${cmd}\\s`, "m").test(r.stdout), `missing ${cmd}:\n${r.stdout}`);
  }
});

Deno.test("vscmi --help shows each command's own usage line", async () => {
  const r = await vscmi("--help");
  const { CALL_USAGE } = await import("../cli/call.ts");
  const { CHECK_USAGE } = await import("../cli/check.ts");
  const { SERVE_USAGE } = await import("../cli/serve.ts");
  const flat = (s: string) => s.replace(/\s+/g, " ");
  for (const usage of [CALL_USAGE, CHECK_USAGE, SERVE_USAGE]) {
    assert(flat(r.stdout).includes(flat(usage)), `missing "${usage}" in:\n${r.stdout}`);
  }
});

Deno.test("every command answers --help with exit 0", async () => {
  for (
    const args of [
      ["serve", "--help"],
      ["check", "-h"],
      ["call", "--help"],
      ["call", "base", "set-device-permissions", "--help"],
      ["call", "raw", "--help"],
    ]
  ) {
    const r = await vscmi(...args);
    assertEquals(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
    assert(r.stdout.startsWith("Usage: ") || r.stdout.includes("Usage:"), r.stdout);
  }
});

Deno.test("no command → usage on stderr, exit 2", async () => {
  const r = await vscmi();
  assertEquals(r.code, 2);
  assert(r.stderr.includes("Usage: vscmi COMMAND"), r.stderr);
});

Deno.test("unknown flag → exit 2 with a message naming it", async () => {
  const r = await vscmi("serve", "--bogus");
  assertEquals(r.code, 2);
  assert(r.stderr.includes('Unknown option "--bogus"'), r.stderr);
  const c = await vscmi("call", "--socket", "/nonexistent", "base", "version", "--frob");
  assertEquals(c.code, 2);
  assert(c.stderr.includes('Unknown option "--frob"'), c.stderr);
});

Deno.test("unknown command → exit 2", async () => {
  const r = await vscmi("frobnicate");
  assertEquals(r.code, 2);
  assert(r.stderr.includes('Unknown command "frobnicate"'), r.stderr);
});

Deno.test("check examples/sim/vscmi.toml → exit 0, ok and the agents", async () => {
  const r = await vscmi("check", "examples/sim/vscmi.toml");
  assertEquals(r.code, 0, r.stderr);
  assert(r.stdout.startsWith("ok: examples/sim/vscmi.toml: board "), r.stdout);
  const dep = await loadDeployment(defaultDeploymentPath(), BUILTINS);
  for (const a of dep.agents) assert(new RegExp(`^  ${a.name}\\s`, "m").test(r.stdout), r.stdout);
});

Deno.test("check of an agent whose transport options hold a list of tables → exit 0, the options in its row", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-cli-" });
  const file = `${dir}/vscmi.toml`;
  await Deno.writeTextFile(
    file,
    `board = ${JSON.stringify(simBoardPath())}

[[agent]]
name = "zone1"
protocols = ["clock"]
[agent.transport]
type = "virtio-mmio"
zone = 1
base = 0xa003c00
irq = 78
memory = [ { zone0_ipa = 0x50000000, zonex_ipa = 0x50000000, size = 0x10000000 } ]
`,
  );
  const r = await vscmi("check", file);
  assertEquals(r.code, 0, r.stderr);
  assert(
    r.stdout.includes(
      "virtio-mmio zone=1 base=167787520 irq=78 " +
        "memory=[{ zone0_ipa=1342177280, zonex_ipa=1342177280, size=268435456 }]",
    ),
    r.stdout,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("check examples/shmem/vscmi.toml → exit 0; transport tables and lists of tables are shown", async () => {
  const r = await vscmi("check", "examples/shmem/vscmi.toml");
  assertEquals(r.code, 0, r.stderr);
  assert(
    r.stdout.includes("p2a={ offset=256, size=256, number=1 }") &&
      r.stdout.includes("channels=[{ offset=0, size=256 }]"),
    r.stdout,
  );
});

Deno.test("check of a broken manifest → exit 2 with file:line:col of the problem", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-cli-" });
  const file = `${dir}/broken.toml`;
  await Deno.writeTextFile(
    file,
    `board = "../nowhere/board.toml"\n\n[[agent]]\nname = 42\ntransport = { type = "stream" }\n`,
  );
  const r = await vscmi("check", file);
  assertEquals(r.code, 2, r.stdout);
  assert(/broken\.toml:\d+:\d+/.test(r.stderr), r.stderr);
  assertEquals(r.stdout, "");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("check of a missing file → exit 2", async () => {
  const r = await vscmi("check", "/nonexistent/vscmi.toml");
  assertEquals(r.code, 2, r.stderr);
  assert(r.stderr.includes("/nonexistent/vscmi.toml"), r.stderr);
});

Deno.test("call without an endpoint → exit 2; to a missing socket → exit 1", async () => {
  const r = await vscmi("call", "base", "version");
  assertEquals(r.code, 2);
  assert(r.stderr.includes("--socket PATH, --tcp HOST:PORT or --agent NAME"), r.stderr);
  const m = await vscmi("call", "--socket", "/nonexistent/vm1.sock", "base", "version");
  assertEquals(m.code, 1);
  assert(m.stderr.includes('Cannot connect to "/nonexistent/vm1.sock"'), m.stderr);
});

Deno.test("call … base with no command → lists the base commands, exit 0", async () => {
  const r = await vscmi("call", "base");
  assertEquals(r.code, 0, r.stderr);
  for (const c of ["discover-vendor", "list-protocols", "set-protocol-permissions", "negotiate"]) {
    assert(new RegExp(`^  ${c}\\b`, "m").test(r.stdout), `missing ${c}:\n${r.stdout}`);
  }
});

Deno.test("serve in the background, then call → the vendor; SIGTERM stops it cleanly", async () => {
  const { runDir, server, output } = await serve("vm1.sock", "piped");
  try {
    const sock = `${runDir}/vm1.sock`;
    const dep = await loadDeployment(defaultDeploymentPath(), BUILTINS);

    const vendor = await vscmi(
      "call",
      "--agent",
      "vm1",
      "--run-dir",
      runDir,
      "base",
      "discover-vendor",
    );
    assertEquals(vendor.code, 0, vendor.stderr);
    assertEquals(vendor.stdout, `${dep.vendor.vendor}\n`);

    const json = await vscmi(
      "call",
      "--socket",
      sock,
      "--json",
      "base",
      "discover-agent",
      "self",
    );
    assertEquals(json.code, 0, json.stderr);
    assertEquals(JSON.parse(json.stdout), { id: 1, name: "vm1" });

    const raw = await vscmi("call", "--agent", "vm1", "--run-dir", runDir, "raw", "base", "0x0");
    assertEquals(raw.code, 0, raw.stderr);
    assertEquals(raw.stdout, "0x00004000 0x00000000 0x00020001\n");

    // vm1 is not trusted: the platform refuses, the command fails with the status.
    const denied = await vscmi(
      "call",
      "--agent",
      "vm1",
      "--run-dir",
      runDir,
      "base",
      "set-device-permissions",
      "2",
      "0",
      "deny",
    );
    assertEquals(denied.code, 1, denied.stdout);
    assert(denied.stderr.includes("BASE_SET_DEVICE_PERMISSIONS answered DENIED"), denied.stderr);
  } finally {
    server.kill("SIGTERM");
  }
  const out = await output;
  const stdout = new TextDecoder().decode(out.stdout);
  assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
  assert(stdout.includes(`unix:${runDir}/vm1.sock`), stdout);
  assert(
    stdout.includes(`try: vscmi call --socket ${runDir}/vm1.sock base discover-vendor`),
    stdout,
  );
  assert(stdout.includes("deno task vscmi call --socket"), stdout);
  await Deno.remove(runDir, { recursive: true });
});

Deno.test("call clock|reset|power|system: each command answers --help with its usage, exit 0", async () => {
  const cases: [string[], string][] = [
    [["call", "clock"], "  set-rate "],
    [["call", "clock", "set-rate", "--help"], "Usage: vscmi call … clock set-rate CLOCK RATE"],
    [["call", "reset", "pulse", "--help"], "Usage: vscmi call … reset pulse DOMAIN [--async]"],
    [["call", "power", "set", "-h"], "Usage: vscmi call … power set DOMAIN on|off|STATE"],
    [["call", "system", "watch", "--help"], "Usage: vscmi call … system watch [--count]"],
  ];
  for (const [args, usage] of cases) {
    const r = await vscmi(...args);
    assertEquals(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
    assert(r.stdout.includes(usage), `${args.join(" ")}:\n${r.stdout}`);
  }
});

Deno.test("serve, then call clock list / set-rate, reset pulse, power set → decoded output", async () => {
  const { runDir, server, output, call } = await serve("host.sock", "null");
  try {
    // vm1 sees 10 clocks (examples/sim/vscmi.toml); uart0_clk is its clock 0.
    const list = await call("vm1", "clock", "list");
    assertEquals(list.code, 0, list.stderr);
    const rows = list.stdout.trimEnd().split("\n");
    assertEquals(rows.length, 11);
    assertEquals(rows[1].split(/\s{2,}/), [
      "0",
      "uart0_clk",
      "off",
      "24MHz",
      "24MHz, 48MHz, 96MHz",
      "-",
    ]);

    const set = await call("vm1", "clock", "set-rate", "uart0_clk", "50MHz", "--round", "up");
    assertEquals([set.code, set.stdout], [0, "done: 96MHz (96000000 Hz)\n"], set.stderr);
    const json = await call("vm1", "--json", "clock", "set-rate", "6", "100MHz", "--async");
    assertEquals(json.code, 0, json.stderr);
    assertEquals(JSON.parse(json.stdout), {
      ok: true,
      id: 6,
      requested: 100_000_000,
      rate: 100_000_000,
      async: true,
    });
    const bad = await call("vm1", "clock", "set-rate", "0", "1GHz");
    assertEquals(bad.code, 1);
    assertEquals(bad.stderr, "error: CLOCK_RATE_SET answered INVALID_PARAMETERS\n");

    // gpu_rst (vm1's domain 4) resets asynchronously: the command waits for RESET_COMPLETE.
    const pulse = await call("vm1", "reset", "pulse", "gpu_rst", "--async");
    assertEquals([pulse.code, pulse.stdout], [0, "reset done, asynchronously\n"], pulse.stderr);

    const on = await call("vm1", "power", "set", "pd_gpu", "on", "--async");
    assertEquals([on.code, on.stdout], [0, "done: on asynchronously (domain now on)\n"], on.stderr);
    const usage = await call("vm1", "power", "set", "pd_gpu", "bright");
    assertEquals(usage.code, 2);
    assert(usage.stderr.startsWith("error: The power state (on, off or a power-state word)"));

    const denied = await call("vm2", "system", "set", "shutdown");
    assertEquals(denied.code, 1);
    assertEquals(denied.stderr, "error: SYSTEM_POWER_STATE_SET answered DENIED\n");
  } finally {
    server.kill("SIGTERM");
  }
  const out = await output;
  assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
  await Deno.remove(runDir, { recursive: true });
});

Deno.test("call perf|sensor|voltage|powercap|pinctrl: commands answer --help with their usage", async () => {
  const cases: [string[], string][] = [
    [["call", "sensor"], "  trip "],
    [["call", "perf", "limits", "--help"], "Usage: vscmi call … perf limits DOMAIN [MIN MAX]"],
    [["call", "sensor", "read", "-h"], "Usage: vscmi call … sensor read SENSOR [--async]"],
    [
      ["call", "voltage", "set", "--help"],
      "Usage: vscmi call … voltage set DOMAIN LEVEL [--async]",
    ],
    [["call", "powercap", "watch", "--help"], "powercap watch DOMAIN [--low] [--high] [--count]"],
    [["call", "pinctrl", "configure", "--help"], "pinctrl configure pin|group ID [TYPE=VALUE…]"],
  ];
  for (const [args, usage] of cases) {
    const r = await vscmi(...args);
    assertEquals(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
    assert(r.stdout.includes(usage), `${args.join(" ")}:\n${r.stdout}`);
  }
});

Deno.test("serve, then call perf, sensor, voltage, powercap and pinctrl → decoded output", async () => {
  const { runDir, server, output, call } = await serve("host.sock", "null");
  try {
    // The host's clusters (boards/sim.toml: levels in MHz, costs in mW, sustained 1608).
    const perf = await call("host", "perf", "list");
    assertEquals(perf.code, 0, perf.stderr);
    assertEquals(perf.stdout.split("\n")[2].split(/\s{2,}/), [
      "0",
      "cpu_cluster0",
      "408–1800 (8)",
      "1608 (1.608GHz)",
      "1ms",
      "set-level,set-limits,notify",
    ]);
    const set = await call("host", "perf", "set", "cpu_cluster1", "1800");
    assertEquals([set.code, set.stdout], [0, "ok\n"], set.stderr);
    const level = await call("host", "--json", "perf", "get", "1");
    assertEquals(JSON.parse(level.stdout), {
      domain: 1,
      name: "cpu_cluster1",
      level: 1800,
      hz: 1_800_000_000,
    });

    // board_temp is a constant 31.5 °C; gpu_temp reads asynchronously.
    const temp = await call("host", "sensor", "read", "board_temp");
    assertEquals([temp.code, temp.stdout], [0, "board_temp: 31.5°C\n"], temp.stderr);
    const gpu = await call("vm1", "--json", "sensor", "read", "gpu_temp", "--async");
    assertEquals(gpu.code, 0, gpu.stderr);
    const reading = JSON.parse(gpu.stdout).readings[0];
    assert(reading.unit === "°C" && reading.value >= 35000 && reading.value <= 85000, gpu.stdout);

    const volt = await call("vm2", "voltage", "set", "vdd_dsp", "900mV", "--async");
    assertEquals([volt.code, volt.stdout], [0, "ok: 900mV (completed asynchronously)\n"]);
    const bad = await call("vm2", "voltage", "set", "vdd_dsp", "1.2V");
    assertEquals([bad.code, bad.stderr], [
      1,
      "error: VOLTAGE_LEVEL_SET answered INVALID_PARAMETERS\n",
    ]);
    const usage = await call("vm2", "voltage", "set", "vdd_dsp", "high");
    assertEquals(usage.code, 2);
    assert(usage.stderr.startsWith("error: LEVEL must be a whole number of µV"), usage.stderr);

    const cap = await call("host", "powercap", "get", "soc_cap");
    assertEquals([cap.code, cap.stdout], [0, "soc_cap: 8W\n"], cap.stderr);
    const measure = await call("host", "powercap", "measure", "0");
    assert(/^soc_cap: [\d.]+m?W averaged over 10ms\n$/.test(measure.stdout), measure.stdout);

    const pins = await call("vm2", "pinctrl", "list", "functions");
    assertEquals(pins.code, 0, pins.stderr);
    assertEquals(pins.stdout.split("\n").slice(1, 5), [
      "functions:",
      "  0  uart1  uart1_pins,uart1_fc_pins",
      "  1  pwm0   pwm0_pins",
      "  2  gpio   gpio_b_pins",
    ]);
    const none = await call("host", "pinctrl", "list");
    assertEquals(none.code, 1);
    assertEquals(none.stderr, "error: PROTOCOL_ATTRIBUTES answered NOT_SUPPORTED\n");
  } finally {
    server.kill("SIGTERM");
  }
  const out = await output;
  assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
  await Deno.remove(runDir, { recursive: true });
});

Deno.test("--hw-root naming no directory → exit 2 naming the option, before any driver opens", async () => {
  for (const cmd of ["check", "serve"]) {
    const r = await vscmi(cmd, "examples/sim/vscmi.toml", "--hw-root", "/nonexistent/vscmi-hw");
    assertEquals(r.code, 2, `${cmd}: ${r.stderr}`);
    assert(r.stderr.includes("--hw-root must name a directory"), r.stderr);
  }
});
