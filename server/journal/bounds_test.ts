/**
 * The vote journal's bounds while running: compaction once the file outgrows its live votes,
 * a capped retry buffer when writes fail (refused records reject their durability, so the
 * dispatcher answers GENERIC_ERROR), and a private state directory.
 */
import { join } from "node:path";
import { assert, assertEquals, assertRejects } from "../../core/_assert_test.ts";
import { Logger } from "../../core/log.ts";
import { until } from "../../core/_wait_test.ts";
import { Journal, JOURNAL_FILE, type WriteFn } from "./journal.ts";
import { scanJournal } from "./records.ts";

function logger(): { log: Logger; lines: string[] } {
  const log = new Logger();
  const lines: string[] = [];
  log.sink = (level, line) => void lines.push(`${level}: ${line}`);
  return { log, lines };
}

const ROOT = await Deno.makeTempDir({ prefix: "vscmi-journal-bounds-" });
globalThis.addEventListener("unload", () => Deno.removeSync(ROOT, { recursive: true }));

/** Bytes of one vote record of agent "vm1", store "clock.rate": frame 8 + body 31. */
const RECORD = 8 + 1 + 1 + 3 + 1 + 10 + 4 + 8;
/** Bytes of the magic. */
const MAGIC = 8;

async function size(dir: string): Promise<number> {
  return (await Deno.stat(join(dir, JOURNAL_FILE))).size;
}

/** No zeros written ahead: the file's length is its records' (the reserve has its own test). */
const NO_RESERVE = { reserveBytes: 0 };

Deno.test("journal: the file outgrowing 4× its live votes is compacted while running", async () => {
  const dir = await Deno.makeTempDir({ dir: ROOT });
  const j = await Journal.open(dir, { ...NO_RESERVE, compactMinBytes: 256, compactFactor: 4 });
  let max = 0;
  for (let i = 0; i < 200; i++) {
    const done = j.stats.compactions;
    j.append("vm1", "clock.rate", 3, i);
    await j.flush();
    const now = await size(dir);
    max = Math.max(max, now);
    // Flushes go on while a compaction runs; this test waits for the one this flush began.
    if (now >= 256) await until(() => j.stats.compactions > done, "the compaction");
  }
  assert(j.stats.compactions > 0, "compacted at least once");
  // One live vote (36 bytes + magic): the file never passes the 256-byte floor by more
  // than the flush that crossed it.
  assert(max < 256 + RECORD, `the file stayed small (largest ${max} bytes)`);
  j.append("vm1", "clock.rate", 4, 7);
  await j.close();
  const again = await Journal.open(dir);
  assertEquals(again.restored, [
    { agent: "vm1", store: "clock.rate", phys: 3, value: 199 },
    { agent: "vm1", store: "clock.rate", phys: 4, value: 7 },
  ]);
  await again.close();
});

Deno.test("journal: no compaction while the file is under the floor or near its live size", async () => {
  const dir = await Deno.makeTempDir({ dir: ROOT });
  const j = await Journal.open(dir, { ...NO_RESERVE, compactMinBytes: 4096, compactFactor: 4 });
  for (let i = 0; i < 50; i++) {
    j.append("vm1", "clock.rate", 3, i);
    await j.flush();
  }
  assertEquals(j.stats.compactions, 0, "under the 4096-byte floor");
  assertEquals(await size(dir), MAGIC + 50 * RECORD);
  await j.close();
  // Distinct live votes: the file is its live size, so compacting would gain nothing.
  const dir2 = await Deno.makeTempDir({ dir: ROOT });
  const k = await Journal.open(dir2, { ...NO_RESERVE, compactMinBytes: 64, compactFactor: 4 });
  for (let i = 0; i < 20; i++) {
    k.append("vm1", "clock.rate", i, 1);
    await k.flush();
  }
  assertEquals(k.stats.compactions, 0);
  assertEquals(await size(dir2), MAGIC + 20 * RECORD);
  await k.close();
});

Deno.test("journal: appends made during a running compaction are kept", async () => {
  const dir = await Deno.makeTempDir({ dir: ROOT });
  const j = await Journal.open(dir, { compactMinBytes: 128, compactFactor: 2 });
  for (let i = 0; i < 4; i++) j.append("vm1", "clock.rate", 1, i);
  const first = j.flush();
  await first;
  // The flush that crossed 128 bytes started a compaction; these wait for it.
  j.append("vm1", "clock.rate", 2, 20);
  j.append("vm1", "clock.rate", 1, 10);
  await j.flush();
  await j.close();
  assertEquals(j.stats.compactions, 1);
  const again = await Journal.open(dir);
  assertEquals(again.restored, [
    { agent: "vm1", store: "clock.rate", phys: 2, value: 20 },
    { agent: "vm1", store: "clock.rate", phys: 1, value: 10 },
  ]);
  await again.close();
});

