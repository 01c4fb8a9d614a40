/**
 * End to end, Voltage domain management protocol (0x17) over the stream transport: the probe
 * walk Linux's `voltage.c` makes (version, attributes, domain attributes, names, every
 * DESCRIBE_LEVELS page), checked against the board manifest and the agents' grants; every
 * command over the socket with its errors; VOLTAGE_LEVEL_SET_COMPLETE after the reply with
 * the same token; requests of agents sharing a domain, withdrawn when one disconnects; a 1.0
 * agent; and `vscmi call voltage` against the running server. The protocol has no
 * notifications.
 *
 * Layouts (DEN0056 §4.9; `shared/reference/scmi.md` §2.9): DOMAIN_ATTRIBUTES u32 attributes
 * (2.0+: 31 async, 30 extended name), name[16]; DESCRIBE_LEVELS u32 flags (11:0 returned, 12
 * segment, 31:16 remaining), s32 µV; LEVEL_SET u32 domain, u32 flags (bit 0 async), s32 µV;
 * CONFIG_SET/GET u32 config (0x7 on, 0x0 off); VOLTAGE_LEVEL_SET_COMPLETE u32 status, u32
 * domain, s32 µV.
 * @module
 */
import { voltageKind } from "../../plugins/voltage/kind.ts";
import { assert, assertEquals, assertRejects } from "../../core/_assert_test.ts";
import type { VoltageDesc } from "../../plugins/voltage/kind.ts";
import type { VoltageHw } from "../../plugins/voltage/hw.ts";
import { Status } from "../../core/status.ts";
import type { ScmiClient } from "../../client/stream.ts";
import { type E2e, p2a, simBoardPath, startE2e } from "./_server.ts";

const VOLTAGE = 0x17;
const Msg = {
  VERSION: 0x0,
  ATTRIBUTES: 0x1,
  MESSAGE_ATTRIBUTES: 0x2,
  DOMAIN_ATTRIBUTES: 0x3,
  DESCRIBE_LEVELS: 0x4,
  CONFIG_SET: 0x5,
  CONFIG_GET: 0x6,
  LEVEL_SET: 0x7,
  LEVEL_GET: 0x8,
  NAME_GET: 0x9,
} as const;
const ON = 0x7;
const OFF = 0x0;

/**
 * vm1 and vm2 share vdd_dsp (phys 3, asynchronous, 800/900/1000 mV) under different ids; the
 * host speaks Voltage 1.0.
 *
 *   domain    phys  vm1  vm2  host
 *   vdd_dsp   3     0    1    -
 *   vdd_gpu   1     -    0    -
 *   vdd_cpu   0     -    -    0
 */
const SHARED = `board = ${JSON.stringify(simBoardPath())}

[[agent]]
name = "vm1"
transport = { type = "stream" }
protocols = ["voltage"]
voltage_domains = ["vdd_dsp"]

[[agent]]
name = "vm2"
transport = { type = "stream" }
protocols = ["voltage"]
voltage_domains = ["vdd_gpu", "vdd_dsp"]

[[agent]]
name = "host"
trusted = true
transport = { type = "stream" }
protocols = { voltage = "1.0" }
voltage_domains = ["vdd_cpu"]
`;

function domains(e2e: E2e, agent: string): VoltageDesc[] {
  const phys = e2e.dep.agents.find((a) => a.name === agent)!.grants.voltage ?? [];
  return phys.map((p) => voltageKind.of(e2e.dep.board).find((d) => d.id === p)!);
}

function hw(e2e: E2e, phys: number): VoltageHw {
  return voltageKind.hwOf(e2e.server.platform.env.hw)[phys] as VoltageHw;
}

/** The walk of Linux's `scmi_voltage_protocol_init` at 2.1 for one agent. */
async function walk(e2e: E2e, c: ScmiClient, agent: string): Promise<void> {
  const doms = domains(e2e, agent);
  assertEquals((await e2e.ok(c, VOLTAGE, Msg.VERSION)).u32(), 0x20001);
  assertEquals((await e2e.ok(c, VOLTAGE, Msg.ATTRIBUTES)).u32(), doms.length);
  for (const m of [Msg.LEVEL_SET, Msg.NAME_GET]) {
    assertEquals((await e2e.ok(c, VOLTAGE, Msg.MESSAGE_ATTRIBUTES, [m])).u32(), 0);
  }
  for (let vid = 0; vid < doms.length; vid++) {
    const d = doms[vid];
    const a = await e2e.ok(c, VOLTAGE, Msg.DOMAIN_ATTRIBUTES, [vid]);
    // A stream session has a platform→agent channel: bit 31 as the board says.
    assertEquals([a.u32(), a.name(16)], [d.async ? 0x8000_0000 : 0, d.name], d.name);
    const n = await e2e.ok(c, VOLTAGE, Msg.NAME_GET, [vid]);
    assertEquals([n.u32(), n.name(64)], [0, d.name]);
    const l = await e2e.ok(c, VOLTAGE, Msg.DESCRIBE_LEVELS, [vid, 0]);
    if (d.levels.kind === "segment") {
      assertEquals([l.u32(), l.i32(), l.i32(), l.i32()], [
        3 | 0x1000,
        d.levels.min,
        d.levels.max,
        d.levels.step,
      ]);
    } else {
      const want = d.levels.levels;
      assertEquals(l.u32(), want.length, "every level fits one 128-byte reply");
      assertEquals(want.map(() => l.i32()), want);
      assertEquals(
        await e2e.status(c, VOLTAGE, Msg.DESCRIBE_LEVELS, [vid, want.length]),
        Status.OUT_OF_RANGE,
      );
    }
    assertEquals(l.remaining, 0);
  }
  assertEquals(
    await e2e.status(c, VOLTAGE, Msg.DOMAIN_ATTRIBUTES, [doms.length]),
    Status.NOT_FOUND,
  );
}

