import { powerKind } from "./kind.ts";
import { assert, assertEquals } from "../../core/_assert_test.ts";
import { type Board, emptyBoard } from "../../core/board.ts";
import { type BoardDriver, DriverError } from "../../core/driver.ts";
import { encodeHeader, MsgType } from "../../core/header.ts";
import { type PowerHw, PowerState } from "./hw.ts";
import type { Ctx } from "../../core/session.ts";
import { Status } from "../../core/status.ts";
import { createSim } from "../../boards/drivers/sim.ts";
import { ManualClock } from "../../core/timer_clock.ts";
import { advanceUntil, settled, turn, until } from "../../core/_wait_test.ts";
import type { SimPower } from "../../boards/drivers/sim/power.ts";
import { type Fixture, fixture } from "../../tests/harness.ts";
import { PowerEvent, PowerMsg, powerProtocol, type PowerSession, type PowerShared } from "./mod.ts";

const { ON, OFF } = PowerState;
const OK = Status.SUCCESS >>> 0;
const H = (msg: number) => encodeHeader(msg, MsgType.COMMAND, 0x11, 0);
const CHANGED = encodeHeader(PowerEvent.POWER_STATE_CHANGED, MsgType.NOTIFICATION, 0x11, 0);
const SYNC = 0;
const ASYNC = 1;

// Physical: 0 top, 1 gpu (child of top, async), 2 shader (child of gpu), 3 dsp (async).
function board(latencyUs: number): Board {
  const b = emptyBoard();
  const common = { driver: "sim", latencyUs, on: false };
  powerKind.of(b).push(
    { ...common, id: 0, name: "top", async: false },
    { ...common, id: 1, name: "gpu", parent: 0, async: true },
    { ...common, id: 2, name: "shader", parent: 1, async: false },
    { ...common, id: 3, name: "dsp", async: true },
  );
  return b;
}

interface Setup {
  fx: Fixture;
  hw: SimPower;
  /** Where the sim waits its switches. */
  clock: ManualClock;
}

/** vm1 sees 0 top, 1 gpu, 2 shader, 3 dsp; vm2 sees 0 gpu, 1 shader, 2 dsp. */
async function setup(
  opts: { latencyUs?: number; timeScale?: number; wrap?: (hw: PowerHw) => PowerHw } = {},
): Promise<Setup> {
  const b = board(opts.latencyUs ?? 0);
  const clock = new ManualClock();
  const drv: BoardDriver = createSim(b, "sim", { timeScale: opts.timeScale ?? 0, clock });
  const hw = drv.power as SimPower;
  if (opts.wrap) drv.power = opts.wrap(hw);
  const fx = await fixture({
    board: b,
    drivers: new Map([["sim", drv]]),
    agents: [
      { name: "vm1", protocols: { 0x11: undefined }, grants: { power: [0, 1, 2, 3] } },
      { name: "vm2", protocols: { 0x11: undefined }, grants: { power: [1, 2, 3] } },
    ],
  });
  return { fx, hw, clock };
}

function set(fx: Fixture, agent: string, virt: number, state: number, flags = SYNC) {
  return fx.words(agent, [H(PowerMsg.POWER_STATE_SET), flags, virt, state]);
}

function get(fx: Fixture, agent: string, virt: number) {
  return fx.words(agent, [H(PowerMsg.POWER_STATE_GET), virt]);
}

function words(bytes: Uint8Array): number[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i += 4) out.push(dv.getUint32(i, true));
  return out;
}

function powerCtx(fx: Fixture, agent: string): Ctx<PowerSession, PowerShared> {
  return fx.session(agent).ctxs[0x11] as Ctx<PowerSession, PowerShared>;
}

Deno.test("power: a shared domain switches on the first ON vote and off at the last OFF", async () => {
  const { fx, hw } = await setup();
  assertEquals(await set(fx, "vm1", 3, ON), [H(4), OK]);
  assertEquals(await set(fx, "vm2", 2, ON), [H(4), OK]);
  assertEquals(hw.history, [{ id: 3, state: ON }], "the second ON changes no hardware");
  assertEquals(await set(fx, "vm1", 3, OFF), [H(4), OK]);
  assertEquals(hw.getState(3), ON, "vm2 still holds it");
  assertEquals(await get(fx, "vm1", 3), [H(5), OK, OFF]);
  assertEquals(await get(fx, "vm2", 2), [H(5), OK, ON]);
  assertEquals(await set(fx, "vm2", 2, OFF), [H(4), OK]);
  assertEquals(hw.history, [{ id: 3, state: ON }, { id: 3, state: OFF }]);
});

Deno.test("power: a child powers its parents up first and they go down after it", async () => {
  const { fx, hw } = await setup();
  assertEquals(await set(fx, "vm2", 1, ON), [H(4), OK]);
  assertEquals(await set(fx, "vm2", 1, OFF), [H(4), OK]);
  assertEquals(hw.history.map((s) => [s.id, s.state]), [
    [0, ON],
    [1, ON],
    [2, ON],
    [2, OFF],
    [1, OFF],
    [0, OFF],
  ]);
});

