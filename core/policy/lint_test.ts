/**
 * Policy lint on a small board and a deployment that makes every mistake it looks for, each
 * warning asserted at its file, line and key (counted by hand), and on the bundled example,
 * which must lint clean.
 * @module
 */
import { assertEquals } from "../_assert_test.ts";
import { defaultDeploymentPath, loadDeployment } from "../../server/manifest/mod.ts";
import { lintPolicy } from "./lint.ts";
import { BUILTINS } from "../../builtins.ts";

const BOARD = `[board]
name = "lintb"

[[driver]]
name = "sim"
type = "sim"

[[clock]]
id = 0
name = "osc"
rates = ["24MHz"]
enabled = true

[[clock]]
id = 1
name = "bus"
rates = ["50MHz", "100MHz"]
parents = ["osc"]

[[clock]]
id = 2
name = "pll"
range = { min = "100MHz", max = "200MHz", step = "1MHz" }
parents = ["osc"]

[[clock]]
id = 3
name = "orphan"
rates = ["1MHz", "2MHz"]

[[power]]
id = 0
name = "pd_top"
on = true

[[device]]
id = 0
name = "uart"
clocks = ["bus"]

[[device]]
id = 1
name = "spare"
clocks = ["bus"]
`;

const DEPLOYMENT = `board = "board.toml"

[policy.keep_on]
clocks = ["pll"]
power_domains = ["pd_top"]

[[agent]]
name = "vm1"
transport = { type = "stream" }
devices = ["uart"]
clocks = ["pll"]
power_domains = ["pd_top"]
system_power = { action = "command", argv = ["/sbin/shutdown", "-h", "now"] }

[[agent.clock]]
name = "osc"
virtual = 4

[[agent]]
name = "vm2"
transport = { type = "stream" }
devices = ["uart"]
system_power = { action = "command", argv = ["virsh", "reset", "vm2"] }

[[agent]]
name = "vm3"
transport = { type = "stream" }
system_power = { action = "qmp", socket = "/run/vm1.qmp" }

[[agent]]
name = "vm4"
transport = { type = "stream" }
system_power = { action = "qmp", socket = "/run/vm1.qmp" }

[[agent]]
name = "host"
trusted = true
transport = { type = "stream" }
clocks = ["pll"]
`;

