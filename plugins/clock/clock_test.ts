/**
 * Clock plugin cases the byte vectors cannot set up: names at the short-name boundary and
 * per-agent names, drivers without optional methods, hidden parents, rates that move under
 * a parent switch, tiny message sizes and slow enables.
 */
import { clockKind } from "./kind.ts";
import { assert, assertEquals } from "../../core/_assert_test.ts";
import type { ClockDesc } from "./kind.ts";
import { encodeHeader, MsgType } from "../../core/header.ts";
import { Msg } from "../../core/msg.ts";
import { Status } from "../../core/status.ts";
import type { SimClockHw } from "../../boards/drivers/sim/clock.ts";
import { AGENTS, clockFixture, clocks } from "../../tests/vectors/clock/fixture.ts";
import { ManualClock } from "../../core/timer_clock.ts";
import { settled } from "../../core/_wait_test.ts";
import { ClockAttr, ClockEvent, ClockMsg } from "./msg.ts";
import { CLOCK, cmd, drain, u64 } from "./_call_test.ts";

const MHZ = 1_000_000;

function named(names: string[]): ClockDesc[] {
  return names.map((name, id) => ({
    id,
    name,
    driver: "sim",
    rates: { kind: "list", rates: [MHZ] },
    rate: MHZ,
    enabled: false,
    parents: [],
    latencyUs: 0,
  }));
}

Deno.test("CLOCK_ATTRIBUTES sets the extended-name bit from 16 characters on", async () => {
  const fx = await clockFixture(
    [{ name: "a", protocols: { 0x14: undefined }, grants: { clock: [0, 1] } }],
    { clocks: named(["abcdefghijklmno", "abcdefghijklmnop"]) },
  );
  const fits = await cmd(fx, "a", ClockMsg.CLOCK_ATTRIBUTES, [0]);
  const long = await cmd(fx, "a", ClockMsg.CLOCK_ATTRIBUTES, [1]);
  assertEquals(fits.words[0] & ClockAttr.EXTENDED_NAME, 0);
  assertEquals(long.words[0] & ClockAttr.EXTENDED_NAME, ClockAttr.EXTENDED_NAME);
  assertEquals(long.bytes.subarray(12, 28), new TextEncoder().encode("abcdefghijklmno\0"));
});

Deno.test("an agent's own name for a clock is what CLOCK_ATTRIBUTES and NAME_GET answer", async () => {
  const fx = await clockFixture(AGENTS);
  fx.platform.agent("vm1")!.grants.maps.clock.names[1] = "console_uart_clock";
  const attr = await cmd(fx, "vm1", ClockMsg.CLOCK_ATTRIBUTES, [1]);
  assertEquals(attr.words[0] & ClockAttr.EXTENDED_NAME, ClockAttr.EXTENDED_NAME);
  const name = await cmd(fx, "vm1", ClockMsg.CLOCK_NAME_GET, [1]);
  assertEquals(name.bytes.subarray(12, 31), new TextEncoder().encode("console_uart_clock\0"));
  const other = await cmd(fx, "vm2", ClockMsg.CLOCK_NAME_GET, [0]);
  assertEquals(other.bytes.subarray(12, 18), new TextEncoder().encode("uart0\0"));
});

Deno.test("a driver without extended configuration: no bit 27, CONFIG_GET of a type → NOT_SUPPORTED", async () => {
  const fx = await clockFixture(AGENTS);
  const hw = clockKind.hw.of(fx.drivers.get("sim")!)!;
  delete hw.getOemConfig;
  delete hw.setOemConfig;
  const attr = await cmd(fx, "vm1", ClockMsg.CLOCK_ATTRIBUTES, [0]);
  assertEquals(attr.words[0] & ClockAttr.EXTENDED_CONFIG, 0);
  const get = await cmd(fx, "vm1", ClockMsg.CLOCK_CONFIG_GET, [0, 0x80]);
  assertEquals(get.status, Status.NOT_SUPPORTED);
});

Deno.test("a driver without parent control: no bit 28, parent commands → NOT_SUPPORTED", async () => {
  const fx = await clockFixture(AGENTS);
  const hw = clockKind.hw.of(fx.drivers.get("sim")!)!;
  delete hw.getParent;
  delete hw.setParent;
  const attr = await cmd(fx, "vm1", ClockMsg.CLOCK_ATTRIBUTES, [1]);
  assertEquals(attr.words[0] & ClockAttr.PARENTS, 0);
  for (const [msg, params] of [[0xc, [1, 0]], [0xd, [1, 2]], [0xe, [1]]] as const) {
    assertEquals((await cmd(fx, "vm1", msg, [...params])).status, Status.NOT_SUPPORTED);
  }
});

