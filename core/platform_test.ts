import { clockKind } from "../plugins/clock/kind.ts";
import { assertEquals, assertThrows } from "./_assert_test.ts";
import { Agent } from "./agent.ts";
import { emptyBoard } from "./board.ts";
import { encodeHeader } from "./header.ts";
import { Msg } from "./msg.ts";
import { Platform } from "./platform.ts";
import { defineProtocol, Right } from "./protocol.ts";
import { CapacityError } from "./writer.ts";
import { Status } from "./status.ts";

const demo = defineProtocol({
  api: 1,
  id: 0x80,
  name: "demo",
  versions: [0x10000, 0x20000],
  kinds: [clockKind],
  commands: {
    0x1: {
      name: "PROTOCOL_ATTRIBUTES",
      params: 0,
      run: (ctx, m) => m.w.u32(ctx.ids("clock").count),
    },
    0x3: {
      name: "ECHO_PHYS",
      params: 4,
      resource: "clock",
      run: (_ctx, m) => {
        m.w.u32(m.res);
        m.w.u32(m.vid);
      },
    },
    0x4: { name: "SET", params: 8, resource: "clock", needs: Right.WRITE, run: () => {} },
    0x5: { name: "NEW_IN_2", params: 0, since: 0x20000, run: () => {} },
    0x6: {
      name: "BOOM",
      params: 0,
      run: () => {
        throw new Error("bug");
      },
    },
    0x7: {
      name: "SLOW",
      params: 0,
      run: async (_c, m) => {
        await Promise.resolve();
        m.w.u32(7);
      },
    },
    0x8: {
      name: "BIG",
      params: 0,
      run: (_c, m) => {
        for (let i = 0; i < 100; i++) m.w.u32(i);
      },
    },
  },
});

function setup(pin?: number) {
  const agent = new Agent({ id: 1, name: "vm1", maxMsgSize: 32 });
  agent.grants.protocols.delete(0x10);
  agent.grants.protocols.set(0x80, { pin });
  agent.grants.maps.clock.grant(7, Right.READ | Right.WRITE);
  agent.grants.maps.clock.grant(9, Right.READ);
  const hw = { kinds: {}, bySlot: [], whole: () => undefined };
  const p = new Platform({
    board: emptyBoard(),
    hw,
    vendor: { vendor: "v", subVendor: "s", implementationVersion: 1 },
    agents: [agent],
    protocols: [demo],
  });
  p.log.sink = () => {};
  const s = p.openSession(agent, { p2a: true });
  return { p, s };
}

function call(p: Platform, s: ReturnType<typeof setup>["s"], words: number[], cap = 256) {
  const req = new Uint8Array(words.length * 4);
  const dv = new DataView(req.buffer);
  words.forEach((w, i) => dv.setUint32(i * 4, w, true));
  const out = new Uint8Array(cap);
  const m = new Msg();
  m.r.reset(req, 0, req.length);
  m.w.reset(out, 0, cap);
  const n = p.dispatch(s, m);
  if (typeof n !== "number") throw new Error("async");
  return [...new Int32Array(out.buffer, 0, n / 4)];
}

Deno.test("resource id maps virtual → physical and echoes the header", () => {
  const { p, s } = setup();
  const h = encodeHeader(3, 0, 0x80, 0x155);
  assertEquals(call(p, s, [h, 1]), [h | 0, 0, 9, 1]);
});

Deno.test("unknown virtual id → NOT_FOUND with a 4-byte payload", () => {
  const { p, s } = setup();
  const h = encodeHeader(3, 0, 0x80, 1);
  assertEquals(call(p, s, [h, 2]), [h, Status.NOT_FOUND]);
});

Deno.test("write on a read-only resource → DENIED", () => {
  const { p, s } = setup();
  const h = encodeHeader(4, 0, 0x80, 1);
  assertEquals(call(p, s, [h, 1, 0]), [h, Status.DENIED]);
  assertEquals(call(p, s, [h, 0, 0]), [h, Status.SUCCESS]);
});

Deno.test("wrong parameter size → PROTOCOL_ERROR", () => {
  const { p, s } = setup();
  const h = encodeHeader(4, 0, 0x80, 1);
  assertEquals(call(p, s, [h, 1]), [h, Status.PROTOCOL_ERROR]);
  assertEquals(call(p, s, [h, 1, 2, 3]), [h, Status.PROTOCOL_ERROR]);
});

