import { voltageKind } from "./kind.ts";
import fc from "fast-check";
import { assert, assertEquals, assertRejects } from "../../core/_assert_test.ts";
import { type Board, emptyBoard } from "../../core/board.ts";
import type { VoltageDesc } from "./kind.ts";
import { type BoardDriver, DriverError } from "../../core/driver.ts";
import { encodeHeader, MsgType } from "../../core/header.ts";
import type { VoltageHw } from "./hw.ts";
import { Msg } from "../../core/msg.ts";
import { Right } from "../../core/protocol.ts";
import type { Ctx } from "../../core/session.ts";
import { Status } from "../../core/status.ts";
import { createSim } from "../../boards/drivers/sim.ts";
import { ManualClock } from "../../core/timer_clock.ts";
import { settled, turn, until } from "../../core/_wait_test.ts";
import type { SimVoltage } from "../../boards/drivers/sim/voltage.ts";
import { type AgentSpec, type Fixture, fixture } from "../../tests/harness.ts";
import { aggregateLevel, voltageProtocol, type VoltageSession, type VoltageShared } from "./mod.ts";

const P = 0x17;
const Cmd = {
  ATTRS: 0x3,
  DESCRIBE: 0x4,
  CONFIG_SET: 0x5,
  CONFIG_GET: 0x6,
  LEVEL_SET: 0x7,
  LEVEL_GET: 0x8,
} as const;
const ON = 7;
const OFF = 0;
const ASYNC = 1;

/** 1000 levels from 500 mV in 1 mV steps: more than any message holds. */
const MANY = Array.from({ length: 1000 }, (_, i) => 500_000 + i * 1_000);

/**
 * cpu (0): segment 600–1100 mV step 6.25 mV, on, 20 ms latency, async. dsp (1): five levels,
 * off, sync only. big (2): the 1000 levels above. boot (3): kept on at power-on.
 */
function board(): Board {
  const b = emptyBoard("voltage-unit");
  const v: VoltageDesc[] = [
    {
      id: 0,
      name: "cpu",
      driver: "sim",
      levels: { kind: "segment", min: 600_000, max: 1_100_000, step: 6_250 },
      level: 900_000,
      on: false,
      async: true,
      latencyUs: 20_000,
    },
    {
      id: 1,
      name: "dsp",
      driver: "sim",
      levels: { kind: "list", levels: [800_000, 850_000, 900_000, 950_000, 1_000_000] },
      level: 900_000,
      on: false,
      async: false,
    },
    {
      id: 2,
      name: "big",
      driver: "sim",
      levels: { kind: "list", levels: MANY },
      level: 500_000,
      on: false,
      async: false,
    },
    {
      id: 3,
      name: "boot",
      driver: "sim",
      levels: { kind: "list", levels: [1_800_000] },
      level: 1_800_000,
      on: true,
      async: false,
    },
  ];
  b.resources.voltage = v;
  return b;
}

const AGENTS: AgentSpec[] = [
  { name: "a", protocols: { [P]: undefined }, grants: { voltage: [0, 1, 2, 3] } },
  { name: "b", protocols: { [P]: undefined }, grants: { voltage: [1, 0, 3] } },
  {
    name: "ro",
    protocols: { [P]: undefined },
    grants: { voltage: [1] },
    rights: { voltage: [Right.READ] },
  },
];

async function setup(timeScale = 0, agents = AGENTS) {
  const b = board();
  const clock = new ManualClock();
  const sim = createSim(b, "sim", { timeScale, clock });
  const fx = await fixture({ board: b, agents, drivers: new Map([["sim", sim]]) });
  return { fx, hw: sim.voltage as SimVoltage, clock };
}

function cmd(msg: number, params: number[], token = 1): number[] {
  return [encodeHeader(msg, MsgType.COMMAND, P, token), ...params];
}

