import { perfKind } from "./kind.ts";
import fc from "fast-check";
import { assert, assertEquals, assertRejects } from "../../core/_assert_test.ts";
import { type Board, emptyBoard } from "../../core/board.ts";
import type { PerfLevel } from "./kind.ts";
import { type BoardDriver, DriverError } from "../../core/driver.ts";
import { encodeHeader } from "../../core/header.ts";
import { buildHwTable } from "../../core/hw_table.ts";
import { Logger } from "../../core/log.ts";
import { Msg } from "../../core/msg.ts";
import { Platform } from "../../core/platform.ts";
import { Status } from "../../core/status.ts";
import { createSim, simDriver } from "../../boards/drivers/sim.ts";
import { ManualClock } from "../../core/timer_clock.ts";
import { settled } from "../../core/_wait_test.ts";
import { type AgentSpec, type Fixture, fixture, TEST_VENDOR } from "../../tests/harness.ts";
import { perfBoard } from "../../tests/vectors/perf/fixture.ts";
import { perfProtocol, type PerfShared } from "./mod.ts";
import { PerfEvent, PerfMsg } from "./msg.ts";

const PERF = 0x13;
const h = (msg: number, token = 0) => encodeHeader(msg, 0, PERF, token);
const KNOWN = new Set<number>(Object.values(Status));

function levels(n: number, latencyUs = 0): PerfLevel[] {
  return Array.from({ length: n }, (_, i) => ({
    level: 100 * (i + 1),
    power: 1000 * (i + 1),
    latencyUs: latencyUs || 10 * (i + 1),
    freqKhz: 100000 * (i + 1),
  }));
}

function board(n = 4, latencyUs = 0): Board {
  const b = emptyBoard("unit");
  perfKind.of(b).push({
    id: 0,
    name: "cpu",
    driver: "sim",
    levels: levels(n, latencyUs),
    level: 100,
    sustainedFreqKhz: 100000,
    sustainedLevel: 100,
    rateLimitUs: 0,
  });
  return b;
}

function agents(...names: string[]): AgentSpec[] {
  return names.map((name) => ({ name, protocols: { [PERF]: undefined }, grants: { perf: [0] } }));
}

function shared(fx: Fixture): PerfShared {
  return fx.platform.protocols[PERF]!.shared as PerfShared;
}

/** Status word of a reply given as words. */
const status = (reply: number[]) => reply[1] | 0;

Deno.test("PERF_DESCRIBE_LEVELS pages reassemble the level list at message sizes 32…4096", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 64 }),
      fc.integer({ min: 32, max: 4096 }),
      fc.constantFrom(0x10000, 0x20000, 0x30000, 0x40000),
      async (n, maxMsgSize, version) => {
        const b = board(n);
        const fx = await fixture({
          board: b,
          agents: [{
            name: "a",
            protocols: { [PERF]: version },
            grants: { perf: [0] },
            maxMsgSize,
          }],
        });
        const size = version >= 0x40000 ? 20 : 12;
        const got: number[] = [];
        let index = 0;
        for (;;) {
          const r = await fx.words("a", [h(PerfMsg.DESCRIBE_LEVELS), 0, index]);
          assertEquals(status(r), Status.SUCCESS);
          const returned = r[2] & 0xffff;
          const remaining = r[2] >>> 16;
          assert(returned >= 1, "a page returns at least one level");
          assertEquals(returned + remaining, n - index);
          assertEquals(r.length * 4, 12 + returned * size);
          assert(12 + returned * size <= 8 + maxMsgSize, "the page fits the message size");
          if (remaining > 0) {
            assert(12 + (returned + 1) * size > 8 + maxMsgSize, "the page is as full as it can be");
          }
          for (let i = 0; i < returned; i++) {
            const e = 3 + (i * size) / 4;
            got.push(r[e]);
            if (version >= 0x40000) assertEquals(r[e + 4], index + i);
          }
          index += returned;
          if (remaining === 0) break;
        }
        assertEquals(got, perfKind.of(b)[0].levels.map((l) => l.level));
        const past = await fx.words("a", [h(PerfMsg.DESCRIBE_LEVELS), 0, n]);
        assertEquals(status(past), Status.INVALID_PARAMETERS);
      },
    ),
    { numRuns: 150 },
  );
});

