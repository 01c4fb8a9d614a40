/**
 * End to end, Power domain management protocol (0x11) over the stream transport: the probe
 * walk Linux's power-domain driver makes, checked against the board manifest and the
 * agents' grants, then every command over the socket — synchronous and asynchronous
 * POWER_STATE_SET (its completion is a POWER_STATE_CHANGED notification after the reply),
 * the errors, notifications to subscribed agents only, and votes released when a
 * connection closes.
 *
 * Layouts (DEN0056 §4.3; `shared/reference/scmi.md` §2.3): PROTOCOL_ATTRIBUTES p2a u32
 * attributes (domains 15:0), u32 stats_low, u32 stats_high, u32 stats_len;
 * POWER_DOMAIN_ATTRIBUTES p2a u32 attributes (31 notify, 30 async, 29 sync, 28 requested
 * notify, 27 extended name), char name[16]; POWER_STATE_SET a2p u32 flags, u32 domain_id,
 * u32 power_state (0 ON, 0x40000000 OFF); notifications u32 agent_id, u32 domain_id,
 * u32 power_state.
 * @module
 */
import { powerKind } from "../../plugins/power/kind.ts";
import { assert, assertEquals } from "../../core/_assert_test.ts";
import { Status } from "../../core/status.ts";
import type { ScmiClient } from "../../client/stream.ts";
import { type E2e, p2a, startE2e } from "./_server.ts";

const POWER = 0x11;
const Msg = {
  VERSION: 0x0,
  ATTRIBUTES: 0x1,
  MESSAGE_ATTRIBUTES: 0x2,
  DOMAIN_ATTRIBUTES: 0x3,
  STATE_SET: 0x4,
  STATE_GET: 0x5,
  STATE_NOTIFY: 0x6,
  CHANGE_REQUESTED_NOTIFY: 0x7,
  NAME_GET: 0x8,
} as const;
const ON = 0;
const OFF = 0x4000_0000;
const SHARED = new URL("./shared.toml", import.meta.url).pathname;

function hwState(e2e: E2e, phys: number): number {
  return powerKind.hwOf(e2e.server.platform.env.hw)[phys]!.getState(phys);
}

async function walk(e2e: E2e, c: ScmiClient, agent: string): Promise<void> {
  const phys = e2e.dep.agents.find((a) => a.name === agent)!.grants.power ?? [];
  assertEquals((await e2e.ok(c, POWER, Msg.VERSION)).u32(), 0x30001);
  const pa = await e2e.ok(c, POWER, Msg.ATTRIBUTES);
  assertEquals([pa.u32(), pa.u32(), pa.u32(), pa.u32()], [phys.length, 0, 0, 0]);
  for (const m of [Msg.STATE_NOTIFY, Msg.CHANGE_REQUESTED_NOTIFY]) {
    assertEquals((await e2e.ok(c, POWER, Msg.MESSAGE_ATTRIBUTES, [m])).u32(), 0);
  }
  for (let vid = 0; vid < phys.length; vid++) {
    const d = powerKind.of(e2e.dep.board).find((p) => p.id === phys[vid])!;
    const a = await e2e.ok(c, POWER, Msg.DOMAIN_ATTRIBUTES, [vid]);
    const attr = 0x8000_0000 | 0x2000_0000 | 0x1000_0000 | (d.async ? 0x4000_0000 : 0);
    assertEquals(a.u32(), attr >>> 0, d.name);
    assertEquals(a.name(16), d.name);
    const n = await e2e.ok(c, POWER, Msg.NAME_GET, [vid]);
    assertEquals([n.u32(), n.name(64)], [0, d.name]);
    // The agent's own request: OFF until it asks, whatever the hardware does.
    assertEquals((await e2e.ok(c, POWER, Msg.STATE_GET, [vid])).u32(), OFF, d.name);
  }
  assertEquals(await e2e.status(c, POWER, Msg.STATE_GET, [phys.length]), Status.NOT_FOUND);
}

Deno.test("e2e power: the Linux probe walk of vm1, vm2 and host matches the manifest and grants", async () => {
  await using e2e = await startE2e();
  const vm1 = e2e.dep.agents.find((a) => a.name === "vm1")!.grants.power!;
  // By hand: uart0, i2c0 and spi0 share pd_periph; then display and gpu.
  assertEquals(vm1.map((p) => powerKind.of(e2e.dep.board).find((d) => d.id === p)!.name), [
    "pd_periph",
    "pd_display",
    "pd_gpu",
  ]);
  for (const agent of ["vm1", "vm2", "host"]) await walk(e2e, await e2e.connect(agent), agent);
});

