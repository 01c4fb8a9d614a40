/**
 * The vote journal: record framing, what opening a damaged file recovers, keeps and reports,
 * compaction, durability ordering and group commit (counted through an injected sync).
 */
import { join } from "node:path";
import { assert, assertEquals, assertRejects } from "../../core/_assert_test.ts";
import { turn, until } from "../../core/_wait_test.ts";
import { Logger } from "../../core/log.ts";
import { Journal, JOURNAL_FILE, type SyncFn } from "./journal.ts";
import { MAPPED_FILE_SYSTEMS, MappedTail } from "./mapped_tail.ts";
import { closeFd, fileSystemType, openReadWrite } from "../../bindings/native/libc.ts";
import { crc32, encodeJournal, JOURNAL_MAGIC, type JournalEntry, scanJournal } from "./records.ts";

/** A logger that keeps its lines. */
function logger(): { log: Logger; lines: string[] } {
  const log = new Logger();
  const lines: string[] = [];
  log.sink = (level, line) => void lines.push(`${level}: ${line}`);
  return { log, lines };
}

/** A sync that counts its calls and, when gated, waits for `open()`. */
function countingSync(gated = false) {
  let calls = 0;
  let gate: (() => void) | null = null;
  let waiting: Promise<void> = Promise.resolve();
  const arm = () => {
    waiting = new Promise<void>((r) => (gate = r));
  };
  if (gated) arm();
  const sync: SyncFn = async (f) => {
    calls++;
    await waiting;
    await f.syncData();
  };
  return {
    sync,
    get calls() {
      return calls;
    },
    /** Lets the syncs waiting now (and later ones) complete. */
    open() {
      gate?.();
      waiting = Promise.resolve();
    },
  };
}

/** Every directory of this file's tests, removed when the run ends. */
const ROOT = await Deno.makeTempDir({ prefix: "vscmi-journal-" });
globalThis.addEventListener("unload", () => Deno.removeSync(ROOT, { recursive: true }));

async function tempDir(): Promise<string> {
  return await Deno.makeTempDir({ dir: ROOT });
}

/** Opens, appends `ops`, flushes and closes; returns the file bytes. */
async function write(dir: string, ops: [string, string, number, number | null][]) {
  const j = await Journal.open(dir);
  for (const [a, s, p, v] of ops) j.append(a, s, p, v);
  await j.flush();
  await j.close();
  return await Deno.readFile(join(dir, JOURNAL_FILE));
}

const E = (agent: string, store: string, phys: number, value: number): JournalEntry => ({
  agent,
  store,
  phys,
  value,
});

