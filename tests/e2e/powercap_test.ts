/**
 * End to end, Power capping and monitoring protocol (0x18) over the stream transport: the
 * probe walk Linux's `powercap.c` makes (version, attributes, MESSAGE_ATTRIBUTES of the
 * notify commands, domain attributes with the consistency rules Linux enforces, names),
 * checked against the board manifest and the agents' grants; every command over the socket
 * with its errors; POWERCAP_CAP_SET_COMPLETE after the reply with the same token; cap and
 * measurement notifications to subscribed agents only; caps of agents sharing a domain; and
 * `vscmi call powercap` against the running server.
 *
 * Layouts (DEN0056 §4.10; `shared/reference/scmi.md` §2.10): DOMAIN_ATTRIBUTES u32
 * attributes (31 cap notify, 30 measurement notify, 29 async, 28 extended name, 27 cap
 * configurable, 26 monitoring, 25 PAI configurable, 24:23 unit), name[16], min/max/step PAI,
 * min/max/step cap, sustainable power, accuracy, parent_id; CAP_SET u32 domain, u32 flags
 * (bit 1 async, bit 0 no delayed response), u32 cap; CAP_CHANGED agent, domain, cap, pai;
 * MEASUREMENTS_CHANGED agent, domain, power.
 * @module
 */
import { powercapKind } from "../../plugins/powercap/kind.ts";
import { assert, assertEquals, assertRejects } from "../../core/_assert_test.ts";
import type { PowercapDesc } from "../../plugins/powercap/kind.ts";
import type { Deployment } from "../../server/manifest/mod.ts";
import { Status } from "../../core/status.ts";
import type { ScmiClient } from "../../client/stream.ts";
import { linuxProblems, powercapDomain } from "../../plugins/powercap/call.ts";
import { powercapProtocol } from "../../plugins/powercap/mod.ts";
import { callProtocol } from "../../client/protocols.ts";
import type { CallContext } from "../../client/types.ts";
import { Payload, StatusError } from "../../client/decode.ts";
import { type E2e, p2a, simBoardPath, startE2e } from "./_server.ts";

const POWERCAP = 0x18;
const Msg = {
  VERSION: 0x0,
  ATTRIBUTES: 0x1,
  MESSAGE_ATTRIBUTES: 0x2,
  DOMAIN_ATTRIBUTES: 0x3,
  CAP_GET: 0x4,
  CAP_SET: 0x5,
  PAI_GET: 0x6,
  PAI_SET: 0x7,
  NAME_GET: 0x8,
  MEASUREMENTS_GET: 0x9,
  CAP_NOTIFY: 0xa,
  MEASUREMENTS_NOTIFY: 0xb,
  DESCRIBE_FASTCHANNEL: 0xc,
} as const;
const ASYNC = 0x2;
const NO_DELAYED = 0x1;
const ROOT = 0xffff_ffff;

/**
 * vm1 sees both domains (gpu_cap's parent visible as its id 0); vm2 shares gpu_cap; the host
 * speaks Powercap 1.0.
 *
 *   domain    phys  vm1  vm2  host
 *   soc_cap   0     0    -    0
 *   gpu_cap   1     1    0    -
 */
const SHARED = `board = ${JSON.stringify(simBoardPath())}

[[agent]]
name = "vm1"
transport = { type = "stream" }
protocols = ["powercap"]
powercaps = ["soc_cap", "gpu_cap"]

[[agent]]
name = "vm2"
transport = { type = "stream" }
protocols = ["powercap"]
powercaps = ["gpu_cap"]

[[agent]]
name = "host"
trusted = true
transport = { type = "stream" }
protocols = { powercap = "1.0" }
powercaps = ["soc_cap"]
`;

/** gpu_cap applies caps asynchronously and may be switched off (board fields in code). */
function asyncGpu(dep: Deployment): void {
  const gpu = powercapKind.of(dep.board).find((d) => d.name === "gpu_cap")!;
  gpu.async = true;
  gpu.canDisable = true;
  powercapKind.of(dep.board).find((d) => d.name === "soc_cap")!.canDisable = true;
}

function domains(e2e: E2e, agent: string): PowercapDesc[] {
  const phys = e2e.dep.agents.find((a) => a.name === agent)!.grants.powercap ?? [];
  return phys.map((p) => powercapKind.of(e2e.dep.board).find((d) => d.id === p)!);
}

