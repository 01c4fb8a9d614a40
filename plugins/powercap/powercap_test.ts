import { powercapKind } from "./kind.ts";
import fc from "fast-check";
import { turn, until } from "../../core/_wait_test.ts";
import { assert, assertEquals, assertRejects } from "../../core/_assert_test.ts";
import { type Board, emptyBoard } from "../../core/board.ts";
import type { PowercapDesc } from "./kind.ts";
import { type BoardDriver, DriverError } from "../../core/driver.ts";
import { encodeHeader, MsgType } from "../../core/header.ts";
import type { PowercapHw } from "./hw.ts";
import { Msg } from "../../core/msg.ts";
import { Right } from "../../core/protocol.ts";
import { PROTOCOLS } from "../../builtins.ts";
import type { Ctx } from "../../core/session.ts";
import { Status } from "../../core/status.ts";
import { ManualClock } from "../../core/timer_clock.ts";
import { createSimPowercap, type SimPowercap } from "../../boards/drivers/sim/powercap.ts";
import { type AgentSpec, type Fixture, fixture } from "../../tests/harness.ts";
import {
  aggregateCap,
  createPowercapProtocol,
  type PowercapSession,
  type PowercapShared,
} from "./mod.ts";

const P = 0x18;
const Cmd = {
  CAP_GET: 0x4,
  CAP_SET: 0x5,
  PAI_SET: 0x7,
  MEASUREMENTS_GET: 0x9,
  CAP_NOTIFY: 0xa,
  MEASUREMENTS_NOTIFY: 0xb,
} as const;
const ASYNC = 2;
const IGNORE = 1;
const CAP_CHANGED = 0;
const MEASUREMENTS_CHANGED = 1;

/**
 * soc (0): caps 1–10 W step 0.1 W, 8 W at power-on, can disable, async (20 ms to apply),
 * PAI 1–100 ms step 1 ms (10 ms), load 1 W → 9 W → 1 W over 1 s.
 * gpu (1): parent soc, caps 0.5–5 W step 0.05 W (4 W), fixed 10 ms PAI, constant 4.5 W load.
 */
function board(): Board {
  const b = emptyBoard("powercap-unit");
  const d: PowercapDesc[] = [
    {
      id: 0,
      name: "soc",
      driver: "sim",
      minCap: 1_000_000,
      maxCap: 10_000_000,
      capStep: 100_000,
      cap: 8_000_000,
      minPai: 1_000,
      maxPai: 100_000,
      paiStep: 1_000,
      pai: 10_000,
      async: true,
      canDisable: true,
      latencyUs: 20_000,
      load: { min: 1_000_000, max: 9_000_000, periodMs: 1_000 },
    },
    {
      id: 1,
      name: "gpu",
      driver: "sim",
      minCap: 500_000,
      maxCap: 5_000_000,
      capStep: 50_000,
      cap: 4_000_000,
      minPai: 10_000,
      maxPai: 10_000,
      paiStep: 0,
      pai: 10_000,
      parent: 0,
      load: { min: 4_500_000, max: 4_500_000, periodMs: 1_000 },
    },
  ];
  b.resources.powercap = d;
  return b;
}

/** a: soc 0, gpu 1. b: gpu 0, soc 1. c: gpu only. e: soc, never subscribes. d: no P2A. */
const AGENTS: AgentSpec[] = [
  { name: "a", protocols: { [P]: undefined }, grants: { powercap: [0, 1] } },
  { name: "b", protocols: { [P]: undefined }, grants: { powercap: [1, 0] } },
  { name: "c", protocols: { [P]: undefined }, grants: { powercap: [1] } },
  { name: "d", protocols: { [P]: undefined }, grants: { powercap: [0] }, p2a: false },
  {
    name: "e",
    protocols: { [P]: undefined },
    grants: { powercap: [0] },
    rights: { powercap: [Right.READ] },
  },
];

async function setup(timeScale = 0, hw?: PowercapHw) {
  const clock = new ManualClock();
  const b = board();
  const sim = createSimPowercap(b, "sim", { timeScale, clock });
  const drivers = new Map<string, BoardDriver>([["sim", { name: "sim", powercap: hw ?? sim }]]);
  const protocols = [
    ...PROTOCOLS.filter((p) => p.id !== P),
    createPowercapProtocol({ clock, pollMs: 100 }),
  ];
  const fx = await fixture({ board: b, agents: AGENTS, drivers, protocols });
  return { fx, hw: sim as SimPowercap, clock };
}