Deno.test('crc32 matches the IEEE check value of "123456789"', () => {
  assertEquals(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
});

Deno.test("a record is length, CRC of the body, then op, names, id and an f64 value", async () => {
  const dir = await tempDir();
  const bytes = await write(dir, [["vm1", "clock.rate", 5, 200e6]]);
  const body = [
    0x01, // op: vote
    3,
    ...new TextEncoder().encode("vm1"),
    10,
    ...new TextEncoder().encode("clock.rate"),
    5,
    0,
    0,
    0, // physical id
  ];
  const value = new Uint8Array(8);
  new DataView(value.buffer).setFloat64(0, 200e6, true);
  const b = new Uint8Array([...body, ...value]);
  const frame = new Uint8Array(8);
  new DataView(frame.buffer).setUint32(0, b.length, true);
  new DataView(frame.buffer).setUint32(4, crc32(b), true);
  assertEquals([...bytes], [...JOURNAL_MAGIC, ...frame, ...b]);
});

Deno.test("reopening restores the live votes in the order they were last made", async () => {
  const dir = await tempDir();
  await write(dir, [
    ["vm1", "clock.enable", 3, 1],
    ["vm2", "clock.rate", 3, 100],
    ["vm1", "clock.rate", 3, 200],
    ["vm2", "clock.rate", 3, 150], // vm2 asks again: now the newest
    ["vm1", "clock.enable", 3, null], // withdrawn
    ["vm1", "reset.assert", 0, 1],
  ]);
  const j = await Journal.open(dir);
  assertEquals(j.restored, [
    E("vm1", "clock.rate", 3, 200),
    E("vm2", "clock.rate", 3, 150),
    E("vm1", "reset.assert", 0, 1),
  ]);
  await j.close();
});

Deno.test("a torn last record → dropped silently and cut away by the compaction", async () => {
  const dir = await tempDir();
  const good = await write(dir, [["vm1", "clock.enable", 1, 1], ["vm2", "clock.enable", 2, 1]]);
  const path = join(dir, JOURNAL_FILE);
  // Half of a third record, as a crash in the middle of a write leaves it.
  const extra = await write(await tempDir(), [["vm1", "clock.enable", 9, 1]]);
  const torn = extra.subarray(JOURNAL_MAGIC.length, JOURNAL_MAGIC.length + 10);
  await Deno.writeFile(path, new Uint8Array([...good, ...torn]));
  const { log, lines } = logger();
  const j = await Journal.open(dir, { log });
  assertEquals(j.restored.map((e) => e.phys), [1, 2]);
  assertEquals(lines, [], "a torn tail is expected after a crash");
  await j.close();
  assertEquals([...await Deno.readFile(path)], [...good], "the tail is gone");
  assertEquals(await damagedFiles(dir), [], "nothing damaged to keep");
});

Deno.test("a frame cut inside its length word → a torn tail", async () => {
  const dir = await tempDir();
  const good = await write(dir, [["vm1", "clock.enable", 1, 1]]);
  const scan = scanJournal(new Uint8Array([...good, 0x20, 0x00]));
  assertEquals(scan.entries.map((e) => e.phys), [1]);
  assertEquals([scan.torn, scan.damage], [2, []]);
});

/** Three one-vote records of equal size; returns the file and the size of one record. */
async function threeRecords(dir: string) {
  const bytes = await write(dir, [
    ["vm1", "clock.enable", 1, 1],
    ["vm1", "clock.enable", 2, 1],
    ["vm1", "clock.enable", 3, 1],
  ]);
  return { bytes, size: (bytes.length - JOURNAL_MAGIC.length) / 3 };
}

/** Names of the damaged journals kept in `dir`. */
async function damagedFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) if (e.name.includes(".damaged-")) out.push(e.name);
  return out.sort();
}

const AT = new Date("2026-12-07T14:30:05.123Z");

Deno.test("one flipped byte in the first record → only that record is lost; the rest are restored, the damaged file kept, one warning", async () => {
  const dir = await tempDir();
  const { bytes, size } = await threeRecords(dir);
  const bad = bytes.slice();
  bad[JOURNAL_MAGIC.length + 12] ^= 0x40; // inside record 1's body
  await Deno.writeFile(join(dir, JOURNAL_FILE), bad);
  const { log, lines } = logger();
  const j = await Journal.open(dir, { log, now: () => AT });
  assertEquals(j.restored.map((e) => e.phys), [2, 3]);
  await j.close();
  assertEquals(await damagedFiles(dir), [`${JOURNAL_FILE}.damaged-20261207T143005Z`]);
  const kept = await Deno.readFile(join(dir, `${JOURNAL_FILE}.damaged-20261207T143005Z`));
  assertEquals([...kept], [...bad], "the damaged file as it was");
  assertEquals(lines.length, 1, lines.join("\n"));
  assert(lines[0].startsWith("warn: "), lines[0]);
  for (const part of ["record at byte 8 fails its CRC check", `${size} bytes`, "1 record lost"]) {
    assert(lines[0].includes(part), `${part} in ${lines[0]}`);
  }
  assert(lines[0].includes(".damaged-20261207T143005Z"), lines[0]);
  // The new journal holds the two good votes and nothing damaged.
  const again = scanJournal(await Deno.readFile(join(dir, JOURNAL_FILE)));
  assertEquals([again.records, again.damage, again.torn], [2, [], 0]);
});

Deno.test("a damaged length word running past the end → resynchronised at the next good record, no torn tail", async () => {
  const dir = await tempDir();
  const { bytes, size } = await threeRecords(dir);
  const bad = bytes.slice();
  // Record 2's length word now says 240: plausible, but it runs past the end of the file.
  new DataView(bad.buffer).setUint32(JOURNAL_MAGIC.length + size, 240, true);
  const scan = scanJournal(bad);
  assertEquals(scan.entries.map((e) => e.phys), [1, 3]);
  assertEquals(scan.damage.map((d) => [d.at, d.bytes, d.records]), [[
    JOURNAL_MAGIC.length + size,
    size,
    1,
  ]]);
  assertEquals(
    scan.torn,
    0,
    "a record running past the end with good ones after it is no torn tail",
  );
});

