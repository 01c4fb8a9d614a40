/**
 * The clock tree: enabling a clock starts its parent chain, disabling releases it in reverse
 * once nothing needs it; holds counted per child across agents, released when a session
 * ends, moved by a parent switch; parents the agent cannot see are driven all the same.
 */
import fc from "fast-check";
import { assertEquals } from "../../core/_assert_test.ts";
import type { ClockDesc } from "./kind.ts";
import { DriverError } from "../../core/driver.ts";
import { resetAgentConfiguration, setDeviceAccess } from "../../core/permissions.ts";
import { Status } from "../../core/status.ts";
import type { SimClockHw } from "../../boards/drivers/sim/clock.ts";
import type { AgentSpec, Fixture } from "../../tests/harness.ts";
import { clockFixture, simClock as clock } from "../../tests/vectors/clock/fixture.ts";
import { ClockMsg } from "./msg.ts";
import type { ClockShared } from "./state.ts";
import { cmd } from "./_call_test.ts";

/** Physical ids of the tree below. */
const XO = 0;
const PLL_A = 1;
const PLL_B = 2;
const DIV = 3;
const UART = 4;
const SPI = 5;
const KEPT = 6;

/**
 * xo (off at power-on) feeds pll_a and pll_b; div muxes pll_a (at power-on) or pll_b; uart and
 * spi both run from div; `kept` (kept on by the platform) runs from pll_b.
 */
function tree(): ClockDesc[] {
  return [
    clock(XO, "xo", []),
    clock(PLL_A, "pll_a", [XO]),
    clock(PLL_B, "pll_b", [XO]),
    clock(DIV, "div", [PLL_A, PLL_B]),
    clock(UART, "uart", [DIV]),
    clock(SPI, "spi", [DIV]),
    clock(KEPT, "kept", [PLL_B], { kept: true }),
  ];
}

/** `a` sees uart 0, spi 1, div 2, pll_a 3, pll_b 4; `b` sees only uart 0 and spi 1. */
const AGENTS: AgentSpec[] = [
  { name: "a", protocols: { 0x14: undefined }, grants: { clock: [UART, SPI, DIV, PLL_A, PLL_B] } },
  { name: "b", protocols: { 0x14: undefined }, grants: { clock: [UART, SPI] } },
];
const V_UART = 0;
const V_SPI = 1;
const V_DIV = 2;
const V_PLL_A = 3;
const V_PLL_B = 4;

async function setup() {
  const fx = await clockFixture(AGENTS, { clocks: tree() });
  const hw = fx.drivers.get("sim")!.clock as SimClockHw;
  const calls: string[] = [];
  const { setEnabled, setParent } = hw;
  hw.setEnabled = (id, on) => {
    calls.push(`${id}:${on ? "on" : "off"}`);
    return setEnabled(id, on);
  };
  hw.setParent = (id, parent) => {
    calls.push(`${id}→${parent}`);
    return setParent(id, parent);
  };
  const set = async (agent: string, vid: number, on: boolean) =>
    (await cmd(fx, agent, ClockMsg.CLOCK_CONFIG_SET, [vid, on ? 1 : 0])).status;
  const parent = async (agent: string, vid: number, to: number) =>
    (await cmd(fx, agent, ClockMsg.CLOCK_PARENT_SET, [vid, to])).status;
  /** CLOCK_CONFIG_GET's enabled bit: the agent's own vote. */
  const own = async (agent: string, vid: number) =>
    (await cmd(fx, agent, ClockMsg.CLOCK_CONFIG_GET, [vid, 0])).words[1];
  /** Clocks whose own enable is set, by physical id. */
  const on = () => tree().filter((d) => hw.isEnabled(d.id)).map((d) => d.name);
  /** Takes the hardware calls made since the last take. */
  const take = () => calls.splice(0);
  return { fx, hw, set, parent, own, on, take };
}

Deno.test("at start-up a kept clock's parent chain is started and held", async () => {
  const { on } = await setup();
  assertEquals(on(), ["xo", "pll_b", "kept"]);
});