Deno.test("PARENT_GET whose current parent the agent cannot see → NOT_FOUND", async () => {
  const fx = await clockFixture(AGENTS);
  (fx.drivers.get("sim")!.clock as SimClockHw).setParent(3, 5);
  assertEquals((await cmd(fx, "vm1", ClockMsg.CLOCK_PARENT_GET, [1])).status, Status.NOT_FOUND);
  const seen = await cmd(fx, "vm1", ClockMsg.CLOCK_POSSIBLE_PARENTS_GET, [1, 0]);
  assertEquals(seen.words, [2, 2, 3], "pll_hidden stays out of the list");
});

Deno.test("a parent switch that moves the clock's rate → CLOCK_RATE_CHANGED to subscribers", async () => {
  const fx = await clockFixture(AGENTS);
  const hw = fx.drivers.get("sim")!.clock as SimClockHw;
  const setParent = hw.setParent.bind(hw);
  hw.setParent = (id, p) => {
    setParent(id, p);
    hw.setRate(id, 12 * MHZ, "down");
  };
  assertEquals((await cmd(fx, "vm2", ClockMsg.CLOCK_RATE_NOTIFY, [0, 1])).status, Status.SUCCESS);
  assertEquals((await cmd(fx, "vm1", ClockMsg.CLOCK_PARENT_SET, [1, 3])).status, Status.SUCCESS);
  const [ev] = drain(fx, "vm2");
  // vm1 switched the parent: vm2 reads agent 0, never vm1's id.
  assertEquals([ev.id, ev.words], [ClockEvent.CLOCK_RATE_CHANGED, [0, 0, ...u64(12 * MHZ)]]);
  assertEquals((await cmd(fx, "vm1", ClockMsg.CLOCK_PARENT_SET, [1, 3])).status, Status.SUCCESS);
  assertEquals(drain(fx, "vm2"), [], "no change the second time");
});

Deno.test("DESCRIBE_RATES of a range clock needs 28 bytes: at 24 → COMMS_ERROR, at 28 → triplet", async () => {
  const fx = await clockFixture([
    { name: "s24", maxMsgSize: 24, protocols: { 0x14: undefined }, grants: { clock: [1] } },
    { name: "s28", maxMsgSize: 28, protocols: { 0x14: undefined }, grants: { clock: [1] } },
  ]);
  assertEquals(
    (await cmd(fx, "s24", ClockMsg.CLOCK_DESCRIBE_RATES, [0, 0])).status,
    Status.COMMS_ERROR,
  );
  const ok = await cmd(fx, "s28", ClockMsg.CLOCK_DESCRIBE_RATES, [0, 0]);
  assertEquals(ok.status, Status.SUCCESS);
  assertEquals(ok.bytes.length, 36);
});

Deno.test("CONFIG_SET enable of a clock with enable latency replies when it has started", async () => {
  const clock = new ManualClock();
  const fx = await clockFixture(AGENTS, { timeScale: 500, clock });
  const hw = clockKind.hw.of(fx.drivers.get("sim")!)!;
  const req = new Uint8Array(16);
  const dv = new DataView(req.buffer);
  dv.setUint32(0, encodeHeader(ClockMsg.CLOCK_CONFIG_SET, MsgType.COMMAND, CLOCK, 0), true);
  dv.setUint32(8, 1, true);
  const m = new Msg();
  m.r.reset(req, 0, req.length);
  m.w.reset(new Uint8Array(64), 0, 64);
  const n = fx.platform.dispatch(fx.session("vm1"), m);
  assert(n instanceof Promise, "20 µs × 500 = 10 ms: the driver blocks");
  clock.advance(9.9);
  assert(!await settled(n), "no reply before the clock has started");
  assertEquals(hw.isEnabled(4), false);
  clock.advance(0.1);
  assertEquals(await n, 8);
  assertEquals(hw.isEnabled(4), true);
});

Deno.test("the board is checked once: an empty rate list is refused at start-up", async () => {
  const bad = clocks();
  bad[2] = { ...bad[2], rates: { kind: "list", rates: [] } };
  let error: unknown;
  try {
    await clockFixture(AGENTS, { clocks: bad });
  } catch (e) {
    error = e;
  }
  assert(error instanceof TypeError && error.message.includes("pll_audio"), String(error));
});