Deno.test("a damaged header → every record is still read; the file is kept", async () => {
  const dir = await tempDir();
  const { bytes } = await threeRecords(dir);
  const bad = bytes.slice();
  bad[2] = 0x00;
  await Deno.writeFile(join(dir, JOURNAL_FILE), bad);
  const { log, lines } = logger();
  const j = await Journal.open(dir, { log, now: () => AT });
  assertEquals(j.restored.map((e) => e.phys), [1, 2, 3]);
  await j.close();
  assert(lines[0].includes("journal magic") && lines[0].includes("0 records lost"), lines[0]);
  assertEquals((await damagedFiles(dir)).length, 1);
});

Deno.test("two damaged records and a torn tail → the rest restored, the loss counted, the tail silent", async () => {
  const dir = await tempDir();
  const ops: [string, string, number, number | null][] = [];
  for (let i = 0; i < 6; i++) ops.push(["vm1", "clock.enable", i, 1]);
  const bytes = await write(dir, ops);
  const size = (bytes.length - JOURNAL_MAGIC.length) / 6;
  const bad = bytes.slice(0, bytes.length - 5); // record 6 torn
  bad[JOURNAL_MAGIC.length + 1 * size + 20] ^= 1; // records 2 and 3
  bad[JOURNAL_MAGIC.length + 2 * size + 20] ^= 1;
  const scan = scanJournal(bad);
  assertEquals(scan.entries.map((e) => e.phys), [0, 3, 4]);
  assertEquals(scan.damage.map((d) => [d.bytes, d.records, d.exact]), [[2 * size, 2, true]]);
  assertEquals(scan.torn, size - 5);
  await Deno.writeFile(join(dir, JOURNAL_FILE), bad);
  const { log, lines } = logger();
  const j = await Journal.open(dir, { log, now: () => AT });
  await j.close();
  assertEquals(lines.length, 1);
  assert(lines[0].includes("2 records lost, 3 read"), lines[0]);
});

Deno.test("a damaged file kept at the same second again → a second name; the first is not touched", async () => {
  const dir = await tempDir();
  const { bytes } = await threeRecords(dir);
  const bad = bytes.slice();
  bad[JOURNAL_MAGIC.length + 12] ^= 0x40;
  await Deno.writeFile(join(dir, JOURNAL_FILE), bad);
  await (await Journal.open(dir, { now: () => AT })).close();
  const bad2 = (await Deno.readFile(join(dir, JOURNAL_FILE))).slice();
  bad2[JOURNAL_MAGIC.length + 12] ^= 0x40;
  await Deno.writeFile(join(dir, JOURNAL_FILE), bad2);
  await (await Journal.open(dir, { now: () => AT })).close();
  const names = await damagedFiles(dir);
  assertEquals(names, [
    `${JOURNAL_FILE}.damaged-20261207T143005Z`,
    `${JOURNAL_FILE}.damaged-20261207T143005Z-2`,
  ]);
  assertEquals([...await Deno.readFile(join(dir, names[0]))], [...bad]);
  assertEquals([...await Deno.readFile(join(dir, names[1]))], [...bad2]);
});

Deno.test("an impossible length word → reported as such, not read as a huge record", () => {
  const frame = new Uint8Array(16);
  new DataView(frame.buffer).setUint32(0, 0xffffffff, true);
  const scan = scanJournal(new Uint8Array([...JOURNAL_MAGIC, ...frame]));
  assertEquals(scan.entries, []);
  assert(scan.damage[0]?.why.includes("impossible length 4294967295"), scan.damage[0]?.why);
  const tiny = new Uint8Array(16);
  new DataView(tiny.buffer).setUint32(0, 2, true);
  assert(
    scanJournal(new Uint8Array([...JOURNAL_MAGIC, ...tiny])).damage[0]?.why.includes("length 2"),
  );
});

Deno.test("a file that is not a journal → nothing restored, reported, kept, replaced", async () => {
  const dir = await tempDir();
  const text = new TextEncoder().encode("hello, world, this is not a vote journal\n");
  await Deno.writeFile(join(dir, JOURNAL_FILE), text);
  const { log, lines } = logger();
  const j = await Journal.open(dir, { log, now: () => AT });
  assertEquals(j.restored, []);
  assert(lines[0].includes("journal magic"), lines[0]);
  await j.close();
  assertEquals([...await Deno.readFile(join(dir, JOURNAL_FILE))], [...JOURNAL_MAGIC]);
  const kept = await damagedFiles(dir);
  assertEquals([...await Deno.readFile(join(dir, kept[0]))], [...text]);
});