Deno.test("two agents, two children: the chain starts root first and stops, in reverse, with the last child", async () => {
  const { fx, hw, set, own, on, take } = await setup();
  assertEquals(await set("a", V_UART, true), Status.SUCCESS);
  assertEquals(take(), ["1:on", "3:on", "4:on"], "xo runs already for the kept clock");
  assertEquals(hw.isRunning(UART), true);
  assertEquals(await set("b", V_SPI, true), Status.SUCCESS);
  assertEquals(await set("b", V_UART, true), Status.SUCCESS);
  assertEquals(take(), ["5:on"], "div is already held for uart");
  const div = () => fx.platform.votes.describe("clock.enable", DIV)!;
  assertEquals([div().voters, div().heldFor], [[], [UART, SPI]], "what `vscmi ctl` shows");
  assertEquals(await set("a", V_UART, false), Status.SUCCESS);
  assertEquals(take(), [], "b still votes for uart");
  assertEquals(await set("b", V_UART, false), Status.SUCCESS);
  assertEquals(take(), ["4:off"], "div still runs for spi");
  assertEquals(await own("a", V_DIV), 0, "a never voted for div, though it runs");
  assertEquals(await set("b", V_SPI, false), Status.SUCCESS);
  assertEquals(take(), ["5:off", "3:off", "1:off"], "xo stays for the kept clock");
  assertEquals(on(), ["xo", "pll_b", "kept"]);
});

Deno.test("an agent's own vote on a parent outlives the child's hold, and the child's hold its vote", async () => {
  const { set, own, on, take } = await setup();
  await set("a", V_DIV, true);
  await set("a", V_UART, true);
  assertEquals(take(), ["1:on", "3:on", "4:on"]);
  await set("a", V_UART, false);
  assertEquals(take(), ["4:off"]);
  assertEquals(on(), ["xo", "pll_a", "pll_b", "div", "kept"]);
  await set("a", V_UART, true);
  await set("a", V_DIV, false);
  assertEquals(await own("a", V_DIV), 0);
  assertEquals(take(), ["4:on"], "div stays on for uart");
  await set("a", V_UART, false);
  assertEquals(take(), ["4:off", "3:off", "1:off"]);
});

Deno.test("a session's end releases its chains in reverse; other agents' holds stay", async () => {
  const { fx, set, on, take } = await setup();
  await set("a", V_UART, true);
  await set("a", V_SPI, true);
  await set("b", V_SPI, true);
  take();
  fx.reconnect("a");
  assertEquals(take(), ["4:off"]);
  assertEquals(on(), ["xo", "pll_a", "pll_b", "div", "spi", "kept"]);
  resetAgentConfiguration(fx.platform, fx.platform.agent("b")!, false);
  assertEquals(take(), ["5:off", "3:off", "1:off"]);
});

Deno.test("a clock withdrawn from an agent releases the chain it held", async () => {
  const { fx, set, take } = await setup();
  fx.platform.board.devices.push({ id: 9, name: "uart_dev", resources: { clock: [UART] } });
  await set("b", V_UART, true);
  take();
  assertEquals(setDeviceAccess(fx.platform, fx.platform.agent("b")!, 9, false), Status.SUCCESS);
  assertEquals(take(), ["4:off", "3:off", "1:off"]);
});

Deno.test("a parent the agent cannot see is started for it and never named to it", async () => {
  const { fx, hw, set, take } = await setup();
  assertEquals(await set("b", V_UART, true), Status.SUCCESS);
  assertEquals(take(), ["1:on", "3:on", "4:on"]);
  assertEquals(hw.isRunning(UART), true);
  const r = await cmd(fx, "b", ClockMsg.CLOCK_PARENT_GET, [V_UART]);
  assertEquals(r.status, Status.NOT_SUPPORTED, "b sees no parent of uart");
});

