import { resetKind } from "./kind.ts";
import fc from "fast-check";
import { assert, assertEquals } from "../../core/_assert_test.ts";
import { type Board, emptyBoard } from "../../core/board.ts";
import type { ResetDesc } from "./kind.ts";
import { type BoardDriver, DriverError } from "../../core/driver.ts";
import { encodeHeader, MsgType } from "../../core/header.ts";
import type { ResetHw } from "./hw.ts";
import { Msg } from "../../core/msg.ts";
import { Status } from "../../core/status.ts";
import { createSim } from "../../boards/drivers/sim.ts";
import { ManualClock } from "../../core/timer_clock.ts";
import { advanceUntil, settled, turn, until } from "../../core/_wait_test.ts";
import type { SimResetHw } from "../../boards/drivers/sim/reset.ts";
import { type AgentSpec, type Fixture, fixture } from "../../tests/harness.ts";
import { resetProtocol, type ResetSession, type ResetShared } from "./mod.ts";
import type { Ctx } from "../../core/session.ts";

const P = 0x16;
const RESET = 0x4;
const NOTIFY = 0x5;
const AUTO = 1;
const ASSERT = 2;
const ASYNC = 4;

/** uart0 (phys 0): 20 ms, sync only. eth (phys 1): 20 ms, async. spi (phys 2): 0 µs. */
function board(): Board {
  const b = emptyBoard("reset-unit");
  const r: ResetDesc[] = [
    { id: 0, name: "uart0", driver: "sim", latencyUs: 20_000, async: false },
    { id: 1, name: "eth", driver: "sim", latencyUs: 20_000, async: true },
    { id: 2, name: "spi", driver: "sim", latencyUs: 0, async: true },
  ];
  b.resources.reset = r;
  return b;
}

const AGENTS: AgentSpec[] = [
  { name: "a", protocols: { [P]: undefined }, grants: { reset: [0, 1, 2] } },
  { name: "b", protocols: { [P]: undefined }, grants: { reset: [2, 1, 0] } },
  { name: "c", protocols: { [P]: undefined }, grants: { reset: [1] } },
];

/** A fixture on the sim driver; `timeScale` 0 makes every latency immediate. */
async function setup(timeScale = 0, drivers?: Map<string, BoardDriver>) {
  const b = board();
  const clock = new ManualClock();
  const sim = createSim(b, "sim", { timeScale, clock });
  const fx = await fixture({
    board: b,
    agents: AGENTS,
    drivers: drivers ?? new Map([["sim", sim]]),
  });
  return { fx, hw: sim.reset as SimResetHw, clock };
}

/** Dispatches one command without awaiting; returns what dispatch returned and the reply. */
function send(fx: Fixture, agent: string, words: number[]) {
  const req = new Uint8Array(words.length * 4);
  const dv = new DataView(req.buffer);
  words.forEach((w, i) => dv.setUint32(i * 4, w >>> 0, true));
  const out = new Uint8Array(256);
  const m = new Msg();
  m.r.reset(req, 0, req.length);
  m.w.reset(out, 0, out.length);
  const n = fx.platform.dispatch(fx.session(agent), m);
  const reply = (len: number) => [...new Int32Array(out.buffer, 0, len / 4)];
  return { n, reply };
}

/** Runs a command to completion; returns the status word. */
async function status(fx: Fixture, agent: string, words: number[]): Promise<number> {
  const { n, reply } = send(fx, agent, words);
  return reply(await n)[1];
}

function reset(vid: number, flags: number, state = 0, token = 1): number[] {
  return [encodeHeader(RESET, MsgType.COMMAND, P, token), vid, flags, state];
}

function subscribe(vid: number, on = true): number[] {
  return [encodeHeader(NOTIFY, MsgType.COMMAND, P, 2), vid, on ? 1 : 0];
}

function words(bytes: Uint8Array): number[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i += 4) out.push(dv.getUint32(i, true));
  return out;
}

/** RESET_ISSUED words: the receiver is always another agent, so agent_id is 0 (the platform). */
function issued(vid: number, state = 0): number[] {
  return [encodeHeader(0, MsgType.NOTIFICATION, P, 0), 0, vid, state];
}

Deno.test("async RESET → SUCCESS reply first, then RESET_COMPLETE with the token and virtual id", async () => {
  const { fx } = await setup();
  const { n, reply } = send(fx, "b", reset(1, AUTO | ASYNC, 0, 0x2a5));
  assertEquals(typeof n, "number", "an async request is answered without waiting");
  assertEquals(reply(n as number), [encodeHeader(RESET, 0, P, 0x2a5), 0]);
  assertEquals(fx.drain("b"), [], "the delayed response never precedes the reply");
  await until(() => (fx.session("b").p2a?.length ?? 0) > 0, "RESET_COMPLETE");
  assertEquals(fx.drain("b").map(words), [[
    encodeHeader(RESET, MsgType.DELAYED_RESPONSE, P, 0x2a5),
    0,
    1,
  ]]);
});