function cmd(msg: number, params: number[], token = 1): number[] {
  return [encodeHeader(msg, MsgType.COMMAND, P, token), ...params];
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

/** Runs a command to completion; returns the reply after the header (status first). */
async function call(fx: Fixture, agent: string, words: number[]): Promise<number[]> {
  const { n, reply } = send(fx, agent, words);
  return reply(await n).slice(1);
}

/** Every queued platform→agent message of `agent`, as 32-bit words. */
function drained(fx: Fixture, agent: string): number[][] {
  return fx.drain(agent).map((b) => [...new Int32Array(b.buffer, b.byteOffset, b.length / 4)]);
}

function capChanged(agentId: number, vid: number, cap: number, pai: number): number[] {
  return [encodeHeader(CAP_CHANGED, MsgType.NOTIFICATION, P, 0), agentId, vid, cap, pai];
}

function measured(vid: number, power: number): number[] {
  return [encodeHeader(MEASUREMENTS_CHANGED, MsgType.NOTIFICATION, P, 0), 0, vid, power];
}

Deno.test("aggregateCap: the lowest cap asked, 0 when all ask for none, the board's when none asks", () => {
  assertEquals(aggregateCap(new Map(), 8), 8);
  assertEquals(aggregateCap(new Map([[1, 5], [2, 3], [3, 7]]), 8), 3);
  assertEquals(aggregateCap(new Map([[1, 0], [2, 6]]), 8), 6);
  assertEquals(aggregateCap(new Map([[1, 0], [2, 0]]), 8), 0);
  assertEquals(aggregateCap(new Map([[1, 9]]), 8), 9, "an agent may raise the power-on cap");
});

Deno.test("CAP_CHANGED goes to subscribed sessions that can see the domain, each in its own ids", async () => {
  const { fx } = await setup();
  assertEquals(await call(fx, "a", cmd(Cmd.CAP_NOTIFY, [0, 1])), [0]);
  assertEquals(await call(fx, "b", cmd(Cmd.CAP_NOTIFY, [1, 1])), [0]);
  assertEquals(await call(fx, "c", cmd(Cmd.CAP_NOTIFY, [0, 1])), [0], "c watches gpu");
  assertEquals(await call(fx, "d", cmd(Cmd.CAP_NOTIFY, [0, 1])), [Status.NOT_SUPPORTED]);
  assertEquals(await call(fx, "a", cmd(Cmd.CAP_SET, [0, 0, 5_000_000])), [0]);
  assertEquals(drained(fx, "a"), [capChanged(1, 0, 5_000_000, 10_000)], "its own id: it caused it");
  assertEquals(
    drained(fx, "b"),
    [capChanged(0, 1, 5_000_000, 10_000)],
    "the platform's id, b's ids",
  );
  assertEquals(drained(fx, "c"), [], "c cannot see soc");
  assertEquals(drained(fx, "e"), [], "e never subscribed");
  assertEquals(await call(fx, "b", cmd(Cmd.CAP_NOTIFY, [1, 0])), [0]);
  assertEquals(await call(fx, "a", cmd(Cmd.PAI_SET, [0, 0, 20_000])), [0]);
  assertEquals(drained(fx, "a"), [capChanged(1, 0, 5_000_000, 20_000)]);
  assertEquals(drained(fx, "b"), [], "b unsubscribed");
  assertEquals(await call(fx, "b", cmd(Cmd.CAP_SET, [0, 0, 3_000_000])), [0]);
  assertEquals(drained(fx, "c"), [capChanged(0, 0, 3_000_000, 10_000)]);
  assertEquals(drained(fx, "a"), [], "a is not subscribed to gpu");
});

Deno.test("MEASUREMENTS_CHANGED follows the load across the thresholds; sampling only while watched", async () => {
  const { fx, clock } = await setup();
  const monitor = () =>
    (fx.session("a").ctxs[P] as Ctx<PowercapSession, PowercapShared>).shared.monitor;
  assertEquals(clock.pending, 0, "nobody watches: no timer");
  assertEquals(await call(fx, "a", cmd(Cmd.MEASUREMENTS_NOTIFY, [0, 1, 3_000_000, 7_000_000])), [
    0,
  ]);
  assertEquals(await call(fx, "b", cmd(Cmd.MEASUREMENTS_NOTIFY, [1, 1, 0, 0xffffffff])), [0]);
  assertEquals([clock.pending, monitor().running], [1, true], "one timer for every watcher");
  // The load rises 16 000 µW/ms from 1 W at t = 0 to 9 W at 500 ms, then falls back. Each
  // sample averages 8 points over the 10 ms PAI before the tick: mean time t − 4.375 ms.
  const seen: number[][] = [];
  for (let t = 100; t <= 1_000; t += 100) {
    clock.advance(100);
    seen.push(...drained(fx, "a"));
  }
  assertEquals(seen, [
    measured(0, 2_530_000), // 100 ms: below 3 W (a counted it as inside when it subscribed)
    measured(0, 4_130_000), // 200 ms: inside
    measured(0, 7_330_000), // 400 ms: above 7 W
    measured(0, 5_870_000), // 700 ms: inside again
    measured(0, 2_670_000), // 900 ms: below
  ]);
  assertEquals(drained(fx, "b"), [], "b's range holds every power: no crossing");
  assertEquals(drained(fx, "e"), [], "e never subscribed");
  assertEquals(await call(fx, "a", cmd(Cmd.MEASUREMENTS_NOTIFY, [0, 0, 0, 0])), [0]);
  assertEquals(clock.pending, 1, "b still watches");
  fx.reconnect("b");
  assertEquals([clock.pending, monitor().running], [0, false], "the last watcher left: no timer");
  clock.advance(1_000);
  assertEquals(drained(fx, "a"), []);
});

Deno.test("a lower cap clips the measured power and so moves it across thresholds", async () => {
  const { fx, clock } = await setup();
  assertEquals(await call(fx, "a", cmd(Cmd.MEASUREMENTS_NOTIFY, [1, 1, 4_000_000, 5_000_000])), [
    0,
  ]);
  clock.advance(100);
  assertEquals(drained(fx, "a"), [], "gpu draws 4 W (its cap): inside");
  assertEquals(await call(fx, "b", cmd(Cmd.CAP_SET, [0, 0, 3_000_000])), [0]);
  clock.advance(100);
  assertEquals(drained(fx, "a"), [measured(1, 3_000_000)]);
  assertEquals(await call(fx, "a", cmd(Cmd.MEASUREMENTS_GET, [1])), [0, 3_000_000, 10_000]);
  assertEquals(await call(fx, "b", cmd(Cmd.CAP_SET, [0, 0, 5_000_000])), [0]);
  clock.advance(100);
  assertEquals(drained(fx, "a"), [measured(1, 4_500_000)], "the whole 4.5 W load, inside");
  assertEquals(await call(fx, "a", cmd(Cmd.MEASUREMENTS_NOTIFY, [1, 0, 0, 0])), [0]);
});

Deno.test("shared caps: the lowest request is in force; leaving withdraws it and subscribers hear", async () => {
  const { fx, hw } = await setup();
  await call(fx, "b", cmd(Cmd.CAP_NOTIFY, [1, 1]));
  assertEquals(await call(fx, "a", cmd(Cmd.CAP_SET, [0, 0, 4_000_000])), [0]);
  assertEquals(await call(fx, "b", cmd(Cmd.CAP_SET, [1, 0, 6_000_000])), [0]);
  assertEquals(hw.getCap(0), 4_000_000);
  assertEquals(
    await call(fx, "b", cmd(Cmd.CAP_GET, [1])),
    [0, 4_000_000],
    "CAP_GET reads what is in force",
  );
  drained(fx, "b");
  fx.reconnect("a");
  assertEquals(hw.getCap(0), 6_000_000, "a left: b's request is in force");
  assertEquals(drained(fx, "b"), [capChanged(0, 1, 6_000_000, 10_000)]);
  assertEquals(await call(fx, "a", cmd(Cmd.CAP_SET, [0, 0, 0])), [0]);
  assertEquals(hw.getCap(0), 6_000_000, "a asks for no cap; b's holds");
  assertEquals(await call(fx, "b", cmd(Cmd.CAP_SET, [1, 0, 0])), [0]);
  assertEquals(hw.getCap(0), 0, "nobody wants a cap: disabled");
  fx.platform.closeSession(fx.session("b"));
  fx.reconnect("a");
  assertEquals(hw.getCap(0), 8_000_000, "nobody asks any more: the board's power-on cap");
  assertEquals(
    hw.history.filter((h) => h.id === 0),
    [
      { id: 0, cap: 4_000_000 },
      { id: 0, cap: 6_000_000 },
      { id: 0, cap: 0 },
      { id: 0, cap: 8_000_000 },
    ],
  );
});

Deno.test("async CAP_SET → SUCCESS first, CAP_SET_COMPLETE after the controller applied it", async () => {
  const { fx, hw, clock } = await setup(1);
  await call(fx, "b", cmd(Cmd.CAP_NOTIFY, [1, 1]));
  const { n, reply } = send(fx, "a", cmd(Cmd.CAP_SET, [0, ASYNC, 2_000_000], 0x155));
  assertEquals(typeof n, "number", "answered without waiting");
  assertEquals(reply(n as number), [encodeHeader(Cmd.CAP_SET, 0, P, 0x155), 0]);
  assertEquals(drained(fx, "a"), []);
  clock.advance(19.9);
  await turn();
  await turn();
  assertEquals([drained(fx, "a"), hw.getCap(0)], [[], 8_000_000], "not applied before 20 ms");
  clock.advance(0.1);
  await until(() => fx.session("a").p2a!.length > 0, "CAP_SET_COMPLETE");
  assertEquals(drained(fx, "a"), [[
    encodeHeader(Cmd.CAP_SET, MsgType.DELAYED_RESPONSE, P, 0x155),
    0,
    0,
    2_000_000,
  ]]);
  assertEquals(drained(fx, "b"), [capChanged(0, 1, 2_000_000, 10_000)]);
  const ignored = send(fx, "a", cmd(Cmd.CAP_SET, [0, ASYNC | IGNORE, 3_000_000], 9));
  assertEquals(ignored.reply(ignored.n as number)[1], 0);
  clock.advance(20);
  await until(() => hw.getCap(0) === 3_000_000, "the ignored-response cap to apply");
  await turn();
  await turn();
  assertEquals(drained(fx, "a"), [], "bit 0: no delayed response");
  assertEquals(hw.getCap(0), 3_000_000, "but the cap was applied");
  assertEquals(drained(fx, "b"), [capChanged(0, 1, 3_000_000, 10_000)]);
});

Deno.test("async CAP_SET the controller fails → SUCCESS, then CAP_SET_COMPLETE with HARDWARE_ERROR", async () => {
  const failing: PowercapHw = {
    getCap: () => 8_000_000,
    setCap: () => Promise.reject(new DriverError("hardware")),
    getPai: () => 10_000,
    setPai: () => {},
    measure: () => 0,
  };
  const { fx } = await setup(0, failing);
  const { n, reply } = send(fx, "a", cmd(Cmd.CAP_SET, [0, ASYNC, 2_000_000], 3));
  assertEquals(reply(n as number)[1], 0);
  await until(() => fx.session("a").p2a!.length > 0, "CAP_SET_COMPLETE");
  assertEquals(drained(fx, "a"), [[
    encodeHeader(Cmd.CAP_SET, MsgType.DELAYED_RESPONSE, P, 3),
    Status.HARDWARE_ERROR,
  ]]);
  assertEquals(await call(fx, "a", cmd(Cmd.CAP_SET, [0, 0, 2_000_000])), [Status.HARDWARE_ERROR]);
});

Deno.test("revoking a domain drops the agent's subscriptions and cap request on it", async () => {
  const { fx, hw, clock } = await setup();
  await call(fx, "a", cmd(Cmd.CAP_NOTIFY, [0, 1]));
  await call(fx, "a", cmd(Cmd.MEASUREMENTS_NOTIFY, [0, 1, 0, 1]));
  await call(fx, "a", cmd(Cmd.CAP_SET, [0, 0, 2_000_000]));
  await call(fx, "b", cmd(Cmd.CAP_NOTIFY, [1, 1]));
  drained(fx, "a");
  assertEquals(clock.pending, 1);
  const ctx = fx.session("a").ctxs[P] as Ctx<PowercapSession, PowercapShared>;
  createPowercapProtocol().onRevoke!(ctx, "powercap", 0);
  assertEquals(hw.getCap(0), 8_000_000, "a's request went: the board's cap again");
  assertEquals(drained(fx, "b"), [capChanged(0, 1, 8_000_000, 10_000)]);
  assertEquals(clock.pending, 0, "a's only measurement subscription went");
  assertEquals(ctx.state.caps.size, 0);
});

Deno.test("any bytes to the powercap protocol → a reply of 8+ bytes with a known status", async () => {
  const { fx } = await setup();
  const known = new Set<number>(Object.values(Status));
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: 0x1f }),
      fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 5 }),
      async (msg, params) => {
        const { n, reply } = send(fx, "b", [encodeHeader(msg, 0, P, 3), ...params]);
        const r = reply(await n);
        assert(r.length >= 2, "header and status");
        assert(known.has(r[1]), `unknown status ${r[1]}`);
        await turn();
        fx.drain("b");
      },
    ),
    { numRuns: 300 },
  );
  await call(fx, "b", cmd(Cmd.MEASUREMENTS_NOTIFY, [0, 0, 0, 0]));
  await call(fx, "b", cmd(Cmd.MEASUREMENTS_NOTIFY, [1, 0, 0, 0]));
});

