/**
 * End to end, Reset domain management protocol (0x16) over the stream transport: the probe
 * walk Linux's reset driver makes, checked against the board manifest and the agents'
 * grants, then every command over the socket — autonomous, asynchronous (RESET_COMPLETE
 * after the reply, same token) and explicit resets, their errors, RESET_ISSUED to
 * subscribed agents only, and holds released when a connection closes.
 *
 * Layouts (DEN0056 §4.8; `shared/reference/scmi.md` §2.8): RESET_DOMAIN_ATTRIBUTES p2a
 * u32 attributes (31 async, 30 notify, 29 extended name), u32 latency, char name[16];
 * RESET a2p u32 domain_id, u32 flags (0 autonomous, 1 explicit assert, 2 async), u32
 * reset_state; RESET_ISSUED u32 agent_id, u32 domain_id, u32 reset_state.
 * @module
 */
import { resetKind } from "../../plugins/reset/kind.ts";
import { assert, assertEquals } from "../../core/_assert_test.ts";
import { Status } from "../../core/status.ts";
import type { SimResetHw } from "../../boards/drivers/sim/reset.ts";
import type { ScmiClient } from "../../client/stream.ts";
import { type E2e, p2a, startE2e } from "./_server.ts";

const RESET = 0x16;
const Msg = {
  VERSION: 0x0,
  ATTRIBUTES: 0x1,
  MESSAGE_ATTRIBUTES: 0x2,
  DOMAIN_ATTRIBUTES: 0x3,
  RESET: 0x4,
  NOTIFY: 0x5,
  NAME_GET: 0x6,
} as const;
const AUTONOMOUS = 1;
const ASSERT = 2;
const ASYNC = 4;
const SHARED = new URL("./shared.toml", import.meta.url).pathname;

function sim(e2e: E2e, phys: number): SimResetHw {
  return resetKind.hwOf(e2e.server.platform.env.hw)[phys] as SimResetHw;
}

async function walk(e2e: E2e, c: ScmiClient, agent: string): Promise<void> {
  const phys = e2e.dep.agents.find((a) => a.name === agent)!.grants.reset ?? [];
  assertEquals((await e2e.ok(c, RESET, Msg.VERSION)).u32(), 0x30001);
  assertEquals((await e2e.ok(c, RESET, Msg.ATTRIBUTES)).u32(), phys.length);
  assertEquals((await e2e.ok(c, RESET, Msg.MESSAGE_ATTRIBUTES, [Msg.NOTIFY])).u32(), 0);
  for (let vid = 0; vid < phys.length; vid++) {
    const d = resetKind.of(e2e.dep.board).find((r) => r.id === phys[vid])!;
    const a = await e2e.ok(c, RESET, Msg.DOMAIN_ATTRIBUTES, [vid]);
    // Notifications always (a stream session has a p2a channel); async as the board says.
    assertEquals(a.u32(), (0x4000_0000 | (d.async ? 0x8000_0000 : 0)) >>> 0, d.name);
    assertEquals(a.u32(), d.latencyUs);
    assertEquals(a.name(16), d.name);
    const n = await e2e.ok(c, RESET, Msg.NAME_GET, [vid]);
    assertEquals([n.u32(), n.name(64)], [0, d.name]);
  }
  assertEquals(await e2e.status(c, RESET, Msg.DOMAIN_ATTRIBUTES, [phys.length]), Status.NOT_FOUND);
}

Deno.test("e2e reset: the Linux probe walk of vm1, vm2 and host matches the manifest and grants", async () => {
  await using e2e = await startE2e();
  const vm2 = e2e.dep.agents.find((a) => a.name === "vm2")!.grants.reset!;
  // By hand from examples/sim/vscmi.toml: vm2's devices uart1, usb, emmc, audio, dsp.
  assertEquals(vm2.map((p) => resetKind.of(e2e.dep.board).find((r) => r.id === p)!.name), [
    "uart1_rst",
    "usb_phy_rst",
    "usb_ctrl_rst",
    "emmc_rst",
    "audio_rst",
    "dsp_rst",
  ]);
  for (const agent of ["vm1", "vm2", "host"]) await walk(e2e, await e2e.connect(agent), agent);
});

Deno.test("e2e reset: autonomous RESET pulses the line; asynchronous → reply first, then RESET_COMPLETE", async () => {
  await using e2e = await startE2e();
  const raw = await e2e.raw("vm1");
  // vm1: 0 uart0_rst (phys 0), 4 gpu_rst (phys 7, async, 2 ms).
  await raw.send(RESET, Msg.RESET, 1, [0, AUTONOMOUS, 0]);
  assertEquals(p2a(await raw.next()), { type: 0, protocol: RESET, id: 4, token: 1, words: [0] });
  assertEquals(sim(e2e, 0).pulses(0), 1);

  await raw.send(RESET, Msg.RESET, 0x3ff, [4, AUTONOMOUS | ASYNC, 0]);
  assertEquals(p2a(await raw.next()), {
    type: 0,
    protocol: RESET,
    id: 4,
    token: 0x3ff,
    words: [0],
  });
  // RESET_COMPLETE: u32 status, u32 domain_id (vm1's id).
  assertEquals(p2a(await raw.next()), {
    type: 2,
    protocol: RESET,
    id: 4,
    token: 0x3ff,
    words: [0, 4],
  });
  assertEquals(sim(e2e, 7).pulses(7), 1);
  assertEquals(sim(e2e, 7).isAsserted(7), false, "the cycle has ended");
});

