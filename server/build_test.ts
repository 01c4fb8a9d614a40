/**
 * The platform builder on the bundled sim deployment and on deployments built in code:
 * grants in declared order with device members once, drivers created and closed, and every
 * build-time problem reported with its manifest position.
 * @module
 */
import { fileURLToPath } from "node:url";
import { assert, assertEquals, assertRejects } from "../core/_assert_test.ts";
import { buildPlatform } from "./build.ts";
import { defineDriver, type DriverDef } from "../core/driver.ts";
import { encodeHeader, MsgType } from "../core/header.ts";
import { Msg } from "../core/msg.ts";
import { defineProtocol, Right } from "../core/protocol.ts";
import { PROTOCOLS } from "../builtins.ts";
import type { Platform } from "../core/platform.ts";
import { simDriver } from "../boards/drivers/sim.ts";
import {
  defaultDeploymentPath,
  type Deployment,
  loadDeployment,
  ManifestError,
} from "./manifest/mod.ts";
import { BUILTINS } from "../builtins.ts";
import { systemPowerOf } from "../plugins/system/power_key.ts";

const simDep = () => loadDeployment(defaultDeploymentPath(), BUILTINS);
const fixtures = new URL("../tests/manifests/", import.meta.url);

/** Physical ids an agent sees for `kind`, in virtual-id order. */
function seen(platform: Platform, agent: string, kind: string) {
  return [...platform.agent(agent)!.grants.maps[kind].physical()];
}

/** Line (1-based) of the first line of `file` equal to `text`, counted independently. */
async function lineOf(file: string, text: string, from = 0): Promise<number> {
  const lines = (await Deno.readTextFile(file)).split("\n");
  return lines.findIndex((l, i) => i >= from && l === text) + 1;
}

Deno.test("sim deployment builds: agents 1..3 in manifest order with their settings", async () => {
  const built = await buildPlatform(await simDep());
  try {
    const { platform } = built;
    assertEquals(platform.agents.map((a) => [a.id, a.name, a.trusted, a.maxMsgSize]), [
      [1, "vm1", false, 128],
      [2, "vm2", false, 128],
      [3, "host", true, 256],
    ]);
    assertEquals(platform.agents.map((a) => systemPowerOf(a).action), ["deny", "deny", "board"]);
    assertEquals(platform.agents.map((a) => a.transport), [
      { type: "stream", options: {} },
      { type: "stream", options: {} },
      { type: "stream", options: {} },
    ]);
    assertEquals([...built.drivers.keys()], ["sim"]);
    assertEquals(platform.protocolIds, PROTOCOLS.map((p) => p.id).sort((a, b) => a - b));
    const common = [0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18];
    assertEquals(platform.agents.map((a) => [...a.grants.protocols.keys()].sort()), [
      [...common, 0x19],
      [...common, 0x19],
      common,
    ]);
  } finally {
    await built.close();
  }
});

Deno.test("sim deployment: virtual ids follow device order, then direct grants, each once", async () => {
  const built = await buildPlatform(await simDep());
  try {
    const p = built.platform;
    // From boards/sim.toml: uart0 (uart0_clk 13, apb_clk 12), i2c0 (i2c0_clk 15, apb_clk),
    // spi0 (spi0_clk 16, apb_clk), display (19, 20, pll_video 6), gpu (21, pll_gpu 5), then
    // the direct grant timer_clk 27.
    assertEquals(seen(p, "vm1", "clock"), [13, 12, 15, 16, 19, 20, 6, 21, 5, 27]);
    // uart1 (14, 12), usb (17, 18, ahb_clk 11), emmc (26, ahb_clk), audio (23, 7), dsp (22),
    // gpio (no clocks), timer_clk 27.
    assertEquals(seen(p, "vm2", "clock"), [14, 12, 17, 18, 11, 26, 23, 7, 22, 27]);
    // cpu_cluster0 (8), cpu_cluster1 (9), thermal, watchdog (25), rtc (24), then osc24m,
    // osc32k, pll_cpu0, pll_cpu1, pll_periph, axi_clk, timer_clk, pll_video.
    assertEquals(seen(p, "host", "clock"), [8, 9, 25, 24, 0, 1, 2, 3, 4, 10, 27, 6]);
    assertEquals(seen(p, "vm1", "reset"), [0, 2, 3, 6, 7]);
    assertEquals(seen(p, "vm1", "power"), [1, 3, 4]);
    assertEquals(seen(p, "vm2", "power"), [1, 2, 7, 5]);
    assertEquals(seen(p, "host", "power"), [6, 0]);
    assertEquals(seen(p, "vm1", "pin"), [0, 1, 6, 7, 8, 9, 10, 11]);
    assertEquals(seen(p, "host", "perf"), [0, 1]);
    assertEquals([...p.agent("vm1")!.grants.devices], [0, 2, 3, 5, 6]);
    const map = p.agent("vm1")!.grants.maps.clock;
    assertEquals(map.toVirtual(12), 1);
    assertEquals(map.rights[1], Right.READ | Right.WRITE);
  } finally {
    await built.close();
  }
});