Deno.test("e2e voltage: the Linux probe walk of vm1, vm2 and host matches the manifest and grants", async () => {
  await using e2e = await startE2e();
  // By hand from examples/sim/vscmi.toml: gpu → vdd_gpu; emmc, dsp → vddio_sd, vdd_dsp;
  // cpu_cluster0 → vdd_cpu.
  assertEquals(domains(e2e, "vm1").map((d) => d.name), ["vdd_gpu"]);
  assertEquals(domains(e2e, "vm2").map((d) => d.name), ["vddio_sd", "vdd_dsp"]);
  assertEquals(domains(e2e, "host").map((d) => d.name), ["vdd_cpu"]);
  for (const agent of ["vm1", "vm2", "host"]) await walk(e2e, await e2e.connect(agent), agent);
});

Deno.test("e2e voltage: LEVEL and CONFIG commands and their errors over the socket", async () => {
  await using e2e = await startE2e();
  const c = await e2e.connect("vm2");
  const ok = (m: number, p: number[]) => e2e.ok(c, VOLTAGE, m, p);
  const st = (m: number, p: number[]) => e2e.status(c, VOLTAGE, m, p);
  // vm2: 0 vddio_sd (phys 2: 1.8 V / 3.3 V, on at power-on), 1 vdd_dsp (phys 3).
  assertEquals((await ok(Msg.LEVEL_GET, [0])).i32(), 3_300_000);
  await ok(Msg.LEVEL_SET, [0, 0, 1_800_000]);
  assertEquals((await ok(Msg.LEVEL_GET, [0])).i32(), 1_800_000);
  assertEquals(await hw(e2e, 2).getLevel(2), 1_800_000);
  assertEquals(await st(Msg.LEVEL_SET, [0, 0, 2_500_000]), Status.INVALID_PARAMETERS);
  assertEquals(await st(Msg.LEVEL_SET, [0, 2, 1_800_000]), Status.INVALID_PARAMETERS, "flags");
  assertEquals(await st(Msg.LEVEL_SET, [0, 1, 1_800_000]), Status.NOT_SUPPORTED, "not async");
  assertEquals(await st(Msg.LEVEL_SET, [0, 0]), Status.PROTOCOL_ERROR, "8-byte LEVEL_SET");

  // CONFIG_GET reads back this agent's own vote, off until it votes.
  assertEquals((await ok(Msg.CONFIG_GET, [1])).u32(), OFF);
  assertEquals(hw(e2e, 3).isOn(3), false);
  await ok(Msg.CONFIG_SET, [1, ON]);
  assertEquals((await ok(Msg.CONFIG_GET, [1])).u32(), ON);
  assertEquals(hw(e2e, 3).isOn(3), true);
  for (const bad of [0x5, 0x8, 0x17]) {
    assertEquals(await st(Msg.CONFIG_SET, [1, bad]), Status.INVALID_PARAMETERS, `config ${bad}`);
  }
  await ok(Msg.CONFIG_SET, [1, OFF]);
  assertEquals(hw(e2e, 3).isOn(3), false);
  assertEquals(await st(Msg.LEVEL_GET, [2]), Status.NOT_FOUND);
});

Deno.test("e2e voltage: asynchronous LEVEL_SET → reply first, then LEVEL_SET_COMPLETE, same token", async () => {
  await using e2e = await startE2e();
  const raw = await e2e.raw("vm2");
  await raw.send(VOLTAGE, Msg.LEVEL_SET, 0x155, [1, 1, 1_000_000]);
  assertEquals(p2a(await raw.next()), {
    type: 0,
    protocol: VOLTAGE,
    id: Msg.LEVEL_SET,
    token: 0x155,
    words: [0],
  });
  // VOLTAGE_LEVEL_SET_COMPLETE: u32 status, u32 domain_id (vm2's id), s32 level.
  assertEquals(p2a(await raw.next()), {
    type: 2,
    protocol: VOLTAGE,
    id: Msg.LEVEL_SET,
    token: 0x155,
    words: [0, 1, 1_000_000],
  });
  assertEquals(await hw(e2e, 3).getLevel(3), 1_000_000);
  assert(await raw.idle(50), "one delayed response only");
});