Deno.test("any perf message gets a reply of at least header + status with a known status", async () => {
  const b = perfBoard();
  b.resources.perf = perfKind.of(b).filter((d) => d.driver === "sim");
  const fx = await fixture({
    board: b,
    agents: [
      { name: "a", protocols: { [PERF]: undefined }, grants: { perf: [0, 1] } },
      { name: "b", protocols: { [PERF]: 0x10000 }, grants: { perf: [2] }, rights: { perf: [1] } },
      { name: "c", protocols: { [PERF]: undefined }, grants: { perf: [1] }, maxMsgSize: 32 },
    ],
  });
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom("a", "b", "c"),
      fc.integer({ min: 0, max: 0x12 }),
      fc.uint8Array({ maxLength: 20 }),
      async (agent, msg, params) => {
        const req = new Uint8Array(4 + params.length);
        new DataView(req.buffer).setUint32(0, h(msg, 7), true);
        req.set(params, 4);
        const out = await fx.call(agent, req);
        assert(out.length >= 8, "reply has header and status");
        const dv = new DataView(out.buffer, out.byteOffset);
        assertEquals(dv.getUint32(0, true), h(msg, 7));
        const st = dv.getInt32(4, true);
        assert(KNOWN.has(st), `known status ${st}`);
        if (st !== Status.SUCCESS) assertEquals(out.length, 8);
      },
    ),
    { numRuns: 2000 },
  );
  assertEquals(fx.logs.filter((l) => l.startsWith("error")), []);
});

Deno.test("notifications: 16-byte LEVEL_CHANGED and 20-byte LIMITS_CHANGED to subscribers only", async () => {
  const b = board();
  perfKind.of(b).push({ ...perfKind.of(b)[0], id: 1, name: "other" });
  const fx = await fixture({
    board: b,
    agents: [
      { name: "sub", protocols: { [PERF]: undefined }, grants: { perf: [1, 0] } },
      { name: "unsub", protocols: { [PERF]: undefined }, grants: { perf: [0] } },
      { name: "blind", protocols: { [PERF]: undefined }, grants: { perf: [1] } },
    ],
  });
  // sub sees phys 0 as virtual 1; blind subscribes to phys 1 only.
  assertEquals(status(await fx.words("sub", [h(PerfMsg.NOTIFY_LEVEL), 1, 1])), Status.SUCCESS);
  assertEquals(status(await fx.words("sub", [h(PerfMsg.NOTIFY_LIMITS), 1, 1])), Status.SUCCESS);
  assertEquals(status(await fx.words("blind", [h(PerfMsg.NOTIFY_LEVEL), 0, 1])), Status.SUCCESS);
  assertEquals(status(await fx.words("blind", [h(PerfMsg.NOTIFY_LIMITS), 0, 1])), Status.SUCCESS);

  assertEquals(status(await fx.words("unsub", [h(PerfMsg.LIMITS_SET), 0, 300, 200])), 0);
  const got = fx.drain("sub");
  assertEquals(got.map((m) => m.length), [20, 16]);
  const limits = new DataView(got[0].buffer);
  assertEquals(limits.getUint32(0, true), encodeHeader(PerfEvent.LIMITS_CHANGED, 3, PERF, 0));
  assertEquals([1, 2, 3, 4].map((i) => limits.getUint32(i * 4, true)), [0, 1, 300, 200]);
  const level = new DataView(got[1].buffer);
  assertEquals(level.getUint32(0, true), encodeHeader(PerfEvent.LEVEL_CHANGED, 3, PERF, 0));
  assertEquals([1, 2, 3].map((i) => level.getUint32(i * 4, true)), [0, 1, 200]);
  assertEquals(fx.drain("unsub"), []);
  assertEquals(fx.drain("blind"), []);
});

Deno.test("a reconnected session has no subscriptions left", async () => {
  const fx = await fixture({ board: board(), agents: agents("a", "b") });
  await fx.words("a", [h(PerfMsg.NOTIFY_LEVEL), 0, 1]);
  await fx.words("b", [h(PerfMsg.LEVEL_SET), 0, 200]);
  assertEquals(fx.drain("a").length, 1);
  fx.reconnect("a");
  await fx.words("b", [h(PerfMsg.LEVEL_SET), 0, 300]);
  assertEquals(fx.drain("a"), []);
});

