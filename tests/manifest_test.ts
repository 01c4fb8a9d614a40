/**
 * Manifest loading: the bundled sim deployment and board, and one broken manifest per kind
 * of mistake under `tests/manifests/`, each asserting the exact file, position, key path and
 * message. Expected positions are counted by hand from the fixture files.
 * @module
 */
import { clockKind } from "../plugins/clock/kind.ts";
import { perfKind, perfPowerUnit } from "../plugins/perf/kind.ts";
import { voltageKind } from "../plugins/voltage/kind.ts";
import { powercapKind } from "../plugins/powercap/kind.ts";
import { sensorKind } from "../plugins/sensor/kind.ts";
import { powerKind } from "../plugins/power/kind.ts";
import { fileURLToPath } from "node:url";
import { assert, assertEquals, assertRejects } from "../core/_assert_test.ts";
import { kindsOf } from "../core/kind.ts";
import { PROTOCOLS } from "../builtins.ts";
import { defineTransport } from "../core/transport.ts";
import { defineProtocol } from "../core/protocol.ts";
import {
  defaultDeploymentPath,
  formatProblem,
  loadBoard,
  loadDeployment,
  type LoadOptions,
  ManifestError,
  type Problem,
  simBoardPath,
} from "../server/manifest/mod.ts";
import { simDriver } from "../boards/drivers/sim.ts";
import { BUILTINS } from "../builtins.ts";
import { systemPowerKey } from "../plugins/system/power_key.ts";

/** The built-in kinds, in the order the built-in protocols list them. */
const RESOURCE_KINDS = kindsOf(PROTOCOLS).map((k) => k.name);

const dir = new URL("./manifests/", import.meta.url);
const path = (name: string) => fileURLToPath(new URL(name, dir));

/** A stand-in for the stream transport, so option checks do not depend on its module. */
const fakeStream = defineTransport({
  api: 1,
  name: "stream",
  summary: "test stand-in",
  options: { path: "socket path", tcp: "loopback address" },
  start: () => Promise.reject(new Error("not started in tests")),
});

/** The registry as these cases assume it: the built-in protocols, only the sim driver. */
const HERMETIC: LoadOptions = {
  protocols: PROTOCOLS,
  drivers: [simDriver],
  transports: [fakeStream],
  kinds: kindsOf(PROTOCOLS),
};

const STANDARD_NAMES =
  '"base", "power", "system", "perf", "clock", "sensor", "reset", "voltage", "powercap", "pinctrl"';

async function problems(name: string, opts: LoadOptions = HERMETIC): Promise<Problem[]> {
  const e = await assertRejects(() => loadDeployment(path(name), opts), ManifestError);
  return (e as ManifestError).problems;
}

function problem(
  file: string,
  line: number,
  column: number,
  keyPath: string,
  message: string,
): Problem {
  return { file: path(file), line, column, keyPath, message };
}

// ── The bundled deployment and board ───────────────────────────────────────────────────

Deno.test("examples/sim/vscmi.toml loads: three stream agents on the sim board", async () => {
  const dep = await loadDeployment(defaultDeploymentPath(), BUILTINS);
  assertEquals(dep.file, defaultDeploymentPath());
  assertEquals(dep.boardFile, simBoardPath());
  assertEquals(dep.board.name, "sim-soc");
  assertEquals(dep.plugins, []);
  assertEquals(dep.vendor, {
    vendor: "vscmi",
    subVendor: "sim-soc",
    implementationVersion: 0x00010000,
  });
  assertEquals(dep.agents.map((a) => a.name), ["vm1", "vm2", "host"]);
  assertEquals(dep.agents.map((a) => a.trusted), [false, false, true]);
  assertEquals(dep.agents.map((a) => a.maxMsgSize), [128, 128, 256]);
  const common = [
    ["base", 0x10, undefined],
    ["clock", 0x14, undefined],
    ["reset", 0x16, undefined],
    ["power", 0x11, undefined],
    ["perf", 0x13, undefined],
    ["system", 0x12, undefined],
    ["sensor", 0x15, undefined],
    ["voltage", 0x17, undefined],
    ["powercap", 0x18, undefined],
  ];
  // The guests also get pin control; the host's devices have no pins.
  const expected = [
    [...common, ["pinctrl", 0x19, undefined]],
    [...common, ["pinctrl", 0x19, undefined]],
    common,
  ];
  dep.agents.forEach((a, i) => {
    assertEquals(a.transport, { type: "stream", options: {} });
    assertEquals(a.protocols.map((p) => [p.name, p.id, p.pin]), expected[i]);
  });
  assertEquals(dep.agents.map((a) => systemPowerKey.of(a)), [undefined, undefined, {
    action: "board",
  }]);
  const text = await Deno.readTextFile(defaultDeploymentPath());
  const headers = text.split("\n").flatMap((l, i) => l === "[[agent]]" ? [i + 1] : []);
  assertEquals(dep.agents.map((a) => a.line), headers);
});

