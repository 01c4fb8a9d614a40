import { assert, assertEquals } from "./_assert_test.ts";
import { Agent } from "./agent.ts";
import { emptyBoard } from "./board.ts";
import { encodeHeader, MsgType } from "./header.ts";
import { Msg } from "./msg.ts";
import { Platform } from "./platform.ts";
import { defineProtocol } from "./protocol.ts";
import type { Session } from "./session.ts";
import { Status } from "./status.ts";
import { createTracer, parseLayout, type TraceFormat, traceP2a } from "./trace.ts";

const demo = defineProtocol({
  api: 1,
  id: 0x80,
  name: "demo",
  versions: [0x10000],
  events: {
    0x0: { name: "DEMO_CHANGED", p2a: "agent_id clock rate:u64" },
    0x6: { name: "DEMO_DONE", p2a: "clock" },
  },
  commands: {
    0x1: { name: "PROTOCOL_ATTRIBUTES", params: 0, run: (_c, m) => m.w.u32(0) },
    0x5: {
      name: "DEMO_RATE_SET",
      params: 20,
      a2p: "flags clock rate:u64 offset:i32",
      run: () => {},
    },
    0x7: { name: "DEMO_NO_LAYOUT", params: { min: 0, max: 12 }, run: () => Status.BUSY },
  },
});

function setup(format: TraceFormat) {
  const agent = new Agent({ id: 1, name: "vm1" });
  agent.grants.protocols.delete(0x10);
  agent.grants.protocols.set(0x80, {});
  const platform = new Platform({
    board: emptyBoard(),
    hw: { system: undefined } as never,
    vendor: { vendor: "v", subVendor: "s", implementationVersion: 1 },
    agents: [agent],
    protocols: [demo],
  });
  platform.log.sink = () => {};
  const lines: string[] = [];
  platform.tracer = createTracer(platform, { format, write: (l) => void lines.push(l) });
  const session = platform.openSession(agent, { p2a: true });
  const m = new Msg();
  const send = (words: number[], t0 = 0) => {
    const req = new Uint8Array(words.length * 4);
    const dv = new DataView(req.buffer);
    words.forEach((w, i) => dv.setUint32(i * 4, w >>> 0, true));
    m.r.reset(req, 0, req.length);
    m.w.reset(new Uint8Array(64), 0, 64);
    m.t0 = t0;
    platform.dispatch(session, m);
  };
  return { platform, session, lines, send };
}

Deno.test("parseLayout: u32 by default, :u64 and :i32 widen, bad types → null", () => {
  assertEquals(parseLayout("clock flags rate:u64 off:i32"), [
    { name: "clock", type: "u32", off: 0 },
    { name: "flags", type: "u32", off: 4 },
    { name: "rate", type: "u64", off: 8 },
    { name: "off", type: "i32", off: 16 },
  ]);
  assertEquals(parseLayout(""), []);
  assertEquals(parseLayout("clock rate:f32"), null);
  assertEquals(parseLayout("a:u32:x"), null);
});

Deno.test("text trace: named params from a2p, u64 joined, i32 signed, status name", () => {
  const { lines, send } = setup("text");
  send([encodeHeader(5, 0, 0x80, 9), 1, 3, 0x05f5e100, 0, -2]);
  assertEquals(lines, [
    "vm1 → DEMO_RATE_SET flags=1 clock=3 rate=100000000 offset=-2 ← SUCCESS",
  ]);
});

Deno.test("text trace: 64-bit rate above 2^32 decodes exactly", () => {
  const { lines, send } = setup("text");
  send([encodeHeader(5, 0, 0x80, 9), 0, 1, 0x2a05f200, 0x1, 0]); // 5_000_000_000
  assertEquals(lines[0], "vm1 → DEMO_RATE_SET flags=0 clock=1 rate=5000000000 offset=0 ← SUCCESS");
});

Deno.test("text trace: no layout → hex words; error status named; time from t0 in µs", () => {
  const { lines, send } = setup("text");
  // t0 half a millisecond back: at least 500 µs however slowly the machine runs (in ms the
  // figure would be 0 or 1); no upper bound, which only a quiet machine would meet.
  send([encodeHeader(7, 0, 0x80, 1), 0xdeadbeef, 7], performance.now() - 0.5);
  assert(
    /^vm1 → DEMO_NO_LAYOUT raw=\[0xdeadbeef 0x00000007\] ← BUSY \d+µs$/.test(lines[0]),
    lines[0],
  );
  const us = Number(/(\d+)µs$/.exec(lines[0])![1]);
  assert(us >= 500, `${us}`);
});

