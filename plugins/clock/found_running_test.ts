/**
 * Clocks found running at start-up (left on by the bootloader, no restored vote explaining
 * them) under `[policy] found_running`: kept for good by default; with `until-voted`, kept
 * only until an agent first votes on them, the votes alone deciding after that (one info
 * line names the agent) — also across a restart, where the journal's votes explain the
 * clock. Clocks the deployment keeps on stay on whatever the setting.
 * @module
 */
import { clockKind } from "./kind.ts";
import { assertEquals } from "../../core/_assert_test.ts";
import { emptyBoard, type FoundRunning } from "../../core/board.ts";
import { type BoardDriver, DriverError } from "../../core/driver.ts";
import { Status } from "../../core/status.ts";
import type { VoteJournal } from "../../core/policy/vote_book.ts";
import type { JournalEntry } from "../../server/journal/records.ts";
import { createSim } from "../../boards/drivers/sim.ts";
import type { SimClockHw } from "../../boards/drivers/sim/clock.ts";
import { type AgentSpec, Fixture } from "../../tests/harness.ts";
import { simClock } from "../../tests/vectors/clock/fixture.ts";
import { PROTOCOLS } from "../../builtins.ts";
import { ClockMsg } from "./msg.ts";
import { cmd } from "./_call_test.ts";
import type { ClockShared } from "./state.ts";

/** Physical ids; each agent sees clock n as virtual id n. */
const XO = 0;
const UART = 1;
const SPI = 2;
const HOST = 3;
/** spi's parent, granted to no agent. */
const DIV = 4;

const AGENTS: AgentSpec[] = ["vm1", "vm2"].map((name) => ({
  name,
  protocols: { 0x14: undefined },
  grants: { clock: [XO, UART, SPI, HOST] },
}));

/**
 * xo (running from power-on) feeds uart, div (→ spi) and host, which the sim has running at
 * start without the board declaring them so (the bootloader left them on); host is in
 * `[policy.keep_on]`; every clock carries the deployment's `found_running`.
 */
function board(found?: FoundRunning) {
  const b = emptyBoard("found-running");
  b.drivers.push({ name: "sim", type: "sim", options: {} });
  clockKind.of(b).push(
    simClock(XO, "xo", [], { enabled: true }),
    simClock(UART, "uart", [XO]),
    simClock(SPI, "spi", [DIV]),
    simClock(HOST, "host", [XO], { kept: true }),
    simClock(DIV, "div", [XO]),
  );
  if (found !== undefined) { for (const d of clockKind.of(b)) d.foundRunning = found; }
  const sim = createSim(b, "sim", { timeScale: 0 });
  const hw = sim.clock as SimClockHw;
  for (const id of [UART, DIV, SPI, HOST]) hw.setEnabled(id, true);
  return { b, sim, hw };
}

/** A journal in memory: the live votes, as the next start restores them. */
function memJournal(restored: JournalEntry[] = []): VoteJournal & { live(): JournalEntry[] } {
  const live = new Map<string, JournalEntry>();
  for (const e of restored) live.set(`${e.agent}/${e.store}/${e.phys}`, e);
  return {
    restored,
    append(agent, store, phys, value) {
      const key = `${agent}/${store}/${phys}`;
      if (value === null) live.delete(key);
      else live.set(key, { agent, store, phys, value });
      return live.size;
    },
    durable: () => undefined,
    live: () => [...live.values()],
  };
}

/** A platform with the clock protocol over the board of `found`'s sim. */
function serve(
  found: FoundRunning | undefined,
  on = board(found),
  journal: VoteJournal = memJournal(),
) {
  const fx = new Fixture(
    {
      board: on.b,
      protocols: PROTOCOLS.filter((p) => p.id === 0x10 || p.id === 0x14),
      agents: AGENTS,
      journal,
    },
    new Map<string, BoardDriver>([["sim", on.sim]]),
  );
  const set = async (agent: string, phys: number, enable: boolean) =>
    (await cmd(fx, agent, ClockMsg.CLOCK_CONFIG_SET, [phys, enable ? 1 : 0])).status;
  const shared = fx.platform.protocols[0x14]!.shared as ClockShared;
  const released = () => fx.logs.filter((l) => l.includes("start-up keep"));
  return { fx, hw: on.hw, set, shared, released, on };
}

Deno.test("until-voted: an agent enables then disables a clock found running → the sim gates it, one info line", async () => {
  const { fx, hw, set, shared, released } = serve("until-voted");
  await fx.platform.ready;
  assertEquals(shared.votes.isKept(UART), true, "kept until the first vote");
  assertEquals(await set("vm1", UART, true), Status.SUCCESS);
  assertEquals([hw.isEnabled(UART), shared.votes.isKept(UART)], [true, false]);
  assertEquals(await set("vm1", UART, false), Status.SUCCESS);
  assertEquals(hw.isEnabled(UART), false);
  assertEquals(hw.isEnabled(XO), true, "xo runs from power-on");
  assertEquals(released(), [
    'info: Released the start-up keep of clock "uart" (1): agent "vm1" voted; votes decide from now on',
  ]);
  fx.platform.close();
});