Deno.test("e2e voltage: a shared domain runs at the highest request; a disconnect withdraws it", async () => {
  await using e2e = await startE2e({ toml: SHARED });
  const vm1 = await e2e.connect("vm1");
  const vm2 = await e2e.connect("vm2");
  await e2e.ok(vm1, VOLTAGE, Msg.LEVEL_SET, [0, 0, 800_000]);
  await e2e.ok(vm2, VOLTAGE, Msg.LEVEL_SET, [1, 0, 900_000]);
  assertEquals(await hw(e2e, 3).getLevel(3), 900_000);
  // Each reads back its own request.
  assertEquals((await e2e.ok(vm1, VOLTAGE, Msg.LEVEL_GET, [0])).i32(), 800_000);
  assertEquals((await e2e.ok(vm2, VOLTAGE, Msg.LEVEL_GET, [1])).i32(), 900_000);
  await e2e.ok(vm1, VOLTAGE, Msg.CONFIG_SET, [0, ON]);
  await e2e.ok(vm2, VOLTAGE, Msg.CONFIG_SET, [1, ON]);
  await e2e.ok(vm1, VOLTAGE, Msg.CONFIG_SET, [0, OFF]);
  assertEquals(hw(e2e, 3).isOn(3), true, "vm2 still votes on");
  await e2e.disconnect(vm2);
  await e2e.until(() => !hw(e2e, 3).isOn(3), "vdd_dsp to switch off");
  assertEquals(await hw(e2e, 3).getLevel(3), 800_000, "vm1's request remains");
});

Deno.test("e2e voltage: a 1.0 agent gets no attribute bits, no NAME_GET, no async flag", async () => {
  await using e2e = await startE2e({ toml: SHARED });
  const host = await e2e.connect("host");
  assertEquals((await e2e.ok(host, VOLTAGE, Msg.VERSION)).u32(), 0x10000);
  const a = await e2e.ok(host, VOLTAGE, Msg.DOMAIN_ATTRIBUTES, [0]);
  assertEquals([a.u32(), a.name(16)], [0, "vdd_cpu"]);
  assertEquals(await e2e.status(host, VOLTAGE, Msg.NAME_GET, [0]), Status.NOT_SUPPORTED);
  assertEquals(
    await e2e.status(host, VOLTAGE, Msg.MESSAGE_ATTRIBUTES, [Msg.NAME_GET]),
    Status.NOT_FOUND,
  );
  assertEquals(
    await e2e.status(host, VOLTAGE, Msg.LEVEL_SET, [0, 1, 900_000]),
    Status.INVALID_PARAMETERS,
    "flags are reserved at 1.0",
  );
});

Deno.test("e2e voltage: vscmi call voltage list / levels / set / get / on / off against the server", async () => {
  await using e2e = await startE2e();
  const list = await e2e.cli("vm2", "voltage", "list");
  assertEquals(list.lines[0], "2 domains");
  assert(/^1\s+vdd_dsp\s+800mV, 900mV, 1V\s+async$/m.test(list.lines.join("\n")), list.lines[3]);
  assertEquals((await e2e.cli("vm1", "voltage", "levels", "vdd_gpu")).lines, [
    "700mV to 1V in steps of 10mV",
  ]);
  assertEquals((await e2e.cli("vm2", "voltage", "set", "vdd_dsp", "800mV")).lines, ["ok"]);
  assertEquals((await e2e.cli("vm2", "voltage", "set", "vdd_dsp", "1V", "--async")).lines, [
    "ok: 1V (completed asynchronously)",
  ]);
  assertEquals(await hw(e2e, 3).getLevel(3), 1_000_000);
  await assertRejects(
    () => e2e.cli("vm2", "voltage", "set", "vdd_dsp", "950mV"),
    Error,
    "VOLTAGE_LEVEL_SET answered INVALID_PARAMETERS",
  );
  // The vote lasts as long as the connection: on inside one command, off again after it.
  assertEquals((await e2e.cli("vm2", "voltage", "on", "vdd_dsp")).lines, ["ok"]);
  await e2e.until(() => !hw(e2e, 3).isOn(3), "the vote to end with the connection");
  // vddio_sd is on at power-on, but this agent has not voted: its own vote reads off.
  assertEquals((await e2e.cli("vm2", "voltage", "get", "vddio_sd")).lines, ["3.3V, off"]);
  assertEquals((await e2e.cli("vm2", "voltage", "off", "1")).lines, ["ok"]);
});
