/**
 * Each agent's own view of a clock's enable: votes, clocks running from boot, and what a
 * closing session, an agent reset or a withdrawn clock releases.
 */
import { assertEquals } from "../../core/_assert_test.ts";
import { resetAgentConfiguration, setDeviceAccess } from "../../core/permissions.ts";
import { DriverError } from "../../core/driver.ts";
import { Status } from "../../core/status.ts";
import type { SimClockHw } from "../../boards/drivers/sim/clock.ts";
import type { AgentSpec } from "../../tests/harness.ts";
import { clockFixture } from "../../tests/vectors/clock/fixture.ts";
import { ClockMsg, RateFlag } from "./msg.ts";
import { cmd, u64 } from "./_call_test.ts";

/** Physical ids (fixture.ts). */
const OSC = 0;
const AUDIO = 2;
const UART = 3;
/** Both agents see osc24m as 0, pll_audio as 1, uart0 as 2. */
const AGENTS: AgentSpec[] = [
  { name: "vm1", protocols: { 0x14: undefined }, grants: { clock: [OSC, AUDIO, UART] } },
  { name: "vm2", protocols: { 0x14: 0x20000 }, grants: { clock: [OSC, AUDIO, UART] } },
];
const V_OSC = 0;
const V_AUDIO = 1;
const V_UART = 2;

async function setup() {
  const fx = await clockFixture(AGENTS);
  const hw = fx.drivers.get("sim")!.clock as SimClockHw;
  const calls: string[] = [];
  const setEnabled = hw.setEnabled.bind(hw);
  hw.setEnabled = (id, on) => {
    calls.push(`${id}:${on ? "on" : "off"}`);
    return setEnabled(id, on);
  };
  const set = async (agent: string, vid: number, on: boolean) =>
    (await cmd(fx, agent, ClockMsg.CLOCK_CONFIG_SET, [vid, on ? 1 : 0])).status;
  /** The enabled bit of CLOCK_ATTRIBUTES, as `agent` sees it. */
  const view = async (agent: string, vid: number) =>
    ((await cmd(fx, agent, ClockMsg.CLOCK_ATTRIBUTES, [vid])).words[0] & 1) === 1;
  return { fx, hw, calls, set, view };
}

Deno.test("two agents share a clock: hardware turns on with the first vote, off with the last", async () => {
  const { hw, calls, set, view } = await setup();
  assertEquals(await set("vm1", V_UART, true), Status.SUCCESS);
  assertEquals(hw.isEnabled(UART), true);
  assertEquals(await set("vm2", V_UART, true), Status.SUCCESS);
  assertEquals(await set("vm1", V_UART, false), Status.SUCCESS);
  assertEquals(hw.isEnabled(UART), true, "vm2 still holds it");
  assertEquals([await view("vm1", V_UART), await view("vm2", V_UART)], [false, true]);
  assertEquals(await set("vm2", V_UART, false), Status.SUCCESS);
  assertEquals(hw.isEnabled(UART), false);
  assertEquals(calls, ["3:on", "3:off"]);
});

Deno.test("repeated enables and disables by one agent count once", async () => {
  const { hw, calls, set } = await setup();
  await set("vm1", V_UART, true);
  await set("vm1", V_UART, true);
  await set("vm1", V_UART, false);
  assertEquals(hw.isEnabled(UART), false);
  await set("vm1", V_UART, false);
  assertEquals(calls, ["3:on", "3:off"]);
});

Deno.test("a rate request the clock already runs at, votes unchanged, does not reach the driver", async () => {
  const { fx, hw } = await setup();
  const MHZ = 1_000_000;
  const rates: number[] = [];
  const setRate = hw.setRate.bind(hw);
  hw.setRate = (id, rate, round) => {
    rates.push(rate);
    return setRate(id, rate, round);
  };
  const ask = async (agent: string, rate: number, flags = 0) =>
    (await cmd(fx, agent, ClockMsg.CLOCK_RATE_SET, [flags, V_UART, ...u64(rate)])).status;
  assertEquals(await ask("vm1", 48 * MHZ), Status.SUCCESS);
  assertEquals(await ask("vm1", 48 * MHZ), Status.SUCCESS, "the same request again");
  assertEquals(await ask("vm1", 47 * MHZ, RateFlag.ROUND_UP), Status.SUCCESS, "rounds up to it");
  assertEquals(rates, [48 * MHZ], "only the first request drove the clock");
  assertEquals(await ask("vm2", 12 * MHZ), Status.SUCCESS, "another agent's newer request");
  assertEquals(await ask("vm1", 48 * MHZ), Status.SUCCESS, "vm1's again, newest once more");
  assertEquals(rates, [48 * MHZ, 12 * MHZ, 48 * MHZ]);
  assertEquals(hw.getRate(UART), 48 * MHZ);
});

