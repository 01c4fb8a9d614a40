/**
 * Rate notifications across agents: every subscribed session that can see the clock hears
 * about a change, whoever made it, by its own virtual id, with agent_id 0 unless its own
 * agent made it; a rate request (a vote) reaches only the requester's own sessions; nobody
 * else hears anything.
 */
import { assertEquals } from "../../core/_assert_test.ts";
import { MsgType } from "../../core/header.ts";
import { Status } from "../../core/status.ts";
import type { AgentSpec } from "../../tests/harness.ts";
import { clockFixture } from "../../tests/vectors/clock/fixture.ts";
import { setDeviceAccess } from "../../core/permissions.ts";
import { ClockEvent, ClockMsg, RateFlag } from "./msg.ts";
import { clockKind } from "./kind.ts";
import type { ClockCtx } from "./state.ts";
import { cmd, drain, type P2a, settle, u64 } from "./_call_test.ts";

const MHZ = 1_000_000;
/** uart0 is physical 3: vm1's virtual 1, vm2's 0, quiet's 0; blind cannot see it. */
const AGENTS: AgentSpec[] = [
  { name: "vm1", protocols: { 0x14: undefined }, grants: { clock: [4, 3, 0, 2, 1] } },
  { name: "vm2", protocols: { 0x14: 0x20000 }, grants: { clock: [3, 4] } },
  { name: "blind", protocols: { 0x14: undefined }, grants: { clock: [0] } },
  { name: "quiet", protocols: { 0x14: undefined }, grants: { clock: [3] } },
];

function event(id: number, agentId: number, clock: number, rate: number): P2a {
  return { type: MsgType.NOTIFICATION, id, token: 0, words: [agentId, clock, ...u64(rate)] };
}
const changed = (a: number, c: number, r: number) => event(ClockEvent.CLOCK_RATE_CHANGED, a, c, r);
const requested = (a: number, c: number, r: number) =>
  event(ClockEvent.CLOCK_RATE_CHANGE_REQUESTED, a, c, r);

async function setup() {
  const fx = await clockFixture(AGENTS);
  const ok = async (agent: string, msg: number, params: number[]) =>
    assertEquals((await cmd(fx, agent, msg, params)).status, Status.SUCCESS, `${agent} ${msg}`);
  return { fx, ok };
}

Deno.test("a rate change by vm1 reaches subscribed vm2 by vm2's id, from agent 0", async () => {
  const { fx, ok } = await setup();
  await ok("vm2", ClockMsg.CLOCK_RATE_NOTIFY, [0, 1]);
  await ok("vm1", ClockMsg.CLOCK_RATE_SET, [0, 1, ...u64(48 * MHZ)]);
  assertEquals(drain(fx, "vm2"), [changed(0, 0, 48 * MHZ)], "vm2 must not learn vm1 acted");
  assertEquals(drain(fx, "vm1"), [], "vm1 did not subscribe");
  assertEquals(drain(fx, "quiet"), [], "quiet sees the clock but did not subscribe");
  assertEquals(drain(fx, "blind"), [], "blind cannot see the clock");
});

Deno.test("an agent that cannot see a clock cannot subscribe to it (NOT_FOUND)", async () => {
  const { fx } = await setup();
  assertEquals(
    (await cmd(fx, "blind", ClockMsg.CLOCK_RATE_NOTIFY, [1, 1])).status,
    Status.NOT_FOUND,
  );
});

Deno.test("every subscriber hears the change by its own id; only the changer reads its id", async () => {
  const { fx, ok } = await setup();
  await ok("vm1", ClockMsg.CLOCK_RATE_NOTIFY, [1, 1]);
  await ok("vm2", ClockMsg.CLOCK_RATE_NOTIFY, [0, 1]);
  await ok("quiet", ClockMsg.CLOCK_RATE_NOTIFY, [0, 1]);
  await ok("quiet", ClockMsg.CLOCK_RATE_SET, [RateFlag.ROUND_UP, 0, ...u64(25 * MHZ)]);
  assertEquals(drain(fx, "vm1"), [changed(0, 1, 48 * MHZ)]);
  assertEquals(drain(fx, "vm2"), [changed(0, 0, 48 * MHZ)]);
  assertEquals(drain(fx, "quiet"), [changed(4, 0, 48 * MHZ)]);
});