Deno.test("revoking a domain drops the agent's subscription and request, and it hears no more", async () => {
  const fx = await fixture({ board: board(), agents: agents("a", "b") });
  await fx.words("a", [h(PerfMsg.NOTIFY_LEVEL), 0, 1]);
  await fx.words("a", [h(PerfMsg.LEVEL_SET), 0, 200]);
  fx.drain("a");
  const s = fx.session("a");
  const ctx = s.ctxs[PERF]!;
  perfProtocol.onRevoke!(ctx as never, "perf", 0);
  s.agent.grants.maps.perf.revoke(0);
  assertEquals(shared(fx).domains[0]!.requests.has(s.agent.id), false);
  await fx.words("b", [h(PerfMsg.LEVEL_SET), 0, 300]);
  assertEquals(fx.drain("a"), []);
  assertEquals(status(await fx.words("a", [h(PerfMsg.LEVEL_GET), 0])), Status.NOT_FOUND);
});

Deno.test("shared domain: the last writer wins; closing drops the agent's request", async () => {
  const fx = await fixture({ board: board(), agents: agents("a", "b") });
  assertEquals(status(await fx.words("a", [h(PerfMsg.LEVEL_SET), 0, 300])), 0);
  assertEquals(status(await fx.words("b", [h(PerfMsg.LEVEL_SET), 0, 200])), 0);
  assertEquals((await fx.words("a", [h(PerfMsg.LEVEL_GET), 0]))[2], 200);
  const d = shared(fx).domains[0]!;
  assertEquals([...d.requests], [[1, 300], [2, 200]]);
  fx.platform.closeSession(fx.session("a"));
  assertEquals([...d.requests], [[2, 200]]);
  assertEquals(d.level, 200);
});

Deno.test("with an immediate driver the set/get path answers synchronously", async () => {
  const fx = await fixture({ board: board(), agents: agents("a") });
  const requests = [
    [h(PerfMsg.LEVEL_SET), 0, 300],
    [h(PerfMsg.LIMITS_SET), 0, 400, 100],
    [h(PerfMsg.LEVEL_GET), 0],
    [h(PerfMsg.DESCRIBE_LEVELS), 0, 0],
  ];
  for (const words of requests) {
    const req = new Uint8Array(words.length * 4);
    words.forEach((w, i) => new DataView(req.buffer).setUint32(i * 4, w, true));
    const m = new Msg();
    m.r.reset(req, 0, req.length);
    m.w.reset(new Uint8Array(256), 0, 256);
    const n = fx.platform.dispatch(fx.session("a"), m);
    assertEquals(typeof n, "number");
    assertEquals(new DataView(m.w.buffer.buffer).getInt32(4, true), Status.SUCCESS);
  }
});

Deno.test("PERF_LEVEL_SET waits for the transition latency; the notification follows it", async () => {
  const b = board(4, 30_000);
  const clock = new ManualClock();
  const drivers = new Map<string, BoardDriver>([
    ["sim", createSim(b, "sim", { timeScale: 1, clock })],
  ]);
  const fx = await fixture({ board: b, drivers, agents: agents("a") });
  await fx.words("a", [h(PerfMsg.NOTIFY_LEVEL), 0, 1]);
  const req = new Uint8Array(12);
  const dv = new DataView(req.buffer);
  [h(PerfMsg.LEVEL_SET), 0, 400].forEach((w, i) => dv.setUint32(i * 4, w, true));
  const m = new Msg();
  m.r.reset(req, 0, 12);
  m.w.reset(new Uint8Array(64), 0, 64);
  const pending = fx.platform.dispatch(fx.session("a"), m);
  assert(pending instanceof Promise, "a transition with latency answers asynchronously");
  clock.advance(29.9);
  assert(!await settled(pending), "the reply waits for the 30 ms transition");
  assertEquals(fx.drain("a"), []);
  clock.advance(0.1);
  assertEquals(await pending, 8);
  assertEquals(fx.drain("a").length, 1);
  assertEquals((await fx.words("a", [h(PerfMsg.LEVEL_GET), 0]))[2], 400);
});

