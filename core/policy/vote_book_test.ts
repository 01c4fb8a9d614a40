/**
 * The vote book: journaled stores, releasing an agent, describing a resource, and replaying
 * restored votes into stores as plugins create them.
 */
import { assert, assertEquals, assertThrows } from "../_assert_test.ts";
import { Logger } from "../log.ts";
import type { JournalEntry } from "../../server/journal/records.ts";
import { VoteBook, type VoteJournal } from "./vote_book.ts";

type Rec = [string, string, number, number | null];

/** A journal that keeps records in memory. */
function memJournal(restored: JournalEntry[] = []): VoteJournal & { records: Rec[] } {
  const records: Rec[] = [];
  return {
    restored,
    records,
    append(agent, store, phys, value) {
      records.push([agent, store, phys, value]);
      return records.length;
    },
    durable: () => undefined,
  };
}

const NAMES = ["", "vm1", "vm2", "host"];

function book(journal = memJournal(), visible?: (id: number, phys: number) => boolean) {
  const log = new Logger();
  const lines: string[] = [];
  log.sink = (level, line) => void lines.push(`${level}: ${line}`);
  const b = new VoteBook({
    journal,
    log,
    agentName: (id) => NAMES[id],
    agentId: (name) => {
      const i = NAMES.indexOf(name);
      return i > 0 ? i : undefined;
    },
    check: visible &&
      ((id, kind, phys) => visible(id, phys) ? undefined : `the agent does not see that ${kind}`),
  });
  return { b, journal, lines };
}

Deno.test("every change of an agent's own vote is journaled by agent name; repeats are not", () => {
  const { b, journal } = book();
  const applied: number[] = [];
  const on = b.onOff("clock.enable", { apply: (p) => void applied.push(p) });
  on.vote(1, 3, true);
  on.vote(1, 3, true);
  on.vote(2, 3, true);
  on.vote(1, 3, false);
  on.vote(1, 3, false);
  const rates = b.values("clock.rate", { policyOf: () => "max", apply: () => {} });
  rates.request(2, 3, 100);
  rates.request(2, 3, 100);
  rates.request(1, 3, 50);
  rates.release(2, 3);
  assertEquals(journal.records, [
    ["vm1", "clock.enable", 3, 1],
    ["vm2", "clock.enable", 3, 1],
    ["vm1", "clock.enable", 3, null],
    ["vm2", "clock.rate", 3, 100],
    ["vm1", "clock.rate", 3, 50],
    ["vm2", "clock.rate", 3, null],
  ]);
  assertEquals(b.seq, 6);
  assertEquals([b.seqOf(1), b.seqOf(2), b.seqOf(3)], [5, 6, 0]);
  assertEquals(applied, [], "commands drive the hardware themselves");
});

Deno.test("under `last`, repeating an older request moves it up and is journaled", () => {
  const { b, journal } = book();
  const v = b.values("perf.level", { policyOf: () => "last", apply: () => {} });
  v.request(1, 0, 300);
  v.request(2, 0, 200);
  v.request(1, 0, 300);
  assertEquals(v.effective(0), 300);
  v.request(1, 0, 300);
  assertEquals(journal.records.length, 3, "the newest repeating itself changes nothing");
});

Deno.test("an exclusive resource owned by another agent refuses, and nothing is journaled", () => {
  const { b, journal } = book();
  const v = b.values("clock.rate", { policyOf: () => "exclusive", apply: () => {} });
  v.request(2, 7, 148_500_000);
  assertEquals(v.request(1, 7, 74_250_000).accepted, false);
  assertEquals(journal.records.length, 1);
  assertEquals(b.describe("clock.rate", 7)!.owner, 2);
});

Deno.test("releaseAgent withdraws every vote in every store and applies each resource once", async () => {
  const { b, journal } = book();
  const applied: string[] = [];
  const on = b.onOff("clock.enable", {
    apply: (p, cause) => void applied.push(`enable ${p} by ${cause}`),
  });
  const v = b.values("clock.rate", {
    policyOf: () => "last",
    apply: (p, cause) => Promise.resolve().then(() => void applied.push(`rate ${p} by ${cause}`)),
  });
  on.vote(1, 1, true);
  on.vote(1, 2, true);
  on.vote(2, 2, true);
  v.request(1, 2, 10);
  journal.records.length = 0;
  const out = b.releaseAgent(1);
  assert(out instanceof Promise, "a store's apply blocked: the release resolves after it");
  await out;
  assertEquals(applied, ["enable 1 by 1", "enable 2 by 1", "rate 2 by 1"]);
  assertEquals([on.effective(1), on.effective(2), v.effective(2)], [false, true, undefined]);
  assertEquals(journal.records, [
    ["vm1", "clock.enable", 1, null],
    ["vm1", "clock.enable", 2, null],
    ["vm1", "clock.rate", 2, null],
  ]);
  assertEquals(b.heldBy(1), []);
  assertEquals(b.releaseAgent(1), undefined, "nothing held: nothing to wait for");
});