/** Dispatches one command without awaiting; returns what dispatch returned and the reply. */
function send(fx: Fixture, agent: string, words: number[], capacity = 4096) {
  const req = new Uint8Array(words.length * 4);
  const dv = new DataView(req.buffer);
  words.forEach((w, i) => dv.setUint32(i * 4, w >>> 0, true));
  const out = new Uint8Array(capacity);
  const m = new Msg();
  m.r.reset(req, 0, req.length);
  m.w.reset(out, 0, capacity);
  const n = fx.platform.dispatch(fx.session(agent), m);
  const reply = (len: number) => [...new Int32Array(out.buffer, 0, len / 4)];
  return { n, reply };
}

/** Runs a command to completion; returns the reply after the header (status first). */
async function call(fx: Fixture, agent: string, words: number[]): Promise<number[]> {
  const { n, reply } = send(fx, agent, words);
  return reply(await n).slice(1);
}

function words(bytes: Uint8Array): number[] {
  return [...new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4)];
}

function ctxOf(fx: Fixture, agent: string): Ctx<VoltageSession, VoltageShared> {
  return fx.session(agent).ctxs[P] as Ctx<VoltageSession, VoltageShared>;
}

Deno.test("aggregateLevel picks the highest request inside every requester's range", () => {
  const all = { min: 0, max: 2_000_000 };
  assertEquals(aggregateLevel(new Map(), () => all), undefined);
  assertEquals(aggregateLevel(new Map([[1, 900_000]]), () => all), 900_000);
  assertEquals(
    aggregateLevel(new Map([[1, 900_000], [2, 950_000], [3, 800_000]]), () => all),
    950_000,
  );
  const narrow = (agent: number) => agent === 2 ? { min: 800_000, max: 950_000 } : all;
  assertEquals(
    aggregateLevel(new Map([[1, 1_000_000], [2, 900_000]]), narrow),
    900_000,
    "1.0 V is outside agent 2's range, so its 0.9 V wins",
  );
  const disjoint = (agent: number) =>
    agent === 1 ? { min: 0, max: 800_000 } : { min: 900_000, max: 2_000_000 };
  assertEquals(aggregateLevel(new Map([[1, 800_000], [2, 900_000]]), disjoint), undefined);
});

Deno.test("DESCRIBE_LEVELS paging at message sizes 32…4096 reassembles the list", async () => {
  const check = async (size: number) => {
    const { fx } = await setup(0, [
      { name: "a", protocols: { [P]: undefined }, grants: { voltage: [2] }, maxMsgSize: size },
    ]);
    const got: number[] = [];
    let index = 0;
    let total = -1;
    for (;;) {
      const { n, reply } = send(fx, "a", cmd(Cmd.DESCRIBE, [0, index]));
      const len = await n;
      assert(len <= 8 + size, `reply of ${len} bytes exceeds ${size} + 8`);
      const [, status, flags, ...levels] = reply(len);
      assertEquals(status, Status.SUCCESS);
      const returned = flags & 0xfff;
      const remaining = flags >>> 16;
      assertEquals((flags >>> 12) & 0xf, 0, "list format, reserved bits clear");
      assertEquals(levels.length, returned);
      assert(returned >= 1, "at least one level per page");
      if (total < 0) total = returned + remaining;
      assertEquals(index + returned + remaining, total, "counts stay consistent");
      got.push(...levels);
      index += returned;
      if (remaining === 0) break;
      assertEquals(returned, Math.floor((size - 4) / 4), "each page is as full as it can be");
    }
    assertEquals(got, MANY);
  };
  for (const size of [32, 33, 35, 36, 104, 128, 4000, 4096]) await check(size);
  await fc.assert(fc.asyncProperty(fc.integer({ min: 32, max: 4096 }), check), { numRuns: 25 });
});

Deno.test("DESCRIBE_LEVELS when not one level fits the message → COMMS_ERROR", async () => {
  const { fx } = await setup(0, [
    { name: "a", protocols: { [P]: undefined }, grants: { voltage: [2] }, maxMsgSize: 7 },
  ]);
  assertEquals(await call(fx, "a", cmd(Cmd.DESCRIBE, [0, 0])), [Status.COMMS_ERROR]);
});