Deno.test("a record with a CRC that matches but fields that do not → malformed, dropped", () => {
  const body = new Uint8Array([0x07, 1, 0x41, 1, 0x42, 0, 0, 0, 0]); // op 7
  const frame = new Uint8Array(8);
  new DataView(frame.buffer).setUint32(0, body.length, true);
  new DataView(frame.buffer).setUint32(4, crc32(body), true);
  const scan = scanJournal(new Uint8Array([...JOURNAL_MAGIC, ...frame, ...body]));
  assert(scan.damage[0]?.why.includes("unknown operation 7"), scan.damage[0]?.why);
});

Deno.test("compaction at open: a thousand changes on two votes reopen as two records", async () => {
  const dir = await tempDir();
  const ops: [string, string, number, number | null][] = [];
  for (let i = 0; i < 1000; i++) ops.push(["vm1", "clock.rate", i & 1, 1000 + i]);
  const before = await write(dir, ops);
  const j = await Journal.open(dir);
  await j.close();
  const after = await Deno.readFile(join(dir, JOURNAL_FILE));
  assert(after.length < before.length / 100, `${after.length} bytes after ${before.length}`);
  assertEquals(scanJournal(after).records, 2);
  assertEquals(scanJournal(after).entries, [
    E("vm1", "clock.rate", 0, 1998),
    E("vm1", "clock.rate", 1, 1999),
  ]);
});

Deno.test("group commit: N changes appended together → one write and one fsync", async () => {
  const sync = countingSync();
  const j = await Journal.open(await tempDir(), { sync: sync.sync });
  const compactions = sync.calls; // the compaction at open syncs once
  const waits: Promise<void>[] = [];
  for (let i = 0; i < 50; i++) {
    j.append("vm1", "clock.enable", i, 1);
    waits.push(j.durable()!);
  }
  await Promise.all(waits);
  assertEquals(sync.calls - compactions, 1);
  assertEquals(j.stats.flushes, 1);
  assertEquals(j.durableSeq, 50);
  assertEquals(j.durable(), undefined, "nothing left to wait for");
  await j.close();
});

Deno.test("changes during a flush join the next one; none is durable before its fsync", async () => {
  let gate: Promise<void> | null = null;
  let syncs = 0;
  const j = await Journal.open(await tempDir(), {
    sync: async (f) => {
      syncs++;
      if (gate) await gate;
      await f.syncData();
    },
  });
  syncs = 0;
  let release!: () => void;
  gate = new Promise<void>((r) => (release = r));
  const settled: string[] = [];
  j.append("vm1", "clock.enable", 0, 1);
  const a = j.durable()!.then(() => settled.push("a"));
  await until(() => syncs === 1, "the first flush to reach its fsync");
  j.append("vm2", "clock.enable", 1, 1);
  const b = j.durable()!.then(() => settled.push("b"));
  j.append("vm3", "clock.enable", 2, 1);
  const c = j.durable()!.then(() => settled.push("c"));
  await turn();
  assertEquals(settled, [], "nothing acknowledged while the first fsync runs");
  assertEquals([syncs, j.stats.flushes], [1, 0], "later changes wait for the next flush");
  gate = null;
  release();
  await Promise.all([a, b, c]);
  assertEquals(settled, ["a", "b", "c"]);
  assertEquals([syncs, j.stats.flushes], [2, 2], "b and c shared the second flush");
  await j.close();
});

Deno.test("a failing fsync → the waiters are rejected, logged, and the records written again", async () => {
  const { log, lines } = logger();
  let failNext = false;
  const dir = await tempDir();
  const j = await Journal.open(dir, {
    log,
    sync: async (f) => {
      if (failNext) {
        failNext = false;
        throw new Error("EIO");
      }
      await f.syncData();
    },
  });
  failNext = true;
  j.append("vm1", "clock.enable", 4, 1);
  await assertRejects(() => j.durable()!, Error, "EIO");
  assert(lines.some((l) => l.includes("not durable") && l.includes("EIO")), lines.join("\n"));
  j.append("vm1", "clock.enable", 5, 1);
  await j.durable();
  await j.close();
  const back = await Journal.open(dir);
  assertEquals(back.restored.map((e) => e.phys), [4, 5], "the failed record was written again");
  await back.close();
});