Deno.test("sim deployment: a built agent's session answers CLOCK PROTOCOL_ATTRIBUTES with its own count", async () => {
  const built = await buildPlatform(await simDep());
  try {
    const { platform } = built;
    const counts: number[] = [];
    for (const agent of platform.agents) {
      const s = platform.openSession(agent, { p2a: true });
      const req = new Uint8Array(4);
      new DataView(req.buffer).setUint32(0, encodeHeader(0x1, MsgType.COMMAND, 0x14, 7), true);
      const out = new Uint8Array(64);
      const m = new Msg();
      m.r.reset(req, 0, 4);
      m.w.reset(out, 0, out.length);
      const n = await platform.dispatch(s, m);
      const dv = new DataView(out.buffer);
      assertEquals([n, dv.getUint32(4, true)], [12, 0], `${agent.name}: header + SUCCESS + attrs`);
      counts.push(dv.getUint32(8, true) & 0xffff); // bits 15:0 number of clocks
    }
    assertEquals(counts, [10, 10, 12]);
  } finally {
    await built.close();
  }
});

Deno.test("a granted protocol no plugin implements → ManifestError naming the agent and line", async () => {
  const dep = await simDep();
  const withoutClock = PROTOCOLS.filter((p) => p.id !== 0x14);
  const e = await assertRejects(
    () => buildPlatform(dep, { protocols: withoutClock }),
    ManifestError,
  ) as ManifestError;
  const lines = await Promise.all(
    ["vm1", "vm2", "host"].map(async (n) => {
      const header = await lineOf(dep.file, `name = "${n}"`);
      const lines = (await Deno.readTextFile(dep.file)).split("\n");
      return lines.findIndex((l, i) => i >= header && l.startsWith("protocols = [")) + 1;
    }),
  );
  const names = withoutClock.map((p) => `"${p.name}"`).join(", ");
  assertEquals(
    e.problems,
    ["vm1", "vm2", "host"].map((n, i) => ({
      file: dep.file,
      line: lines[i],
      column: 13,
      keyPath: `agent[${i}].protocols`,
      message:
        `Expected a protocol that a registered plugin implements (${names}), got "clock" (0x14) for agent "${n}"`,
    })),
  );
});

Deno.test("no Base plugin at all → each agent's table is named (Base is always granted)", async () => {
  const dep = await loadDeployment(fileURLToPath(new URL("plugin_ok.toml", fixtures)), BUILTINS);
  dep.plugins = [];
  dep.agents.forEach((a) => (a.protocols = []));
  const e = await assertRejects(
    () => buildPlatform(dep, { protocols: [] }),
    ManifestError,
  ) as ManifestError;
  // At each agent's `protocols` key (lines 12 and 22 of the fixture).
  assertEquals(e.problems.map((p) => [p.line, p.keyPath, p.message]), [
    [
      12,
      "agent[0].protocols",
      'Expected a protocol that a registered plugin implements (none are), got "base" (0x10) for agent "vm1"',
    ],
    [
      22,
      "agent[1].protocols",
      'Expected a protocol that a registered plugin implements (none are), got "base" (0x10) for agent "host"',
    ],
  ]);
});