/** A CallContext over `c`, to reuse the CLI's decoder in checks. */
function context(c: ScmiClient): CallContext {
  const request = (id: number, params: readonly number[] | Uint8Array = []) =>
    c.request(POWERCAP, id, params);
  const protocol = callProtocol(powercapProtocol);
  return {
    client: c,
    protocol,
    protocols: [protocol],
    timeoutMs: c.timeoutMs,
    request,
    async call(id, params) {
      const r = await request(id, params);
      if (r.status !== 0) throw new StatusError(`message ${id}`, r.status);
      return new Payload(r.payload, `message ${id}`);
    },
  };
}

/** The walk of Linux's `scmi_powercap_protocol_init` at 2.0 for one agent. */
async function walk(e2e: E2e, c: ScmiClient, agent: string): Promise<void> {
  const doms = domains(e2e, agent);
  const phys = doms.map((d) => d.id);
  assertEquals((await e2e.ok(c, POWERCAP, Msg.VERSION)).u32(), 0x20000);
  assertEquals((await e2e.ok(c, POWERCAP, Msg.ATTRIBUTES)).u32(), doms.length);
  for (const m of [Msg.CAP_NOTIFY, Msg.MEASUREMENTS_NOTIFY, Msg.CAP_SET, Msg.CAP_GET]) {
    // Present, and bit 0 (fast channel) clear.
    assertEquals((await e2e.ok(c, POWERCAP, Msg.MESSAGE_ATTRIBUTES, [m])).u32(), 0);
  }
  for (let vid = 0; vid < doms.length; vid++) {
    const d = doms[vid];
    // Cap and measurement notifications (a stream session), cap, monitoring and PAI
    // configurable, µW (1 << 23); the sim board's domains are not asynchronous.
    const p = await e2e.ok(c, POWERCAP, Msg.DOMAIN_ATTRIBUTES, [vid]);
    const parent = d.parent === undefined ? -1 : phys.indexOf(d.parent);
    assertEquals(
      [p.u32(), p.name(16), ...Array.from({ length: 9 }, () => p.u32())],
      [
        0xce80_0000,
        d.name,
        d.minPai,
        d.maxPai,
        d.paiStep,
        d.minCap,
        d.maxCap,
        d.capStep,
        d.maxCap,
        0,
        parent < 0 ? ROOT : parent,
      ],
      d.name,
    );
    const n = await e2e.ok(c, POWERCAP, Msg.NAME_GET, [vid]);
    assertEquals([n.u32(), n.name(64)], [0, d.name]);
    assertEquals(linuxProblems(await powercapDomain(context(c), vid), doms.length), []);
  }
  assertEquals(
    await e2e.status(c, POWERCAP, Msg.DOMAIN_ATTRIBUTES, [doms.length]),
    Status.NOT_FOUND,
  );
}

Deno.test("e2e powercap: the Linux probe walk of vm1, vm2 and host matches the manifest and grants", async () => {
  await using e2e = await startE2e();
  // By hand from examples/sim/vscmi.toml: vm1's gpu device has gpu_cap (its parent soc_cap
  // is the host's, so vm1 sees a root); the host's thermal device has soc_cap.
  assertEquals(domains(e2e, "vm1").map((d) => d.name), ["gpu_cap"]);
  assertEquals(domains(e2e, "vm2"), []);
  assertEquals(domains(e2e, "host").map((d) => d.name), ["soc_cap"]);
  for (const agent of ["vm1", "vm2", "host"]) await walk(e2e, await e2e.connect(agent), agent);
});

Deno.test("e2e powercap: a parent the agent sees is reported by its id", async () => {
  await using e2e = await startE2e({ toml: SHARED });
  await walk(e2e, await e2e.connect("vm1"), "vm1");
  const vm2 = await e2e.connect("vm2");
  const p = await e2e.ok(vm2, POWERCAP, Msg.DOMAIN_ATTRIBUTES, [0]);
  p.take(4 + 16 + 8 * 4);
  assertEquals(p.u32(), ROOT, "vm2 does not see soc_cap");
});