Deno.test("async LEVEL_SET → SUCCESS reply first, then LEVEL_SET_COMPLETE with the token and virtual id", async () => {
  const { fx, hw, clock } = await setup(1);
  const { n, reply } = send(fx, "b", cmd(Cmd.LEVEL_SET, [1, ASYNC, 1_000_000], 0x2a5));
  assertEquals(typeof n, "number", "an async request is answered without waiting");
  assertEquals(reply(n as number), [encodeHeader(Cmd.LEVEL_SET, 0, P, 0x2a5), 0]);
  assertEquals(fx.drain("b"), [], "the delayed response never precedes the reply");
  clock.advance(19.9);
  await turn();
  await turn();
  assertEquals(fx.drain("b"), [], "not complete before the 20 ms latency");
  assertEquals(hw.getLevel(0), 900_000, "the output is still settling");
  clock.advance(0.1);
  await until(() => fx.session("b").p2a!.length > 0, "LEVEL_SET_COMPLETE");
  assertEquals(fx.drain("b").map(words), [[
    encodeHeader(Cmd.LEVEL_SET, MsgType.DELAYED_RESPONSE, P, 0x2a5),
    0,
    1,
    1_000_000,
  ]]);
  assertEquals(hw.getLevel(0), 1_000_000);
});

Deno.test("sync LEVEL_SET with latency → the reply waits until the output has settled", async () => {
  const { fx, hw, clock } = await setup(1);
  const { n, reply } = send(fx, "a", cmd(Cmd.LEVEL_SET, [0, 0, 700_000]));
  assert(n instanceof Promise, "the reply waits for the driver");
  clock.advance(19.9);
  assert(!await settled(n), "no reply before the output settles");
  clock.advance(0.1);
  assertEquals(reply(await n)[1], Status.SUCCESS);
  assertEquals(hw.getLevel(0), 700_000);
  assertEquals(fx.drain("a"), [], "no delayed response for a synchronous set");
});

/** A regulator that fails every change with `fault`, for the failure paths. */
function failing(fault: "hardware" | "busy"): BoardDriver {
  const hw: VoltageHw = {
    getLevel: () => 900_000,
    setLevel: () => Promise.reject(new DriverError(fault)),
    isOn: () => false,
    setOn: () => {
      throw new DriverError(fault);
    },
  };
  return { name: "sim", voltage: hw };
}

Deno.test("async LEVEL_SET the hardware fails → SUCCESS, then a 4-byte LEVEL_SET_COMPLETE with HARDWARE_ERROR", async () => {
  const fx = await fixture({
    board: board(),
    agents: AGENTS,
    drivers: new Map([["sim", failing("hardware")]]),
  });
  const { n, reply } = send(fx, "a", cmd(Cmd.LEVEL_SET, [0, ASYNC, 1_000_000], 7));
  assertEquals(reply(n as number)[1], Status.SUCCESS);
  await until(() => fx.session("a").p2a!.length > 0, "LEVEL_SET_COMPLETE");
  assertEquals(fx.drain("a").map(words), [[
    encodeHeader(Cmd.LEVEL_SET, MsgType.DELAYED_RESPONSE, P, 7),
    Status.HARDWARE_ERROR,
  ]]);
  assertEquals(
    await call(fx, "a", cmd(Cmd.LEVEL_GET, [0])),
    [0, 900_000],
    "the failed request was withdrawn: the hardware level reads back",
  );
});

Deno.test("sync LEVEL_SET or CONFIG_SET the hardware refuses → its status, nothing recorded", async () => {
  const fx = await fixture({
    board: board(),
    agents: AGENTS,
    drivers: new Map([["sim", failing("busy")]]),
  });
  assertEquals(await call(fx, "a", cmd(Cmd.LEVEL_SET, [1, 0, 800_000])), [Status.BUSY]);
  assertEquals(await call(fx, "a", cmd(Cmd.LEVEL_GET, [1])), [0, 900_000]);
  assertEquals(await call(fx, "a", cmd(Cmd.CONFIG_SET, [1, ON])), [Status.BUSY]);
  assertEquals(await call(fx, "a", cmd(Cmd.CONFIG_GET, [1])), [0, OFF], "the vote was withdrawn");
});