Deno.test("lint: every policy slip warned at its file, line and key", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-lint-" });
  await Deno.writeTextFile(`${dir}/board.toml`, BOARD);
  await Deno.writeTextFile(`${dir}/vscmi.toml`, DEPLOYMENT);
  const warnings = await lintPolicy(await loadDeployment(`${dir}/vscmi.toml`, BUILTINS));
  const kept = (what: string) =>
    `Agent "vm1" may switch off ${what}, which [policy.keep_on] keeps on: its "off" only ` +
    `withdraws its own vote; grant it with access = "read" if the agent is not to control it`;
  const shared = (name: string, agents: string) =>
    `Clock "${name}" is shared by agents ${agents} without an arbitration policy, so the last ` +
    `request wins: set [policy.clock] ${name} = "max", "min", "exclusive" or "last"`;
  assertEquals(warnings.map((w) => [w.file.slice(dir.length + 1), w.line, w.keyPath, w.message]), [
    [
      "board.toml",
      26,
      "clock[3]",
      'Clock "orphan" is in no device, granted to no agent and no other resource refers to it',
    ],
    ["board.toml", 41, "device[1]", 'Device "spare" is granted to no agent'],
    ["vscmi.toml", 11, "agent[0].clocks[0]", kept('clock "pll"')],
    ["vscmi.toml", 12, "agent[0].power_domains[0]", kept('power domain "pd_top"')],
    [
      "vscmi.toml",
      13,
      "agent[0].system_power.argv[0]",
      'Agent "vm1" is not trusted, but its system_power command "shutdown" acts on the host, ' +
      "not on the agent's own VM",
    ],
    [
      "vscmi.toml",
      15,
      "agent[0].clock",
      'Agent "vm1" sees clock virtual ids 0 to 4, 2 of them unused: it finds NOT_FOUND there',
    ],
    ["vscmi.toml", 22, "agent[1].devices[0]", shared("bus", '"vm1", "vm2"')],
    [
      "vscmi.toml",
      23,
      "agent[1].system_power.argv",
      'Agent "vm2" is not trusted, and its system_power command has no "{state}" argument: ' +
      "shutdown, resets and suspend all run the same command",
    ],
    [
      "vscmi.toml",
      33,
      "agent[3].system_power.socket",
      'Agent "vm4" drives the QMP socket of agent "vm3": either can shut down or reset the ' +
      "other's VM",
    ],
    ["vscmi.toml", 39, "agent[4].clocks[0]", shared("pll", '"vm1", "host"')],
  ]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("vscmi check: policy warnings on standard error, exit code 0, counted after ok", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-lint-" });
  await Deno.writeTextFile(`${dir}/board.toml`, BOARD);
  await Deno.writeTextFile(`${dir}/vscmi.toml`, DEPLOYMENT);
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("../../main.ts", import.meta.url).pathname,
      "check",
      `${dir}/vscmi.toml`,
    ],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const [stdout, stderr] = [out.stdout, out.stderr].map((b) => new TextDecoder().decode(b));
  assertEquals(out.code, 0, stderr);
  const lines = stderr.trimEnd().split("\n");
  assertEquals(lines.length, 10, stderr);
  assertEquals(
    lines[0],
    `warning: ${dir}/board.toml:26:1 clock[3]: Clock "orphan" is in no device, granted to no ` +
      "agent and no other resource refers to it",
  );
  assertEquals(lines.every((l) => l.startsWith("warning: ")), true, stderr);
  assertEquals(
    stdout.split("\n")[0],
    `ok: ${dir}/vscmi.toml: board "lintb" with 5 agents, 10 policy warnings`,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("lint: a declared policy, read-only access or a single rate silence the warnings", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-lint-" });
  await Deno.writeTextFile(`${dir}/board.toml`, BOARD.replace('"50MHz", "100MHz"', '"50MHz"'));
  await Deno.writeTextFile(
    `${dir}/vscmi.toml`,
    `board = "board.toml"

[policy.keep_on]
clocks = ["pll"]

[policy.clock]
pll = "exclusive"

[[agent]]
name = "vm1"
transport = { type = "stream" }
devices = ["uart", "spare"]

[[agent.clock]]
name = "pll"
access = "read"

[[agent.clock]]
name = "orphan"

[[agent]]
name = "vm2"
transport = { type = "stream" }
devices = ["uart"]
clocks = ["pll"]
power_domains = ["pd_top"]

[[agent]]
name = "host"
trusted = true
transport = { type = "stream" }
clocks = ["pll"]
`,
  );
  const warnings = await lintPolicy(await loadDeployment(`${dir}/vscmi.toml`, BUILTINS));
  // bus now has one rate; pll has a policy; vm1 reads pll only. vm2 may still switch pll off.
  assertEquals(warnings.map((w) => [w.line, w.keyPath]), [[25, "agent[1].clocks[0]"]]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("lint: examples/sim/vscmi.toml has no policy warning", async () => {
  assertEquals(await lintPolicy(await loadDeployment(defaultDeploymentPath(), BUILTINS)), []);
});

Deno.test("lint: what a protocol of the deployment lints itself is warned at its file, line and key", async () => {
  const dep = await loadDeployment(defaultDeploymentPath(), BUILTINS);
  const system = dep.protocols.find((p) => p.name === "system")!;
  const vendor = {
    ...system,
    id: 0x91,
    name: "vendor",
    lint: (d: typeof dep) => [{ file: d.file, path: ["agent", 1, "name"], message: "vm2 is odd" }],
  };
  const warnings = await lintPolicy({ ...dep, protocols: [...dep.protocols, vendor] });
  assertEquals(
    warnings.map((w) => [w.file, w.keyPath, w.message]),
    [[dep.file, "agent[1].name", "vm2 is odd"]],
  );
  assertEquals(warnings[0].line > dep.agents[0].line, true);
});

const MHZ_LIST = Array.from({ length: 20 }, (_, i) => `"${i + 1}MHz"`).join(", ");
const LEVELS = Array.from(
  { length: 65 },
  (_, i) => `{ level = ${i + 1}, freq = "${i + 1}MHz", power = 1 }`,
).join(", ");

/** A board at Linux's limits: 20 clock rates, 65 performance levels, two pin groups. */
const LIMITS_BOARD = `[board]
name = "limits"
perf_power_unit = "mW"

[[driver]]
name = "sim"
type = "sim"

[[clock]]
id = 0
name = "audio"
rates = [${MHZ_LIST}]
policy = "max"

[[perf]]
id = 0
name = "big"
levels = [${LEVELS}]
level = 1

[[pin]]
id = 0
name = "p0"

[[pin]]
id = 1
name = "p1"

[[pin]]
id = 2
name = "p2"

[[group]]
id = 0
name = "g1"
pins = ["p0", "p1"]

[[group]]
id = 1
name = "g2"
pins = ["p2"]
`;

const LIMITS_DEPLOYMENT = `board = "board.toml"

[[agent]]
name = "a"
transport = { type = "stream" }
protocols = ["clock", "perf", "pinctrl"]
clocks = ["audio"]
perf_domains = ["big"]
pins = ["p2"]
groups = ["g1", "g2"]

[[agent]]
name = "b"
transport = { type = "stream" }
protocols = ["clock"]

[[agent.clock]]
name = "audio"
min = "3MHz"
max = "18MHz"

[[agent]]
name = "c"
transport = { type = "stream" }
protocols = ["pinctrl"]
`;

/** Writes the limits board and deployment to a fresh directory. */
async function limits(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-lint-" });
  await Deno.writeTextFile(`${dir}/board.toml`, LIMITS_BOARD);
  await Deno.writeTextFile(`${dir}/vscmi.toml`, LIMITS_DEPLOYMENT);
  return dir;
}

Deno.test("lint: > 16 clock rates, a group without visible pins, pin control without pins → warned", async () => {
  const dir = await limits();
  try {
    const warnings = await lintPolicy(await loadDeployment(`${dir}/vscmi.toml`, BUILTINS));
    assertEquals(
      warnings.map((w) => [w.file.slice(dir.length + 1), w.line, w.keyPath, w.message]),
      [
        [
          "board.toml",
          12,
          "clock[0].rates",
          'Clock "audio" shows more than 16 rates to agents "a" (20): Linux rejects a clock with ' +
          "more (SCMI_MAX_NUM_RATES); bound the rates each agent may set ([[agent.clock]] min, " +
          "max or rates)",
        ],
        [
          "vscmi.toml",
          10,
          "agent[0].groups[0]",
          'Agent "a" sees pin group "g1" but none of its pins: Linux rejects a group without ' +
          'pins; grant it some of "p0", "p1" or drop the group',
        ],
        [
          "vscmi.toml",
          25,
          "agent[2].protocols",
          'Agent "c" is granted pin control but no pin: its guest\'s pin controller has nothing ' +
          'to drive; grant pins or drop "pinctrl" from its protocols',
        ],
      ],
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("vscmi check: a perf domain with 65 levels → warned once (at build), not again by lint", async () => {
  const dir = await limits();
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("../../main.ts", import.meta.url).pathname,
        "check",
        `${dir}/vscmi.toml`,
      ],
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assertEquals(out.code, 0, stderr);
    const about = stderr.split("\n").filter((l) => l.includes("65 levels"));
    assertEquals(about, ['perf "big" (0): 65 levels; Linux agents accept at most 64'], stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