Deno.test("vendor plugin module: implemented protocol is served, a pin it lacks is reported", async () => {
  const dep = await loadDeployment(fileURLToPath(new URL("plugin_ok.toml", fixtures)), BUILTINS);
  // 0x81 and 0x82 are granted in the fixture but implemented by nothing.
  const e = await assertRejects(() => buildPlatform(dep), ManifestError) as ManifestError;
  assertEquals(e.problems.map((p) => [p.keyPath, p.message.replace(/\(.*\), got/, "(…), got")]), [
    [
      "agent[0].protocols",
      'Expected a protocol that a registered plugin implements (…), got "0x81" (0x81) for agent "vm1"',
    ],
    [
      "agent[1].protocols",
      'Expected a protocol that a registered plugin implements (…), got "0x82" (0x82) for agent "host"',
    ],
  ]);
  dep.agents[0].protocols = dep.agents[0].protocols.filter((p) => p.id !== 0x81);
  dep.agents[1].protocols = dep.agents[1].protocols.filter((p) => p.id !== 0x82);
  const built = await buildPlatform(dep);
  try {
    assert(built.platform.protocolIds.includes(0x80));
    assertEquals(built.platform.agent("vm1")!.grants.protocols.get(0x80), { pin: 0x10001 });
    assertEquals(built.platform.agent("vm1")!.grants.protocols.get(0x10), { pin: 0x20000 });
    // A pin the module does not speak, set in code, is caught before the platform exists.
    dep.agents[0].protocols.find((p) => p.id === 0x80)!.pin = 0x20000;
    const e2 = await assertRejects(() => buildPlatform(dep), ManifestError) as ManifestError;
    assertEquals(e2.problems.map((p) => [p.keyPath, p.message]), [
      [
        "agent[0].protocols.vendor",
        'Expected a version "vendor" speaks ("1.0", "1.1"), got "2.0" for agent "vm1"',
      ],
    ]);
  } finally {
    await built.close();
  }
});

Deno.test("plugin module that exports no protocol, or clashes with a registered id → problem at its path", async () => {
  const dep = await loadDeployment(fileURLToPath(new URL("plugin_ok.toml", fixtures)), BUILTINS);
  dep.agents.forEach((a) => (a.protocols = a.protocols.filter((p) => p.id === 0x10)));
  // Positions come from the file the deployment names: plugins.toml lists three modules on
  // line 4, the first at column 12, the second at column 33.
  dep.file = fileURLToPath(new URL("plugins.toml", fixtures));
  dep.plugins = [
    new URL("plugins/not_a_protocol.ts", fixtures).href,
    new URL("plugins/vendor.ts", fixtures).href,
  ];
  const clash = defineProtocol({
    api: 1,
    id: 0x80,
    name: "other",
    versions: [0x10000],
    commands: { 0x1: { name: "PROTOCOL_ATTRIBUTES", params: 0, run: () => {} } },
  });
  const e = await assertRejects(
    () => buildPlatform(dep, { protocols: [...PROTOCOLS, clash] }),
    ManifestError,
  ) as ManifestError;
  assertEquals(e.problems.map((p) => [p.line, p.keyPath, p.message]), [
    [
      4,
      "platform.plugins[0]",
      'Expected a module whose default or "protocol" export is a protocol definition, got an export that is the value 42',
    ],
    [
      4,
      "platform.plugins[1]",
      'Expected a protocol no other plugin provides, got "vendor" (0x80), which "other" already implements',
    ],
  ]);
});

