/**
 * Votes through an agent's life on a whole platform: grace periods after a close, explicit
 * ends, a stopping server, a restart that restores votes from the journal without
 * glitching the hardware, and replies that wait for the journal's fsync.
 */
import { clockKind } from "../../plugins/clock/kind.ts";
import { resetKind } from "../../plugins/reset/kind.ts";
import { join } from "node:path";
import { simDriver } from "../../boards/drivers/sim.ts";
import type { SimClockHw } from "../../boards/drivers/sim/clock.ts";
import { assert, assertEquals } from "../_assert_test.ts";
import { until } from "../_wait_test.ts";
import { Agent } from "../agent.ts";
import { type Board, emptyBoard } from "../board.ts";
import { encodeHeader, MsgType } from "../header.ts";
import { buildHwTable } from "../hw_table.ts";
import { Msg } from "../msg.ts";
import { Platform } from "../platform.ts";
import { PROTOCOLS } from "../../builtins.ts";
import type { Session } from "../session.ts";
import { Status } from "../status.ts";
import type { Grace, GraceClock, TimerId } from "./grace.ts";
import { Journal, JOURNAL_FILE, type SyncFn } from "../../server/journal/journal.ts";
import { scanJournal } from "../../server/journal/records.ts";

const CLOCK = 0x14;
const RESET = 0x16;
const BASE = 0x10;
const CLOCK_ATTRIBUTES = 0x3;
const CLOCK_RATE_SET = 0x5;
const CLOCK_RATE_GET = 0x6;
const CLOCK_CONFIG_SET = 0x7;
const RESET_CMD = 0x4;
const RESET_AGENT_CONFIGURATION = 0xb;
const MHZ = 1_000_000;

/** Every directory of this file's tests, removed when the run ends. */
const ROOT = await Deno.makeTempDir({ prefix: "vscmi-lifecycle-" });
globalThis.addEventListener("unload", () => Deno.removeSync(ROOT, { recursive: true }));

/** clk0 off at boot, clk1 running at boot; rst0. */
function board(): Board {
  const b = emptyBoard("lifecycle");
  b.drivers.push({ name: "sim", type: "sim", options: { time_scale: 0 } });
  for (const [id, enabled] of [[0, false], [1, true]] as const) {
    clockKind.of(b).push({
      id,
      name: `clk${id}`,
      driver: "sim",
      rates: { kind: "list", rates: [25 * MHZ, 50 * MHZ, 100 * MHZ, 200 * MHZ] },
      rate: 25 * MHZ,
      enabled,
      parents: [],
      latencyUs: 0,
    });
  }
  resetKind.of(b).push({ id: 0, name: "rst0", driver: "sim", latencyUs: 0, async: false });
  return b;
}