Deno.test("a compaction that cannot sync fails the open: nothing half-written is used", async () => {
  const dir = await tempDir();
  await write(dir, [["vm1", "clock.enable", 1, 1]]);
  await assertRejects(
    () => Journal.open(dir, { sync: () => Promise.reject(new Error("EIO")) }),
    Error,
    "EIO",
  );
  const j = await Journal.open(dir);
  assertEquals(j.restored.map((e) => e.phys), [1], "the old journal is intact");
  await j.close();
});

Deno.test("a second journal on the same directory → refused while the first is open", async () => {
  const dir = await tempDir();
  const first = await Journal.open(dir);
  await assertRejects(() => Journal.open(dir), Error, "Another vscmi server owns");
  await first.close();
  const again = await Journal.open(dir);
  await again.close();
});

Deno.test("a lazy record starts no flush; it goes with the next one, or when waited for", async () => {
  let syncs = 0;
  const j = await Journal.open(await tempDir(), {
    sync: (f) => (syncs++, f.syncData()),
  });
  syncs = 0;
  j.append("vm1", "clock.rate", 0, 100, true);
  await turn();
  assertEquals([syncs, j.durableSeq], [0, 0], "nothing written yet");
  j.append("vm2", "clock.rate", 0, 200);
  await j.durable();
  assertEquals([syncs, j.durableSeq], [1, 2], "it rode along with the next flush");
  j.append("vm1", "clock.rate", 1, 100, true);
  await j.durable();
  assertEquals([syncs, j.durableSeq], [2, 3], "waiting for it flushes it");
  await j.close();
});

Deno.test("many damaged stretches → one warning line naming the first three and counting the rest", async () => {
  const dir = await tempDir();
  const ops: [string, string, number, number | null][] = [];
  for (let i = 0; i < 12; i++) ops.push(["vm1", "clock.enable", i, 1]);
  const bytes = await write(dir, ops);
  const size = (bytes.length - JOURNAL_MAGIC.length) / 12;
  const bad = bytes.slice();
  for (let i = 0; i < 12; i += 2) bad[JOURNAL_MAGIC.length + i * size + 20] ^= 1;
  await Deno.writeFile(join(dir, JOURNAL_FILE), bad);
  const { log, lines } = logger();
  const j = await Journal.open(dir, { log, now: () => AT });
  assertEquals(j.restored.map((e) => e.phys), [1, 3, 5, 7, 9, 11]);
  await j.close();
  assertEquals(lines.length, 1);
  assertEquals(lines[0].match(/fails its CRC check/g)?.length, 3, lines[0]);
  assert(lines[0].includes("6 damaged stretches") && lines[0].includes("3 more"), lines[0]);
  assert(lines[0].includes("6 records lost, 6 read"), lines[0]);
});

Deno.test("process durability: each change is in the file before append returns, and nothing is synced", async () => {
  const sync = countingSync();
  const dir = await tempDir();
  const j = await Journal.open(dir, { sync: sync.sync, durability: "process" });
  const atOpen = sync.calls; // the compaction at open syncs once
  const seq = j.append("vm1", "clock.enable", 7, 1);
  assertEquals(j.durable(seq), undefined, "nothing to wait for: the reply goes at once");
  // Another reader sees the record now, as a restarted server after kill -9 would.
  const scan = scanJournal(await Deno.readFile(join(dir, JOURNAL_FILE)));
  assertEquals(scan.entries, [E("vm1", "clock.enable", 7, 1)]);
  j.append("vm1", "clock.enable", 7, null);
  j.append("vm2", "clock.rate", 3, 24e6);
  assertEquals(j.durable(), undefined);
  assertEquals(sync.calls, atOpen, "no fdatasync per change");
  assertEquals(j.stats.flushes, 3, "one write per change");
  await j.close();
});

Deno.test("process durability: records are copied into the mapped zeros ahead; closing cuts the zeros", async () => {
  const dir = await tempDir();
  const path = join(dir, JOURNAL_FILE);
  const j = await Journal.open(dir, { durability: "process", reserveBytes: 8192 });
  for (let i = 0; i < 300; i++) j.append("vm1", "clock.rate", i % 7, 1000 + i);
  assertEquals(j.durable(), undefined);
  // 300 records pass the first 8 KiB of zeros: the mapping followed the file as it grew.
  const open = await Deno.readFile(path);
  const scan = scanJournal(open);
  assertEquals([scan.records, scan.damage, scan.torn], [300, [], 0]);
  assertEquals(scan.entries.at(-1), E("vm1", "clock.rate", 299 % 7, 1299));
  await j.close();
  const closed = await Deno.readFile(path);
  assertEquals(closed, open.subarray(0, closed.length), "the records stay, the zeros go");
  assert(open.length > closed.length, "zeros were written ahead of the records while open");
  assert(open.subarray(closed.length).every((b) => b === 0));
  assertEquals(scanJournal(closed).records, 300);
  const back = await Journal.open(dir);
  assertEquals(back.restored.length, 7);
  await back.close();
});

