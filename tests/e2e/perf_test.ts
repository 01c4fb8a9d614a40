/**
 * End to end, Performance domain management protocol (0x13) over the stream transport: the
 * probe walk Linux's perf driver makes (version, attributes, MESSAGE_ATTRIBUTES of the notify
 * and fast-channel commands, domain attributes, names, every DESCRIBE_LEVELS page), checked
 * against the board manifest and the agents' grants; every command over the socket with its
 * errors; level and limit notifications to subscribed agents only; and `vscmi call perf`
 * against the running server.
 *
 * Layouts (DEN0056 §4.5; `shared/reference/scmi.md` §2.5): PROTOCOL_ATTRIBUTES u16 domains,
 * u16 flags (bit 0 mW), u32 stats low/high/len; DOMAIN_ATTRIBUTES u32 flags (31 limits, 30
 * level, 29/28 notify, 27 fast channels, 26 extended name, 25 level indexing), u32 rate
 * limit, u32 sustained kHz, u32 sustained level, name[16]; DESCRIBE_LEVELS u32 (11:0
 * returned, 31:16 remaining) + 20-byte entries at 4.0 (level, power, u16 latency, kHz,
 * index); LEVEL_CHANGED agent, domain, level; LIMITS_CHANGED agent, domain, max, min.
 * @module
 */
import { perfKind } from "../../plugins/perf/kind.ts";
import { assert, assertEquals } from "../../core/_assert_test.ts";
import type { PerfDesc } from "../../plugins/perf/kind.ts";
import { Status } from "../../core/status.ts";
import type { ScmiClient } from "../../client/stream.ts";
import { type E2e, p2a, simBoardPath, startE2e } from "./_server.ts";
import { turn } from "../../core/_wait_test.ts";

const PERF = 0x13;
const Msg = {
  VERSION: 0x0,
  ATTRIBUTES: 0x1,
  MESSAGE_ATTRIBUTES: 0x2,
  DOMAIN_ATTRIBUTES: 0x3,
  DESCRIBE_LEVELS: 0x4,
  LIMITS_SET: 0x5,
  LIMITS_GET: 0x6,
  LEVEL_SET: 0x7,
  LEVEL_GET: 0x8,
  NOTIFY_LIMITS: 0x9,
  NOTIFY_LEVEL: 0xa,
  DESCRIBE_FASTCHANNEL: 0xb,
  NAME_GET: 0xc,
} as const;
/** Set limits, set level, limits and level notifications: a stream agent with full rights. */
const FULL = 0xf000_0000;

/**
 * vm1 and vm2 share cpu_cluster0 (phys 0) under different ids; vm1 (128-byte messages) also
 * has gpu; the host sees only cpu_cluster1 and speaks Perf 3.0.
 *
 *   domain         phys  vm1  vm2  host
 *   cpu_cluster0   0     1    0    -
 *   cpu_cluster1   1     -    -    0
 *   gpu            2     0    -    -
 */
const SHARED = `board = ${JSON.stringify(simBoardPath())}

[[agent]]
name = "vm1"
transport = { type = "stream" }
protocols = ["perf"]
perf_domains = ["gpu", "cpu_cluster0"]

[[agent]]
name = "vm2"
transport = { type = "stream" }
protocols = ["perf"]
perf_domains = ["cpu_cluster0"]

[[agent]]
name = "host"
trusted = true
transport = { type = "stream" }
protocols = { perf = "3.0" }
perf_domains = ["cpu_cluster1"]
`;

function domains(e2e: E2e, agent: string): PerfDesc[] {
  const phys = e2e.dep.agents.find((a) => a.name === agent)!.grants.perf ?? [];
  return phys.map((p) => perfKind.of(e2e.dep.board).find((d) => d.id === p)!);
}