Deno.test("e2e reset: RESET errors — flags, states, async where unsupported, unknown domain", async () => {
  await using e2e = await startE2e();
  const vm2 = await e2e.connect("vm2");
  const st = (params: number[]) => e2e.status(vm2, RESET, Msg.RESET, params);
  // vm2: 0 uart1_rst, 5 dsp_rst (async, IMPLEMENTATION DEFINED state 0x80000001).
  assertEquals(await st([0, AUTONOMOUS | ASSERT, 0]), Status.INVALID_PARAMETERS);
  assertEquals(await st([0, ASYNC, 0]), Status.INVALID_PARAMETERS, "async without autonomous");
  assertEquals(await st([0, 8, 0]), Status.INVALID_PARAMETERS, "reserved flag bit");
  assertEquals(
    await st([0, AUTONOMOUS, 5]),
    Status.INVALID_PARAMETERS,
    "reserved architectural state",
  );
  assertEquals(
    await st([0, AUTONOMOUS | ASYNC, 0]),
    Status.NOT_SUPPORTED,
    "uart1_rst is synchronous",
  );
  assertEquals(await st([0, AUTONOMOUS, 0x8000_0001]), Status.NOT_SUPPORTED);
  assertEquals(await st([5, AUTONOMOUS, 0x8000_0001]), Status.SUCCESS);
  assertEquals(sim(e2e, 8).history.at(-1), { id: 8, action: "pulse", state: 0x8000_0001 });
  assertEquals(await st([6, AUTONOMOUS, 0]), Status.NOT_FOUND);
  assertEquals(await e2e.status(vm2, RESET, Msg.RESET, [0, AUTONOMOUS]), Status.PROTOCOL_ERROR);
});

Deno.test("e2e reset: RESET_ISSUED reaches the other subscribed agent by its own id, agent_id 0", async () => {
  await using e2e = await startE2e({ manifest: SHARED });
  const vm1 = await e2e.connect("vm1");
  const vm2 = await e2e.connect("vm2");
  const host = await e2e.connect("host");
  // uart0_rst: vm1 domain 0, vm2 domain 1, host domain 0. vm1 subscribes too: a reset it
  // issues itself is not reported back to it.
  await e2e.ok(vm2, RESET, Msg.NOTIFY, [1, 1]);
  await e2e.ok(vm1, RESET, Msg.NOTIFY, [0, 1]);
  await e2e.ok(vm1, RESET, Msg.RESET, [0, AUTONOMOUS, 0]);
  const n = await vm2.waitFor(() => true);
  assert(n !== null, "vm2 got RESET_ISSUED");
  // agent_id 0 (the platform, not vm1's 1), domain 1 (vm2's id for uart0_rst), cold reset.
  assertEquals(p2a(n), { type: 3, protocol: RESET, id: 0, token: 0, words: [0, 1, 0] });
  assertEquals(n.length, 4 + 12);
  // An explicit assert is a reset too; a de-assert is not.
  await e2e.ok(vm1, RESET, Msg.RESET, [0, ASSERT, 0]);
  assertEquals(p2a((await vm2.waitFor(() => true))!).words, [0, 1, 0]);
  await e2e.ok(vm1, RESET, Msg.RESET, [0, 0, 0]);
  assertEquals(await vm2.collect(30), []);
  assertEquals(await vm1.collect(0), [], "not told of its own resets");
  assertEquals(await host.collect(0), [], "host did not subscribe");
  // host resets: vm1 now hears of it as its domain 0.
  await e2e.ok(host, RESET, Msg.RESET, [0, AUTONOMOUS, 0]);
  assertEquals(p2a((await vm1.waitFor(() => true))!).words, [0, 0, 0]);
  assertEquals(p2a((await vm2.waitFor(() => true))!).words, [0, 1, 0]);
});

Deno.test("e2e reset: a domain two guests hold asserted stays in reset until both let go or leave", async () => {
  await using e2e = await startE2e({ manifest: SHARED });
  const UART0 = 0;
  const hw = sim(e2e, UART0);
  const vm1 = await e2e.connect("vm1");
  const vm2 = await e2e.connect("vm2");
  await e2e.ok(vm1, RESET, Msg.RESET, [0, ASSERT, 0]);
  await e2e.ok(vm2, RESET, Msg.RESET, [1, ASSERT, 0]);
  assertEquals(hw.isAsserted(UART0), true);
  await e2e.ok(vm1, RESET, Msg.RESET, [0, 0, 0]);
  assertEquals(hw.isAsserted(UART0), true, "vm2 still holds it");
  // An autonomous reset while vm2 holds it: nothing to pulse, the line stays asserted.
  const pulses = hw.pulses(UART0);
  await e2e.ok(vm1, RESET, Msg.RESET, [0, AUTONOMOUS, 0]);
  assertEquals([hw.pulses(UART0), hw.isAsserted(UART0)], [pulses, true]);
  await e2e.ok(vm1, RESET, Msg.RESET, [0, ASSERT, 0]);
  await e2e.disconnect(vm1);
  assertEquals(hw.isAsserted(UART0), true, "vm2 still holds it after vm1 left");
  await e2e.disconnect(vm2);
  assertEquals(hw.isAsserted(UART0), false, "released when the last holder left");
});