Deno.test("driver type not registered, unknown option, or bad option value → problem in the board file", async () => {
  const dep = await simDep();
  const typeLine = await lineOf(dep.boardFile, 'type = "sim"');
  const optLine = await lineOf(dep.boardFile, "options = { time_scale = 1 }");
  let e = await assertRejects(
    () => buildPlatform(dep, { drivers: [] }),
    ManifestError,
  ) as ManifestError;
  assertEquals(e.problems, [{
    file: dep.boardFile,
    line: typeLine,
    column: 8,
    keyPath: "driver[0].type",
    message: 'Expected a registered driver type (), got "sim"',
  }]);

  const strict = defineDriver({ ...simDriver, options: {} });
  e = await assertRejects(
    () => buildPlatform(dep, { drivers: [strict] }),
    ManifestError,
  ) as ManifestError;
  assertEquals(e.problems.map((p) => [p.line, p.column, p.keyPath, p.message]), [
    [
      optLine,
      13,
      "driver[0].options.time_scale",
      'Expected an option of the "sim" driver (it takes none), got "time_scale"',
    ],
  ]);

  dep.board.drivers[0].options = { time_scale: -1 };
  e = await assertRejects(() => buildPlatform(dep), ManifestError) as ManifestError;
  assertEquals(e.problems.map((p) => [p.line, p.column, p.keyPath, p.message]), [
    [optLine, 26, "driver[0].options.time_scale", "Expected a number ≥ 0, got -1"],
  ]);
});

Deno.test("a driver failing to start → a run-time Error naming it, drivers started before closed", async () => {
  const dep = await simDep();
  dep.board.drivers.push({ name: "soc", type: "broken", options: {} });
  const closed: string[] = [];
  const sim = defineDriver({
    ...simDriver,
    async create(env) {
      const d = await simDriver.create(env);
      return { ...d, close: () => void closed.push(env.name) };
    },
  });
  const broken = defineDriver({
    api: 1,
    name: "broken",
    summary: "cannot reach its hardware",
    options: {},
    create() {
      throw new Error("/dev/mem: permission denied");
    },
  });
  const e = await assertRejects(() => buildPlatform(dep, { drivers: [sim, broken] }), Error);
  assert(!(e instanceof ManifestError), "a driver that cannot start is no manifest problem");
  assertEquals(
    e.message,
    'Board driver "soc" ("broken") failed to start: /dev/mem: permission denied',
  );
  assertEquals(closed, ["sim"]);
});

Deno.test("a driver that lacks a resource class → problem at the resource's driver key", async () => {
  const dep = await simDep();
  const noPins: DriverDef = defineDriver({
    ...simDriver,
    async create(env) {
      const d = await simDriver.create(env);
      return { ...d, pinctrl: undefined };
    },
  });
  const e = await assertRejects(
    () => buildPlatform(dep, { drivers: [noPins] }),
    ManifestError,
  ) as ManifestError;
  // 16 pins, 8 groups, 6 functions.
  assertEquals(e.problems.length, 30);
  assertEquals(e.problems[0].keyPath, "pin[0].driver");
  assertEquals(e.problems[0].message, 'Expected a driver that drives pinctrl, got "sim"');
  // No `driver` key is written, so the position is the [[pin]] header, two lines above.
  assertEquals(e.problems[0].line, await lineOf(dep.boardFile, 'name = "pa0"') - 2);
});

Deno.test("in-code deployment: devices first, direct grants after, repeats once; close() closes drivers once", async () => {
  const dep = await simDep();
  const d: Deployment = {
    ...dep,
    agents: [{
      name: "solo",
      trusted: false,
      maxMsgSize: 64,
      transport: { type: "stream", options: {} },
      protocols: [{ id: 0x10, name: "base" }, { id: 0x14, name: "clock", pin: 0x20000 }],
      grants: { clock: [27, 12], reset: [5] },
      devices: [0],
      line: 1,
    }],
  };
  let closed = 0;
  const counting = defineDriver({
    ...simDriver,
    async create(env) {
      return { ...(await simDriver.create(env)), close: () => void closed++ };
    },
  });
  const built = await buildPlatform(d, { drivers: [counting] });
  const p = built.platform;
  assertEquals(seen(p, "solo", "clock"), [13, 12, 27]);
  assertEquals(seen(p, "solo", "reset"), [0, 5]);
  assertEquals(p.agent("solo")!.grants.protocols.get(0x14), { pin: 0x20000 });
  assertEquals(systemPowerOf(p.agent("solo")!), { action: "deny" });
  await Promise.all([built.close(), built.close()]);
  await built.close();
  assertEquals(closed, 1);
});