/** The walk of Linux's `scmi_perf_protocol_init` for one agent at version `ver`. */
async function walk(e2e: E2e, c: ScmiClient, agent: string, ver: number): Promise<void> {
  const doms = domains(e2e, agent);
  assertEquals((await e2e.ok(c, PERF, Msg.VERSION)).u32(), ver);
  const a = await e2e.ok(c, PERF, Msg.ATTRIBUTES);
  // u16 num_domains | u16 flags << 16 (bit 0: the board's perf_power_unit is mW).
  assertEquals([a.u32(), a.u32(), a.u32(), a.u32()], [doms.length | (1 << 16), 0, 0, 0]);
  // Notifications exist (PROTOCOL_MESSAGE_ATTRIBUTES SUCCESS); no fast channel (bit 0 clear).
  for (const m of [Msg.NOTIFY_LIMITS, Msg.NOTIFY_LEVEL, Msg.LEVEL_SET, Msg.LIMITS_GET]) {
    assertEquals((await e2e.ok(c, PERF, Msg.MESSAGE_ATTRIBUTES, [m])).u32(), 0, `message ${m}`);
  }
  for (let vid = 0; vid < doms.length; vid++) {
    const d = doms[vid];
    const p = await e2e.ok(c, PERF, Msg.DOMAIN_ATTRIBUTES, [vid]);
    assertEquals(
      [p.u32(), p.u32(), p.u32(), p.u32(), p.name(16)],
      [FULL, d.rateLimitUs, d.sustainedFreqKhz, d.sustainedLevel, d.name],
    );
    // Every page of DESCRIBE_LEVELS, as many as fit the agent's message size.
    const entry = ver >= 0x40000 ? 20 : 12;
    const room = Math.floor(((agent === "host" ? 256 : 128) - 4) / entry);
    let at = 0;
    while (at < d.levels.length) {
      const l = await e2e.ok(c, PERF, Msg.DESCRIBE_LEVELS, [vid, at]);
      const n = Math.min(room, d.levels.length - at);
      assertEquals(l.u32(), n | ((d.levels.length - at - n) << 16), `${d.name} page at ${at}`);
      for (let i = at; i < at + n; i++) {
        const want = d.levels[i];
        assertEquals([l.u32(), l.u32(), l.u32()], [want.level, want.power, want.latencyUs]);
        if (ver >= 0x40000) assertEquals([l.u32(), l.u32()], [want.freqKhz, i]);
      }
      assertEquals(l.remaining, 0);
      at += n;
    }
  }
  assertEquals(await e2e.status(c, PERF, Msg.DOMAIN_ATTRIBUTES, [doms.length]), Status.NOT_FOUND);
}

Deno.test("e2e perf: the Linux probe walk of vm1, vm2 and host matches the manifest and grants", async () => {
  await using e2e = await startE2e();
  // By hand from examples/sim/vscmi.toml: vm1 has the gpu device, vm2 the dsp, the host both
  // CPU clusters.
  assertEquals(domains(e2e, "vm1").map((d) => d.name), ["gpu"]);
  assertEquals(domains(e2e, "vm2").map((d) => d.name), ["dsp"]);
  assertEquals(domains(e2e, "host").map((d) => d.name), ["cpu_cluster0", "cpu_cluster1"]);
  for (const agent of ["vm1", "vm2", "host"]) {
    await walk(e2e, await e2e.connect(agent), agent, 0x40000);
  }
});

Deno.test("e2e perf: 128-byte messages page 8 levels as 6 + 2; a 3.0 agent gets 12-byte entries", async () => {
  await using e2e = await startE2e({ toml: SHARED });
  await walk(e2e, await e2e.connect("vm1"), "vm1", 0x40000);
  await walk(e2e, await e2e.connect("host"), "host", 0x30000);
  const vm1 = await e2e.connect("vm2");
  assertEquals((await e2e.ok(vm1, PERF, Msg.DESCRIBE_LEVELS, [0, 6])).u32(), 2);
});

Deno.test("e2e perf: LEVEL and LIMITS commands and their errors over the socket", async () => {
  await using e2e = await startE2e();
  const c = await e2e.connect("vm1");
  const gpu = domains(e2e, "vm1")[0];
  const ok = (m: number, p: number[]) => e2e.ok(c, PERF, m, p);
  const st = (m: number, p: number[]) => e2e.status(c, PERF, m, p);

  assertEquals((await ok(Msg.LEVEL_GET, [0])).u32(), gpu.level);
  await ok(Msg.LEVEL_SET, [0, 600]);
  assertEquals((await ok(Msg.LEVEL_GET, [0])).u32(), 600);
  assertEquals(await st(Msg.LEVEL_SET, [0, 650]), Status.OUT_OF_RANGE, "undeclared level");

  const lim = await ok(Msg.LIMITS_GET, [0]);
  assertEquals([lim.u32(), lim.u32()], [800, 200]);
  await ok(Msg.LIMITS_SET, [0, 600, 300]);
  const now = await ok(Msg.LIMITS_GET, [0]);
  assertEquals([now.u32(), now.u32()], [600, 300]);
  assertEquals(await st(Msg.LEVEL_SET, [0, 800]), Status.OUT_OF_RANGE, "above range_max");
  assertEquals(await st(Msg.LIMITS_SET, [0, 300, 600]), Status.INVALID_PARAMETERS, "min > max");
  assertEquals(await st(Msg.LIMITS_SET, [0, 0, 0]), Status.INVALID_PARAMETERS, "both zero");

  assertEquals(await st(Msg.DESCRIBE_LEVELS, [0, 5]), Status.INVALID_PARAMETERS);
  assertEquals(await st(Msg.DESCRIBE_FASTCHANNEL, [0, Msg.LEVEL_SET]), Status.NOT_SUPPORTED);
  const n = await ok(Msg.NAME_GET, [0]);
  assertEquals([n.u32(), n.name(64)], [0, "gpu"]);
  assertEquals(await st(Msg.LEVEL_GET, [1]), Status.NOT_FOUND);
  assertEquals(await st(Msg.LEVEL_SET, [0]), Status.PROTOCOL_ERROR, "4-byte LEVEL_SET");
  assertEquals(await st(Msg.NOTIFY_LEVEL, [0, 2]), Status.INVALID_PARAMETERS, "reserved bit");
});

