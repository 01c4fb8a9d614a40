/**
 * End to end, System power management protocol (0x12) over the stream transport: what
 * Linux's `scmi_power_control` does at probe (version, PROTOCOL_MESSAGE_ATTRIBUTES of
 * SYSTEM_POWER_STATE_NOTIFY, subscribe), SYSTEM_POWER_STATE_SET as each agent's action
 * allows it, SYSTEM_POWER_STATE_NOTIFIER to subscribed agents only (16 bytes from 2.0,
 * 12 in 1.0), and SYSTEM_POWER_STATE_GET in 1.0 only.
 *
 * Layouts (DEN0056 §4.4; `shared/reference/scmi.md` §2.4): SET a2p u32 flags (bit 0
 * graceful), u32 system_state (0 shutdown, 1 cold reset, 2 warm reset, 3 power-up,
 * 4 suspend); NOTIFIER u32 agent_id, u32 flags, u32 system_state, u32 timeout (2.0+).
 * @module
 */
import { systemHw } from "../../plugins/system/hw.ts";
import { assert, assertEquals } from "../../core/_assert_test.ts";
import { Status } from "../../core/status.ts";
import type { SimSystem } from "../../boards/drivers/sim/system.ts";
import { p2a, simBoardPath, startE2e } from "./_server.ts";

const SYSTEM = 0x12;
const Msg = {
  VERSION: 0x0,
  ATTRIBUTES: 0x1,
  MESSAGE_ATTRIBUTES: 0x2,
  STATE_SET: 0x3,
  STATE_GET: 0x4,
  NOTIFY: 0x5,
} as const;
const GRACEFUL = 1;
/** What the sim board announces as its graceful timeout, ms (boards/drivers/sim/system.ts). */
const SIM_TIMEOUT_MS = 10_000;

Deno.test("e2e system: probe as Linux does; each agent learns what it may ask", async () => {
  await using e2e = await startE2e();
  const vm1 = await e2e.connect("vm1");
  const host = await e2e.connect("host");
  for (const c of [vm1, host]) {
    assertEquals((await e2e.ok(c, SYSTEM, Msg.VERSION)).u32(), 0x20001);
    assertEquals((await e2e.ok(c, SYSTEM, Msg.ATTRIBUTES)).u32(), 0);
    assertEquals((await e2e.ok(c, SYSTEM, Msg.MESSAGE_ATTRIBUTES, [Msg.NOTIFY])).u32(), 0);
    // SYSTEM_POWER_STATE_GET is gone from 2.0 on.
    assertEquals(
      await e2e.status(c, SYSTEM, Msg.MESSAGE_ATTRIBUTES, [Msg.STATE_GET]),
      Status.NOT_FOUND,
    );
    assertEquals(await e2e.status(c, SYSTEM, Msg.STATE_GET), Status.NOT_SUPPORTED);
  }
  // SET's attributes: bit 31 warm reset, bit 30 suspend. vm1 is denied everything; the
  // host acts on the sim board, which has all five states.
  assertEquals((await e2e.ok(vm1, SYSTEM, Msg.MESSAGE_ATTRIBUTES, [Msg.STATE_SET])).u32(), 0);
  assertEquals(
    (await e2e.ok(host, SYSTEM, Msg.MESSAGE_ATTRIBUTES, [Msg.STATE_SET])).u32(),
    0xc000_0000,
  );
});

