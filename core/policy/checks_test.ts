/**
 * The dispatcher's policy checks, on a demo protocol: per-agent bounds on the value a
 * command sets (u32, u64, i32, converted by `of`, several values), read-only access, the
 * request rate limit, and the audit lines each refusal leaves.
 * @module
 */
import { clockKind } from "../../plugins/clock/kind.ts";
import { assert, assertEquals, assertThrows } from "../_assert_test.ts";
import { Agent } from "../agent.ts";
import { emptyBoard } from "../board.ts";
import { type Bounds, Grants, IdMap } from "../grants.ts";
import { encodeHeader } from "../header.ts";
import { Msg } from "../msg.ts";
import { Platform } from "../platform.ts";
import { defineProtocol, Right } from "../protocol.ts";
import type { Session } from "../session.ts";
import { Status } from "../status.ts";

const DEMO = 0x80;
/** Handler calls seen, so a refused request can be shown never to reach its handler. */
let ran = 0;
const done = () => void ran++;

const demo = defineProtocol({
  api: 1,
  id: DEMO,
  name: "demo",
  versions: [0x10000],
  kinds: [clockKind],
  commands: {
    0x1: { name: "PROTOCOL_ATTRIBUTES", params: 0, run: (_c, m) => m.w.u32(0) },
    // a2p: u32 id, u32 value.
    0x3: {
      name: "SET_U32",
      params: 8,
      resource: "clock",
      needs: Right.WRITE,
      value: { at: 4 },
      run: done,
    },
    // a2p: u32 flags, u32 id, u32 value_lo, u32 value_hi (the clock RATE_SET layout).
    0x4: {
      name: "SET_U64",
      params: 16,
      resource: "clock",
      at: 4,
      needs: Right.WRITE,
      value: { at: 8, u64: true },
      run: done,
    },
    // a2p: u32 id, s32 value.
    0x5: {
      name: "SET_I32",
      params: 8,
      resource: "clock",
      needs: Right.WRITE,
      value: { at: 4, i32: true },
      run: done,
    },
    // a2p: u32 id, u32 index: `of` turns an index into a value (×100); index 9 names none.
    0x6: {
      name: "SET_INDEX",
      params: 8,
      resource: "clock",
      needs: Right.WRITE,
      value: { at: 4, of: (_c, _p, raw) => raw === 9 ? NaN : raw * 100 },
      run: done,
    },
    // a2p: u32 id, u32 max, u32 min: both checked.
    0x7: {
      name: "SET_PAIR",
      params: 12,
      resource: "clock",
      needs: Right.WRITE,
      value: [{ at: 4 }, { at: 8 }],
      run: done,
    },
    0x8: { name: "GET", params: 4, resource: "clock", run: (_c, m) => m.w.u32(m.vid) },
    // A handler that refuses on its own terms (an exclusive owner elsewhere, say).
    0x9: {
      name: "OWNED",
      params: 4,
      resource: "clock",
      needs: Right.WRITE,
      run: () => Status.DENIED,
    },
    0xa: { name: "BUSY_HANDLER", params: 0, run: () => Status.BUSY },
  },
});

const MHZ = 1_000_000;

interface Setup {
  p: Platform;
  s: Session;
  logs: string[];
  /** Moves the platform's clock, ms. */
  at(ms: number): void;
}

/**
 * Agent "vm1": clock 0 = physical 12 bounded to 10–200 MHz (as "bus"), clock 1 = physical 7
 * read-only, clock 2 = physical 3 limited to {50, 100} MHz, clock 3 = physical 5 bounded to
 * −100…+100, clock 4 = physical 9 with no bounds.
 */