Deno.test("two agents on one domain: the highest request runs, each reads back its own", async () => {
  const { fx, hw } = await setup();
  assertEquals(await call(fx, "a", cmd(Cmd.LEVEL_SET, [1, 0, 850_000])), [0]);
  assertEquals(hw.getLevel(1), 850_000);
  assertEquals(await call(fx, "b", cmd(Cmd.LEVEL_GET, [0])), [0, 850_000], "no request: hardware");
  assertEquals(await call(fx, "b", cmd(Cmd.LEVEL_SET, [0, 0, 950_000])), [0]);
  assertEquals(hw.getLevel(1), 950_000, "b asks more: b's level runs");
  assertEquals(await call(fx, "a", cmd(Cmd.LEVEL_GET, [1])), [0, 850_000]);
  assertEquals(await call(fx, "b", cmd(Cmd.LEVEL_GET, [0])), [0, 950_000]);
  assertEquals(await call(fx, "a", cmd(Cmd.LEVEL_SET, [1, 0, 1_000_000])), [0]);
  assertEquals(hw.getLevel(1), 1_000_000);
  assertEquals(await call(fx, "a", cmd(Cmd.LEVEL_SET, [1, 0, 800_000])), [0]);
  assertEquals(hw.getLevel(1), 950_000, "a lowers its request: b's is the highest left");
  assertEquals(await call(fx, "ro", cmd(Cmd.LEVEL_GET, [0])), [0, 950_000]);
  assertEquals(await call(fx, "ro", cmd(Cmd.LEVEL_SET, [0, 0, 800_000])), [Status.DENIED]);
  fx.reconnect("b");
  assertEquals(hw.getLevel(1), 800_000, "b's session ended: a's request is all that is left");
  fx.reconnect("a");
  assertEquals(hw.getLevel(1), 800_000, "no request left: the level stays");
  assertEquals(
    hw.history.filter((s) => "level" in s).map((s) => (s as { level: number }).level),
    [850_000, 950_000, 1_000_000, 950_000, 800_000],
    "the hardware moved only when the winning request changed",
  );
});

Deno.test("on/off votes: on while any agent votes on; a boot-on domain stays on", async () => {
  const { fx, hw } = await setup();
  assertEquals(await call(fx, "a", cmd(Cmd.CONFIG_SET, [1, ON])), [0]);
  assertEquals(await call(fx, "b", cmd(Cmd.CONFIG_SET, [0, ON])), [0]);
  assertEquals(hw.isOn(1), true);
  assertEquals(await call(fx, "a", cmd(Cmd.CONFIG_SET, [1, OFF])), [0]);
  assertEquals(hw.isOn(1), true, "b still votes on");
  assertEquals(await call(fx, "a", cmd(Cmd.CONFIG_GET, [1])), [0, OFF], "a reads its own vote");
  assertEquals(await call(fx, "b", cmd(Cmd.CONFIG_GET, [0])), [0, ON]);
  assertEquals(await call(fx, "ro", cmd(Cmd.CONFIG_GET, [0])), [0, OFF]);
  assertEquals(await call(fx, "b", cmd(Cmd.CONFIG_SET, [0, OFF])), [0]);
  assertEquals(hw.isOn(1), false);
  assertEquals(await call(fx, "a", cmd(Cmd.CONFIG_SET, [3, ON])), [0]);
  assertEquals(await call(fx, "a", cmd(Cmd.CONFIG_SET, [3, OFF])), [0]);
  assertEquals(hw.isOn(3), true, "found on at start-up: the platform keeps it on");
  assertEquals(
    hw.history.filter((s) => "on" in s),
    [{ id: 1, on: true }, { id: 1, on: false }],
    "the output switched only when its effective state flipped",
  );
});