Deno.test("a parent switch under a running clock starts the new chain first and stops the old after", async () => {
  const { hw, set, parent, on, take } = await setup();
  await set("a", V_UART, true);
  take();
  assertEquals(await parent("a", V_DIV, V_PLL_B), Status.SUCCESS);
  assertEquals(take(), ["3→2", "1:off"], "pll_b runs already for the kept clock");
  assertEquals(hw.isRunning(UART), true);
  await set("a", V_UART, false);
  assertEquals(take(), ["4:off", "3:off"], "pll_b stays for the kept clock");
  assertEquals(on(), ["xo", "pll_b", "kept"]);
  assertEquals(await parent("a", V_DIV, V_PLL_A), Status.SUCCESS);
  assertEquals(take(), ["3→1"], "a stopped clock switches without starting anything");
  await set("a", V_UART, true);
  assertEquals(take(), ["1:on", "3:on", "4:on"]);
  assertEquals(await parent("a", V_DIV, V_PLL_B), Status.SUCCESS);
  assertEquals(await parent("a", V_DIV, V_PLL_A), Status.SUCCESS);
  assertEquals(take(), ["3→2", "1:off", "1:on", "3→1"], "pll_a starts before the switch back");
});

Deno.test("a parent switch the driver refuses drops the new chain and keeps the old", async () => {
  const { hw, set, parent, on, take } = await setup();
  await set("a", V_PLL_B, true);
  await set("a", V_UART, true);
  take();
  hw.setParent = () => {
    throw new DriverError("hardware", "mux stuck");
  };
  assertEquals(await parent("a", V_DIV, V_PLL_B), Status.HARDWARE_ERROR);
  assertEquals(take(), []);
  assertEquals(hw.getParent(DIV), PLL_A);
  assertEquals(on(), ["xo", "pll_a", "pll_b", "div", "uart", "kept"]);
});

Deno.test("CLOCK_PARENT_SET to a clock the target feeds → INVALID_PARAMETERS, nothing started", async () => {
  const board = tree();
  // div may also take uart, which div itself feeds.
  board[DIV] = clock(DIV, "div", [PLL_A, PLL_B, UART]);
  const fx = await clockFixture(AGENTS, { clocks: board });
  const hw = fx.drivers.get("sim")!.clock as SimClockHw;
  await cmd(fx, "a", ClockMsg.CLOCK_CONFIG_SET, [V_DIV, 1]);
  const r = await cmd(fx, "a", ClockMsg.CLOCK_PARENT_SET, [V_DIV, V_UART]);
  assertEquals(r.status, Status.INVALID_PARAMETERS);
  assertEquals([hw.isEnabled(UART), hw.getParent(DIV)], [false, PLL_A]);
});

/**
 * Makes every `setEnabled` of `hw` wait until the test lets it through. `next()` waits for
 * the next call and returns it (with how many calls were waiting) and `go`, which performs it.
 */
function gate(hw: SimClockHw) {
  const real = hw.setEnabled;
  const queue: { call: string; go: () => void }[] = [];
  let wake: (() => void) | undefined;
  hw.setEnabled = (id, on) =>
    new Promise<void>((resolve, reject) => {
      const go = () => void Promise.resolve(real(id, on)).then(resolve, reject);
      queue.push({ call: `${id}:${on ? "on" : "off"}`, go });
      wake?.();
    });
  const next = async () => {
    while (queue.length === 0) await new Promise<void>((r) => wake = r);
    const waiting = queue.length;
    const { call, go } = queue.shift()!;
    return { call: `${call} (${waiting} waiting)`, go };
  };
  /** Lets the next call through; returns it. */
  const pass = async () => {
    const { call, go } = await next();
    go();
    return call;
  };
  return { next, pass };
}

Deno.test("a driver that takes time: each parent is running before its child is asked to start", async () => {
  const fx = await clockFixture(AGENTS, { clocks: tree() });
  const { pass } = gate(fx.drivers.get("sim")!.clock as SimClockHw);
  const reply = cmd(fx, "a", ClockMsg.CLOCK_CONFIG_SET, [V_UART, 1]);
  assertEquals(await pass(), "1:on (1 waiting)");
  assertEquals(await pass(), "3:on (1 waiting)");
  assertEquals(await pass(), "4:on (1 waiting)");
  assertEquals((await reply).status, Status.SUCCESS);
});