function setup(rateLimit?: { perS: number; burst: number }): Setup {
  const agent = new Agent({ id: 1, name: "vm1", rateLimit });
  agent.grants.protocols.delete(0x10);
  agent.grants.protocols.set(DEMO, {});
  const clocks = agent.grants.maps.clock;
  clocks.grant(12, Right.READ | Right.WRITE, 0, "bus", { min: 10 * MHZ, max: 200 * MHZ });
  clocks.grant(7, Right.READ);
  clocks.grant(3, Right.READ | Right.WRITE, 2, undefined, { values: [50 * MHZ, 100 * MHZ] });
  clocks.grant(5, Right.READ | Right.WRITE, 3, undefined, { min: -100, max: 100 });
  clocks.grant(9);
  const board = emptyBoard();
  clockKind.of(board).push({
    id: 12,
    name: "apb_clk",
    driver: "sim",
    rates: { kind: "range", min: 1, max: 400 * MHZ, step: 1 },
    rate: MHZ,
    enabled: false,
    parents: [],
    latencyUs: 0,
  });
  const p = new Platform({
    board,
    hw: { kinds: {}, bySlot: [], whole: () => undefined },
    vendor: { vendor: "v", subVendor: "s", implementationVersion: 1 },
    agents: [agent],
    protocols: [demo],
  });
  const logs: string[] = [];
  p.log.sink = (level, line) => void logs.push(`${level}: ${line}`);
  let now = 0;
  p.now = () => now;
  const s = p.openSession(agent, { p2a: false });
  ran = 0;
  return { p, s, logs, at: (ms) => void (now = ms) };
}

function call(x: Setup, words: number[]): number[] {
  const req = new Uint8Array(words.length * 4);
  const dv = new DataView(req.buffer);
  words.forEach((w, i) => dv.setUint32(i * 4, w >>> 0, true));
  const out = new Uint8Array(64);
  const m = new Msg();
  m.r.reset(req, 0, req.length);
  m.w.reset(out, 0, out.length);
  const n = x.p.dispatch(x.s, m);
  if (typeof n !== "number") throw new Error("async");
  return [...new Int32Array(out.buffer, 0, n / 4)];
}

const h = (msg: number) => encodeHeader(msg, 0, DEMO, 1);
const u64 = (v: number) => [v % 2 ** 32, Math.floor(v / 2 ** 32)];

Deno.test("value inside the agent's min–max → handler runs; below or above → OUT_OF_RANGE", () => {
  const x = setup();
  assertEquals(call(x, [h(3), 0, 10 * MHZ]), [h(3), Status.SUCCESS]);
  assertEquals(call(x, [h(3), 0, 200 * MHZ]), [h(3), Status.SUCCESS]);
  assertEquals(ran, 2);
  assertEquals(call(x, [h(3), 0, 10 * MHZ - 1]), [h(3), Status.OUT_OF_RANGE]);
  assertEquals(call(x, [h(3), 0, 200 * MHZ + 1]), [h(3), Status.OUT_OF_RANGE]);
  assertEquals(ran, 2, "the handler never saw a refused request");
});

Deno.test("u64 value (RATE_SET layout): the high word counts → OUT_OF_RANGE above 2^32", () => {
  const x = setup();
  assertEquals(call(x, [h(4), 0, 0, ...u64(150 * MHZ)]), [h(4), Status.SUCCESS]);
  // Low word 150 MHz, high word 1: 4.44 GHz, far above 200 MHz.
  assertEquals(call(x, [h(4), 0, 0, 150 * MHZ, 1]), [h(4), Status.OUT_OF_RANGE]);
  assertEquals(call(x, [h(4), 0, 0, ...u64(5 * MHZ)]), [h(4), Status.OUT_OF_RANGE]);
});

Deno.test("value not among the agent's allowed values → DENIED; an allowed one → SUCCESS", () => {
  const x = setup();
  assertEquals(call(x, [h(3), 2, 50 * MHZ]), [h(3), Status.SUCCESS]);
  assertEquals(call(x, [h(3), 2, 100 * MHZ]), [h(3), Status.SUCCESS]);
  assertEquals(call(x, [h(3), 2, 75 * MHZ]), [h(3), Status.DENIED]);
  assertEquals(ran, 2);
});

