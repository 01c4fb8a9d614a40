/**
 * The deployment's policy keys: `[[agent.<kind>]]` tables (virtual ids, per-agent names,
 * access, bounds), `rate_limit`, `[policy]` (arbitration, kept resources) and the board's
 * `policy` key — what they load into, what the built platform's grant tables hold, and each
 * mistake reported at its line and key. Line numbers are counted by hand from the texts.
 * @module
 */
import { clockKind } from "../../plugins/clock/kind.ts";
import { powerKind } from "../../plugins/power/kind.ts";
import { perfKind } from "../../plugins/perf/kind.ts";
import { assertEquals, assertRejects } from "../../core/_assert_test.ts";
import { buildPlatform } from "../build.ts";
import { Right } from "../../core/protocol.ts";
import { loadBoard, loadDeployment, ManifestError, simBoardPath } from "./mod.ts";
import { BUILTINS } from "../../builtins.ts";

const ALL = Right.READ | Right.WRITE;
const MHZ = 1_000_000;
const SIM = JSON.stringify(simBoardPath());

/** Every manifest this file writes lives under one temp dir, removed when the file's tests end. */
const ROOT = Deno.makeTempDirSync({ prefix: "vscmi-policy-" });
addEventListener("unload", () => Deno.removeSync(ROOT, { recursive: true }));
let written = 0;

async function write(name: string, text: string): Promise<string> {
  const dir = `${ROOT}/${written++}`;
  await Deno.mkdir(dir);
  const file = `${dir}/${name}`;
  await Deno.writeTextFile(file, text);
  return file;
}

/** Each problem as [line, key path, message]. */
async function problems(text: string): Promise<[number, string, string][]> {
  const file = await write("vscmi.toml", text);
  const e = await assertRejects(
    () => loadDeployment(file, BUILTINS),
    ManifestError,
  ) as ManifestError;
  return e.problems.map((p) => [p.line, p.keyPath, p.message]);
}

const VALID = `board = ${SIM}

[policy.keep_on]
clocks = ["osc24m"]
power_domains = ["pd_top"]

[policy.clock]
apb_clk = "max"
pll_video = "exclusive"

[policy.perf]
gpu = "min"

[[agent]]
name = "vm1"
transport = { type = "stream" }
protocols = ["clock", "perf", "voltage", "powercap"]
devices = ["uart0"]
clocks = ["timer_clk"]
rate_limit = { per_s = 500 }

[[agent.clock]]
name = "apb_clk"
virtual = 5
as = "bus"
min = "50MHz"
max = "100MHz"

[[agent.clock]]
name = "timer_clk"
access = "read"

[[agent.clock]]
name = "spi0_clk"
rates = ["20MHz", "10MHz"]
virtual = 0

[[agent.perf]]
name = "gpu"
levels = [200, 400]

[[agent.voltage]]
name = "vdd_gpu"
min = "750mV"
max = "900mV"

[[agent.powercap]]
name = "gpu_cap"
max = "3W"
`;

Deno.test("[policy] sets each resource's policy and kept flag on the board model", async () => {
  const dep = await loadDeployment(await write("vscmi.toml", VALID), BUILTINS);
  const clock = (n: string) => clockKind.of(dep.board).find((c) => c.name === n)!;
  assertEquals([clock("apb_clk").policy, clock("pll_video").policy], ["max", "exclusive"]);
  assertEquals(clock("uart0_clk").policy, undefined);
  assertEquals([clock("osc24m").kept, clock("osc32k").kept], [true, undefined]);
  assertEquals(powerKind.of(dep.board).find((d) => d.name === "pd_top")!.kept, true);
  assertEquals(perfKind.of(dep.board).find((d) => d.name === "gpu")!.policy, "min");
});

Deno.test("[policy] found_running: written on every clock of the board model; absent, none", async () => {
  const text = VALID.replace("[policy.keep_on]", '[policy]\nfound_running = "until-voted"\n\n$&');
  const dep = await loadDeployment(await write("vscmi.toml", text), BUILTINS);
  const found = new Set(clockKind.of(dep.board).map((c) => c.foundRunning));
  assertEquals([...found], ["until-voted"]);
  const plain = await loadDeployment(await write("vscmi.toml", VALID), BUILTINS);
  assertEquals(clockKind.of(plain.board).filter((c) => c.foundRunning !== undefined), []);
});