Deno.test("a request reaches only the requester's CHANGE_REQUESTED subscription", async () => {
  const { fx, ok } = await setup();
  await ok("vm1", ClockMsg.CLOCK_RATE_CHANGE_REQUESTED_NOTIFY, [1, 1]);
  await ok("vm2", ClockMsg.CLOCK_RATE_CHANGE_REQUESTED_NOTIFY, [0, 1]);
  await ok("vm2", ClockMsg.CLOCK_RATE_NOTIFY, [0, 1]);
  await ok("vm1", ClockMsg.CLOCK_RATE_SET, [0, 1, ...u64(30 * MHZ)]);
  // 30 MHz rounds down to 24 MHz, the rate uart0 already runs at: requested, not changed.
  assertEquals(drain(fx, "vm1"), [requested(1, 1, 30 * MHZ)], "vm1 hears its own request");
  assertEquals(drain(fx, "vm2"), [], "vm2 never sees vm1's vote");
  await ok("vm1", ClockMsg.CLOCK_RATE_SET, [RateFlag.ROUND_UP, 1, ...u64(30 * MHZ)]);
  assertEquals(drain(fx, "vm2"), [changed(0, 0, 48 * MHZ)], "only the change, from agent 0");
  assertEquals(drain(fx, "vm1"), [requested(1, 1, 30 * MHZ)]);
  await ok("vm2", ClockMsg.CLOCK_RATE_SET, [0, 0, ...u64(12 * MHZ)]);
  assertEquals(drain(fx, "vm2"), [requested(2, 0, 12 * MHZ), changed(2, 0, 12 * MHZ)]);
  assertEquals(drain(fx, "vm1"), [], "vm1 subscribed to requests only: vm2's is not its to see");
});

Deno.test("a refused request notifies nobody", async () => {
  const { fx, ok } = await setup();
  await ok("vm2", ClockMsg.CLOCK_RATE_CHANGE_REQUESTED_NOTIFY, [0, 1]);
  const r = await cmd(fx, "vm1", ClockMsg.CLOCK_RATE_SET, [0, 1, ...u64(96 * MHZ)]);
  assertEquals(r.status, Status.INVALID_PARAMETERS);
  assertEquals(drain(fx, "vm2"), []);
});

Deno.test("an asynchronous change notifies subscribers when it completes", async () => {
  const { fx, ok } = await setup();
  await ok("vm2", ClockMsg.CLOCK_RATE_NOTIFY, [0, 1]);
  await ok("vm1", ClockMsg.CLOCK_RATE_SET, [RateFlag.ASYNC, 1, ...u64(12 * MHZ)]);
  assertEquals(await settle(fx, "vm2", 1), [changed(0, 0, 12 * MHZ)]);
  assertEquals((await settle(fx, "vm1", 1)).map((m) => m.type), [MsgType.DELAYED_RESPONSE]);
});

Deno.test("unsubscribing stops the notifications", async () => {
  const { fx, ok } = await setup();
  await ok("vm2", ClockMsg.CLOCK_RATE_NOTIFY, [0, 1]);
  await ok("vm2", ClockMsg.CLOCK_RATE_NOTIFY, [0, 0]);
  await ok("vm1", ClockMsg.CLOCK_RATE_SET, [0, 1, ...u64(48 * MHZ)]);
  assertEquals(drain(fx, "vm2"), []);
});

Deno.test("subscriptions belong to the session: a reconnected agent hears nothing", async () => {
  const { fx, ok } = await setup();
  await ok("vm2", ClockMsg.CLOCK_RATE_NOTIFY, [0, 1]);
  fx.reconnect("vm2");
  await ok("vm1", ClockMsg.CLOCK_RATE_SET, [0, 1, ...u64(48 * MHZ)]);
  assertEquals(drain(fx, "vm2"), []);
});