Deno.test("sync RESET with latency and time_scale 1 → reply only after the pulse, hardware really waits", async () => {
  const { fx, hw, clock } = await setup(1);
  const { n, reply } = send(fx, "a", reset(0, AUTO));
  assert(n instanceof Promise, "the reply waits for the driver");
  clock.advance(19.9);
  assert(!await settled(n), "no reply before the 20 ms pulse ends");
  assertEquals(hw.isAsserted(0), true, "the line is held during the cycle");
  clock.advance(0.1);
  assertEquals(reply(await n), [encodeHeader(RESET, 0, P, 1), 0]);
  assertEquals(hw.isAsserted(0), false);
  assertEquals(hw.pulses(0), 1);
});

Deno.test("async RESET with latency → SUCCESS at once, RESET_COMPLETE only after the latency", async () => {
  const { fx, hw, clock } = await setup(1);
  const { n } = send(fx, "a", reset(1, AUTO | ASYNC, 0, 9));
  assertEquals(typeof n, "number");
  assertEquals(hw.isAsserted(1), true);
  clock.advance(19.9);
  await turn();
  await turn();
  assertEquals(fx.drain("a"), [], "not complete before the latency");
  clock.advance(0.1);
  await until(() => fx.session("a").p2a!.length > 0, "RESET_COMPLETE");
  assertEquals(hw.isAsserted(1), false);
  assertEquals(fx.drain("a").map(words), [[encodeHeader(RESET, 2, P, 9), 0, 1]]);
});

Deno.test("shared assert: the line stays asserted until the last holder de-asserts", async () => {
  const { fx, hw } = await setup();
  assertEquals(await status(fx, "a", reset(0, ASSERT)), Status.SUCCESS);
  assertEquals(hw.isAsserted(0), true);
  assertEquals(await status(fx, "b", reset(2, ASSERT)), Status.SUCCESS);
  assertEquals(await status(fx, "a", reset(0, 0)), Status.SUCCESS);
  assertEquals(hw.isAsserted(0), true, "b still holds it");
  assertEquals(await status(fx, "a", reset(0, 0)), Status.SUCCESS);
  assertEquals(hw.isAsserted(0), true, "a de-asserting twice does not release b's hold");
  assertEquals(await status(fx, "b", reset(2, 0)), Status.SUCCESS);
  assertEquals(hw.isAsserted(0), false);
  assertEquals(hw.history.map((e) => e.action), ["assert", "deassert"], "one action each way");
});

Deno.test("autonomous reset while another agent holds the domain → SUCCESS, no pulse", async () => {
  const { fx, hw } = await setup();
  await status(fx, "b", reset(2, ASSERT));
  assertEquals(await status(fx, "a", reset(0, AUTO)), Status.SUCCESS);
  assertEquals(hw.pulses(0), 0);
  assertEquals(hw.isAsserted(0), true);
  await status(fx, "b", reset(2, 0));
  assertEquals(hw.isAsserted(0), false);
  assertEquals(await status(fx, "a", reset(0, AUTO)), Status.SUCCESS);
  assertEquals(hw.pulses(0), 1, "pulses once nobody holds it");
});

Deno.test("autonomous reset by the only holder pulses and drops its hold", async () => {
  const { fx, hw } = await setup();
  await status(fx, "a", reset(0, ASSERT));
  assertEquals(await status(fx, "a", reset(0, AUTO)), Status.SUCCESS);
  assertEquals(hw.pulses(0), 1);
  assertEquals(hw.isAsserted(0), false);
  assertEquals(hw.history.map((e) => e.action), ["assert", "pulse"], "no release before the pulse");
  await status(fx, "b", reset(2, ASSERT));
  await status(fx, "b", reset(2, 0));
  assertEquals(hw.isAsserted(0), false, "a holds nothing any more");
});

Deno.test("closing a session releases its holds; other holders keep the line asserted", async () => {
  const { fx, hw } = await setup();
  await status(fx, "a", reset(0, ASSERT));
  await status(fx, "a", reset(1, ASSERT));
  await status(fx, "b", reset(2, ASSERT));
  fx.reconnect("a");
  assertEquals(hw.isAsserted(0), true, "b still holds uart0");
  assertEquals(hw.isAsserted(1), false, "eth was a's alone");
  fx.platform.closeSession(fx.session("b"));
  assertEquals(hw.isAsserted(0), false);
});