Deno.test("a driver that takes time: the agent's votes go while its parent starts → the chain stops again", async () => {
  const fx = await clockFixture(AGENTS, { clocks: tree() });
  const hw = fx.drivers.get("sim")!.clock as SimClockHw;
  const { next, pass } = gate(hw);
  const reply = cmd(fx, "a", ClockMsg.CLOCK_CONFIG_SET, [V_UART, 1]);
  const starting = await next();
  assertEquals(starting.call, "1:on (1 waiting)");
  resetAgentConfiguration(fx.platform, fx.platform.agent("a")!, false);
  starting.go();
  assertEquals(await pass(), "1:off (1 waiting)", "pll_a stops once it has started");
  await reply;
  assertEquals([PLL_A, DIV, UART].map((id) => hw.isEnabled(id)), [false, false, false]);
  const votes = (fx.platform.protocols[0x14]!.shared as ClockShared).votes;
  assertEquals([votes.holders(PLL_A).size, votes.holders(DIV).size], [0, 0]);
});

/** What the property test does: an agent's enable or disable, a switch of div, a session end. */
type Step =
  | { op: "set"; agent: "a" | "b"; vid: number; on: boolean }
  | { op: "parent"; to: number }
  | { op: "close"; agent: "a" | "b" }
  | { op: "reset"; agent: "a" | "b" };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    op: fc.constant("set" as const),
    agent: fc.constant("a" as const),
    vid: fc.integer({ min: 0, max: 4 }),
    on: fc.boolean(),
  }),
  fc.record({
    op: fc.constant("set" as const),
    agent: fc.constant("b" as const),
    vid: fc.integer({ min: 0, max: 1 }),
    on: fc.boolean(),
  }),
  fc.record({ op: fc.constant("parent" as const), to: fc.constantFrom(V_PLL_A, V_PLL_B) }),
  fc.record({ op: fc.constant("close" as const), agent: fc.constantFrom("a" as const, "b") }),
  fc.record({ op: fc.constant("reset" as const), agent: fc.constantFrom("a" as const, "b") }),
);

async function run(fx: Fixture, s: Step): Promise<void> {
  if (s.op === "set") {
    await cmd(fx, s.agent, ClockMsg.CLOCK_CONFIG_SET, [s.vid, s.on ? 1 : 0]);
  } else if (s.op === "parent") {
    await cmd(fx, "a", ClockMsg.CLOCK_PARENT_SET, [V_DIV, s.to]);
  } else if (s.op === "close") {
    fx.reconnect(s.agent);
  } else {
    resetAgentConfiguration(fx.platform, fx.platform.agent(s.agent)!, false);
  }
}

Deno.test("property: after any steps, every running clock's parent runs, and a clock is on iff an agent's vote, a running child or keep_on needs it", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(step, { maxLength: 30 }), async (steps) => {
      const fx = await clockFixture(AGENTS, { clocks: tree() });
      const hw = fx.drivers.get("sim")!.clock as SimClockHw;
      const votes = (fx.platform.protocols[0x14]!.shared as ClockShared).votes;
      for (const s of steps) {
        await run(fx, s);
        for (const d of tree()) {
          const isOn = hw.isEnabled(d.id);
          const parent = hw.getParent(d.id);
          if (isOn && parent >= 0) assertEquals(hw.isEnabled(parent), true, `${d.name}'s parent`);
          const child = tree().some((c) => hw.getParent(c.id) === d.id && hw.isEnabled(c.id));
          const needed = votes.voters(d.id).size > 0 || child || d.kept === true;
          assertEquals(isOn, needed, `${d.name} after ${JSON.stringify(s)}`);
        }
      }
    }),
    { numRuns: 150 },
  );
});