Deno.test("a clock withdrawn from a subscriber is no longer notified to it", async () => {
  const { fx, ok } = await setup();
  fx.platform.board.devices.push({ id: 7, name: "uart", resources: { clock: [3] } });
  await ok("vm2", ClockMsg.CLOCK_RATE_NOTIFY, [0, 1]);
  await ok("quiet", ClockMsg.CLOCK_RATE_NOTIFY, [0, 1]);
  // vm2 loses uart0 as BASE_SET_DEVICE_PERMISSIONS takes it: the plugin's hook, then the map.
  assertEquals(setDeviceAccess(fx.platform, fx.platform.agent("vm2")!, 7, false), Status.SUCCESS);
  assertEquals(fx.platform.agent("vm2")!.grants.maps.clock.has(3), false);
  // Give it back: a fresh virtual id, and the old subscription did not survive.
  assertEquals(setDeviceAccess(fx.platform, fx.platform.agent("vm2")!, 7, true), Status.SUCCESS);
  // quiet's map loses it without the hook: the fan-out still skips what it cannot see.
  fx.platform.agent("quiet")!.grants.maps.clock.revoke(3);
  await ok("vm1", ClockMsg.CLOCK_RATE_SET, [0, 1, ...u64(48 * MHZ)]);
  assertEquals(drain(fx, "vm2"), []);
  assertEquals(drain(fx, "quiet"), []);
});

Deno.test("subscription count: repeats count once, a closed session gives its own back", async () => {
  const { fx, ok } = await setup();
  const shared = () => (fx.session("vm1").ctxs[0x14] as ClockCtx).shared;
  await ok("vm2", ClockMsg.CLOCK_RATE_NOTIFY, [0, 1]);
  await ok("vm2", ClockMsg.CLOCK_RATE_NOTIFY, [0, 1]);
  await ok("vm2", ClockMsg.CLOCK_RATE_CHANGE_REQUESTED_NOTIFY, [0, 1]);
  await ok("quiet", ClockMsg.CLOCK_RATE_NOTIFY, [0, 1]);
  assertEquals(shared().subscriptions, 3, "a repeated subscribe counts once");
  await ok("vm2", ClockMsg.CLOCK_RATE_NOTIFY, [0, 0]);
  assertEquals(shared().subscriptions, 2);
  fx.reconnect("vm2");
  assertEquals(shared().subscriptions, 1, "vm2's session closed: its subscription went");
  await ok("vm1", ClockMsg.CLOCK_RATE_SET, [0, 1, ...u64(48 * MHZ)]);
  assertEquals(drain(fx, "quiet"), [changed(0, 0, 48 * MHZ)], "quiet still hears");
  fx.reconnect("quiet");
  assertEquals(shared().subscriptions, 0);
  await ok("vm1", ClockMsg.CLOCK_RATE_SET, [0, 1, ...u64(24 * MHZ)]);
  assertEquals(drain(fx, "quiet"), [], "nobody subscribed: nothing sent");
});

Deno.test("a repeated request of the standing rate is told to its requester and never reaches the driver", async () => {
  const { fx, ok } = await setup();
  const hw = clockKind.hw.of(fx.drivers.get("sim")!)!;
  const calls: number[] = [];
  const setRate = hw.setRate.bind(hw);
  hw.setRate = (id, rate, round) => {
    calls.push(rate);
    return setRate(id, rate, round);
  };
  await ok("vm1", ClockMsg.CLOCK_RATE_CHANGE_REQUESTED_NOTIFY, [1, 1]);
  await ok("vm1", ClockMsg.CLOCK_RATE_SET, [RateFlag.ROUND_UP, 1, ...u64(30 * MHZ)]);
  await ok("quiet", ClockMsg.CLOCK_RATE_SET, [RateFlag.ROUND_UP, 0, ...u64(30 * MHZ)]);
  assertEquals(calls, [30 * MHZ], "quiet's equal request changed nothing");
  drain(fx, "vm1");
  await ok("vm1", ClockMsg.CLOCK_RATE_SET, [RateFlag.ROUND_UP, 1, ...u64(30 * MHZ)]);
  assertEquals(calls, [30 * MHZ], "vm1's repeat changed nothing either");
  assertEquals(drain(fx, "vm1"), [requested(1, 1, 30 * MHZ)], "the request is still told");
  // A different request in between: vm1's repeat makes its rate the newest again.
  await ok("quiet", ClockMsg.CLOCK_RATE_SET, [0, 0, ...u64(12 * MHZ)]);
  await ok("vm1", ClockMsg.CLOCK_RATE_SET, [RateFlag.ROUND_UP, 1, ...u64(30 * MHZ)]);
  assertEquals(calls, [30 * MHZ, 12 * MHZ, 30 * MHZ], "the driver is asked as the agents asked");
});