Deno.test("setup rejects a domain Linux would reject, naming it", async () => {
  const bad = async (patch: Partial<PowercapDesc>, includes: string, extra?: PowercapDesc) => {
    const b = board();
    b.resources.powercap = [{ ...powercapKind.of(b)[0], ...patch }, ...(extra ? [extra] : [])];
    await assertRejects(() => fixture({ board: b, agents: [] }), TypeError, includes);
  };
  await bad({ minCap: 0 }, "cap range 0–10000000");
  await bad({ capStep: 700_000 }, "cap range 1000000–10000000 step 700000");
  await bad({ maxPai: 500 }, "averaging interval range");
  await bad({ cap: 8_050_000 }, "power-on cap 8050000");
  await bad({ cap: 0, canDisable: false }, "power-on cap 0");
  await bad({ pai: 1_500 }, "power-on averaging interval 1500");
  await bad({ parent: 7 }, "parent 7 is not on the board");
  await bad({ parent: 0 }, "parents loop back through 0");
  await bad({ parent: 1 }, "parents loop back", { ...powercapKind.of(board())[1], parent: 0 });
});

Deno.test("powercap: a restored request for no cap stands only for an agent not pinned below 2.0", async () => {
  const clock = new ManualClock();
  const b = board();
  const sim = createSimPowercap(b, "sim", { timeScale: 0 }, () => clock.now());
  const withdrawn: string[] = [];
  const fx = await fixture({
    board: b,
    agents: [
      { name: "v2", protocols: { [P]: undefined }, grants: { powercap: [0] } },
      { name: "v1", protocols: { [P]: 0x10000 }, grants: { powercap: [0] } },
    ],
    drivers: new Map<string, BoardDriver>([["sim", { name: "sim", powercap: sim }]]),
    protocols: [
      ...PROTOCOLS.filter((p) => p.id !== P),
      createPowercapProtocol({ clock, pollMs: 100 }),
    ],
    journal: {
      restored: [
        { agent: "v1", store: "powercap.cap", phys: 0, value: 0 },
        { agent: "v2", store: "powercap.cap", phys: 0, value: 0 },
        { agent: "v1", store: "powercap.cap", phys: 1, value: 2_000_000 }, // not granted
      ],
      append: (agent, store, phys, value) => withdrawn.push(`${agent} ${store} ${phys} ${value}`),
      durable: () => undefined,
    },
  });
  await fx.platform.ready;
  const voters = (phys: number) =>
    fx.platform.votes.describe("powercap.cap", phys)!.voters.map((v) => `${v.name} ${v.value}`);
  assertEquals([voters(0), voters(1)], [["v2 0"], []]);
  assertEquals(withdrawn, ["v1 powercap.cap 0 null", "v1 powercap.cap 1 null"]);
  const drops = fx.logs.filter((l) => l.includes("dropping"));
  assertEquals(drops.length, 2, fx.logs.join("\n"));
  assert(drops[0].includes('"v1"') && drops[0].includes("cannot go uncapped"), drops[0]);
  assert(drops[1].includes("not granted"), drops[1]);
});