Deno.test("e2e system: host's graceful cold reset → NOTIFIER to the subscribed guest only, then the board acts", async () => {
  await using e2e = await startE2e();
  const sim = systemHw.whole(e2e.server.platform.env.hw) as SimSystem;
  const vm1 = await e2e.connect("vm1");
  const vm2 = await e2e.connect("vm2");
  const host = await e2e.connect("host");
  await e2e.ok(vm1, SYSTEM, Msg.NOTIFY, [1]);
  await e2e.ok(host, SYSTEM, Msg.NOTIFY, [1]);
  await e2e.ok(host, SYSTEM, Msg.STATE_SET, [GRACEFUL, 1]);
  const n = await vm1.waitFor(() => true);
  assert(n !== null, "vm1 got the notifier");
  // agent_id 0 (the platform: a guest is not told which agent acted), graceful, cold reset,
  // the board's timeout.
  assertEquals(p2a(n), {
    type: 3,
    protocol: SYSTEM,
    id: 0,
    token: 0,
    words: [0, 1, 1, SIM_TIMEOUT_MS],
  });
  assertEquals(n.length, 4 + 16);
  assertEquals(await vm2.collect(30), [], "vm2 did not subscribe");
  assertEquals(await host.collect(0), [], "the requester is not told of its own request");
  assertEquals(sim.history, [{ state: 1, graceful: true }]);

  // Forceful: timeout 0.
  await e2e.ok(host, SYSTEM, Msg.STATE_SET, [0, 2]);
  assertEquals(p2a((await vm1.waitFor(() => true))!).words, [0, 0, 2, 0]);
  // Unsubscribed: nothing more.
  await e2e.ok(vm1, SYSTEM, Msg.NOTIFY, [0]);
  await e2e.ok(host, SYSTEM, Msg.STATE_SET, [0, 4]);
  assertEquals(await vm1.collect(30), []);
  assertEquals(sim.history.length, 3);
});

Deno.test("e2e system: SYSTEM_POWER_STATE_SET errors — denied guest, reserved flags and states, vendor state", async () => {
  await using e2e = await startE2e();
  const sim = systemHw.whole(e2e.server.platform.env.hw) as SimSystem;
  const vm1 = await e2e.connect("vm1");
  const host = await e2e.connect("host");
  assertEquals(await e2e.status(vm1, SYSTEM, Msg.STATE_SET, [0, 0]), Status.DENIED);
  assertEquals(await e2e.status(host, SYSTEM, Msg.STATE_SET, [2, 0]), Status.INVALID_PARAMETERS);
  assertEquals(await e2e.status(host, SYSTEM, Msg.STATE_SET, [0, 5]), Status.INVALID_PARAMETERS);
  assertEquals(
    await e2e.status(host, SYSTEM, Msg.STATE_SET, [0, 0x8000_0000]),
    Status.NOT_SUPPORTED,
    "the sim board has no vendor states",
  );
  assertEquals(await e2e.status(host, SYSTEM, Msg.STATE_SET, [0]), Status.PROTOCOL_ERROR);
  assertEquals(await e2e.status(vm1, SYSTEM, Msg.NOTIFY, [2]), Status.INVALID_PARAMETERS);
  assertEquals(sim.history, [], "nothing reached the board");
});

Deno.test("e2e system: at 1.0 SYSTEM_POWER_STATE_GET is the system agent's; a guest gets 12-byte notifiers", async () => {
  await using e2e = await startE2e({
    toml: `board = ${JSON.stringify(simBoardPath())}
[[agent]]
name = "old"
transport = { type = "stream" }
protocols = { system = "1.0" }

[[agent]]
name = "host"
trusted = true
transport = { type = "stream" }
protocols = { system = "1.0" }
`,
  });
  const old = await e2e.connect("old");
  const host = await e2e.connect("host");
  assertEquals((await e2e.ok(old, SYSTEM, Msg.VERSION)).u32(), 0x10000);
  // A guest is denied system power: SYSTEM_POWER_STATE_GET is not there for it.
  assertEquals(
    await e2e.status(old, SYSTEM, Msg.MESSAGE_ATTRIBUTES, [Msg.STATE_GET]),
    Status.NOT_FOUND,
  );
  assertEquals(await e2e.status(old, SYSTEM, Msg.STATE_GET), Status.NOT_SUPPORTED);
  assertEquals((await e2e.ok(host, SYSTEM, Msg.MESSAGE_ATTRIBUTES, [Msg.STATE_GET])).u32(), 0);
  assertEquals((await e2e.ok(host, SYSTEM, Msg.STATE_GET)).u32(), 3, "power-up: it is running");
  await e2e.ok(old, SYSTEM, Msg.NOTIFY, [1]);
  await e2e.ok(host, SYSTEM, Msg.STATE_SET, [GRACEFUL, 0]);
  const n = await old.waitFor(() => true);
  assert(n !== null);
  assertEquals(p2a(n).words, [0, 1, 0], "no timeout word before 2.0");
  assertEquals(n.length, 4 + 12);
});