Deno.test("until-voted: a disable from an agent that never enabled it is a vote too → gated, its parent with it", async () => {
  const { fx, hw, set, shared, released } = serve("until-voted");
  await fx.platform.ready;
  assertEquals(shared.votes.isKept(DIV), false, "div is held for spi, not kept");
  assertEquals(await set("vm2", SPI, false), Status.SUCCESS);
  assertEquals([SPI, DIV, UART].map((id) => hw.isEnabled(id)), [false, false, true]);
  assertEquals(released().length, 1);
  fx.platform.close();
});

Deno.test("until-voted: a second agent's vote keeps the clock on until both are off", async () => {
  const { fx, hw, set, released } = serve("until-voted");
  await fx.platform.ready;
  assertEquals(await set("vm1", UART, true), Status.SUCCESS);
  assertEquals(await set("vm2", UART, true), Status.SUCCESS);
  assertEquals(await set("vm1", UART, false), Status.SUCCESS);
  assertEquals(hw.isEnabled(UART), true, "vm2 still holds it");
  assertEquals(await set("vm2", UART, false), Status.SUCCESS);
  assertEquals(hw.isEnabled(UART), false);
  assertEquals(released().length, 1, "released once, by vm1");
  fx.platform.close();
});

Deno.test("until-voted: a [policy.keep_on] clock is never gated, and nothing is released", async () => {
  const { fx, hw, set, shared, released } = serve("until-voted");
  await fx.platform.ready;
  assertEquals(await set("vm1", HOST, true), Status.SUCCESS);
  assertEquals(await set("vm1", HOST, false), Status.SUCCESS);
  assertEquals(await set("vm2", HOST, false), Status.SUCCESS);
  assertEquals([hw.isEnabled(HOST), shared.votes.isKept(HOST)], [true, true]);
  assertEquals(released(), []);
  fx.platform.close();
});

Deno.test("default (keep): a clock found running stays on after an agent enables and disables it", async () => {
  for (const found of [undefined, "keep"] as const) {
    const { fx, hw, set, shared, released } = serve(found);
    await fx.platform.ready;
    assertEquals(await set("vm1", UART, true), Status.SUCCESS);
    assertEquals(await set("vm1", UART, false), Status.SUCCESS);
    assertEquals(await set("vm2", SPI, false), Status.SUCCESS);
    assertEquals([UART, SPI, DIV].map((id) => hw.isEnabled(id)), [true, true, true], `${found}`);
    assertEquals([shared.votes.isKept(UART), released()], [true, []]);
    fx.platform.close();
  }
});

Deno.test("until-voted: a driver that cannot gate the clock → the vote fails, the start-up keep stays", async () => {
  const on = board("until-voted");
  const setEnabled = on.hw.setEnabled.bind(on.hw);
  on.hw.setEnabled = (id, enable) => {
    if (!enable) throw new DriverError("hardware", "gate stuck");
    return setEnabled(id, enable);
  };
  const { fx, hw, set, shared, released } = serve("until-voted", on);
  await fx.platform.ready;
  assertEquals(await set("vm1", UART, false), Status.HARDWARE_ERROR);
  assertEquals([hw.isEnabled(UART), shared.votes.isKept(UART)], [true, true]);
  assertEquals(released(), []);
  on.hw.setEnabled = setEnabled;
  assertEquals(await set("vm1", UART, false), Status.SUCCESS, "the next vote releases it");
  assertEquals([hw.isEnabled(UART), released().length], [false, 1]);
  fx.platform.close();
});

Deno.test("until-voted across a restart: the releasing vote is restored, explains the clock, and still decides", async () => {
  const journal = memJournal();
  const first = serve("until-voted", undefined, journal);
  await first.fx.platform.ready;
  assertEquals(await first.set("vm1", UART, true), Status.SUCCESS);
  first.fx.platform.close();

  // The next start: same hardware (uart and spi still running), vm1's vote restored.
  const second = serve("until-voted", first.on, memJournal(journal.live()));
  await second.fx.platform.ready;
  const { hw, set, shared, released } = second;
  assertEquals([hw.isEnabled(UART), shared.votes.isKept(UART)], [true, false], "not re-kept");
  assertEquals([...shared.votes.voters(UART)], [1], "vm1's vote is back");
  assertEquals(shared.votes.isKept(SPI), true, "spi, never voted on, is kept until voted");
  assertEquals(await set("vm1", UART, false), Status.SUCCESS);
  assertEquals(hw.isEnabled(UART), false, "vm1's disable gates it");
  assertEquals(released(), [], "nothing left to release");
  second.fx.platform.close();
});

Deno.test("until-voted with a driver that answers later: released once the gate took, kept again when it failed", async () => {
  const on = board("until-voted");
  const setEnabled = on.hw.setEnabled.bind(on.hw);
  let stuck = true;
  on.hw.setEnabled = (id, enable) =>
    Promise.resolve().then(() => {
      if (stuck) throw new DriverError("hardware", "gate stuck");
      return setEnabled(id, enable);
    });
  const { fx, hw, set, shared, released } = serve("until-voted", on);
  await fx.platform.ready;
  assertEquals(await set("vm1", UART, false), Status.HARDWARE_ERROR);
  assertEquals([hw.isEnabled(UART), shared.votes.isKept(UART), released()], [true, true, []]);
  stuck = false;
  assertEquals(await set("vm1", UART, false), Status.SUCCESS);
  assertEquals([hw.isEnabled(UART), shared.votes.isKept(UART)], [false, false]);
  assertEquals(released().length, 1);
  fx.platform.close();
});