Deno.test("examples/sim/vscmi.toml: vm1 and vm2 share the APB bus clock, seen once each", async () => {
  const dep = await loadDeployment(defaultDeploymentPath(), BUILTINS);
  const clockId = (n: string) => clockKind.of(dep.board).find((c) => c.name === n)!.id;
  const [vm1, vm2, host] = dep.agents;
  // uart0 (uart0_clk, apb_clk), i2c0 (i2c0_clk, apb_clk), spi0, display, gpu, then timer_clk.
  assertEquals(
    vm1.grants.clock,
    [
      "uart0_clk",
      "apb_clk",
      "i2c0_clk",
      "spi0_clk",
      "disp_pix_clk",
      "disp_axi_clk",
      "pll_video",
      "gpu_core_clk",
      "pll_gpu",
      "timer_clk",
    ].map(clockId),
  );
  assert(vm2.grants.clock!.includes(clockId("apb_clk")));
  assertEquals(vm2.grants.clock!.filter((c) => c === clockId("apb_clk")).length, 1);
  assertEquals(vm1.devices, [0, 2, 3, 5, 6]);
  assertEquals(host.devices, [7, 8, 13, 14, 15]);
  assertEquals(vm1.grants.power, [1, 3, 4]);
});

Deno.test("boards/sim.toml has the resource counts the examples rely on", async () => {
  const board = await loadBoard(simBoardPath(), BUILTINS);
  const counts = Object.fromEntries(RESOURCE_KINDS.map((k) => [k, board.resources[k].length]));
  assertEquals(counts, {
    clock: 28,
    reset: 12,
    power: 8,
    perf: 4,
    sensor: 6,
    voltage: 4,
    pin: 16,
    group: 8,
    function: 6,
    powercap: 2,
  });
  assertEquals(board.devices.length, 16);
  assertEquals(perfPowerUnit(board), "mW");
  assertEquals(board.drivers, [{ name: "sim", type: "sim", options: { time_scale: 1 } }]);
  // Every physical id is unique per kind and every resource uses the one driver.
  for (const k of RESOURCE_KINDS) {
    const list = board.resources[k];
    assertEquals(new Set(list.map((r) => r.id)).size, list.length, k);
    assert(list.every((r) => r.driver === "sim"), k);
  }
});

Deno.test("boards/sim.toml: units, defaults and references resolve to the model", async () => {
  const board = await loadBoard(simBoardPath(), BUILTINS);
  const clock = (n: string) => clockKind.of(board).find((c) => c.name === n)!;
  assertEquals(clock("osc32k").rates, { kind: "list", rates: [32768] });
  assertEquals(clock("pll_cpu0").rates, {
    kind: "range",
    min: 600_000_000,
    max: 2_400_000_000,
    step: 24_000_000,
  });
  assertEquals(clock("pll_cpu0").rate, 1_800_000_000);
  // A mux: parent given explicitly among its parents.
  assertEquals(clock("cluster0_clk").parents, [clock("osc24m").id, clock("pll_cpu0").id]);
  assertEquals(clock("cluster0_clk").parent, clock("pll_cpu0").id);
  // Defaults: first rate, first parent, disabled, no latency.
  const uart = clock("uart0_clk");
  assertEquals([uart.rate, uart.parent, uart.enabled, uart.latencyUs], [
    24_000_000,
    clock("osc24m").id,
    false,
    0,
  ]);
  // The GPU PLL is off at power-on, so the GPU core clock below it is gated.
  assertEquals(clock("pll_gpu").enabled, false);
  assertEquals(clock("gpu_core_clk").parent, clock("pll_gpu").id);

  const vdd = voltageKind.of(board).find((v) => v.name === "vdd_cpu")!;
  assertEquals(vdd.levels, { kind: "segment", min: 600_000, max: 1_100_000, step: 6_250 });
  assertEquals(vdd.level, 900_000);
  assertEquals(voltageKind.of(board).find((v) => v.name === "vddio_sd")!.levels, {
    kind: "list",
    levels: [1_800_000, 3_300_000],
  });

  const little = perfKind.of(board).find((p) => p.name === "cpu_cluster0")!;
  assertEquals(little.levels[0], { level: 408, power: 60, latencyUs: 200, freqKhz: 408_000 });
  assertEquals([little.sustainedLevel, little.sustainedFreqKhz, little.level], [
    1608,
    1_608_000,
    1200,
  ]);

  const gpuCap = powercapKind.of(board).find((p) => p.name === "gpu_cap")!;
  assertEquals([gpuCap.minCap, gpuCap.maxCap, gpuCap.capStep, gpuCap.cap, gpuCap.parent], [
    500_000,
    5_000_000,
    50_000,
    4_000_000,
    0,
  ]);
  const soc = sensorKind.of(board).find((s) => s.name === "soc_temp")!;
  assertEquals([soc.type, soc.scale, soc.sim], [2, -3, {
    kind: "ramp",
    from: 40_000,
    to: 75_000,
    periodMs: 60_000,
  }]);
  const uart0 = board.devices.find((d) => d.name === "uart0")!;
  assertEquals(uart0.resources.clock, [clock("uart0_clk").id, clock("apb_clk").id]);
  const pd = powerKind.of(board).find((p) => p.name === "pd_usb")!;
  assertEquals(pd.parent, powerKind.of(board).find((p) => p.name === "pd_periph")!.id);
});