function failingDriver(async: boolean): BoardDriver {
  const fail = () => {
    const e = new DriverError("hardware", "PLL did not lock");
    if (async) return Promise.reject(e);
    throw e;
  };
  return { name: "sim", perf: { getLevel: () => 100, setLevel: fail, setLimits: fail } };
}

for (const async of [false, true]) {
  Deno.test(`a ${async ? "rejecting" : "throwing"} driver → HARDWARE_ERROR, nothing changes`, async () => {
    const b = board();
    const fx = await fixture({
      board: b,
      drivers: new Map([["sim", failingDriver(async)]]),
      agents: agents("a"),
    });
    await fx.words("a", [h(PerfMsg.NOTIFY_LEVEL), 0, 1]);
    await fx.words("a", [h(PerfMsg.NOTIFY_LIMITS), 0, 1]);
    assertEquals(status(await fx.words("a", [h(PerfMsg.LEVEL_SET), 0, 300])), -9);
    assertEquals(status(await fx.words("a", [h(PerfMsg.LIMITS_SET), 0, 300, 200])), -9);
    const d = shared(fx).domains[0]!;
    assertEquals([d.level, d.min, d.max, d.requests.size], [100, 100, 400, 0]);
    assertEquals(fx.drain("a"), []);
    assertEquals((await fx.words("a", [h(PerfMsg.LIMITS_GET), 0])).slice(2), [400, 100]);
  });
}

Deno.test("a driver reporting an undeclared level → HARDWARE_ERROR in level-indexing mode", async () => {
  const b = board();
  perfKind.of(b)[0].levelIndexing = true;
  const drv: BoardDriver = {
    name: "sim",
    perf: { getLevel: () => 150, setLevel: (_i: number, l: number) => l, setLimits: () => 100 },
  };
  const fx = await fixture({ board: b, drivers: new Map([["sim", drv]]), agents: agents("a") });
  assertEquals(status(await fx.words("a", [h(PerfMsg.LEVEL_GET), 0])), Status.HARDWARE_ERROR);
});

function platformFor(b: Board, log = new Logger()): Promise<Platform> {
  return Promise.resolve(simDriver.create({ name: "sim", options: { time_scale: 0 }, board: b }))
    .then((drv) =>
      new Platform({
        board: b,
        hw: buildHwTable(b, new Map([["sim", drv]])),
        vendor: TEST_VENDOR,
        agents: [],
        protocols: [perfProtocol],
        log,
      })
    );
}

Deno.test("a board whose levels do not ascend is refused at startup", async () => {
  const b = board();
  perfKind.of(b)[0].levels.reverse();
  await assertRejects(() => platformFor(b), TypeError, "levels must ascend");
});

Deno.test("a board whose power-on level is not declared is refused at startup", async () => {
  const b = board();
  perfKind.of(b)[0].level = 150;
  await assertRejects(() => platformFor(b), TypeError, "power-on level 150");
});

Deno.test("a domain with more levels than Linux accepts is logged at startup", async () => {
  const lines: string[] = [];
  const log = new Logger();
  log.sink = (level, line) => void lines.push(`${level}: ${line}`);
  await platformFor(board(65), log);
  assertEquals(lines, [`warn: perf "cpu" (0): 65 levels; Linux agents accept at most 64`]);
});