Deno.test("e2e powercap: CAP, PAI and MEASUREMENTS commands and their errors over the socket", async () => {
  await using e2e = await startE2e();
  const c = await e2e.connect("vm1");
  const ok = (m: number, p: number[]) => e2e.ok(c, POWERCAP, m, p);
  const st = (m: number, p: number[]) => e2e.status(c, POWERCAP, m, p);
  const gpu = domains(e2e, "vm1")[0];

  assertEquals((await ok(Msg.CAP_GET, [0])).u32(), gpu.cap);
  await ok(Msg.CAP_SET, [0, 0, 3_000_000]);
  assertEquals((await ok(Msg.CAP_GET, [0])).u32(), 3_000_000);
  assertEquals(await st(Msg.CAP_SET, [0, 0, 3_010_000]), Status.INVALID_PARAMETERS, "off step");
  assertEquals(await st(Msg.CAP_SET, [0, 0, 6_000_000]), Status.INVALID_PARAMETERS, "above max");
  assertEquals(await st(Msg.CAP_SET, [0, 0, 0]), Status.INVALID_PARAMETERS, "cannot disable");
  assertEquals(await st(Msg.CAP_SET, [0, 0x4, 3_000_000]), Status.INVALID_PARAMETERS, "flags");
  assertEquals(await st(Msg.CAP_SET, [0, ASYNC, 3_000_000]), Status.NOT_SUPPORTED, "sync only");
  assertEquals(await st(Msg.CAP_SET, [0, 0]), Status.PROTOCOL_ERROR, "8-byte CAP_SET");

  assertEquals((await ok(Msg.PAI_GET, [0])).u32(), gpu.pai);
  await ok(Msg.PAI_SET, [0, 0, 20_000]);
  assertEquals((await ok(Msg.PAI_GET, [0])).u32(), 20_000);
  assertEquals(await st(Msg.PAI_SET, [0, 1, 20_000]), Status.INVALID_PARAMETERS, "flags");
  assertEquals(await st(Msg.PAI_SET, [0, 0, 1500]), Status.INVALID_PARAMETERS, "off step");

  const m = await ok(Msg.MEASUREMENTS_GET, [0]);
  const power = m.u32();
  assert(power > 0 && power <= 3_000_000, `the load is clipped to the cap: ${power}`);
  assertEquals(m.u32(), 20_000);
  assertEquals(await st(Msg.DESCRIBE_FASTCHANNEL, [0, Msg.CAP_SET]), Status.NOT_SUPPORTED);
  assertEquals(
    await st(Msg.MEASUREMENTS_NOTIFY, [0, 1, 2_000_000, 1_000_000]),
    Status.INVALID_PARAMETERS,
    "low above high",
  );
  assertEquals(await st(Msg.CAP_GET, [1]), Status.NOT_FOUND);
});

Deno.test("e2e powercap: asynchronous CAP_SET → reply first, then CAP_SET_COMPLETE, same token", async () => {
  await using e2e = await startE2e({ toml: SHARED, prepare: asyncGpu });
  const raw = await e2e.raw("vm2");
  await raw.send(POWERCAP, Msg.CAP_SET, 0x3e8, [0, ASYNC, 3_000_000]);
  assertEquals(p2a(await raw.next()), {
    type: 0,
    protocol: POWERCAP,
    id: Msg.CAP_SET,
    token: 0x3e8,
    words: [0],
  });
  // POWERCAP_CAP_SET_COMPLETE: u32 status, u32 domain_id (vm2's id), u32 the cap in force.
  assertEquals(p2a(await raw.next()), {
    type: 2,
    protocol: POWERCAP,
    id: Msg.CAP_SET,
    token: 0x3e8,
    words: [0, 0, 3_000_000],
  });
  // Bit 0 as well: asynchronous, and no delayed response.
  await raw.send(POWERCAP, Msg.CAP_SET, 7, [0, ASYNC | NO_DELAYED, 2_500_000]);
  assertEquals(p2a(await raw.next()).words, [0]);
  assert(await raw.idle(100), "no POWERCAP_CAP_SET_COMPLETE when bit 0 is set");
  // 2.0 with canDisable: a cap of 0 switches capping off and reads back 0.
  await raw.send(POWERCAP, Msg.CAP_SET, 8, [0, 0, 0]);
  assertEquals(p2a(await raw.next()).words, [0]);
  await raw.send(POWERCAP, Msg.CAP_GET, 9, [0]);
  assertEquals(p2a(await raw.next()).words, [0, 0]);
});

Deno.test("e2e powercap: a 1.0 agent cannot switch capping off with a cap of 0", async () => {
  await using e2e = await startE2e({ toml: SHARED, prepare: asyncGpu });
  const host = await e2e.connect("host");
  assertEquals((await e2e.ok(host, POWERCAP, Msg.VERSION)).u32(), 0x10000);
  assertEquals(
    await e2e.status(host, POWERCAP, Msg.CAP_SET, [0, 0, 0]),
    Status.INVALID_PARAMETERS,
  );
});