Deno.test("unknown protocol and unknown message → NOT_SUPPORTED", () => {
  const { p, s } = setup();
  assertEquals(call(p, s, [encodeHeader(1, 0, 0x81, 1)]), [
    encodeHeader(1, 0, 0x81, 1),
    Status.NOT_SUPPORTED,
  ]);
  assertEquals(call(p, s, [encodeHeader(0x40, 0, 0x80, 1)]), [
    encodeHeader(0x40, 0, 0x80, 1),
    Status.NOT_SUPPORTED,
  ]);
});

Deno.test("non-command message type → PROTOCOL_ERROR", () => {
  const { p, s } = setup();
  const h = encodeHeader(0, 3, 0x80, 1);
  assertEquals(call(p, s, [h]), [h, Status.PROTOCOL_ERROR]);
});

Deno.test("reserved header bits 31:28 set → PROTOCOL_ERROR, header echoed, audited", () => {
  const { p, s } = setup();
  const lines: string[] = [];
  p.log.sink = (_level, line) => void lines.push(line);
  const h = encodeHeader(3, 0, 0x80, 1);
  for (const bit of [28, 29, 30, 31]) {
    const bad = (h | (1 << bit)) >>> 0;
    assertEquals(call(p, s, [bad, 1]), [bad | 0, Status.PROTOCOL_ERROR]);
  }
  assertEquals(lines.length, 4);
  assertEquals(
    lines[0],
    'audit: agent "vm1" demo ECHO_PHYS: PROTOCOL_ERROR: reserved header bits 31:28 set (header 0x10060003)',
  );
  // The same command with the reserved bits clear is answered.
  assertEquals(call(p, s, [h, 1]), [h, Status.SUCCESS, 9, 1]);
  assertEquals(lines.length, 4, "a well-formed command is not audited");
});

Deno.test("pinned version hides newer commands; negotiation stays under the pin", () => {
  const { p, s } = setup(0x10000);
  assertEquals(call(p, s, [encodeHeader(0, 0, 0x80, 1)]), [
    encodeHeader(0, 0, 0x80, 1),
    0,
    0x10000,
  ]);
  assertEquals(call(p, s, [encodeHeader(5, 0, 0x80, 1)])[1], Status.NOT_SUPPORTED);
  assertEquals(call(p, s, [encodeHeader(2, 0, 0x80, 1), 5])[1], Status.NOT_FOUND);
  assertEquals(call(p, s, [encodeHeader(0x10, 0, 0x80, 1), 0x20000])[1], Status.NOT_SUPPORTED);
});

Deno.test("negotiating down changes the version the session speaks", () => {
  const { p, s } = setup();
  assertEquals(call(p, s, [encodeHeader(0x10, 0, 0x80, 1), 0x10000])[1], Status.SUCCESS);
  assertEquals(call(p, s, [encodeHeader(0, 0, 0x80, 1)])[2], 0x10000);
  assertEquals(call(p, s, [encodeHeader(0x10, 0, 0x80, 1), 0x10001])[1], Status.NOT_SUPPORTED);
});

Deno.test("a handler that throws → GENERIC_ERROR and serving goes on", () => {
  const { p, s } = setup();
  assertEquals(call(p, s, [encodeHeader(6, 0, 0x80, 1)])[1], Status.GENERIC_ERROR);
  assertEquals(call(p, s, [encodeHeader(0, 0, 0x80, 1)])[1], Status.SUCCESS);
});

Deno.test("a reply past the agent's message size → COMMS_ERROR, 8 bytes", () => {
  const { p, s } = setup();
  assertEquals(call(p, s, [encodeHeader(8, 0, 0x80, 1)]).length, 2);
  assertEquals(call(p, s, [encodeHeader(8, 0, 0x80, 1)])[1], Status.COMMS_ERROR);
});

Deno.test("a reply buffer smaller than header + status is the transport's error", () => {
  const { p, s } = setup();
  assertThrows(() => call(p, s, [encodeHeader(0, 0, 0x80, 1)], 6), CapacityError);
});

Deno.test("a message shorter than a header is dropped", () => {
  const { p, s } = setup();
  const m = new Msg();
  m.r.reset(new Uint8Array(3), 0, 3);
  m.w.reset(new Uint8Array(64), 0, 64);
  assertEquals(p.dispatch(s, m), 0);
});

Deno.test("an async handler resolves to its reply", async () => {
  const { p, s } = setup();
  const req = new Uint8Array(4);
  new DataView(req.buffer).setUint32(0, encodeHeader(7, 0, 0x80, 2), true);
  const out = new Uint8Array(64);
  const m = new Msg();
  m.r.reset(req, 0, 4);
  m.w.reset(out, 0, 64);
  const n = await p.dispatch(s, m);
  assertEquals(n, 12);
  assertEquals(new DataView(out.buffer).getUint32(8, true), 7);
});