Deno.test("power: turning a parent OFF while another agent's child is ON only drops the vote", async () => {
  const { fx, hw } = await setup();
  await set(fx, "vm1", 1, ON);
  await set(fx, "vm2", 1, ON);
  assertEquals(await set(fx, "vm1", 1, OFF), [H(4), OK]);
  assertEquals([hw.getState(0), hw.getState(1), hw.getState(2)], [ON, ON, ON]);
  assertEquals(await get(fx, "vm1", 1), [H(5), OK, OFF]);
});

Deno.test("power: closing a session releases its votes; other subscribers hear it from agent 0", async () => {
  const { fx, hw } = await setup();
  await set(fx, "vm1", 3, ON);
  await fx.words("vm2", [H(PowerMsg.POWER_STATE_NOTIFY), 2, 1]);
  fx.reconnect("vm1");
  await turn();
  assertEquals(hw.getState(3), OFF);
  assertEquals(fx.drain("vm2").map(words), [[CHANGED, 0, 2, OFF]], "never vm1's id 1");
  assertEquals(await get(fx, "vm1", 3), [H(5), OK, OFF], "the new session starts with no vote");
});

Deno.test("power: resetting an agent's configuration releases its votes", async () => {
  const { fx, hw } = await setup();
  await set(fx, "vm1", 2, ON);
  fx.platform.resetAgent(fx.session("vm1").agent);
  await turn();
  assertEquals([hw.getState(0), hw.getState(1), hw.getState(2)], [OFF, OFF, OFF]);
  assertEquals(await get(fx, "vm1", 2), [H(5), OK, OFF]);
});

Deno.test("power: a sync POWER_STATE_SET answers once the hardware's latency has passed", async () => {
  const { fx, hw, clock } = await setup({ latencyUs: 15_000, timeScale: 1 });
  const reply = set(fx, "vm1", 3, ON);
  await turn();
  clock.advance(14.9);
  assert(!await settled(reply), "the reply waits for the switch");
  clock.advance(0.1);
  assertEquals(await reply, [H(4), OK]);
  assertEquals(hw.getState(3), ON);
});

Deno.test("power: an async POWER_STATE_SET answers first, then completes with POWER_STATE_CHANGED", async () => {
  const { fx, hw, clock } = await setup({ latencyUs: 30_000, timeScale: 1 });
  await fx.words("vm1", [H(PowerMsg.POWER_STATE_NOTIFY), 3, 1]);
  assertEquals(await set(fx, "vm1", 3, ON, ASYNC), [H(4), OK]);
  assertEquals(hw.getState(3), OFF, "the reply did not wait: the hardware is still switching");
  assertEquals(fx.drain("vm1"), []);
  clock.advance(30);
  await until(() => fx.session("vm1").p2a!.length > 0, "POWER_STATE_CHANGED");
  assertEquals(hw.getState(3), ON);
  assertEquals(fx.drain("vm1").map(words), [[CHANGED, 1, 3, ON]]);
});

Deno.test("power: overlapping requests on a slow board are serialized, never BUSY", async () => {
  const { fx, hw, clock } = await setup({ latencyUs: 5_000, timeScale: 1 });
  const replies = await advanceUntil(
    clock,
    Promise.all([
      set(fx, "vm1", 2, ON),
      set(fx, "vm2", 0, ON),
      set(fx, "vm2", 2, ON, ASYNC),
      set(fx, "vm1", 2, OFF),
    ]),
    5,
  );
  assertEquals(replies.map((r) => r[1]), [OK, OK, OK, OK]);
  await advanceUntil(clock, until(() => hw.getState(3) === ON, "dsp on"), 5);
  assertEquals([hw.getState(0), hw.getState(1), hw.getState(2), hw.getState(3)], [ON, ON, OFF, ON]);
});

Deno.test("power: a driver failure answers its status, undoes the vote and powers the parents back down", async () => {
  const { fx, hw } = await setup({
    wrap: (inner) => ({
      getState: (id) => inner.getState(id),
      setState: (id, s) => {
        if (id === 2 && s === ON) throw new DriverError("hardware", "shader rail tripped");
        return inner.setState(id, s);
      },
    }),
  });
  assertEquals(await set(fx, "vm1", 2, ON), [H(4), Status.HARDWARE_ERROR >>> 0]);
  assertEquals(await get(fx, "vm1", 2), [H(5), OK, OFF]);
  assertEquals(hw.history.map((s) => [s.id, s.state]), [[0, ON], [1, ON], [1, OFF], [0, OFF]]);
  assert(fx.logs.some((l) => l.includes("shader rail tripped") && l.includes("vm1")));
});

Deno.test("power: a driver refusing with in-use → DENIED (IN_USE is newer than power 3.1)", async () => {
  const { fx } = await setup({
    wrap: (inner) => ({
      getState: (id) => inner.getState(id),
      setState: (id, s) => {
        if (id === 3 && s === OFF) throw new DriverError("in-use", "held by firmware");
        return inner.setState(id, s);
      },
    }),
  });
  await set(fx, "vm1", 3, ON);
  assertEquals(await set(fx, "vm1", 3, OFF), [H(4), Status.DENIED >>> 0]);
  assertEquals(await get(fx, "vm1", 3), [H(5), OK, ON], "the vote is back to ON");
});