Deno.test("process durability without zeros ahead (reserveBytes 0) appends with write()", async () => {
  const dir = await tempDir();
  const j = await Journal.open(dir, { durability: "process", reserveBytes: 0 });
  j.append("vm1", "clock.enable", 7, 1);
  const bytes = await Deno.readFile(join(dir, JOURNAL_FILE));
  assertEquals(scanJournal(bytes).entries, [E("vm1", "clock.enable", 7, 1)]);
  assertEquals(encodeJournal([E("vm1", "clock.enable", 7, 1)]).length, bytes.length);
  await j.close();
});

Deno.test("process durability: a failing write → the reply waits, is refused, and the record is written again", async () => {
  const { log, lines } = logger();
  let fail = 1;
  const dir = await tempDir();
  const j = await Journal.open(dir, {
    log,
    durability: "process",
    write: (f, b) => {
      if (fail > 0) {
        fail--;
        throw new Error("ENOSPC");
      }
      return f.writeSync(b);
    },
  });
  fail = 2; // the write at append and the flush's retry
  j.append("vm1", "clock.enable", 4, 1);
  const wait = j.durable();
  assert(wait !== undefined, "an unwritten change is not acknowledged");
  await assertRejects(() => wait, Error, "ENOSPC");
  assert(lines.some((l) => l.includes("not durable") && l.includes("ENOSPC")), lines.join("\n"));
  j.append("vm1", "clock.enable", 5, 1);
  assertEquals(j.durable(), undefined, "the next change writes both at once");
  await j.close();
  const back = await Journal.open(dir);
  assertEquals(back.restored.map((e) => e.phys), [4, 5]);
  await back.close();
});

Deno.test("process durability: changes keep being written while a compaction runs, and the compacted file keeps them", async () => {
  const dir = await tempDir();
  // The compaction's sync is held once armed, so that it is under way while more changes come.
  const held = countingSync(true);
  let armed = false;
  let compacting = false;
  const k = await Journal.open(dir, {
    sync: (f) => {
      if (!armed) return f.syncData();
      compacting = true;
      return held.sync(f);
    },
    durability: "process",
    compactMinBytes: 4096,
    compactFactor: 2,
  });
  armed = true;
  // Flip one vote until the file passes the compaction threshold: one live vote, a long file.
  let n = 0;
  while (!compacting) {
    k.append("vm1", "clock.enable", 1, n++ % 2 === 0 ? 1 : null);
    assertEquals(k.durable(), undefined, `change ${n} acknowledged at once`);
    await turn();
  }
  // The compaction waits on its sync: changes made now are still written at once.
  k.append("vm2", "clock.rate", 9, 48e6);
  assertEquals(k.durable(), undefined, "not held by the compaction");
  k.append("vm3", "reset.assert", 2, 1);
  assertEquals(k.durable(), undefined);
  held.open();
  await until(() => k.stats.compactions === 1, "the compaction to finish");
  k.append("vm4", "clock.enable", 5, 1);
  assertEquals(k.durable(), undefined);
  // What a restart after kill -9 reads: the live votes, those written during the compaction too.
  const scan = scanJournal(await Deno.readFile(join(dir, JOURNAL_FILE)));
  assertEquals(scan.damage, []);
  const live = new Map(scan.entries.map((e) => [`${e.agent}/${e.store}/${e.phys}`, e.value]));
  assertEquals(live.get("vm2/clock.rate/9"), 48e6);
  assertEquals(live.get("vm3/reset.assert/2"), 1);
  assertEquals(live.get("vm4/clock.enable/5"), 1);
  // Zeros written ahead count in the file's size: its records tell it was compacted.
  assert(scan.records < 10, `the file was compacted (${scan.records} records)`);
  await k.close();
  const back = await Journal.open(dir);
  assertEquals(
    back.restored.filter((e) => e.agent !== "vm1").map((e) => e.agent),
    ["vm2", "vm3", "vm4"],
  );
  await back.close();
});

