/**
 * Property tests of the dispatcher with Base and a few stand-in protocols: whatever bytes any
 * agent sends, the platform answers with a well-formed reply (or drops a message shorter
 * than a header), never throws, never exceeds the agent's message size, and an untrusted
 * agent cannot change what another agent sees.
 * @module
 */
import fc from "fast-check";
import { assert, assertEquals } from "../core/_assert_test.ts";
import { kindsOf } from "../core/kind.ts";
import { PROTOCOLS } from "../builtins.ts";
import { encodeHeader } from "../core/header.ts";
import { Msg } from "../core/msg.ts";
import { defineProtocol } from "../core/protocol.ts";
import { Status } from "../core/status.ts";
import { BASE_PROTOCOL, BaseMsg, baseProtocol } from "../plugins/base/mod.ts";
import { type Fixture, fixture } from "./harness.ts";
import { board, standIn } from "./vectors/base/fixture.ts";

/** The built-in kinds, in the order the built-in protocols list them. */
const RESOURCE_KINDS = kindsOf(PROTOCOLS).map((k) => k.name);

const STATUSES = new Set<number>(Object.values(Status));

/** 0x81: a handler that reads five words whatever it was sent (0 to 16 bytes allowed). */
const greedy = defineProtocol({
  api: 1,
  id: 0x81,
  name: "greedy",
  versions: [0x10000],
  commands: {
    0x1: { name: "PROTOCOL_ATTRIBUTES", params: 0, run: (_c, m) => m.w.u32(0) },
    0x3: {
      name: "GREEDY",
      params: { min: 0, max: 16 },
      run(_c, m) {
        for (let i = 0; i < 5; i++) m.w.u32(m.r.u32());
      },
    },
  },
});

const AGENTS = ["hyp", "vm1", "vm2", "watcher", "nochan"] as const;
const UNTRUSTED = ["vm1", "vm2", "nochan"] as const;
const SIZES: Record<string, number> = { hyp: 128, vm1: 12, vm2: 8, watcher: 128, nochan: 104 };

function build(): Promise<Fixture> {
  return fixture({
    board: board(),
    protocols: [
      baseProtocol,
      standIn(0x12),
      standIn(0x14, "clock"),
      standIn(0x16, "reset"),
      greedy,
    ],
    agents: [
      {
        name: "hyp",
        trusted: true,
        protocols: { 0x12: undefined, 0x14: undefined, 0x16: undefined, 0x81: undefined },
        grants: { clock: [5] },
        maxMsgSize: SIZES.hyp,
      },
      {
        name: "vm1",
        protocols: { 0x14: undefined, 0x16: undefined },
        grants: { clock: [0, 1], reset: [0] },
        maxMsgSize: SIZES.vm1,
      },
      {
        name: "vm2",
        protocols: { 0x10: 0x10000, 0x12: undefined, 0x14: undefined, 0x81: undefined },
        grants: { clock: [2] },
        maxMsgSize: SIZES.vm2,
      },
      {
        name: "watcher",
        protocols: { 0x14: undefined, 0x16: undefined },
        grants: { clock: [3, 1], reset: [1] },
        maxMsgSize: SIZES.watcher,
      },
      { name: "nochan", p2a: false, maxMsgSize: SIZES.nochan },
    ],
  });
}

/** A header that names a real protocol and message most of the time, anything sometimes. */
const header = fc.record({
  id: fc.oneof(fc.integer({ min: 0, max: 0x11 }), fc.integer({ min: 0, max: 0xff })),
  type: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 3 })),
  proto: fc.constantFrom(0x10, 0x10, 0x10, 0x12, 0x14, 0x16, 0x81, 0x11, 0x80, 0xff),
  token: fc.integer({ min: 0, max: 0x3ff }),
}).map((h) => encodeHeader(h.id, h.type, h.proto, h.token));

/** A parameter word: small ids and flags, agent and device ids, edge values. */
const word = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 7 }), weight: 4 },
  fc.integer({ min: 0, max: 12 }),
  fc.constantFrom(0x10, 0x12, 0x14, 0x16, 0x114, 0x20000, 0x20001, 0x7fffffff, 0xffffffff),
  fc.integer({ min: 0, max: 0xffffffff }),
);

/** Header + 0–8 words + 0–3 stray bytes. */
const structured = fc.tuple(
  header,
  fc.array(word, { maxLength: 8 }),
  fc.integer({ min: 0, max: 3 }),
)
  .map(([h, words, extra]) => {
    const out = new Uint8Array(4 + words.length * 4 + extra);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, h, true);
    words.forEach((w, i) => dv.setUint32(4 + i * 4, w >>> 0, true));
    return out;
  });

/** Commands the platform has, by protocol: message id → parameter words. */
const SHAPES: [number, number, number][] = [
  ...[[0, 0], [1, 0], [2, 1], [3, 0], [4, 0], [5, 0], [6, 1], [7, 1], [8, 1], [9, 3], [10, 4]]
    .map(([id, n]) => [BASE_PROTOCOL, id, n] as [number, number, number]),
  [BASE_PROTOCOL, 0xb, 2],
  [BASE_PROTOCOL, 0x10, 1],
  [0x14, 1, 0],
  [0x14, 3, 1],
  [0x16, 3, 1],
  [0x81, 3, 2],
];