Deno.test("e2e powercap: CAP_CHANGED and MEASUREMENTS_CHANGED reach subscribed agents only", async () => {
  await using e2e = await startE2e({ toml: SHARED });
  const vm1 = await e2e.connect("vm1");
  const vm2 = await e2e.connect("vm2");
  const pai = (await e2e.ok(vm1, POWERCAP, Msg.PAI_GET, [1])).u32();
  await e2e.ok(vm1, POWERCAP, Msg.CAP_NOTIFY, [1, 1]);

  // vm2 lowers the shared gpu_cap: vm1 hears it as its domain 1, from the platform (agent 0).
  await e2e.ok(vm2, POWERCAP, Msg.CAP_SET, [0, 0, 3_000_000]);
  const n = await vm1.waitFor(() => true);
  assert(n !== null, "vm1 is subscribed");
  assertEquals(p2a(n), {
    type: 3,
    protocol: POWERCAP,
    id: 0,
    token: 0,
    words: [0, 1, 3_000_000, pai],
  });

  // vm1 asks for more: the lowest request stays in force, so nothing changes.
  await e2e.ok(vm1, POWERCAP, Msg.CAP_SET, [1, 0, 3_500_000]);
  assertEquals((await e2e.ok(vm1, POWERCAP, Msg.CAP_GET, [1])).u32(), 3_000_000);
  assertEquals(await vm1.waitFor(() => true, 50), null);
  assertEquals(vm2.notifications.length, 0, "vm2 never subscribed");
  // vm2 leaves: its request goes, vm1's applies.
  await e2e.disconnect(vm2);
  const after = await vm1.waitFor(() => true);
  assertEquals(p2a(after!).words, [0, 1, 3_500_000, pai]);

  // vm1 changes the interval itself: agent_id is its own id (1).
  await e2e.ok(vm1, POWERCAP, Msg.PAI_SET, [1, 0, 20_000]);
  assertEquals(p2a((await vm1.waitFor(() => true))!).words, [1, 1, 3_500_000, 20_000]);

  // Measurements: thresholds both at the power now; the moving load crosses one soon.
  await e2e.ok(vm1, POWERCAP, Msg.CAP_NOTIFY, [1, 0]);
  const now = (await e2e.ok(vm1, POWERCAP, Msg.MEASUREMENTS_GET, [1])).u32();
  await e2e.ok(vm1, POWERCAP, Msg.MEASUREMENTS_NOTIFY, [1, 1, now, now]);
  const meas = await vm1.waitFor(() => true);
  assert(meas !== null, "a threshold was crossed");
  const m = p2a(meas);
  assertEquals([m.type, m.id, m.words.length, m.words[0], m.words[1]], [3, 1, 3, 0, 1]);
  assert(m.words[2] !== now && m.words[2] <= 3_500_000, `power ${m.words[2]}`);
  await e2e.ok(vm1, POWERCAP, Msg.MEASUREMENTS_NOTIFY, [1, 0, 0, 0]);
});

Deno.test("e2e powercap: vscmi call powercap list / get / set / pai / measure / watch", async () => {
  await using e2e = await startE2e({ toml: SHARED, prepare: asyncGpu });
  const list = await e2e.cli("vm1", "powercap", "list");
  assertEquals(list.lines[0], "2 domains");
  assert(
    /^1\s+gpu_cap\s+500mW–5W step 50mW\s+1ms–100ms step 1ms\s+0\s+set-cap,set-pai,async,monitor,notify$/m
      .test(list.lines.join("\n")),
    list.lines.join("\n"),
  );
  assertEquals((await e2e.cli("vm2", "powercap", "get", "gpu_cap")).lines, ["gpu_cap: 4W"]);
  assertEquals((await e2e.cli("vm2", "powercap", "set", "gpu_cap", "3W")).lines, ["ok"]);
  // vscmi withdraws a cap with its agent's connection: the board's 4 W is back.
  assertEquals((await e2e.cli("vm2", "powercap", "get", "0")).lines, ["gpu_cap: 4W"]);
  assertEquals((await e2e.cli("vm2", "powercap", "set", "0", "2.5W", "--async")).lines, [
    "ok: cap in force 2.5W (completed asynchronously)",
  ]);
  await assertRejects(
    () => e2e.cli("vm2", "powercap", "set", "0", "2.51W"),
    Error,
    "POWERCAP_CAP_SET answered INVALID_PARAMETERS",
  );
  assertEquals((await e2e.cli("vm2", "powercap", "pai", "0", "20ms")).lines, ["ok"]);
  assertEquals((await e2e.cli("vm2", "powercap", "pai", "0")).lines, ["20ms"]);
  const measure = await e2e.cli("vm2", "powercap", "measure", "0");
  assert(/^gpu_cap: [\d.]+m?W averaged over 20ms$/.test(measure.lines[0]), measure.lines[0]);
  const watch = await e2e.cli("vm2", "powercap", "watch", "0", "--count", "1");
  assert(/^watching gpu_cap: thresholds /.test(watch.lines[0]), watch.lines[0]);
  assert(/^power [\d.]+m?W, (above|below) the thresholds \(agent 0\)$/.test(watch.lines[1]));
  assertEquals(watch.lines[2], "(1 notification; count reached)");
});