Deno.test("e2e power: POWER_STATE_SET on and off drives the domain; errors by flags, state and id", async () => {
  await using e2e = await startE2e();
  const c = await e2e.connect("vm1");
  const DISPLAY = 3;
  // vm1 domain 1 = pd_display (phys 3), off at power-on under pd_top.
  assertEquals(hwState(e2e, DISPLAY), OFF);
  await e2e.ok(c, POWER, Msg.STATE_SET, [0, 1, ON]);
  assertEquals(hwState(e2e, DISPLAY), ON);
  assertEquals((await e2e.ok(c, POWER, Msg.STATE_GET, [1])).u32(), ON);
  await e2e.ok(c, POWER, Msg.STATE_SET, [0, 1, OFF]);
  assertEquals(hwState(e2e, DISPLAY), OFF);
  const st = (params: number[]) => e2e.status(c, POWER, Msg.STATE_SET, params);
  assertEquals(await st([2, 1, ON]), Status.INVALID_PARAMETERS, "reserved flag bit");
  assertEquals(await st([0, 1, 0x1000_0000]), Status.INVALID_PARAMETERS, "reserved state bit");
  assertEquals(await st([1, 1, ON]), Status.NOT_SUPPORTED, "pd_display has no async set");
  assertEquals(await st([0, 3, ON]), Status.NOT_FOUND);
  assertEquals(await st([0, 1]), Status.PROTOCOL_ERROR);
});

Deno.test("e2e power: asynchronous POWER_STATE_SET → SUCCESS reply first, then POWER_STATE_CHANGED", async () => {
  await using e2e = await startE2e();
  const raw = await e2e.raw("vm1");
  // vm1 domain 2 = pd_gpu (phys 4): async, 500 µs.
  await raw.send(POWER, Msg.STATE_NOTIFY, 1, [2, 1]);
  assertEquals(p2a(await raw.next()).words, [0]);
  await raw.send(POWER, Msg.STATE_SET, 2, [1, 2, ON]);
  assertEquals(p2a(await raw.next()), { type: 0, protocol: POWER, id: 4, token: 2, words: [0] });
  const done = await raw.next();
  assertEquals(p2a(done), { type: 3, protocol: POWER, id: 0, token: 0, words: [1, 2, ON] });
  assertEquals(done.length, 4 + 12);
  assertEquals(hwState(e2e, 4), ON);
  // Asking again for what already holds still ends with a notification.
  await raw.send(POWER, Msg.STATE_SET, 3, [1, 2, ON]);
  assertEquals(p2a(await raw.next()).words, [0]);
  assertEquals(p2a(await raw.next()).words, [1, 2, ON]);
});

Deno.test("e2e power: notifications reach the subscribed agent by its own id, never the acting agent's id or request", async () => {
  await using e2e = await startE2e({ manifest: SHARED });
  const vm1 = await e2e.connect("vm1");
  const vm2 = await e2e.connect("vm2");
  const host = await e2e.connect("host");
  // pd_usb: vm1 domain 0, vm2 domain 1, host domain 0.
  await e2e.ok(vm2, POWER, Msg.STATE_NOTIFY, [1, 1]);
  await e2e.ok(vm2, POWER, Msg.CHANGE_REQUESTED_NOTIFY, [1, 1]);
  await e2e.ok(vm1, POWER, Msg.STATE_SET, [0, 0, ON]);
  const changed = await vm2.waitFor((m) => p2a(m).id === 0);
  assert(changed !== null, "vm2 got POWER_STATE_CHANGED");
  // agent_id 0 (the platform, not vm1's 1), domain 1 (vm2's id for pd_usb), ON.
  assertEquals(p2a(changed), { type: 3, protocol: POWER, id: 0, token: 0, words: [0, 1, ON] });
  assertEquals(await vm2.collect(30), [], "vm1's requested state (its vote) never reaches vm2");
  assertEquals(await host.collect(30), [], "host did not subscribe");
  assertEquals(await vm1.collect(0), [], "vm1 did not subscribe");
  assertEquals(
    await e2e.status(vm2, POWER, Msg.STATE_NOTIFY, [1, 3]),
    Status.INVALID_PARAMETERS,
    "reserved notify_enable bits",
  );
});

Deno.test("e2e power: a domain two guests turned on stays on when one disconnects, goes off when both do", async () => {
  await using e2e = await startE2e({ manifest: SHARED });
  const USB = 2;
  const vm1 = await e2e.connect("vm1");
  const vm2 = await e2e.connect("vm2");
  const host = await e2e.connect("host");
  await e2e.ok(vm1, POWER, Msg.STATE_SET, [0, 0, ON]);
  await e2e.ok(vm2, POWER, Msg.STATE_SET, [0, 1, ON]);
  assertEquals(hwState(e2e, USB), ON);
  assertEquals((await e2e.ok(host, POWER, Msg.STATE_GET, [0])).u32(), OFF, "host's own view");
  // vm2 asks for off: vm1's vote keeps it on.
  await e2e.ok(vm2, POWER, Msg.STATE_SET, [0, 1, OFF]);
  assertEquals(hwState(e2e, USB), ON);
  await e2e.ok(vm2, POWER, Msg.STATE_SET, [0, 1, ON]);
  await e2e.disconnect(vm1);
  assertEquals(hwState(e2e, USB), ON, "vm2 still wants it on");
  await e2e.disconnect(vm2);
  await e2e.until(() => hwState(e2e, USB) === OFF, "pd_usb to go off");
});