Deno.test("a clock running from boot stays on: agents read their own vote and switch freely", async () => {
  const { hw, calls, set, view } = await setup();
  assertEquals(await view("vm1", V_OSC), false, "vm1 never enabled it");
  assertEquals(await set("vm1", V_OSC, false), Status.SUCCESS);
  assertEquals(await set("vm1", V_OSC, true), Status.SUCCESS);
  assertEquals(await view("vm1", V_OSC), true);
  assertEquals(await set("vm1", V_OSC, false), Status.SUCCESS);
  assertEquals(await view("vm1", V_OSC), false);
  assertEquals(hw.isEnabled(OSC), true);
  assertEquals(calls, [], "the hardware was never touched");
});

Deno.test("closing a session releases its votes; others' votes hold", async () => {
  const { fx, hw, set, view } = await setup();
  await set("vm1", V_UART, true);
  await set("vm1", V_AUDIO, true);
  await set("vm2", V_AUDIO, true);
  fx.reconnect("vm1");
  assertEquals(hw.isEnabled(UART), false);
  assertEquals(hw.isEnabled(AUDIO), true, "vm2 still holds pll_audio");
  assertEquals(await view("vm1", V_UART), false);
  assertEquals(await view("vm1", V_AUDIO), false);
  assertEquals(await view("vm2", V_AUDIO), true);
});

Deno.test("BASE_RESET_AGENT_CONFIGURATION releases the agent's votes", async () => {
  const { fx, hw, set, view } = await setup();
  await set("vm1", V_UART, true);
  resetAgentConfiguration(fx.platform, fx.platform.agent("vm1")!, false);
  assertEquals(hw.isEnabled(UART), false);
  assertEquals(await view("vm1", V_UART), false);
});

Deno.test("a clock withdrawn from an agent loses that agent's vote", async () => {
  const { fx, hw, set } = await setup();
  fx.platform.board.devices.push({ id: 7, name: "uart", resources: { clock: [UART] } });
  await set("vm1", V_UART, true);
  await set("vm2", V_AUDIO, true);
  assertEquals(setDeviceAccess(fx.platform, fx.platform.agent("vm1")!, 7, false), Status.SUCCESS);
  assertEquals(hw.isEnabled(UART), false);
  assertEquals(hw.isEnabled(AUDIO), true);
});

Deno.test("enabling uart0 under a stopped parent starts the parent; vm1's vote is its own", async () => {
  const { fx, hw, calls, set, view } = await setup();
  hw.setParent(UART, AUDIO);
  assertEquals(await set("vm1", V_UART, true), Status.SUCCESS);
  assertEquals([hw.isRunning(UART), hw.isEnabled(AUDIO)], [true, true]);
  assertEquals(await view("vm1", V_AUDIO), false, "pll_audio runs for uart0, not for vm1");
  assertEquals(calls, ["2:on", "3:on"], "the parent first");
  fx.reconnect("vm1");
  assertEquals(calls, ["2:on", "3:on", "3:off", "2:off"], "released in reverse");
});

Deno.test("a parent the driver cannot start → its status, no vote, nothing left on", async () => {
  const { hw, calls, set, view } = await setup();
  hw.setParent(UART, AUDIO);
  const setEnabled = hw.setEnabled;
  hw.setEnabled = (id, on) => {
    if (id === AUDIO && on) throw new DriverError("hardware", "PLL does not lock");
    return setEnabled(id, on);
  };
  assertEquals(await set("vm1", V_UART, true), Status.HARDWARE_ERROR);
  assertEquals(await view("vm1", V_UART), false);
  assertEquals([hw.isEnabled(UART), hw.isEnabled(AUDIO)], [false, false]);
  assertEquals(calls, []);
});