Deno.test("close while a pulse is under way withdraws the queued assert: the line never asserts", async () => {
  const { fx, hw, clock } = await setup(1);
  const pulse = send(fx, "a", reset(0, AUTO)).n;
  const held = send(fx, "b", reset(2, ASSERT)).n;
  assert(held instanceof Promise, "b waits for the pulse");
  fx.platform.closeSession(fx.session("b"));
  await advanceUntil(clock, Promise.all([pulse, held]), 20);
  await turn();
  // The hold is withdrawn at close, before the queued assert reaches the hardware (holds are
  // recorded when the command arrives), so no assert/deassert pair glitches the line.
  assertEquals(hw.history.map((e) => e.action), ["pulse"]);
  assertEquals(hw.isAsserted(0), false);
});

Deno.test("operations on a busy domain wait and run in arrival order", async () => {
  const { fx, hw, clock } = await setup(1);
  const first = send(fx, "a", reset(0, AUTO)).n;
  const second = send(fx, "b", reset(2, ASSERT));
  assert(second.n instanceof Promise);
  assertEquals(hw.history.length, 1, "the assert has not reached the hardware yet");
  assertEquals(second.reply(await advanceUntil(clock, second.n, 20))[1], Status.SUCCESS);
  await first;
  assertEquals(hw.history.map((e) => e.action), ["pulse", "assert"]);
  assertEquals(hw.isAsserted(0), true, "asserted after the pulse ended, not cut by it");
});

Deno.test("RESET_ISSUED reaches subscribed agents that see the domain, agent_id 0, never the issuer", async () => {
  const { fx } = await setup();
  assertEquals(await status(fx, "a", subscribe(1)), Status.SUCCESS);
  assertEquals(await status(fx, "b", subscribe(1)), Status.SUCCESS);
  await status(fx, "c", subscribe(0));
  await status(fx, "c", subscribe(0, false));
  assertEquals(await status(fx, "a", reset(1, AUTO)), Status.SUCCESS);
  assertEquals(fx.drain("a"), [], "the issuer is not told");
  assertEquals(fx.drain("b").map(words), [issued(1)]);
  assertEquals(fx.drain("c"), [], "c unsubscribed");
  await status(fx, "b", reset(0, AUTO));
  assertEquals(fx.drain("a"), [], "a did not subscribe to spi");
  assertEquals(fx.drain("c"), [], "c cannot see spi");
});

Deno.test("RESET_ISSUED: a domain revoked after subscribing is no longer reported", async () => {
  const { fx } = await setup();
  await status(fx, "c", subscribe(0));
  await status(fx, "a", reset(1, AUTO));
  assertEquals(fx.drain("c").map(words), [issued(0)]);
  fx.session("c").agent.grants.maps.reset.revoke(1);
  await status(fx, "a", reset(1, AUTO));
  assertEquals(fx.drain("c"), []);
});

Deno.test("subscriptions belong to the session: a reconnected agent is not notified", async () => {
  const { fx } = await setup();
  await status(fx, "b", subscribe(0));
  fx.reconnect("b");
  await status(fx, "a", reset(2, AUTO));
  assertEquals(fx.drain("b"), []);
  await status(fx, "b", subscribe(0));
  await status(fx, "a", reset(2, ASSERT, 0));
  assertEquals(fx.drain("b").map(words), [issued(0)]);
});

Deno.test("async reset answered before its session closes sends no RESET_COMPLETE", async () => {
  const { fx, hw, clock } = await setup(1);
  const { n } = send(fx, "a", reset(1, AUTO | ASYNC));
  assertEquals(typeof n, "number");
  const s = fx.session("a");
  fx.platform.closeSession(s);
  clock.advance(20);
  await until(() => !hw.isAsserted(1), "the pulse to end");
  await turn();
  await turn();
  assertEquals(s.p2a!.length, 0);
});

Deno.test("onRevoke releases the agent's hold and subscription on that domain", async () => {
  const { fx, hw } = await setup();
  await status(fx, "a", reset(0, ASSERT));
  await status(fx, "a", subscribe(1));
  const ctx = fx.session("a").ctxs[P] as Ctx<ResetSession, ResetShared>;
  resetProtocol.onRevoke!(ctx, "reset", 0);
  assertEquals(hw.isAsserted(0), false);
  resetProtocol.onRevoke!(ctx, "clock", 1);
  assertEquals(ctx.state.subscribed.has(1), true, "other kinds are not this plugin's");
  resetProtocol.onRevoke!(ctx, "reset", 1);
  assertEquals(ctx.state.subscribed.has(1), false);
});