Deno.test("a failing apply is logged with the store, resource and agent, never thrown", async () => {
  const { b, lines } = book();
  const on = b.onOff("voltage.enable", {
    apply: () => {
      throw new Error("regulator stuck");
    },
  });
  const v = b.values("voltage.level", {
    policyOf: () => "max",
    apply: () => Promise.reject(new Error("i2c timeout")),
  });
  on.vote(2, 0, true);
  v.request(2, 0, 900_000);
  await b.releaseAgent(2);
  assertEquals(lines.length, 2);
  assert(lines[0].includes('voltage.enable: applying 0 after a change of agent "vm2"'));
  assert(lines[0].includes("regulator stuck"), lines[0]);
  assert(lines[1].includes("i2c timeout"), lines[1]);
});

Deno.test("withdraw releases one vote and applies it; heldBy and describe report the book", () => {
  const { b } = book();
  let applied = -1;
  const on = b.onOff("reset.assert", { kind: "reset", apply: (p) => void (applied = p) });
  const v = b.values("perf.level", { kind: "perf", policyOf: () => "max", apply: () => {} });
  on.keep(4);
  on.vote(1, 4, true);
  on.vote(2, 4, true);
  v.request(1, 0, 300);
  v.request(2, 0, 500);
  assertEquals(b.heldBy(1), [
    { store: "reset.assert", kind: "reset", phys: 4, value: 1 },
    { store: "perf.level", kind: "perf", phys: 0, value: 300 },
  ]);
  assertEquals(b.describe("reset.assert", 4), {
    store: "reset.assert",
    type: "on-off",
    phys: 4,
    kind: "reset",
    kept: true,
    voters: [{ agent: 1, name: "vm1", value: 1 }, { agent: 2, name: "vm2", value: 1 }],
    effective: true,
  });
  assertEquals(b.describe("perf.level", 0), {
    store: "perf.level",
    type: "value",
    phys: 0,
    kind: "perf",
    policy: "max",
    voters: [{ agent: 1, name: "vm1", value: 300 }, { agent: 2, name: "vm2", value: 500 }],
    effective: 500,
  });
  b.withdraw("reset.assert", 1, 4);
  assertEquals(applied, 4);
  assertEquals(b.describe("reset.assert", 4)!.voters.map((x) => x.agent), [2]);
  assertEquals(b.describe("nope", 0), undefined);
  assertEquals(b.stores(), ["reset.assert", "perf.level"]);
  assertEquals(b.stores("perf"), ["perf.level"]);
});

Deno.test("a store name used twice → TypeError", () => {
  const { b } = book();
  b.onOff("clock.enable", { apply: () => {} });
  assertThrows(() => b.onOff("clock.enable", { apply: () => {} }), TypeError, "created twice");
});

Deno.test("restored votes land in their store when it is created, without being journaled again", () => {
  const journal = memJournal([
    { agent: "vm1", store: "clock.enable", phys: 3, value: 1 },
    { agent: "vm2", store: "clock.rate", phys: 3, value: 100 },
    { agent: "vm1", store: "clock.rate", phys: 3, value: 200 },
  ]);
  const { b } = book(journal);
  const on = b.onOff("clock.enable", { apply: () => {} });
  const v = b.values("clock.rate", { policyOf: () => "last", apply: () => {} });
  assertEquals(on.has(1, 3), true);
  assertEquals([...v.requests(3)], [[2, 100], [1, 200]], "the order of requests survives");
  assertEquals(v.effective(3), 200);
  assertEquals(journal.records, []);
  assertEquals(b.restoredAgents().sort(), [1, 2]);
});

Deno.test("reconcile applies each restored resource once, after every store exists", () => {
  const journal = memJournal([
    { agent: "vm1", store: "clock.enable", phys: 3, value: 1 },
    { agent: "vm2", store: "clock.enable", phys: 3, value: 1 },
    { agent: "vm1", store: "clock.enable", phys: 5, value: 1 },
  ]);
  const { b } = book(journal);
  const applied: [number, number][] = [];
  b.onOff("clock.enable", { apply: (p, cause) => void applied.push([p, cause]) });
  assertEquals(applied, [], "not while the plugin is still setting up");
  b.reconcile();
  assertEquals(applied, [[3, 0], [5, 0]]);
  b.reconcile();
  assertEquals(applied.length, 2, "only once");
});