/** Timers that run only when the test advances time. */
class FakeClock implements GraceClock {
  now = 0;
  #next = 1;
  readonly #timers = new Map<number, { at: number; fn: () => void }>();
  setTimeout(fn: () => void, ms: number): TimerId {
    const id = this.#next++;
    this.#timers.set(id, { at: this.now + ms, fn });
    return id as unknown as TimerId;
  }
  clearTimeout(id: TimerId): void {
    this.#timers.delete(id as unknown as number);
  }
  advance(ms: number): void {
    this.now += ms;
    for (const [id, t] of [...this.#timers]) {
      if (t.at > this.now) continue;
      this.#timers.delete(id);
      t.fn();
    }
  }
  get pending(): number {
    return this.#timers.size;
  }
}

interface Spec {
  grace?: { vm1?: Partial<Grace>; vm2?: Partial<Grace> };
  journal?: Journal;
}

/** A platform with agents vm1 and vm2 (both see clk0, clk1, rst0) and a trusted host. */
async function platform(spec: Spec = {}) {
  const b = board();
  const drv = await simDriver.create({ name: "sim", options: { time_scale: 0 }, board: b });
  const mk = (id: number, name: string, trusted = false) => {
    const a = new Agent({
      id,
      name,
      trusted,
      grace: spec.grace?.[name as "vm1" | "vm2"],
    });
    for (const p of [CLOCK, RESET]) a.grants.protocols.set(p, {});
    a.grants.maps.clock.grant(0);
    a.grants.maps.clock.grant(1);
    a.grants.maps.reset.grant(0);
    return a;
  };
  const clock = new FakeClock();
  const p = new Platform({
    board: b,
    hw: buildHwTable(b, new Map([["sim", drv]])),
    vendor: { vendor: "vscmi", subVendor: "test", implementationVersion: 1 },
    agents: [mk(1, "vm1"), mk(2, "vm2"), mk(3, "host", true)],
    protocols: [...PROTOCOLS],
    journal: spec.journal,
    graceClock: clock,
  });
  const logs: string[] = [];
  p.log.sink = (level, line) => void logs.push(`${level}: ${line}`);
  await p.ready;
  const sessions = new Map<string, Session>();
  const open = (name: string) => {
    const s = p.openSession(p.agent(name)!, { p2a: true });
    sessions.set(name, s);
    return s;
  };
  /** Dispatches one command; returns the reply length or its promise, untouched. */
  const raw = (name: string, proto: number, msg: number, params: number[]) => {
    const req = new Uint8Array(4 + params.length * 4);
    const dv = new DataView(req.buffer);
    dv.setUint32(0, encodeHeader(msg, MsgType.COMMAND, proto, 0), true);
    params.forEach((w, i) => dv.setUint32(4 + i * 4, w >>> 0, true));
    const out = new Uint8Array(64);
    const m = new Msg();
    m.r.reset(req, 0, req.length);
    m.w.reset(out, 0, out.length);
    const n = p.dispatch(sessions.get(name)!, m);
    const words = (len: number) => {
      const odv = new DataView(out.buffer);
      const w: number[] = [];
      for (let i = 4; i + 4 <= len; i += 4) w.push(odv.getInt32(i, true));
      return w;
    };
    return { n, words };
  };
  /** Status and payload words of one command. */
  const call = async (name: string, proto: number, msg: number, params: number[]) => {
    const { n, words } = raw(name, proto, msg, params);
    return words(await n);
  };
  const hw = drv.clock as SimClockHw;
  const enabled = (name: string, vid: number) =>
    call(name, CLOCK, CLOCK_ATTRIBUTES, [vid]).then((w) => (w[1] & 1) === 1);
  return { p, clock, logs, sessions, open, raw, call, hw, drv, enabled };
}

Deno.test("close grace 0 (the default): closing the last session releases at once", async () => {
  const { p, open, call, hw, sessions } = await platform();
  open("vm1");
  assertEquals(await call("vm1", CLOCK, CLOCK_CONFIG_SET, [0, 1]), [Status.SUCCESS]);
  assertEquals(hw.isEnabled(0), true);
  p.closeSession(sessions.get("vm1")!);
  assertEquals(hw.isEnabled(0), false);
  assertEquals(p.votes.heldBy(1), []);
});

Deno.test("close grace 5 s: votes outlive the session; a reconnect in time keeps them its own", async () => {
  const { p, clock, open, call, hw, sessions, enabled } = await platform({
    grace: { vm1: { closeS: 5 } },
  });
  open("vm1");
  await call("vm1", CLOCK, CLOCK_CONFIG_SET, [0, 1]);
  await call("vm1", CLOCK, CLOCK_RATE_SET, [0, 0, 100 * MHZ, 0]);
  p.closeSession(sessions.get("vm1")!);
  clock.advance(4_900);
  assertEquals([hw.isEnabled(0), hw.getRate(0)], [true, 100 * MHZ], "still in force");
  open("vm1");
  assertEquals(await enabled("vm1", 0), true, "vm1 reads its own vote after reconnecting");
  clock.advance(60_000);
  assertEquals(hw.isEnabled(0), true, "the reconnect cancelled the release");
  assertEquals(clock.pending, 0);
});

Deno.test("close grace 5 s: an agent that does not come back loses its votes when it ends", async () => {
  const { p, clock, open, call, hw, drv, sessions, logs } = await platform({
    grace: { vm1: { closeS: 5 } },
  });
  open("vm1");
  open("vm2");
  await call("vm1", CLOCK, CLOCK_CONFIG_SET, [0, 1]);
  await call("vm2", RESET, RESET_CMD, [0, 2, 0]);
  await call("vm1", RESET, RESET_CMD, [0, 2, 0]);
  p.closeSession(sessions.get("vm1")!);
  p.closeSession(sessions.get("vm2")!);
  assertEquals(p.votes.describe("reset.assert", 0)!.voters.map((v) => v.name), ["vm1"]);
  clock.advance(5_000);
  assertEquals([hw.isEnabled(0), p.votes.heldBy(1)], [false, []]);
  assertEquals(resetKind.hw.of(drv)!.isAsserted(0), false);
  assert(logs.some((l) => l.includes('"vm1" did not come back within its close grace')));
});

Deno.test("a second session of the agent keeps its votes when the first closes", async () => {
  const { p, open, call, hw, sessions } = await platform();
  open("vm1");
  await call("vm1", CLOCK, CLOCK_CONFIG_SET, [0, 1]);
  const first = sessions.get("vm1")!;
  open("vm1");
  p.closeSession(first);
  assertEquals(hw.isEnabled(0), true);
  p.closeSession(sessions.get("vm1")!);
  assertEquals(hw.isEnabled(0), false);
});

Deno.test("explicit ends release at once whatever the grace: endAgent, RESET_AGENT_CONFIGURATION", async () => {
  const { p, open, call, hw, sessions } = await platform({
    grace: { vm1: { closeS: 600 }, vm2: { closeS: 600 } },
  });
  open("vm1");
  open("vm2");
  open("host");
  await call("vm1", CLOCK, CLOCK_CONFIG_SET, [0, 1]);
  await call("vm2", CLOCK, CLOCK_RATE_SET, [0, 0, 200 * MHZ, 0]);
  await p.endAgent(p.agent("vm1")!);
  assertEquals([hw.isEnabled(0), sessions.get("vm1")!.open], [false, false]);
  assertEquals(await call("host", BASE, RESET_AGENT_CONFIGURATION, [2, 0]), [Status.SUCCESS]);
  assertEquals(p.votes.heldBy(2), []);
  assertEquals(sessions.get("vm2")!.open, true, "the reset agent keeps its session");
});

Deno.test("a stopping server keeps every vote and journals nothing", async () => {
  const dir = await Deno.makeTempDir({ dir: ROOT });
  const journal = await Journal.open(dir);
  const { p, open, call, hw } = await platform({ journal });
  open("vm1");
  await call("vm1", CLOCK, CLOCK_CONFIG_SET, [0, 1]);
  const seq = journal.seq;
  p.close();
  assertEquals([hw.isEnabled(0), journal.seq], [true, seq]);
  assertEquals(p.votes.heldBy(1).length, 1);
  await journal.close();
});

/** Writes a journal as a server that made these votes would have left it. */
async function leftBehind(votes: [string, string, number, number][]): Promise<string> {
  const dir = await Deno.makeTempDir({ dir: ROOT });
  const j = await Journal.open(dir);
  for (const [a, s, p, v] of votes) j.append(a, s, p, v);
  await j.close();
  return dir;
}

Deno.test("restart: restored votes drive the hardware back; a clock already on is not touched", async () => {
  const dir = await leftBehind([
    ["vm1", "clock.enable", 0, 1],
    ["vm1", "clock.rate", 0, 100 * MHZ],
    ["vm1", "clock.enable", 1, 1], // clk1 runs from boot
    ["vm2", "reset.assert", 0, 1],
  ]);
  const journal = await Journal.open(dir);
  const { p, hw, drv, open, enabled, call, clock } = await platform({ journal });
  assertEquals([hw.isEnabled(0), hw.getRate(0)], [true, 100 * MHZ]);
  assertEquals(resetKind.hw.of(drv)!.isAsserted(0), true);
  assertEquals(p.votes.describe("clock.enable", 1)!.kept, true, "boot-running clk1 stays kept");
  open("vm1");
  assertEquals(await enabled("vm1", 0), true);
  assertEquals(await enabled("vm1", 1), true, "vm1's own vote on the kept clock");
  assertEquals(await call("vm1", CLOCK, CLOCK_RATE_GET, [0]), [0, 100 * MHZ, 0]);
  assertEquals(clock.pending, 1, "vm2's restart grace runs");
  await journal.close();
});

Deno.test("restart: reconciling changes only what differs (no enable, no rate call)", async () => {
  const dir = await leftBehind([["vm1", "clock.enable", 1, 1], ["vm1", "clock.rate", 1, 25 * MHZ]]);
  const journal = await Journal.open(dir);
  const calls: string[] = [];
  // Count what reaches the clock driver from the start.
  const b = board();
  const drv = await simDriver.create({ name: "sim", options: { time_scale: 0 }, board: b });
  const hw = drv.clock as SimClockHw;
  const setEnabled = hw.setEnabled.bind(hw);
  const setRate = hw.setRate.bind(hw);
  hw.setEnabled = (id, on) => (calls.push(`enable ${id} ${on}`), setEnabled(id, on));
  hw.setRate = (id, r, round) => (calls.push(`rate ${id} ${r}`), setRate(id, r, round));
  const a = new Agent({ id: 1, name: "vm1" });
  a.grants.protocols.set(CLOCK, {});
  a.grants.maps.clock.grant(0);
  a.grants.maps.clock.grant(1);
  const p = new Platform({
    board: b,
    hw: buildHwTable(b, new Map([["sim", drv]])),
    vendor: { vendor: "vscmi", subVendor: "test", implementationVersion: 1 },
    agents: [a],
    protocols: [...PROTOCOLS],
    journal,
    graceClock: new FakeClock(),
  });
  await p.ready;
  assertEquals(calls, []);
  assertEquals(p.votes.heldBy(1).length, 2);
  await journal.close();
});

Deno.test("restart grace: an agent that does not reconnect in time has its votes released", async () => {
  const dir = await leftBehind([
    ["vm1", "clock.enable", 0, 1],
    ["vm2", "clock.rate", 0, 200 * MHZ],
    ["vm2", "reset.assert", 0, 1],
  ]);
  const journal = await Journal.open(dir);
  const { p, hw, drv, clock, open, logs } = await platform({
    journal,
    grace: { vm1: { restartS: 10 }, vm2: { restartS: 2 } },
  });
  assertEquals([hw.getRate(0), resetKind.hw.of(drv)!.isAsserted(0)], [200 * MHZ, true]);
  open("vm1");
  clock.advance(2_000);
  assertEquals(resetKind.hw.of(drv)!.isAsserted(0), false, "vm2 did not come back");
  assertEquals(p.votes.heldBy(2), []);
  assert(logs.some((l) => l.includes('"vm2" did not come back within its restart grace')));
  clock.advance(60_000);
  assertEquals(hw.isEnabled(0), true, "vm1 came back in time: its vote holds");
  await journal.flush();
  const entries = scanJournal(await Deno.readFile(join(dir, JOURNAL_FILE))).entries;
  assertEquals(entries.map((e) => `${e.agent} ${e.store}`), ["vm1 clock.enable"]);
  await journal.close();
});

Deno.test("restart grace 0: restored votes go before the hardware is reconciled", async () => {
  const dir = await leftBehind([["vm2", "clock.enable", 0, 1]]);
  const journal = await Journal.open(dir);
  const { hw } = await platform({ journal, grace: { vm2: { restartS: 0 } } });
  assertEquals(hw.isEnabled(0), false, "never switched on");
  await journal.close();
});

/** A journal whose fsyncs wait for `open()`; counts them. */
async function gatedJournal() {
  let gate: Promise<void> | null = null;
  let release = () => {};
  let syncs = 0;
  const sync: SyncFn = async (f) => {
    syncs++;
    if (gate) await gate;
    await f.syncData();
  };
  const journal = await Journal.open(await Deno.makeTempDir({ dir: ROOT }), { sync });
  syncs = 0;
  return {
    journal,
    close() {
      gate = new Promise<void>((r) => (release = r));
    },
    open() {
      gate = null;
      release();
    },
    get syncs() {
      return syncs;
    },
  };
}

Deno.test("a vote change is acknowledged only after its fsync; a read never waits", async () => {
  const g = await gatedJournal();
  const { open, raw } = await platform({ journal: g.journal });
  open("vm1");
  g.close();
  const set = raw("vm1", CLOCK, CLOCK_CONFIG_SET, [0, 1]);
  assert(set.n instanceof Promise, "CONFIG_SET waits for the journal");
  let done = false;
  set.n.then(() => (done = true));
  const read = raw("vm1", CLOCK, CLOCK_ATTRIBUTES, [0]);
  assertEquals(typeof read.n, "number", "a read answers at once");
  const get = raw("vm1", CLOCK, CLOCK_RATE_GET, [0]);
  assertEquals(typeof get.n, "number");
  await until(() => g.syncs === 1, "the flush to reach its fsync");
  assertEquals([done, g.syncs, g.journal.seq], [false, 1, 1]);
  g.open();
  assertEquals(set.words(await set.n), [Status.SUCCESS]);
  assertEquals(g.journal.durableSeq, 1);
  const again = raw("vm1", CLOCK, CLOCK_CONFIG_SET, [0, 1]);
  assertEquals(typeof again.n, "number", "a repeated vote changes nothing: no wait");
  await g.journal.close();
});

Deno.test("group commit: eight agents' changes in one tick share one fsync", async () => {
  const g = await gatedJournal();
  const { open, raw } = await platform({ journal: g.journal });
  open("vm1");
  open("vm2");
  g.close();
  const replies = [];
  for (let i = 0; i < 4; i++) {
    replies.push(raw("vm1", CLOCK, CLOCK_RATE_SET, [0, 0, [25, 50, 100, 200][i] * MHZ, 0]));
    replies.push(raw("vm2", CLOCK, CLOCK_CONFIG_SET, [i & 1, 1 - (i >> 1)]));
  }
  assert(replies.every((r) => r.n instanceof Promise));
  await until(() => g.syncs === 1, "the shared flush to reach its fsync");
  g.open();
  for (const r of replies) assertEquals(r.words(await r.n), [Status.SUCCESS]);
  assertEquals(g.syncs, 1);
  assertEquals(g.journal.stats.flushes, 1);
  await g.journal.close();
});

Deno.test("a journal that cannot sync → GENERIC_ERROR, never SUCCESS, logged once", async () => {
  let fail = false;
  const journal = await Journal.open(await Deno.makeTempDir({ dir: ROOT }), {
    sync: (f) => (fail ? Promise.reject(new Error("EIO")) : f.syncData()),
  });
  const { open, call, logs } = await platform({ journal });
  open("vm1");
  fail = true;
  assertEquals(await call("vm1", CLOCK, CLOCK_CONFIG_SET, [0, 1]), [Status.GENERIC_ERROR]);
  assert(logs.some((l) => l.includes("could not record the change")), logs.join("\n"));
  fail = false;
  await journal.close();
});