Deno.test("power: a subscriber that can no longer see the domain is not notified", async () => {
  const { fx } = await setup();
  await fx.words("vm2", [H(PowerMsg.POWER_STATE_NOTIFY), 2, 1]);
  fx.session("vm2").agent.grants.maps.power.revoke(3);
  await set(fx, "vm1", 3, ON);
  assertEquals(fx.drain("vm2"), []);
});

Deno.test("power: unsubscribed sessions and other domains' subscribers hear nothing", async () => {
  const { fx } = await setup();
  await fx.words("vm2", [H(PowerMsg.POWER_STATE_NOTIFY), 0, 1]);
  await fx.words("vm2", [H(PowerMsg.POWER_STATE_NOTIFY), 0, 0]);
  await fx.words("vm2", [H(PowerMsg.POWER_STATE_NOTIFY), 2, 1]);
  await set(fx, "vm1", 1, ON);
  assertEquals(fx.drain("vm2"), []);
  assertEquals(fx.drain("vm1"), []);
});

Deno.test("power: losing a domain at run time drops the agent's vote and subscriptions", async () => {
  const { fx, hw } = await setup();
  await set(fx, "vm1", 3, ON);
  await fx.words("vm1", [H(PowerMsg.POWER_STATE_NOTIFY), 3, 1]);
  const ctx = powerCtx(fx, "vm1");
  powerProtocol.onRevoke!(ctx, "power", 3);
  await turn();
  assertEquals(hw.getState(3), OFF);
  assertEquals(ctx.state.changed.has(3), false);
  assertEquals(fx.drain("vm1"), [], "the revoked agent hears nothing about it");
});

Deno.test("power: every notification payload is exactly 12 bytes", async () => {
  const { fx } = await setup();
  await fx.words("vm1", [H(PowerMsg.POWER_STATE_NOTIFY), 1, 1]);
  await fx.words("vm1", [H(PowerMsg.POWER_STATE_CHANGE_REQUESTED_NOTIFY), 1, 1]);
  await set(fx, "vm1", 1, ON);
  const got = fx.drain("vm1");
  assertEquals(got.map((m) => m.length), [16, 16]);
  assertEquals(got.map(words).map((w) => w[0]), [
    encodeHeader(PowerEvent.POWER_STATE_CHANGE_REQUESTED, MsgType.NOTIFICATION, 0x11, 0),
    CHANGED,
  ]);
});

Deno.test("power: a request queued behind a slow switch whose session closes meanwhile leaves no vote", async () => {
  const { fx, hw, clock } = await setup({ latencyUs: 10_000, timeScale: 1 });
  const slow = set(fx, "vm1", 3, ON);
  const queued = set(fx, "vm2", 0, ON);
  fx.platform.closeSession(fx.session("vm2"));
  assertEquals((await advanceUntil(clock, slow, 10))[1], OK);
  assertEquals((await advanceUntil(clock, queued, 10))[1], Status.DENIED >>> 0);
  await turn();
  assertEquals([hw.getState(0), hw.getState(1)], [OFF, OFF], "gpu and its parent stay off");
});

Deno.test("power: a request queued behind a slow switch for a domain revoked meanwhile leaves no vote", async () => {
  const { fx, hw, clock } = await setup({ latencyUs: 10_000, timeScale: 1 });
  const slow = set(fx, "vm1", 3, ON);
  const queued = set(fx, "vm2", 0, ON);
  powerProtocol.onRevoke!(powerCtx(fx, "vm2"), "power", 1);
  fx.session("vm2").agent.grants.maps.power.revoke(1);
  assertEquals((await advanceUntil(clock, slow, 10))[1], OK);
  assertEquals((await advanceUntil(clock, queued, 10))[1], Status.DENIED >>> 0);
  await turn();
  assertEquals(hw.getState(1), OFF);
});

Deno.test("power: a session without a platform→agent channel (SMC) is offered no asynchronous set", async () => {
  const b = board(0);
  const fx = await fixture({
    board: b,
    drivers: new Map([["sim", createSim(b, "sim", { timeScale: 0 })]]),
    agents: [
      { name: "smc", protocols: { 0x11: undefined }, grants: { power: [1] }, p2a: false },
      { name: "mbox", protocols: { 0x11: undefined }, grants: { power: [1] } },
    ],
  });
  const attrs = async (agent: string) =>
    (await fx.words(agent, [H(PowerMsg.POWER_DOMAIN_ATTRIBUTES), 0]))[2];
  const ASYNC_SET = 1 << 30;
  assertEquals((await attrs("mbox")) & ASYNC_SET, ASYNC_SET, "the async domain offers it");
  assertEquals((await attrs("smc")) & ASYNC_SET, 0);
  assertEquals(
    (await fx.words("smc", [H(PowerMsg.POWER_STATE_SET), ASYNC, 0, ON]))[1],
    Status.NOT_SUPPORTED >>> 0,
  );
  assertEquals((await fx.words("smc", [H(PowerMsg.POWER_STATE_SET), SYNC, 0, ON]))[1], OK);
});