/** A reset controller that fails on demand. */
function failing(fail: { sync: boolean; async: boolean }): ResetHw {
  const line = new Map<number, boolean>();
  return {
    isAsserted: (id) => line.get(id) ?? false,
    setAsserted(id, a) {
      if (fail.sync) throw new DriverError("hardware", "stuck");
      line.set(id, a);
    },
    pulse() {
      if (fail.sync) throw new DriverError("hardware", "stuck");
      if (fail.async) return Promise.reject(new DriverError("busy", "later"));
    },
  };
}

Deno.test("driver failure on assert → HARDWARE_ERROR and the hold is not recorded", async () => {
  const fail = { sync: true, async: false };
  const drv: BoardDriver = { name: "sim", reset: failing(fail) };
  const { fx } = await setup(0, new Map([["sim", drv]]));
  await status(fx, "b", subscribe(2));
  assertEquals(await status(fx, "a", reset(0, ASSERT)), Status.HARDWARE_ERROR);
  assertEquals(fx.drain("b"), [], "a failed reset is not reported as issued");
  fail.sync = false;
  await status(fx, "b", reset(2, ASSERT));
  await status(fx, "b", reset(2, 0));
  assertEquals(resetKind.hw.of(drv)!.isAsserted(0), false, "a's failed assert left no hold behind");
});

Deno.test("async pulse that fails → RESET_COMPLETE carries the status only", async () => {
  const drv: BoardDriver = { name: "sim", reset: failing({ sync: false, async: true }) };
  const { fx } = await setup(0, new Map([["sim", drv]]));
  assertEquals(await status(fx, "a", reset(1, AUTO | ASYNC, 0, 3)), Status.SUCCESS);
  await until(() => fx.session("a").p2a!.length > 0, "RESET_COMPLETE");
  assertEquals(fx.drain("a").map(words), [[encodeHeader(RESET, 2, P, 3), Status.BUSY >>> 0]]);
});

Deno.test("any RESET parameters → header + a known status, nothing else (property)", async () => {
  const { fx } = await setup();
  const known = new Set<number>([
    Status.SUCCESS,
    Status.INVALID_PARAMETERS,
    Status.NOT_SUPPORTED,
    Status.NOT_FOUND,
  ]);
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: 4 }),
      fc.oneof(fc.integer({ min: 0, max: 7 }), fc.nat()),
      fc.oneof(fc.constant(0), fc.constant(0x8000_0001), fc.nat()),
      async (vid, flags, state) => {
        const { n, reply } = send(fx, "a", reset(vid, flags & ~ASYNC, state));
        const r = reply(await n);
        assertEquals(r.length, 2);
        assert(known.has(r[1]), `status ${r[1]}`);
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("any payload length other than 12 bytes → PROTOCOL_ERROR (property)", async () => {
  const { fx } = await setup();
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 24 }), async (params) => {
      const req = new Uint8Array(4 + params.length);
      new DataView(req.buffer).setUint32(0, encodeHeader(RESET, 0, P, 1), true);
      req.set(params, 4);
      const reply = await fx.call("a", req);
      assert(reply.length === 8 || params.length === 12, `${reply.length}-byte reply`);
      if (params.length !== 12) {
        assertEquals(new DataView(reply.buffer).getInt32(4, true), Status.PROTOCOL_ERROR);
      }
    }),
    { numRuns: 200 },
  );
  // Time scale 0: whatever the property left pending completes within a turn.
  await turn();
});

Deno.test("RESET_ISSUED subscription count: repeats count once, closes and revokes give theirs back", async () => {
  const { fx } = await setup();
  const shared = () => (fx.session("a").ctxs[P] as Ctx<ResetSession, ResetShared>).shared;
  await status(fx, "b", subscribe(1));
  await status(fx, "b", subscribe(1));
  await status(fx, "c", subscribe(0));
  assertEquals(shared().subscriptions, 2, "a repeated subscribe counts once");
  await status(fx, "b", subscribe(1, false));
  assertEquals(shared().subscriptions, 1);
  assertEquals(await status(fx, "a", reset(1, AUTO)), Status.SUCCESS);
  assertEquals(fx.drain("b"), [], "b unsubscribed: one unsubscribe undoes a repeated subscribe");
  fx.reconnect("c");
  assertEquals(shared().subscriptions, 0, "closing c's session gives its subscription back");
  await status(fx, "b", subscribe(1));
  resetProtocol.onRevoke!(fx.session("b").ctxs[P] as Ctx<ResetSession, ResetShared>, "reset", 1);
  assertEquals(shared().subscriptions, 0, "a revoked domain gives its subscription back");
  await status(fx, "b", subscribe(1));
  assertEquals(await status(fx, "a", reset(1, AUTO)), Status.SUCCESS);
  assertEquals(fx.drain("b").map(words), [issued(1)], "subscribed again: told again");
});