Deno.test("journal: failing writes keep at most maxPendingBytes; past it a record is refused (rejects, logged once)", async () => {
  const dir = await Deno.makeTempDir({ dir: ROOT });
  const { log, lines } = logger();
  let failing = true;
  const write: WriteFn = (f, b) => {
    if (failing) throw new Deno.errors.WriteZero("No space left on device");
    return f.writeSync(b);
  };
  const j = await Journal.open(dir, { log, write, maxPendingBytes: 4 * RECORD });
  for (let i = 0; i < 4; i++) {
    j.append("vm1", "clock.rate", i, 1);
    await assertRejects(() => j.durable()!, Error, "No space left");
  }
  // Four records wait in memory: the fifth does not fit.
  j.append("vm1", "clock.rate", 9, 1);
  await assertRejects(() => j.durable()!, Error, "refused");
  j.append("vm1", "clock.rate", 10, 1);
  await assertRejects(() => j.durable()!, Error, "refused");
  assertEquals(j.stats.refused, 2);
  assertEquals(lines.filter((l) => l.includes("refusing further vote changes")).length, 1);
  // The disk takes writes again: the four waiting records go, new ones are accepted.
  failing = false;
  await j.flush();
  j.append("vm1", "clock.rate", 11, 1);
  assertEquals(await j.durable(), undefined);
  await j.close();
  const again = await Journal.open(dir);
  assertEquals(again.restored.map((e) => e.phys), [0, 1, 2, 3, 11]);
  await again.close();
});

Deno.test("journal: a missing state directory is created 0700; group and others bits are dropped", async () => {
  const dir = join(await Deno.makeTempDir({ dir: ROOT }), "state", "deeper");
  const j = await Journal.open(dir);
  await j.close();
  assertEquals((await Deno.stat(dir)).mode! & 0o777, 0o700);
  await Deno.chmod(dir, 0o775);
  const k = await Journal.open(dir);
  await k.close();
  assertEquals((await Deno.stat(dir)).mode! & 0o777, 0o700);
});

Deno.test({
  name: "journal: a state directory another user owns → refused",
  // Handing a directory to another user needs root.
  ignore: !isRoot(),
  fn: async () => {
    const dir = await Deno.makeTempDir({ dir: ROOT });
    await Deno.chmod(dir, 0o755);
    await Deno.chown(dir, 4242, 4242);
    await assertRejects(() => Journal.open(dir), Error, "belongs to user 4242");
    await Deno.chown(dir, 0, 0);
  },
});

Deno.test("journal: a state directory that is a file → refused", async () => {
  const file = await Deno.makeTempFile({ dir: ROOT });
  await assertRejects(() => Journal.open(file), Error);
});

function isRoot(): boolean {
  try {
    const probe = Deno.makeTempFileSync({ dir: ROOT });
    const uid = Deno.lstatSync(probe).uid;
    Deno.removeSync(probe);
    return uid === 0;
  } catch {
    return false;
  }
}

Deno.test("journal (host): zeros written ahead are overwritten by flushes, the file's length stays, closing cuts them", async () => {
  const dir = await Deno.makeTempDir({ dir: ROOT });
  const j = await Journal.open(dir, { reserveBytes: 4096 });
  j.append("vm1", "clock.rate", 3, 1);
  await j.flush();
  const ahead = MAGIC + RECORD + 4096;
  assertEquals(await size(dir), ahead, "one record, then the zeros written ahead");
  for (let i = 0; i < 50; i++) {
    j.append("vm1", "clock.rate", 3, i);
    await j.flush();
  }
  // Each fdatasync had no new file length to commit.
  assertEquals(await size(dir), ahead);
  const scan = scanJournal(await Deno.readFile(join(dir, JOURNAL_FILE)));
  assertEquals([scan.records, scan.damage, scan.torn], [51, [], 0]);
  // Past the reserve: more zeros ahead of the records that crossed it.
  const n = Math.ceil(4096 / RECORD);
  for (let i = 0; i < n; i++) j.append("vm1", "clock.rate", 4, i);
  await j.flush();
  assertEquals(await size(dir), MAGIC + (51 + n) * RECORD + 4096);
  await j.close();
  assertEquals(await size(dir), MAGIC + (51 + n) * RECORD);
});
