/**
 * The clock tree after a restart: votes restored from the journal hold their parent chains
 * again, a parent found running for a restored child is held, not kept, and the chain goes
 * when the agent's restart grace ends without it coming back.
 */
import { clockKind } from "./kind.ts";
import { assertEquals } from "../../core/_assert_test.ts";
import { Agent } from "../../core/agent.ts";
import { emptyBoard } from "../../core/board.ts";
import type { BoardDriver } from "../../core/driver.ts";
import { ALL_RIGHTS } from "../../core/grants.ts";
import { buildHwTable } from "../../core/hw_table.ts";
import { Platform } from "../../core/platform.ts";
import type { GraceClock, TimerId } from "../../core/policy/grace.ts";
import type { JournalEntry } from "../../server/journal/records.ts";
import { PROTOCOLS } from "../../builtins.ts";
import { simDriver } from "../../boards/drivers/sim.ts";
import type { SimClockHw } from "../../boards/drivers/sim/clock.ts";
import { TEST_VENDOR } from "../../tests/harness.ts";
import { simClock as clock } from "../../tests/vectors/clock/fixture.ts";
import type { ClockShared } from "./state.ts";

const XO = 0;
const PLL = 1;
const DIV = 2;
const UART = 3;
const SPI = 4;

/** xo → pll → div → uart and spi; all off at power-on. */
function board() {
  const b = emptyBoard("tree-restart");
  b.drivers.push({ name: "sim", type: "sim", options: {} });
  clockKind.of(b).push(
    clock(XO, "xo", []),
    clock(PLL, "pll", [XO]),
    clock(DIV, "div", [PLL]),
    clock(UART, "uart", [DIV]),
    clock(SPI, "spi", [DIV]),
  );
  return b;
}

/** Grace timers the test fires by hand. */
function manualClock() {
  const timers = new Map<number, () => void>();
  let next = 0;
  const gc: GraceClock = {
    setTimeout: (fn) => {
      timers.set(++next, fn);
      return next as unknown as TimerId;
    },
    clearTimeout: (id) => void timers.delete(id as unknown as number),
  };
  const fire = () => {
    const fns = [...timers.values()];
    timers.clear();
    for (const fn of fns) fn();
  };
  return { gc, fire };
}

/**
 * A platform started with `restored` as its journal's live votes, on a sim whose clocks in
 * `running` were left on by the previous run. Agents a and b see every clock.
 */
async function restart(restored: JournalEntry[], running: number[]) {
  const b = board();
  const sim = await simDriver.create({ name: "sim", options: { time_scale: 0 }, board: b });
  const hw = sim.clock as SimClockHw;
  for (const id of running) hw.setEnabled(id, true);
  const agents = ["a", "b"].map((name, i) => {
    const agent = new Agent({ id: i + 1, name, grace: { restartS: 30 } });
    agent.grants.protocols.set(0x14, { pin: undefined });
    for (const d of clockKind.of(b)) agent.grants.maps.clock.grant(d.id, ALL_RIGHTS);
    return agent;
  });
  const { gc, fire } = manualClock();
  const platform = new Platform({
    board: b,
    hw: buildHwTable(b, new Map<string, BoardDriver>([["sim", sim]])),
    vendor: TEST_VENDOR,
    agents,
    protocols: PROTOCOLS.filter((p) => p.id === 0x10 || p.id === 0x14),
    journal: { restored, append: () => 0, durable: () => undefined },
    graceClock: gc,
  });
  platform.log.sink = () => {};
  await platform.ready;
  const votes = (platform.protocols[0x14]!.shared as ClockShared).votes;
  const on = () => clockKind.of(b).filter((d) => hw.isEnabled(d.id)).map((d) => d.name);
  return { hw, votes, on, fire };
}

const VOTES: JournalEntry[] = [
  { agent: "a", store: "clock.enable", phys: UART, value: 1 },
  { agent: "b", store: "clock.enable", phys: SPI, value: 1 },
];

Deno.test("restart on fresh hardware: restored votes start their chains again", async () => {
  const { on, votes } = await restart(VOTES, []);
  assertEquals(on(), ["xo", "pll", "div", "uart", "spi"]);
  assertEquals([...votes.holders(DIV)].sort(), [UART, SPI]);
});

Deno.test("restart on running hardware: nothing changes, and the parents are held, not kept", async () => {
  const { hw, on, votes } = await restart(VOTES, [XO, PLL, DIV, UART, SPI]);
  const calls: string[] = [];
  const setEnabled = hw.setEnabled;
  hw.setEnabled = (id, v) => {
    calls.push(`${id}:${v}`);
    return setEnabled(id, v);
  };
  assertEquals(on(), ["xo", "pll", "div", "uart", "spi"]);
  assertEquals([XO, PLL, DIV].map((id) => votes.isKept(id)), [false, false, false]);
  assertEquals(calls, []);
});

Deno.test("restart: agents that do not come back within their grace release their chains in reverse", async () => {
  const { hw, on, fire } = await restart(VOTES, [XO, PLL, DIV, UART, SPI]);
  const calls: string[] = [];
  const setEnabled = hw.setEnabled;
  hw.setEnabled = (id, v) => {
    calls.push(`${id}:${v ? "on" : "off"}`);
    return setEnabled(id, v);
  };
  fire();
  assertEquals(on(), []);
  assertEquals(calls, ["3:off", "4:off", "2:off", "1:off", "0:off"]);
});

Deno.test("restart: a running parent no restored vote explains is kept", async () => {
  const { on, votes } = await restart([], [XO, PLL]);
  assertEquals(on(), ["xo", "pll"]);
  assertEquals([votes.isKept(XO), votes.isKept(PLL)], [false, true], "xo is held for pll");
});