Deno.test("a deployment with plugins, pins, table protocols and command system power loads", async () => {
  const dep = await loadDeployment(path("plugin_ok.toml"), HERMETIC);
  assertEquals(dep.plugins, [new URL("plugins/vendor.ts", dir).href]);
  assertEquals(dep.vendor, { vendor: "acme", subVendor: "tiny", implementationVersion: 7 });
  const [vm1, host] = dep.agents;
  assertEquals(vm1.protocols, [
    { id: 0x10, name: "base", pin: 0x20000 },
    { id: 0x80, name: "vendor", pin: 0x10001 },
    { id: 0x81, name: "0x81" },
  ]);
  // Device members first (uart_clk, osc), then direct grants already there: once each.
  assertEquals(vm1.grants, { clock: [1, 0], reset: [0] });
  assertEquals(vm1.devices, [0]);
  assertEquals(systemPowerKey.of(vm1), undefined);
  assertEquals(host.protocols, [{ id: 0x10, name: "base" }, { id: 0x82, name: "0x82" }]);
  assertEquals([host.trusted, host.maxMsgSize], [true, 256]);
  assertEquals(systemPowerKey.of(host), { action: "command", argv: ["systemctl", "{state}"] });
  assertEquals([vm1.line, host.line], [9, 17]);
});

// ── Broken manifests ───────────────────────────────────────────────────────────────────

Deno.test("TOML syntax error → one problem at its line, no key path", async () => {
  const [p, ...rest] = await problems("syntax_error.toml");
  assertEquals(rest, []);
  assertEquals([p.file, p.line, p.keyPath], [path("syntax_error.toml"), 3, ""]);
  assert(p.message.startsWith("Expected valid TOML, got a syntax error: "), p.message);
});

Deno.test("unknown key in a board table → problem at the key", async () => {
  assertEquals(await problems("unknown_key.toml"), [
    problem(
      "unknown_key.board.toml",
      12,
      1,
      "clock[0].colour",
      'Expected one of the keys "id", "name", "driver", "rates", "range", "rate", "enabled", ' +
        '"parents", "parent", "latency_us", "enable_latency_us", "config", "policy", got "colour"',
    ),
  ]);
});

Deno.test("wrong value types in an agent → one problem per key, at the value", async () => {
  assertEquals(await problems("wrong_type.toml"), [
    problem("wrong_type.toml", 5, 11, "agent[0].trusted", 'Expected true or false, got "yes"'),
    problem(
      "wrong_type.toml",
      6,
      16,
      "agent[0].max_msg_size",
      "Expected an integer from 32 to 65536, got 16",
    ),
  ]);
});

Deno.test("duplicate clock id → problem at the second id", async () => {
  assertEquals(await problems("duplicate_id.toml"), [
    problem(
      "duplicate_id.board.toml",
      14,
      6,
      "clock[1].id",
      "Expected an id no other clock has (clock[0] has it), got 0",
    ),
  ]);
});