Deno.test("[policy] found_running with a bad value → the file, key and line", async () => {
  const file = await write(
    "vscmi.toml",
    `board = ${SIM}

[policy]
found_running = "forever"

[[agent]]
name = "vm1"
transport = { type = "stream" }
`,
  );
  const e = await assertRejects(() => loadDeployment(file, BUILTINS), ManifestError);
  assertEquals((e as ManifestError).problems.map((p) => [p.file, p.line, p.keyPath, p.message]), [
    [file, 4, "policy.found_running", 'Expected one of "keep", "until-voted", got "forever"'],
  ]);
});

Deno.test("[[agent.clock]]: explicit virtual ids first, the rest at the lowest free id, holes -1", async () => {
  const dep = await loadDeployment(await write("vscmi.toml", VALID), BUILTINS);
  const [vm1] = dep.agents;
  // spi0_clk (16) asks for 0, apb_clk (12) for 5; then uart0_clk (13) and timer_clk (27).
  assertEquals(vm1.grants.clock, [16, 13, 27, -1, -1, 12]);
  assertEquals(vm1.rateLimit, { perS: 500, burst: 500 });
  assertEquals(
    vm1.access?.clock,
    new Map([[12, { rights: ALL, name: "bus", bounds: { min: 50 * MHZ, max: 100 * MHZ } }], [27, {
      rights: Right.READ,
    }], [16, { rights: ALL, bounds: { values: [10 * MHZ, 20 * MHZ] } }]]),
  );
  assertEquals(vm1.access?.perf?.get(2), { rights: ALL, bounds: { values: [200, 400] } });
  assertEquals(vm1.access?.voltage?.get(1), {
    rights: ALL,
    bounds: { min: 750_000, max: 900_000 },
  });
  assertEquals(vm1.access?.powercap?.get(1), { rights: ALL, bounds: { max: 3_000_000 } });
});

Deno.test("built platform: the agent's IdMap holds the virtual ids, rights, names, bounds and rate limit", async () => {
  const built = await buildPlatform(
    await loadDeployment(await write("vscmi.toml", VALID), BUILTINS),
  );
  try {
    const vm1 = built.platform.agent("vm1")!;
    const map = vm1.grants.maps.clock;
    assertEquals(map.v2p, [16, 13, 27, -1, -1, 12]);
    assertEquals(map.rights, [ALL, ALL, Right.READ, 0, 0, ALL]);
    assertEquals(map.names[5], "bus");
    assertEquals(map.bounds[5], { min: 50 * MHZ, max: 100 * MHZ });
    assertEquals(map.bounds[0], { values: [10 * MHZ, 20 * MHZ] });
    assertEquals(vm1.grants.maps.perf.bounds[0], { values: [200, 400] });
    assertEquals(vm1.bucket?.perS, 500);
    // The deployment's defaults (what RESET_AGENT_CONFIGURATION reverts to) keep them too.
    assertEquals(built.platform.defaultGrants(vm1).maps.clock.bounds[5], map.bounds[5]);
  } finally {
    await built.close();
  }
});

Deno.test("[[agent.clock]] mistakes → one problem each at its line and key", async () => {
  const got = await problems(`board = ${SIM}

[[agent]]
name = "vm1"
transport = { type = "stream" }
protocols = ["clock"]
devices = ["uart0"]

[[agent.clock]]
name = "uart0_clk"
virtual = 2

[[agent.clock]]
name = "apb_clk"
virtual = 2

[[agent.clock]]
name = "uart0_clk"

[[agent.clock]]
name = "spi0_clk"
min = "200MHz"
max = "300MHz"

[[agent.clock]]
name = "i2c0_clk"
rates = ["25MHz", "30MHz"]

[[agent.clock]]
name = "emmc_clk"
min = "100MHz"
max = "50MHz"

[[agent.clock]]
name = "pll_gpu"
as = "uart0_clk"
access = "read"
max = "500MHz"

[[agent.clock]]
name = "nope"
`);
  assertEquals(got, [
    [
      15,
      "agent[0].clock[1].virtual",
      'Expected a virtual id no other clock of agent "vm1" has ("uart0_clk" has it), got 2',
    ],
    [
      18,
      "agent[0].clock[2].name",
      'Expected each clock in one [[agent.clock]] table, got "uart0_clk" again',
    ],
    [
      22,
      "agent[0].clock[3].min",
      "Expected bounds that admit a value the clock supports (1000000 to 100000000 Hz in steps " +
      "of 1000000 Hz), got 200000000–300000000",
    ],
    [
      27,
      "agent[0].clock[4].rates[1]",
      "Expected a value the clock supports (25000000, 50000000, 100000000 Hz), got 30000000",
    ],
    [
      32,
      "agent[0].clock[5].max",
      "Expected a maximum of at least 100000000 Hz (min), got 50000000",
    ],
    [
      36,
      "agent[0].clock[6].as",
      'Expected a name no other clock of agent "vm1" has, got "uart0_clk"',
    ],
    [
      37,
      "agent[0].clock[6].access",
      'Expected "write" (or no access key) where bounds are given, got "read"',
    ],
    [41, "agent[0].clock[7].name", 'Expected the name of a clock, got "nope"'],
  ]);
});