Deno.test("restored votes nobody can take are dropped, logged and withdrawn in the journal", () => {
  const journal = memJournal([
    { agent: "gone", store: "clock.enable", phys: 1, value: 1 },
    { agent: "vm1", store: "clock.enable", phys: 9, value: 1 },
    { agent: "vm2", store: "clock.enable", phys: 2, value: 1 },
    { agent: "vm1", store: "sensor.old", phys: 0, value: 1 },
  ]);
  const { b, lines } = book(journal, (_id, phys) => phys !== 9);
  const on = b.onOff("clock.enable", { kind: "clock", apply: () => {} });
  b.reconcile();
  assertEquals([on.effective(1), on.effective(2), on.effective(9)], [false, true, false]);
  assertEquals(journal.records, [
    ["gone", "clock.enable", 1, null],
    ["vm1", "clock.enable", 9, null],
    ["vm1", "sensor.old", 0, null],
  ]);
  assertEquals(lines.length, 3);
  assert(lines[0].includes("no such agent"), lines[0]);
  assert(lines[1].includes("does not see that clock"), lines[1]);
  assert(lines[2].includes('"sensor.old"'), lines[2]);
  assertEquals(b.restoredAgents(), [2]);
});

Deno.test("without a journal the book keeps votes in memory and never waits", () => {
  const b = new VoteBook({ agentName: (id) => NAMES[id], agentId: () => undefined });
  const on = b.onOff("clock.enable", { apply: () => {} });
  on.vote(1, 0, true);
  assertEquals([b.journaled, b.seq, b.durable()], [false, 1, undefined]);
});

Deno.test("a repeat that only makes a request the newest is journaled but holds no reply", () => {
  const { b, journal } = book();
  const v = b.values("clock.rate", { policyOf: () => "last", apply: () => {} });
  v.request(1, 0, 100);
  v.request(2, 0, 100);
  const seq = b.seq;
  v.request(1, 0, 100); // only an equal request came after it: nothing moves
  assertEquals([journal.records.length, b.seq], [2, seq], "nothing to journal");
  v.request(3, 0, 200);
  v.request(2, 0, 100); // the effective value moves back to 100
  assertEquals([journal.records.length, b.seq], [4, seq + 2]);
  v.request(1, 0, 100); // behind agent 3's 200: newest again, effective still 100
  assertEquals([journal.records.length, b.seq], [5, seq + 2], "journaled, nothing to wait for");
  assertEquals(v.release(2, 0).effective, 100, "agent 1's repeat made it newer than agent 3");
});

Deno.test("a restored value its store refuses never takes an exclusive resource from a valid one", () => {
  const journal = memJournal([
    { agent: "vm1", store: "clock.rate", phys: 3, value: 999 }, // the store cannot set 999
    { agent: "vm2", store: "clock.rate", phys: 3, value: 100 },
  ]);
  const { b, lines } = book(journal);
  const v = b.values("clock.rate", {
    kind: "clock",
    policyOf: () => "exclusive",
    admit: (_phys, value) => value === 999 ? "999 is not a rate the clock runs at" : undefined,
    apply: () => {},
  });
  assertEquals(v.owner(3), 2, "vm2 owns the clock");
  assertEquals([...v.requests(3)], [[2, 100]]);
  assertEquals(journal.records, [["vm1", "clock.rate", 3, null]]);
  assertEquals(lines.length, 1);
  assert(lines[0].includes('"vm1"') && lines[0].includes("of 999 on clock.rate 3"), lines[0]);
  assert(lines[0].endsWith("999 is not a rate the clock runs at"), lines[0]);
});

Deno.test("restored votes meet the central checks with their value (null for on/off) before the store", () => {
  const journal = memJournal([
    { agent: "vm1", store: "clock.enable", phys: 1, value: 1 },
    { agent: "vm1", store: "clock.rate", phys: 1, value: 300 },
    { agent: "vm1", store: "clock.rate", phys: 2, value: 100 },
  ]);
  const log = new Logger();
  const lines: string[] = [];
  log.sink = (_level, line) => void lines.push(line);
  const asked: [number, string, number, number | null][] = [];
  const b = new VoteBook({
    journal,
    log,
    agentName: (id) => NAMES[id],
    agentId: (name) => NAMES.indexOf(name),
    check: (id, kind, phys, value) => {
      asked.push([id, kind, phys, value]);
      return value !== null && value > 200 ? `${value} is outside the agent's bounds` : undefined;
    },
    resourceName: (_kind, phys) => `clk${phys}`,
  });
  const on = b.onOff("clock.enable", { kind: "clock", apply: () => {} });
  const v = b.values("clock.rate", { kind: "clock", policyOf: () => "last", apply: () => {} });
  assertEquals(asked, [[1, "clock", 1, null], [1, "clock", 1, 300], [1, "clock", 2, 100]]);
  assertEquals([on.has(1, 1), v.own(1, 1), v.own(1, 2)], [true, undefined, 100]);
  assertEquals(lines, [
    'Vote journal: dropping agent "vm1"\'s restored vote of 300 on clock.rate 1 ("clk1"): 300 is outside the agent\'s bounds',
  ]);
});