Deno.test("i32 value: negative bounds compare signed → -100 SUCCESS, -101 OUT_OF_RANGE", () => {
  const x = setup();
  assertEquals(call(x, [h(5), 3, -100]), [h(5), Status.SUCCESS]);
  assertEquals(call(x, [h(5), 3, -101]), [h(5), Status.OUT_OF_RANGE]);
  assertEquals(call(x, [h(5), 3, 101]), [h(5), Status.OUT_OF_RANGE]);
});

Deno.test("`of` converts before the check; NaN skips it and leaves the request to the handler", () => {
  const x = setup();
  // Index 1 → 100: inside −100…100. Index 2 → 200: outside.
  assertEquals(call(x, [h(6), 3, 1]), [h(6), Status.SUCCESS]);
  assertEquals(call(x, [h(6), 3, 2]), [h(6), Status.OUT_OF_RANGE]);
  assertEquals(call(x, [h(6), 3, 9]), [h(6), Status.SUCCESS], "NaN: not checked");
});

Deno.test("several values: any one outside the bounds → OUT_OF_RANGE", () => {
  const x = setup();
  assertEquals(call(x, [h(7), 0, 100 * MHZ, 20 * MHZ]), [h(7), Status.SUCCESS]);
  assertEquals(call(x, [h(7), 0, 300 * MHZ, 20 * MHZ]), [h(7), Status.OUT_OF_RANGE]);
  assertEquals(call(x, [h(7), 0, 100 * MHZ, 2 * MHZ]), [h(7), Status.OUT_OF_RANGE]);
});

Deno.test("no bounds on the resource → any value reaches the handler", () => {
  const x = setup();
  assertEquals(call(x, [h(3), 4, 0xffffffff]), [h(3), Status.SUCCESS]);
  assertEquals(ran, 1);
});

Deno.test("read-only resource: write command → DENIED before bounds; reads → SUCCESS", () => {
  const x = setup();
  assertEquals(call(x, [h(3), 1, 10 * MHZ]), [h(3), Status.DENIED]);
  assertEquals(call(x, [h(8), 1]), [h(8), Status.SUCCESS, 1]);
  assertEquals(ran, 0);
});

Deno.test("audit: rights, bounds and handler DENIED logged with agent, command, ids and board name", () => {
  const x = setup();
  call(x, [h(3), 0, 300 * MHZ]);
  call(x, [h(3), 2, 75 * MHZ]);
  call(x, [h(3), 1, 10 * MHZ]);
  call(x, [h(9), 4]);
  assertEquals(x.logs, [
    'warn: audit: agent "vm1" demo SET_U32 clock 0 (board "apb_clk"): OUT_OF_RANGE: ' +
    "300000000 outside its bounds 10000000–200000000",
    'warn: audit: agent "vm1" demo SET_U32 clock 2 (board "physical 3"): DENIED: ' +
    "75000000 is not among its allowed values one of 50000000, 100000000",
    'warn: audit: agent "vm1" demo SET_U32 clock 1 (board "physical 7"): DENIED: ' +
    "the agent may not change it (read-only access)",
    'warn: audit: agent "vm1" demo OWNED clock 4 (board "physical 9"): DENIED',
  ]);
});

Deno.test("audit: NOT_FOUND, a handler's BUSY and successes are not audited", () => {
  const x = setup();
  call(x, [h(8), 99]);
  call(x, [h(0xa)]);
  call(x, [h(3), 0, 20 * MHZ]);
  assertEquals(x.logs, []);
});

Deno.test("audit: at most 10 lines a second per agent, then one line counting the rest", () => {
  const x = setup();
  for (let i = 0; i < 1000; i++) call(x, [h(3), 0, 300 * MHZ]);
  assertEquals(x.logs.length, 10);
  // The next window opens with the summary of the last one, then its own lines.
  x.at(1000);
  call(x, [h(3), 0, 300 * MHZ]);
  assertEquals(x.logs.length, 12);
  assertEquals(
    x.logs[10],
    'warn: audit: agent "vm1": 990 more refused requests suppressed in the last 1000 ms',
  );
  assert(x.logs[11].includes("SET_U32"), x.logs[11]);
  // flush() closes a window that ended with nothing after it.
  for (let i = 0; i < 20; i++) call(x, [h(3), 0, 300 * MHZ]);
  x.at(2500);
  x.p.audit.flush();
  assertEquals(x.logs.length, 22);
  assertEquals(
    x.logs[21],
    'warn: audit: agent "vm1": 11 more refused requests suppressed in the last 1500 ms',
  );
});