Deno.test("[policy] mistakes → unknown and repeated names at their line", async () => {
  const got = await problems(`board = ${SIM}

[policy.keep_on]
clocks = ["osc24m", "nope_clk", "osc24m"]
voltage_domains = ["vdd_cpu"]

[policy.clock]
ghost = "max"

[policy.perf]
gpu = "max"

[[agent]]
name = "vm1"
transport = { type = "stream" }
`);
  assertEquals(got, [
    [4, "policy.keep_on.clocks[1]", 'Expected the name of a clock, got "nope_clk"'],
    [4, "policy.keep_on.clocks[2]", 'Expected each clock listed once, got "osc24m" again'],
    [8, "policy.clock.ghost", 'Expected the name of a clock, got "ghost"'],
  ]);
});

Deno.test("policy shapes: unknown policy, rate limit 0, bounds on a reset, bad access and virtual id", async () => {
  const got = await problems(`board = ${SIM}

[policy.clock]
apb_clk = "maximal"

[[agent]]
name = "vm1"
transport = { type = "stream" }
rate_limit = { per_s = 0 }

[[agent.reset]]
name = "uart0_rst"
max = 3

[[agent.clock]]
name = "uart0_clk"
access = "rw"
virtual = 70000
`);
  assertEquals(got, [
    [4, "policy.clock.apb_clk", 'Expected one of "exclusive", "max", "min", "last", got "maximal"'],
    [
      9,
      "agent[0].rate_limit.per_s",
      "Expected a number of requests per second from 1 to 1000000, got 0",
    ],
    [
      13,
      "agent[0].reset[0].max",
      'Expected one of the keys "name", "virtual", "as", "access", got "max"',
    ],
    [17, "agent[0].clock[0].access", 'Expected one of "read", "write", got "rw"'],
    [18, "agent[0].clock[0].virtual", "Expected a virtual id from 0 to 65534, got 70000"],
  ]);
});

Deno.test("board `policy` key: read into the model; a deployment's [policy] overrides it", async () => {
  const board = await write(
    "board.toml",
    `[board]
name = "b"

[[driver]]
name = "sim"
type = "sim"

[[clock]]
id = 0
name = "bus"
rates = ["50MHz", "100MHz"]
policy = "min"

[[perf]]
id = 0
name = "cpu"
levels = [{ level = 1, freq = "1MHz" }]
policy = "bogus"
`,
  );
  const e = await assertRejects(() => loadBoard(board, BUILTINS), ManifestError) as ManifestError;
  assertEquals(e.problems.map((p) => [p.line, p.keyPath, p.message]), [
    [18, "perf[0].policy", 'Expected one of "exclusive", "max", "min", "last", got "bogus"'],
  ]);
  await Deno.writeTextFile(board, (await Deno.readTextFile(board)).replace('"bogus"', '"max"'));
  assertEquals(clockKind.of(await loadBoard(board, BUILTINS))[0].policy, "min");
  const dep = await write(
    "vscmi.toml",
    `board = ${JSON.stringify(board)}\n\n[policy.clock]\nbus = "last"\n\n[[agent]]\n` +
      `name = "a"\ntransport = { type = "stream" }\n`,
  );
  const d = await loadDeployment(dep, BUILTINS);
  assertEquals([clockKind.of(d.board)[0].policy, perfKind.of(d.board)[0].policy], ["last", "max"]);
});