Deno.test("text trace: wrong size → PROTOCOL_ERROR, with the fields that are present", () => {
  const { lines, send } = setup("text");
  send([encodeHeader(5, 0, 0x80, 1), 1, 2]);
  assertEquals(lines, ["vm1 → DEMO_RATE_SET flags=1 clock=2 ← PROTOCOL_ERROR"]);
});

Deno.test("text trace: core commands carry the protocol name; unknown ones their ids", () => {
  const { lines, send } = setup("text");
  send([encodeHeader(0, 0, 0x80, 1)]);
  send([encodeHeader(2, 0, 0x80, 1), 5]);
  send([encodeHeader(0x44, 0, 0x80, 1)]);
  send([encodeHeader(1, 0, 0x91, 1)]);
  assertEquals(lines, [
    "vm1 → demo.PROTOCOL_VERSION ← SUCCESS",
    "vm1 → demo.PROTOCOL_MESSAGE_ATTRIBUTES message_id=5 ← SUCCESS",
    "vm1 → demo.0x44 ← NOT_SUPPORTED",
    "vm1 → 0x91.0x1 ← NOT_SUPPORTED",
  ]);
});

Deno.test("json trace: agent, protocol, message, token, params, status, us", () => {
  const { lines, send } = setup("json");
  send([encodeHeader(5, 0, 0x80, 0x155), 0, 4, 25_000_000, 0, 0], performance.now());
  const o = JSON.parse(lines[0]);
  assert(typeof o.us === "number" && o.us >= 0);
  delete o.us;
  assertEquals(o, {
    agent: "vm1",
    protocol: "demo",
    message: "DEMO_RATE_SET",
    token: 0x155,
    params: { flags: 0, clock: 4, rate: 25_000_000, offset: 0 },
    status: "SUCCESS",
  });
});

function p2aMessage(words: number[]): Uint8Array {
  const u8 = new Uint8Array(words.length * 4);
  const dv = new DataView(u8.buffer);
  words.forEach((w, i) => dv.setUint32(i * 4, w >>> 0, true));
  return u8;
}

Deno.test("p2a trace: notifications and delayed responses decoded with the events table", () => {
  const { platform, session, lines } = setup("text");
  traceP2a(
    platform,
    session as Session,
    p2aMessage([encodeHeader(0, MsgType.NOTIFICATION, 0x80, 0), 1, 3, 48_000_000, 0]),
  );
  traceP2a(
    platform,
    session,
    p2aMessage([encodeHeader(6, MsgType.DELAYED_RESPONSE, 0x80, 12), 0, 3]),
  );
  traceP2a(
    platform,
    session,
    p2aMessage([encodeHeader(5, MsgType.DELAYED_RESPONSE, 0x80, 13), -6 >>> 0]),
  );
  assertEquals(lines, [
    "vm1 ⇐ DEMO_CHANGED agent_id=1 clock=3 rate=48000000",
    "vm1 ⇐ DEMO_DONE (delayed #12) clock=3 ← SUCCESS",
    "vm1 ⇐ DEMO_RATE_SET (delayed #13) ← BUSY",
  ]);
});

Deno.test("p2a trace as JSON: type, token and params", () => {
  const { platform, session, lines } = setup("json");
  traceP2a(
    platform,
    session,
    p2aMessage([encodeHeader(0, MsgType.NOTIFICATION, 0x80, 0), 2, 1, 5, 0]),
  );
  assertEquals(JSON.parse(lines[0]), {
    agent: "vm1",
    protocol: "demo",
    message: "DEMO_CHANGED",
    token: 0,
    type: "notification",
    params: { agent_id: 2, clock: 1, rate: 5 },
  });
});

Deno.test("traceP2a without a tracer → nothing happens", () => {
  const { platform, session, lines } = setup("text");
  platform.tracer = null;
  traceP2a(platform, session, p2aMessage([encodeHeader(0, MsgType.NOTIFICATION, 0x80, 0)]));
  assertEquals(lines, []);
});