Deno.test("duplicate reset name → problem at the second name", async () => {
  assertEquals(await problems("duplicate_name.toml"), [
    problem(
      "duplicate_name.board.toml",
      14,
      8,
      "reset[1].name",
      'Expected a name no other reset domain has (reset[0] has it), got "uart_rst"',
    ),
  ]);
});

Deno.test("unresolved clock parent and device member → problem at each name", async () => {
  assertEquals(await problems("unresolved_ref.toml"), [
    problem(
      "unresolved_ref.board.toml",
      17,
      19,
      "clock[1].parents[1]",
      'Expected the name of a clock, got "pll9"',
    ),
    problem(
      "unresolved_ref.board.toml",
      23,
      11,
      "device[0].resets[0]",
      'Expected the name of a reset domain, got "uart_rst"',
    ),
  ]);
});

Deno.test("unresolved device and resource in an agent's grants → problem at each name", async () => {
  assertEquals(await problems("unresolved_device.toml"), [
    problem(
      "unresolved_device.toml",
      6,
      21,
      "agent[0].devices[1]",
      'Expected the name of a device, got "uart9"',
    ),
    problem(
      "unresolved_device.toml",
      7,
      23,
      "agent[0].resets[1]",
      'Expected the name of a reset domain, got "nope_rst"',
    ),
  ]);
});

Deno.test("unknown driver type and unknown driver option → problems in the board", async () => {
  assertEquals(await problems("unknown_driver.toml"), [
    problem(
      "unknown_driver.board.toml",
      6,
      8,
      "driver[0].type",
      'Expected a registered driver type ("sim"), got "fpga"',
    ),
    problem(
      "unknown_driver.board.toml",
      12,
      29,
      "driver[1].options.speed",
      'Expected an option of the "sim" driver ("time_scale"), got "speed"',
    ),
  ]);
});

Deno.test("unknown protocol name and a number below 0x80 → problem at each entry", async () => {
  const expected = `Expected a protocol name (${STANDARD_NAMES}) or a number from 0x80 to 0xff`;
  assertEquals(await problems("unknown_protocol.toml"), [
    problem("unknown_protocol.toml", 6, 23, "agent[0].protocols[1]", `${expected}, got "clocks"`),
    problem("unknown_protocol.toml", 6, 33, "agent[0].protocols[2]", `${expected}, got 127`),
  ]);
});

Deno.test("bad version pins → the versions the protocol speaks, format", async () => {
  const clock = defineProtocol({
    api: 1,
    id: 0x14,
    name: "clock",
    versions: [0x10000, 0x20000],
    commands: { 0x1: { name: "PROTOCOL_ATTRIBUTES", params: 0, run: () => {} } },
  });
  const protocols = [...PROTOCOLS.filter((p) => p.id !== clock.id), clock];
  assertEquals(await problems("bad_pin.toml", { ...HERMETIC, protocols }), [
    problem(
      "bad_pin.toml",
      6,
      23,
      "agent[0].protocols.clock",
      'Expected a version "clock" speaks ("1.0", "2.0"), got "9.0"',
    ),
    problem(
      "bad_pin.toml",
      6,
      38,
      "agent[0].protocols.reset",
      'Expected true, false or a version "major.minor", got "two"',
    ),
    problem(
      "bad_pin.toml",
      6,
      69,
      "agent[0].protocols.system",
      'Expected a version "system" speaks ("1.0", "2.0", "2.1"), got "2.2"',
    ),
  ]);
});

Deno.test("missing board file → problem at the board key naming the resolved path", async () => {
  assertEquals(await problems("missing_board.toml"), [
    problem(
      "missing_board.toml",
      1,
      9,
      "board",
      `Expected a path to a board manifest, got "nope.board.toml" (no such file: ${
        path("nope.board.toml")
      })`,
    ),
  ]);
});

Deno.test("missing deployment file → ManifestError for the file itself", async () => {
  assertEquals(await problems("nope.toml"), [
    problem("nope.toml", 1, 1, "", "Expected a readable deployment manifest, got no such file"),
  ]);
});

