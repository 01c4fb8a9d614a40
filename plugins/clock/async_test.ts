/**
 * Asynchronous CLOCK_RATE_SET: the reply comes first, CLOCK_RATE_SET_COMPLETE after it with
 * the request's token and the agent's virtual id; slow clocks really are asynchronous.
 */
import { clockKind } from "./kind.ts";
import { assert, assertEquals } from "../../core/_assert_test.ts";
import type { ClockDesc } from "./kind.ts";
import { DriverError } from "../../core/driver.ts";
import { encodeHeader, MsgType } from "../../core/header.ts";
import { Msg } from "../../core/msg.ts";
import { Status } from "../../core/status.ts";
import { AGENTS, clockFixture, clocks } from "../../tests/vectors/clock/fixture.ts";
import { ClockMsg, MAX_ASYNC, RateFlag } from "./msg.ts";
import { CLOCK, cmd, drain, settle, u64 } from "./_call_test.ts";
import type { Fixture } from "../../tests/harness.ts";
import { ManualClock } from "../../core/timer_clock.ts";
import { settled, turn, until } from "../../core/_wait_test.ts";

const MHZ = 1_000_000;
const { ASYNC, IGNORE_DELAYED_RESPONSE } = RateFlag;
/** vm1's virtual ids (fixture.ts): 1 = uart0, 4 = pll_sys. */
const UART = 1;
const PLL = 4;

/** The fixture's clocks with pll_sys taking `ms` milliseconds to change rate at scale 1. */
function slowClocks(ms: number): ClockDesc[] {
  return clocks().map((c) => c.name === "pll_sys" ? { ...c, latencyUs: ms * 1000 } : c);
}

/** Dispatches without awaiting: the platform's answer as it returns. */
function dispatch(fx: Fixture, agent: string, words: number[]) {
  const req = new Uint8Array(words.length * 4);
  const dv = new DataView(req.buffer);
  words.forEach((w, i) => dv.setUint32(i * 4, w >>> 0, true));
  const m = new Msg();
  const out = new Uint8Array(256);
  m.r.reset(req, 0, req.length);
  m.w.reset(out, 0, out.length);
  return { n: fx.platform.dispatch(fx.session(agent), m), out };
}

Deno.test("async RATE_SET → SUCCESS first, then CLOCK_RATE_SET_COMPLETE with token and virtual id", async () => {
  const fx = await clockFixture(AGENTS);
  const h = encodeHeader(ClockMsg.CLOCK_RATE_SET, MsgType.COMMAND, CLOCK, 0x2a5);
  const { n, out } = dispatch(fx, "vm1", [h, ASYNC, UART, ...u64(48 * MHZ)]);
  assertEquals(n, 8);
  assertEquals(new DataView(out.buffer).getInt32(4, true), Status.SUCCESS);
  assertEquals(fx.session("vm1").p2a!.length, 0, "nothing queued before the reply went out");
  assertEquals(await settle(fx, "vm1", 1), [{
    type: MsgType.DELAYED_RESPONSE,
    id: ClockMsg.CLOCK_RATE_SET,
    token: 0x2a5,
    words: [Status.SUCCESS, UART, ...u64(48 * MHZ)],
  }]);
});

Deno.test("async RATE_SET from another agent names the clock by that agent's virtual id", async () => {
  const fx = await clockFixture(AGENTS);
  assertEquals(
    (await cmd(fx, "vm2", ClockMsg.CLOCK_RATE_SET, [ASYNC, 0, ...u64(12 * MHZ)], 3)).status,
    0,
  );
  const [done] = await settle(fx, "vm2", 1);
  assertEquals(done.token, 3);
  assertEquals(done.words, [Status.SUCCESS, 0, ...u64(12 * MHZ)]);
  assertEquals(drain(fx, "vm1"), [], "the other agent gets no delayed response");
});

Deno.test("async RATE_SET with the ignore bit → SUCCESS, the rate changes, no delayed response", async () => {
  const fx = await clockFixture(AGENTS);
  const flags = ASYNC | IGNORE_DELAYED_RESPONSE;
  assertEquals(
    (await cmd(fx, "vm1", ClockMsg.CLOCK_RATE_SET, [flags, UART, ...u64(12 * MHZ)])).status,
    0,
  );
  await turn(); // a delayed response would have been queued by now (rates.ts: one macrotask)
  await turn();
  assertEquals(drain(fx, "vm1"), []);
  assertEquals((await cmd(fx, "vm1", ClockMsg.CLOCK_RATE_GET, [UART])).words, u64(12 * MHZ));
});