Deno.test("a compaction while running writes the live votes the journal holds: the file is not read back", async () => {
  const { log, lines } = logger();
  const dir = await tempDir();
  const j = await Journal.open(dir, { log, compactMinBytes: 1024, compactFactor: 2 });
  j.append("vm1", "clock.rate", 3, 1);
  j.append("vm2", "clock.enable", 4, 1);
  await j.flush();
  // Damage a byte of the first record on disk, under the open journal.
  const path = join(dir, JOURNAL_FILE);
  const f = await Deno.open(path, { read: true, write: true });
  await f.seek(JOURNAL_MAGIC.length + 12, Deno.SeekMode.Start);
  await f.write(new Uint8Array([0xff]));
  f.close();
  // Change a vote until the file outgrows its live votes and is compacted.
  for (let i = 0; j.stats.compactions === 0; i++) {
    assert(i < 100, "compacted");
    j.append("vm3", "clock.rate", 5, i);
    await j.flush();
  }
  assertEquals(lines, []);
  assertEquals(scanJournal(await Deno.readFile(path)).entries, [
    E("vm1", "clock.rate", 3, 1),
    E("vm2", "clock.enable", 4, 1),
    E("vm3", "clock.rate", 5, j.stats.records - 3),
  ]);
  await j.close();
});

Deno.test("host durability: flushes go on while a compaction writes the new file, and the compacted file keeps them, synced", async () => {
  const dir = await tempDir();
  // Syncs of any file but the journal opened are the compaction's: held until opened.
  const held = countingSync(true);
  let journal = 0;
  const j = await Journal.open(dir, {
    sync: (f) => journal !== 0 && f.statSync().ino !== journal ? held.sync(f) : f.syncData(),
    compactMinBytes: 4096,
    compactFactor: 2,
  });
  journal = (await Deno.stat(join(dir, JOURNAL_FILE))).ino!;
  // Flip one vote until the file passes the compaction threshold: one live vote, a long file.
  for (let n = 0; held.calls === 0; n++) {
    j.append("vm1", "clock.enable", 1, n % 2 === 0 ? 1 : null);
    await j.flush();
  }
  // The compaction waits on the sync of the new file: changes made now are flushed meanwhile.
  j.append("vm2", "clock.rate", 9, 48e6);
  let flushed = false;
  void j.flush().then(() => flushed = true);
  await until(() => flushed, "a flush while the compaction syncs its new file");
  j.append("vm3", "reset.assert", 2, 1);
  await j.flush();
  assertEquals(held.calls, 1, "the compaction still waits");
  held.open();
  await until(() => j.stats.compactions === 1, "the compaction to finish");
  // The new file was synced once written, and again after the records flushed meanwhile.
  assertEquals(held.calls, 2);
  const scan = scanJournal(await Deno.readFile(join(dir, JOURNAL_FILE)));
  assertEquals(scan.damage, []);
  assertEquals(scan.entries.filter((e) => e.agent !== "vm1"), [
    E("vm2", "clock.rate", 9, 48e6),
    E("vm3", "reset.assert", 2, 1),
  ]);
  // Zeros written ahead count in the file's size: its records tell it was compacted.
  assert(scan.records < 10, `the file was compacted (${scan.records} records)`);
  await j.close();
});

Deno.test("the journal maps its tail only on file systems that overwrite blocks in place", async () => {
  const dirs = [await tempDir()];
  try {
    dirs.push(await Deno.makeTempDir({ dir: "/dev/shm", prefix: "vscmi-jt-" }));
  } catch {
    // No /dev/shm here: the temp directory alone.
  }
  const types: number[] = [];
  for (const dir of dirs) {
    const path = join(dir, "probe");
    await Deno.writeFile(path, new Uint8Array(8));
    const fd = openReadWrite(path);
    const type = fileSystemType(fd);
    closeFd(fd);
    types.push(type);
    const tail = MappedTail.open(path);
    assertEquals(tail !== null, MAPPED_FILE_SYSTEMS.has(type), `f_type 0x${type.toString(16)}`);
    tail?.close();
  }
  if (dirs.length === 2) {
    assertEquals(types[1], 0x01021994, "/dev/shm is tmpfs, which is mapped");
    await Deno.remove(dirs[1], { recursive: true });
  }
});