Deno.test("closing a session withdraws its on votes; other voters keep the domain on", async () => {
  const { fx, hw } = await setup();
  await call(fx, "a", cmd(Cmd.CONFIG_SET, [0, ON]));
  await call(fx, "a", cmd(Cmd.CONFIG_SET, [1, ON]));
  await call(fx, "b", cmd(Cmd.CONFIG_SET, [0, ON]));
  fx.reconnect("a");
  assertEquals(hw.isOn(1), true, "b still votes for dsp");
  assertEquals(hw.isOn(0), false, "cpu was a's alone");
  assertEquals(
    await call(fx, "a", cmd(Cmd.CONFIG_GET, [1])),
    [0, OFF],
    "a fresh session has no vote",
  );
  fx.platform.closeSession(fx.session("b"));
  assertEquals(hw.isOn(1), false);
});

Deno.test("revoking a domain withdraws the agent's request and vote on it only", async () => {
  const { fx, hw } = await setup();
  await call(fx, "a", cmd(Cmd.CONFIG_SET, [1, ON]));
  await call(fx, "a", cmd(Cmd.LEVEL_SET, [1, 0, 1_000_000]));
  await call(fx, "b", cmd(Cmd.LEVEL_SET, [0, 0, 850_000]));
  await call(fx, "a", cmd(Cmd.CONFIG_SET, [0, ON]));
  voltageProtocol.onRevoke!(ctxOf(fx, "a"), "voltage", 1);
  assertEquals(hw.isOn(1), false);
  assertEquals(hw.getLevel(1), 850_000, "b's request is the one left");
  assertEquals(hw.isOn(0), true, "a's vote on another domain stays");
  voltageProtocol.onRevoke!(ctxOf(fx, "a"), "clock", 0);
  assertEquals(hw.isOn(0), true, "another kind's revocation is not this plugin's business");
});

Deno.test("VOLTAGE_LEVEL_SET async on a sync-only domain → NOT_SUPPORTED; undeclared level → INVALID_PARAMETERS", async () => {
  const { fx, hw } = await setup();
  assertEquals(await call(fx, "a", cmd(Cmd.LEVEL_SET, [1, ASYNC, 850_000])), [
    Status.NOT_SUPPORTED,
  ]);
  assertEquals(await call(fx, "a", cmd(Cmd.LEVEL_SET, [0, 0, 603_125])), [
    Status.INVALID_PARAMETERS,
  ]);
  assertEquals(await call(fx, "a", cmd(Cmd.LEVEL_SET, [0, 0, 1_106_250])), [
    Status.INVALID_PARAMETERS,
  ]);
  assertEquals(await call(fx, "a", cmd(Cmd.LEVEL_SET, [1, 0x4, 850_000])), [
    Status.INVALID_PARAMETERS,
  ]);
  assertEquals(hw.history, [], "nothing reached the hardware");
  await turn();
  assertEquals(fx.drain("a"), []);
});

Deno.test("any bytes to the voltage protocol → a reply of 8+ bytes with a known status", async () => {
  const { fx } = await setup();
  const known = new Set<number>(Object.values(Status));
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: 0x1f }),
      fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 5 }),
      async (msg, params) => {
        const { n, reply } = send(fx, "a", [encodeHeader(msg, 0, P, 3), ...params], 256);
        const r = reply(await n);
        assert(r.length >= 2, "header and status");
        assert(known.has(r[1]), `unknown status ${r[1]}`);
        await turn();
        fx.drain("a");
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("setup rejects a board the protocol cannot describe, naming the domain", async () => {
  const bad = async (patch: Partial<VoltageDesc>, includes: string) => {
    const b = board();
    b.resources.voltage = [{ ...voltageKind.of(b)[1], ...patch }];
    await assertRejects(() => fixture({ board: b, agents: [] }), TypeError, includes);
  };
  await bad({ levels: { kind: "list", levels: [] } }, "1 to 65535 levels");
  await bad({ levels: { kind: "list", levels: [900_000, 800_000] } }, "levels must ascend");
  await bad({ level: 123 }, "power-on level 123");
  await bad(
    { levels: { kind: "segment", min: 600_000, max: 700_000, step: 30_000 }, level: 600_000 },
    "not whole steps",
  );
});