Deno.test("a slow clock: async RATE_SET answers at once and completes after the latency", async () => {
  const clock = new ManualClock();
  const fx = await clockFixture(AGENTS, { timeScale: 1, clocks: slowClocks(30), clock });
  const h = encodeHeader(ClockMsg.CLOCK_RATE_SET, MsgType.COMMAND, CLOCK, 9);
  const { n } = dispatch(fx, "vm1", [h, ASYNC, PLL, ...u64(5000 * MHZ)]);
  assertEquals(n, 8, "a synchronous reply, not a promise");
  assertEquals((await cmd(fx, "vm1", ClockMsg.CLOCK_RATE_GET, [PLL])).words, u64(4800 * MHZ));
  clock.advance(29.9);
  await turn();
  await turn();
  assertEquals(drain(fx, "vm1"), [], "not done before the latency");
  clock.advance(0.1);
  const [done] = await settle(fx, "vm1", 1);
  assertEquals(done.words, [Status.SUCCESS, PLL, ...u64(5000 * MHZ)]);
  assertEquals((await cmd(fx, "vm1", ClockMsg.CLOCK_RATE_GET, [PLL])).words, u64(5000 * MHZ));
});

Deno.test("a slow clock: synchronous RATE_SET replies once the clock runs at the new rate", async () => {
  const clock = new ManualClock();
  const fx = await clockFixture(AGENTS, { timeScale: 1, clocks: slowClocks(20), clock });
  const h = encodeHeader(ClockMsg.CLOCK_RATE_SET, MsgType.COMMAND, CLOCK, 1);
  const { n } = dispatch(fx, "vm1", [h, 0, PLL, ...u64(200 * MHZ)]);
  assert(n instanceof Promise, "the driver blocks, so the reply is a promise");
  clock.advance(19.9);
  assert(!await settled(n), "no reply before the clock's 20 ms");
  clock.advance(0.1);
  assertEquals(await n, 8);
  assertEquals((await cmd(fx, "vm1", ClockMsg.CLOCK_RATE_GET, [PLL])).words, u64(200 * MHZ));
});

Deno.test(`more than ${MAX_ASYNC} pending async RATE_SET → BUSY, accepted again once done`, async () => {
  const clock = new ManualClock();
  const fx = await clockFixture(AGENTS, { timeScale: 1, clocks: slowClocks(20), clock });
  for (let i = 0; i < MAX_ASYNC; i++) {
    const r = await cmd(fx, "vm1", ClockMsg.CLOCK_RATE_SET, [
      ASYNC,
      PLL,
      ...u64((i + 1) * 100 * MHZ),
    ], i);
    assertEquals(r.status, Status.SUCCESS);
  }
  const busy = await cmd(fx, "vm1", ClockMsg.CLOCK_RATE_SET, [ASYNC, PLL, ...u64(100 * MHZ)]);
  assertEquals(busy.status, Status.BUSY);
  const other = await cmd(fx, "vm2", ClockMsg.CLOCK_RATE_SET, [ASYNC, 0, ...u64(12 * MHZ)]);
  assertEquals(other.status, Status.SUCCESS, "the limit is per session");
  clock.advance(20);
  assertEquals((await settle(fx, "vm1", MAX_ASYNC)).map((d) => d.token), [0, 1, 2, 3, 4, 5, 6, 7]);
  const again = await cmd(fx, "vm1", ClockMsg.CLOCK_RATE_SET, [ASYNC, PLL, ...u64(100 * MHZ)]);
  assertEquals(again.status, Status.SUCCESS);
  clock.advance(20);
  assertEquals((await settle(fx, "vm1", 1)).length, 1);
  assertEquals((await settle(fx, "vm2", 1)).length, 1);
});

Deno.test("async RATE_SET the hardware fails → SUCCESS, then a delayed response with the error", async () => {
  const fx = await clockFixture(AGENTS);
  const hw = clockKind.hw.of(fx.drivers.get("sim")!)!;
  hw.setRate = () => Promise.reject(new DriverError("hardware", "PLL did not lock"));
  assertEquals(
    (await cmd(fx, "vm1", ClockMsg.CLOCK_RATE_SET, [ASYNC, PLL, ...u64(200 * MHZ)], 4)).status,
    0,
  );
  const [done] = await settle(fx, "vm1", 1);
  assertEquals({ token: done.token, words: done.words }, {
    token: 4,
    words: [Status.HARDWARE_ERROR >>> 0],
  });
});

Deno.test("async RATE_SET whose session closes before completion sends nothing", async () => {
  const clock = new ManualClock();
  const fx = await clockFixture(AGENTS, { timeScale: 1, clocks: slowClocks(10), clock });
  assertEquals(
    (await cmd(fx, "vm1", ClockMsg.CLOCK_RATE_SET, [ASYNC, PLL, ...u64(200 * MHZ)])).status,
    0,
  );
  const old = fx.session("vm1");
  fx.reconnect("vm1");
  const hw = clockKind.hw.of(fx.drivers.get("sim")!)!;
  clock.advance(10);
  await until(() => hw.getRate(1) === 200 * MHZ, "pll_sys (physical 1) at the new rate");
  await turn();
  await turn();
  assertEquals(old.p2a!.length, 0);
  assertEquals(drain(fx, "vm1"), []);
});