Deno.test("rate limit: requests past the burst → BUSY (audited), refilled over time → served", () => {
  const x = setup({ perS: 100, burst: 3 });
  const g = [h(8), 4];
  for (let i = 0; i < 3; i++) assertEquals(call(x, g), [h(8), Status.SUCCESS, 4]);
  assertEquals(call(x, g), [h(8), Status.BUSY]);
  // Checked before anything else: an unknown protocol or a malformed message is BUSY too.
  assertEquals(call(x, [encodeHeader(1, 0, 0x99, 1)]), [encodeHeader(1, 0, 0x99, 1), Status.BUSY]);
  assertEquals(call(x, [h(8)]), [h(8), Status.BUSY]);
  assertEquals(x.logs, [
    'warn: audit: agent "vm1" demo GET: BUSY: over its rate limit of 100 requests per second',
    'warn: audit: agent "vm1" protocol 0x99 message 0x1: BUSY: over its rate limit of 100 ' +
    "requests per second",
    'warn: audit: agent "vm1" demo GET: BUSY: over its rate limit of 100 requests per second',
  ]);
  x.at(10);
  assertEquals(call(x, g), [h(8), Status.SUCCESS, 4], "one token back after 10 ms");
  assertEquals(call(x, g), [h(8), Status.BUSY]);
});

Deno.test("rate limit: a flooding agent gets per_s answers a second and 10 audit lines", () => {
  const x = setup({ perS: 1000, burst: 100 });
  let served = 0;
  // 50 000 requests in one second.
  for (let i = 0; i < 50_000; i++) {
    x.at(i / 50);
    if (call(x, [h(8), 4])[1] === Status.SUCCESS) served++;
  }
  assert(served >= 1095 && served <= 1100, `served ${served}`);
  assertEquals(x.logs.length, 10);
});

Deno.test("IdMap bounds: kept by clone and copyFrom, cleared by revoke, set by a re-grant", () => {
  const g = new Grants();
  const b: Bounds = Object.freeze({ min: 1, max: 2 });
  g.maps.clock.grant(4, Right.READ | Right.WRITE, 1, "x", b);
  const c = g.clone();
  assertEquals(c.maps.clock.bounds, [undefined, b]);
  assertEquals(c.maps.clock.names, [undefined, "x"]);
  const other = new IdMap("clock");
  other.copyFrom(c.maps.clock);
  assertEquals(other.bounds[1], b);
  other.revoke(4);
  assertEquals(other.bounds[1], undefined);
  assertEquals(c.maps.clock.bounds[1], b, "the copy is independent");
  const nb = { values: [3] };
  g.maps.clock.grant(4, Right.READ, undefined, undefined, nb);
  assertEquals(g.maps.clock.bounds[1], nb);
  assertEquals(g.maps.clock.names[1], "x", "a re-grant without a name keeps the name");
});

Deno.test("defineProtocol: a value without a resource, or past the parameters → TypeError", () => {
  const base = { id: 0x81, name: "bad", versions: [0x10000] };
  const attrs = { name: "PROTOCOL_ATTRIBUTES", params: 0, run: () => {} };
  assertThrows(
    () =>
      defineProtocol({
        api: 1,
        ...base,
        commands: { 1: attrs, 3: { name: "X", params: 8, value: { at: 4 }, run: () => {} } },
      }),
    TypeError,
    "names no resource",
  );
  assertThrows(
    () =>
      defineProtocol({
        api: 1,
        ...base,
        kinds: [clockKind],
        commands: {
          1: attrs,
          3: {
            name: "X",
            params: 8,
            resource: "clock",
            value: { at: 4, u64: true },
            run: () => {},
          },
        },
      }),
    TypeError,
    "past its parameters",
  );
});