Deno.test("every problem of both files is reported at once, board file first", async () => {
  assertEquals(await problems("semantics.toml"), [
    problem(
      "semantics.board.toml",
      3,
      19,
      "board.perf_power_unit",
      'Expected one of "mW", "uW", "abstract", got "W"',
    ),
    problem(
      "semantics.board.toml",
      12,
      19,
      "clock[0].rates[1]",
      'Expected a rate above 48000000 Hz (rates ascend), got "24MHz"',
    ),
    problem(
      "semantics.board.toml",
      17,
      48,
      "clock[1].range.step",
      'Expected a step that divides max - min (900000000 Hz), got "7MHz"',
    ),
    problem(
      "semantics.board.toml",
      24,
      10,
      "clock[2].parent",
      `Expected one of the clock's parents ("osc"), got "pll"`,
    ),
    problem("semantics.board.toml", 30, 8, "clock[3].rate", "Expected one of 100 Hz, got 200"),
    problem(
      "semantics.board.toml",
      35,
      10,
      "clock[4].rates[0]",
      'Expected a whole number of Hz, got "1.5Hz"',
    ),
    problem(
      "semantics.board.toml",
      40,
      10,
      "power[0].parent",
      'Expected a parent that does not lead back to "pd_a", got "pd_b"',
    ),
    problem(
      "semantics.board.toml",
      46,
      6,
      "power[1].on",
      'Expected false while parent "pd_a" is off at power-on, got true',
    ),
    problem(
      "semantics.toml",
      4,
      10,
      "platform.vendor",
      'Expected a string of 1 to 15 printable ASCII characters, got "a-vendor-name-that-is-too-long"',
    ),
    problem(
      "semantics.toml",
      8,
      51,
      "agent[0].transport.colour",
      'Expected an option of the "stream" transport ("path", "tcp"), got "colour"',
    ),
    problem(
      "semantics.toml",
      10,
      10,
      "agent[0].system_power.action",
      'Expected "deny", "qmp" or "command" for an agent that is not trusted, got "board"',
    ),
    problem(
      "semantics.toml",
      13,
      8,
      "agent[1].name",
      'Expected a name no other agent has (agent[0] has it), got "vm1"',
    ),
    problem(
      "semantics.toml",
      14,
      22,
      "agent[1].transport.type",
      'Expected a transport type ("stream", "virtio-mmio", "vhost-user", "shmem", "smc"), ' +
        'got "pigeon"',
    ),
    problem(
      "semantics.toml",
      17,
      8,
      "agent[2].name",
      "Expected an agent name of 1 to 32 letters, digits, '_', '.' or '-' starting with a " +
        'letter or digit, got "../evil"',
    ),
  ]);
});

Deno.test("plugin modules: not a protocol, not importable → problem at each path", async () => {
  const [notProto, missing, ...rest] = await problems("plugins.toml");
  assertEquals(rest, []);
  assertEquals(
    notProto,
    problem(
      "plugins.toml",
      4,
      33,
      "platform.plugins[1]",
      'Expected a module whose default or "protocol" export is a protocol definition, ' +
        "got an export that is the value 42",
    ),
  );
  assertEquals([missing.file, missing.line, missing.column, missing.keyPath], [
    path("plugins.toml"),
    4,
    62,
    "platform.plugins[2]",
  ]);
  assert(
    missing.message.startsWith("Expected a module that can be imported, got an import error: "),
    missing.message,
  );
});

Deno.test("ManifestError message: one `file:line:col key: message` line per problem", async () => {
  const e = await assertRejects(
    () => loadDeployment(path("wrong_type.toml"), HERMETIC),
    ManifestError,
  ) as ManifestError;
  const lines = e.message.split("\n");
  assertEquals(lines.length, 2);
  assertEquals(lines[0], formatProblem(e.problems[0]));
  assert(
    lines[0].endsWith('wrong_type.toml:5:11 agent[0].trusted: Expected true or false, got "yes"'),
  );
  assertEquals([e.file, e.line, e.column, e.keyPath], [
    path("wrong_type.toml"),
    5,
    11,
    "agent[0].trusted",
  ]);
  assert(e instanceof SyntaxError);
});

Deno.test("formatProblem: path relative to the working directory, none for the whole file", () => {
  const inside = `${Deno.cwd()}/a/b.toml`;
  assertEquals(
    formatProblem({
      file: inside,
      line: 2,
      column: 3,
      keyPath: "x[0].y",
      message: "Expected 1, got 2",
    }),
    "a/b.toml:2:3 x[0].y: Expected 1, got 2",
  );
  assertEquals(
    formatProblem({ file: "/elsewhere.toml", line: 1, column: 1, keyPath: "", message: "M" }),
    Deno.cwd() === "/" ? "elsewhere.toml:1:1: M" : "/elsewhere.toml:1:1: M",
  );
});