/** A command the platform has, with the parameter size it expects. */
const shaped = fc.tuple(
  fc.constantFrom(...SHAPES),
  fc.integer({ min: 0, max: 0x3ff }),
  fc.array(word, { minLength: 4, maxLength: 4 }),
).map(([[proto, id, n], token, words]) => {
  const out = new Uint8Array(4 + 4 * n);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, encodeHeader(id, 0, proto, token), true);
  for (let i = 0; i < n; i++) dv.setUint32(4 + 4 * i, words[i] >>> 0, true);
  return out;
});

/** Any byte string up to 300 bytes, a structured message, or a well-sized command. */
const message = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  structured,
  { arbitrary: shaped, weight: 3 },
);

const out = new Uint8Array(4096);
const m = new Msg();

/** Sends `req` as `agent` and checks the reply's shape; returns the reply length. */
function send(fx: Fixture, agent: string, req: Uint8Array): number {
  m.r.reset(req, 0, req.length);
  m.w.reset(out, 0, out.length);
  out.fill(0xa5);
  const n = fx.platform.dispatch(fx.session(agent), m);
  assert(typeof n === "number", "dispatch answered synchronously");
  if (req.length < 4) {
    assertEquals(n, 0);
    return n;
  }
  assert(n >= 8, `reply of ${n} bytes`);
  assert(n <= 8 + SIZES[agent], `reply of ${n} bytes past ${SIZES[agent]}`);
  const rq = new DataView(req.buffer, req.byteOffset, req.byteLength);
  const dv = new DataView(out.buffer);
  assertEquals(dv.getUint32(0, true), rq.getUint32(0, true));
  const status = dv.getInt32(4, true);
  assert(STATUSES.has(status), `status ${status} is defined`);
  if (status !== Status.SUCCESS) assertEquals(n, 8);
  return n;
}

/** Everything about `agent` another agent could change: grants, Base state, probes, queue. */
function view(fx: Fixture, agent: string): unknown {
  const s = fx.session(agent);
  const g = s.agent.grants;
  const maps = RESOURCE_KINDS.map((k) => [k, [...g.maps[k].v2p], [...g.maps[k].rights]]);
  const probe = (words: number[]) => {
    const req = new Uint8Array(words.length * 4);
    words.forEach((w, i) => new DataView(req.buffer).setUint32(i * 4, w, true));
    const n = send(fx, agent, req);
    return [...out.subarray(0, n)];
  };
  const b = (op: number) => encodeHeader(op, 0, BASE_PROTOCOL, 0);
  const c = (op: number) => encodeHeader(op, 0, 0x14, 0);
  return {
    maps,
    devices: [...g.devices],
    denied: [...g.deniedProtocols].map(([d, p]) => [d, [...p]]),
    protocols: [...g.protocols].map(([p, v]) => [p, v.pin]),
    versions: s.ctxs.map((ctx, id) => ctx ? [id, ctx.version, JSON.stringify(ctx.state)] : null)
      .filter((x) => x),
    queued: s.p2a?.length ?? -1,
    probes: [
      probe([b(BaseMsg.PROTOCOL_VERSION)]),
      probe([b(BaseMsg.PROTOCOL_ATTRIBUTES)]),
      probe([b(BaseMsg.DISCOVER_LIST_PROTOCOLS), 0]),
      probe([b(BaseMsg.DISCOVER_AGENT), 0xffffffff]),
      probe([c(0x1)]),
      probe([c(0x3), 0]),
      probe([c(0x3), 1]),
    ],
  };
}

Deno.test("any bytes from any agent → a well-formed reply, never a throw", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(fc.constantFrom(...AGENTS), message), { minLength: 1, maxLength: 6 }),
      async (msgs) => {
        const fx = await build();
        for (const [agent, req] of msgs) send(fx, agent, req);
        fx.platform.close();
      },
    ),
    { numRuns: 400 },
  );
});

Deno.test("an untrusted agent's messages leave every other agent's view unchanged", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...UNTRUSTED),
      fc.array(message, { minLength: 1, maxLength: 8 }),
      async (sender, msgs) => {
        const fx = await build();
        const others = AGENTS.filter((a) => a !== sender);
        const before = others.map((a) => view(fx, a));
        for (const req of msgs) send(fx, sender, req);
        assertEquals(others.map((a) => view(fx, a)), before);
        fx.platform.close();
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("permission commands that look right from an untrusted agent → DENIED", async () => {
  await fc.assert(
    fc.asyncProperty(
      // vm2 speaks Base 1.0, which has no permission commands (NOT_SUPPORTED).
      fc.constantFrom(...UNTRUSTED.filter((a) => a !== "vm2")),
      fc.constantFrom(
        [BaseMsg.SET_DEVICE_PERMISSIONS, 3],
        [BaseMsg.SET_PROTOCOL_PERMISSIONS, 4],
        [BaseMsg.RESET_AGENT_CONFIGURATION, 2],
      ),
      fc.array(word, { minLength: 4, maxLength: 4 }),
      async (sender, [op, n], words) => {
        const fx = await build();
        const req = new Uint8Array(4 + 4 * n);
        const dv = new DataView(req.buffer);
        dv.setUint32(0, encodeHeader(op, 0, BASE_PROTOCOL, 1), true);
        for (let i = 0; i < n; i++) dv.setUint32(4 + 4 * i, words[i] >>> 0, true);
        send(fx, sender, req);
        assertEquals(new DataView(out.buffer).getInt32(4, true), Status.DENIED);
        fx.platform.close();
      },
    ),
    { numRuns: 100 },
  );
});