Deno.test("PERF_LIMITS_SET 4.0: range_max below range_min is INVALID_PARAMETERS, outside the domain OUT_OF_RANGE, accepted limits hold and notify", async () => {
  // Domain 0 addresses levels 100…400 by value (a zero limit is left unchanged); domain 1 by
  // index 0…3 (level-indexing mode, where 0 is the lowest level's index).
  const values = [0, 50, 100, 150, 200, 300, 400, 500];
  const indices = [0, 1, 2, 3, 4];
  const request = fc.oneof(
    fc.tuple(fc.constant(0), fc.constantFrom(...values), fc.constantFrom(...values)),
    fc.tuple(fc.constant(1), fc.constantFrom(...indices), fc.constantFrom(...indices)),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(request, { minLength: 1, maxLength: 12 }), async (requests) => {
      const b = board();
      perfKind.of(b).push({ ...perfKind.of(b)[0], id: 1, name: "indexed", levelIndexing: true });
      const fx = await fixture({
        board: b,
        agents: [
          { name: "a", protocols: { [PERF]: 0x40000 }, grants: { perf: [0, 1] } },
          { name: "sub", protocols: { [PERF]: 0x40000 }, grants: { perf: [0, 1] } },
        ],
      });
      for (const d of [0, 1]) await fx.words("sub", [h(PerfMsg.NOTIFY_LIMITS), d, 1]);
      const limits = [[400, 100], [3, 0]];
      for (const [d, max, min] of requests) {
        const st = status(await fx.words("a", [h(PerfMsg.LIMITS_SET), d, max, min]));
        let want: number[] | Status;
        if (d === 1) {
          want = min > max ? Status.INVALID_PARAMETERS : max > 3 ? Status.OUT_OF_RANGE : [max, min];
        } else if (max === 0 && min === 0) want = Status.INVALID_PARAMETERS;
        else {
          const hi = max || limits[0][0];
          const lo = min || limits[0][1];
          want = lo > hi
            ? Status.INVALID_PARAMETERS
            : lo < 100 || hi > 400 || Math.floor(hi / 100) * 100 < lo
            ? Status.OUT_OF_RANGE
            : [hi, lo];
        }
        const heard = fx.drain("sub").filter((n) => n[0] === PerfEvent.LIMITS_CHANGED);
        if (typeof want === "number") {
          assertEquals(st, want, `LIMITS_SET(${d}, ${max}, ${min})`);
          assertEquals(heard, []);
          continue;
        }
        assertEquals(st, Status.SUCCESS, `LIMITS_SET(${d}, ${max}, ${min})`);
        const changed = want[0] !== limits[d][0] || want[1] !== limits[d][1];
        limits[d] = want;
        assertEquals((await fx.words("a", [h(PerfMsg.LIMITS_GET), d])).slice(2), want);
        assertEquals(heard.length, changed ? 1 : 0, "subscribers hear changed limits");
        if (changed) {
          const dv = new DataView(heard[0].buffer);
          assertEquals([2, 3, 4].map((i) => dv.getUint32(i * 4, true)), [d, ...want]);
        }
      }
    }),
    { numRuns: 300 },
  );
});

Deno.test("level-indexing mode: a zero limit is index 0 and is checked against the agent's bounds", async () => {
  const b = board();
  perfKind.of(b)[0].levelIndexing = true;
  const fx = await fixture({
    board: b,
    agents: [{
      name: "a",
      protocols: { [PERF]: 0x40000 },
      grants: { perf: [0] },
      bounds: { perf: [{ min: 200, max: 400 }] },
    }],
  });
  // Index 0 is level 100, below the agent's minimum of 200.
  assertEquals(status(await fx.words("a", [h(PerfMsg.LIMITS_SET), 0, 3, 0])), Status.OUT_OF_RANGE);
  assertEquals((await fx.words("a", [h(PerfMsg.LIMITS_GET), 0])).slice(2), [3, 0]);
  assertEquals(status(await fx.words("a", [h(PerfMsg.LIMITS_SET), 0, 3, 1])), Status.SUCCESS);
  assertEquals(status(await fx.words("a", [h(PerfMsg.LIMITS_SET), 0, 0, 1])), Status.OUT_OF_RANGE);
  assertEquals((await fx.words("a", [h(PerfMsg.LIMITS_GET), 0])).slice(2), [3, 1]);
});

Deno.test("PERF_LEVEL_SET of a level the domain does not declare → OUT_OF_RANGE before any vote or driver call", async () => {
  const fx = await fixture({ board: board(), agents: agents("a") });
  const seq = fx.platform.votes.seq;
  assertEquals(status(await fx.words("a", [h(PerfMsg.LEVEL_SET), 0, 250])), Status.OUT_OF_RANGE);
  assertEquals(fx.platform.votes.seq, seq, "nothing was voted, nothing journaled");
  assertEquals(shared(fx).domains[0]!.requests.size, 0);
  // Hardware that approximates takes any level within the domain's range.
  const b = board();
  perfKind.of(b)[0].approximate = true;
  const fy = await fixture({ board: b, agents: agents("a") });
  assertEquals(status(await fy.words("a", [h(PerfMsg.LEVEL_SET), 0, 250])), Status.SUCCESS);
});