Deno.test("e2e perf: LEVEL_CHANGED and LIMITS_CHANGED reach subscribed agents only, in their ids", async () => {
  await using e2e = await startE2e({ toml: SHARED });
  const vm1 = await e2e.connect("vm1");
  const vm2 = await e2e.connect("vm2");
  const host = await e2e.connect("host");
  await e2e.ok(vm1, PERF, Msg.NOTIFY_LEVEL, [1, 1]);
  await e2e.ok(host, PERF, Msg.NOTIFY_LEVEL, [0, 1]);

  // vm2 moves the shared cluster: vm1 hears it as its domain 1, from the platform (agent 0).
  await e2e.ok(vm2, PERF, Msg.LEVEL_SET, [0, 816]);
  const n = await vm1.waitFor(() => true);
  assert(n !== null, "vm1 is subscribed");
  assertEquals(p2a(n), { type: 3, protocol: PERF, id: 0x1, token: 0, words: [0, 1, 816] });

  // vm1 moves it itself: agent_id is its own id (1).
  await e2e.ok(vm1, PERF, Msg.LEVEL_SET, [1, 1200]);
  const own = await vm1.waitFor(() => true);
  assertEquals(p2a(own!).words, [1, 1, 1200]);

  // Limits: only vm2 subscribes; vm1 narrows them so the level (1200) must move to 1008.
  await e2e.ok(vm2, PERF, Msg.NOTIFY_LIMITS, [0, 1]);
  await e2e.ok(vm1, PERF, Msg.LIMITS_SET, [1, 1008, 600]);
  const lim = await vm2.waitFor(() => true);
  assertEquals(p2a(lim!), { type: 3, protocol: PERF, id: 0x0, token: 0, words: [0, 0, 1008, 600] });
  const moved = await vm1.waitFor(() => true);
  // vm1 caused the move (through its limits), so the event carries vm1's own id.
  assertEquals(p2a(moved!).words, [1, 1, 1008], "vm1 hears the level its limits forced");

  // Unsubscribed: nothing more for vm1; the host never sees the cluster it has no grant for.
  await e2e.ok(vm1, PERF, Msg.NOTIFY_LEVEL, [1, 0]);
  await e2e.ok(vm2, PERF, Msg.LEVEL_SET, [0, 600]);
  assertEquals(await vm1.waitFor(() => true, 100), null);
  assertEquals(vm2.notifications.length, 0, "vm2 never subscribed to levels");
  assertEquals(host.notifications.length, 0);
});

Deno.test("e2e perf: vscmi call perf list / set / get / limits / watch against the server", async () => {
  await using e2e = await startE2e({ toml: SHARED });
  const list = await e2e.cli("vm1", "--json", "perf", "list");
  assertEquals(list.code, 0);
  const json = JSON.parse(list.lines[0]) as { domains: { name: string; levels: unknown[] }[] };
  assertEquals(json.domains.map((d) => [d.name, d.levels.length]), [["gpu", 5], [
    "cpu_cluster0",
    8,
  ]]);

  assertEquals((await e2e.cli("vm1", "perf", "set", "gpu", "300")).lines, ["ok"]);
  assertEquals((await e2e.cli("vm1", "perf", "get", "gpu")).lines, ["gpu: 300 (300MHz)"]);
  assertEquals((await e2e.cli("vm1", "perf", "limits", "0", "200", "600")).lines, ["ok"]);
  assertEquals((await e2e.cli("vm1", "perf", "limits", "gpu")).lines, [
    "gpu: 200 (200MHz) – 600 (600MHz)",
  ]);

  // vm1 watches the shared cluster while vm2 moves it.
  const watching = e2e.cli("vm1", "perf", "watch", "cpu_cluster0", "--count", "1");
  const vm2 = await e2e.connect("vm2");
  let settled = false;
  watching.finally(() => settled = true);
  // Moves the level until the watch (subscribing in the meantime) has seen one change.
  for (let i = 0; !settled; i++) {
    await e2e.ok(vm2, PERF, Msg.LEVEL_SET, [0, i % 2 ? 600 : 816]);
    await turn();
  }
  const w = await watching;
  assertEquals(w.code, 0);
  assert(/^level (600 \(600MHz\)|816 \(816MHz\)) \(agent 0\)$/.test(w.lines[0]), w.lines[0]);
  assertEquals(w.lines.at(-1), "(1 notification; count reached)");
});
