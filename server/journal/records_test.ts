/**
 * Folding records into the live votes: any sequence of votes and withdrawals reads back as
 * a plain last-write-wins model says, in the order of each vote's latest record.
 */
import fc from "fast-check";
import { assert, assertEquals } from "../../core/_assert_test.ts";
import {
  encodeRecord,
  JOURNAL_MAGIC,
  type JournalEntry,
  recordSize,
  scanJournal,
} from "./records.ts";

type Op = { agent: string; store: string; phys: number; value: number | null };

/** The journal bytes of `ops`, one record each, after the magic. */
function journalOf(ops: readonly Op[]): Uint8Array {
  const enc = new TextEncoder();
  const recs = ops.map((o) => {
    const a = enc.encode(o.agent);
    const s = enc.encode(o.store);
    const buf = new Uint8Array(recordSize(a, s, o.value));
    encodeRecord(buf, new DataView(buf.buffer), 0, a, s, o.phys, o.value);
    return buf;
  });
  const out = new Uint8Array(JOURNAL_MAGIC.length + recs.reduce((n, r) => n + r.length, 0));
  out.set(JOURNAL_MAGIC);
  let at = JOURNAL_MAGIC.length;
  for (const r of recs) {
    out.set(r, at);
    at += r.length;
  }
  return out;
}

/** The live votes of `ops` by a map keyed by the vote's identity, re-inserted on each vote. */
function model(ops: readonly Op[]): JournalEntry[] {
  const live = new Map<string, JournalEntry>();
  for (const o of ops) {
    const k = JSON.stringify([o.agent, o.store, o.phys]);
    live.delete(k);
    if (o.value !== null) {
      live.set(k, { agent: o.agent, store: o.store, phys: o.phys, value: o.value });
    }
  }
  return [...live.values()];
}

Deno.test("scan: any sequence of votes and withdrawals reads back as last-write-wins", () => {
  const op = fc.record({
    agent: fc.constantFrom("vm1", "vm2", "linux-guest", "ä"),
    store: fc.constantFrom("clock.rate", "clock.on", "reset.assert"),
    phys: fc.constantFrom(0, 1, 7, 0xffff_ffff),
    value: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: null }),
  });
  fc.assert(
    fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
      const scan = scanJournal(journalOf(ops));
      assertEquals(scan.records, ops.length);
      assertEquals(scan.damage, []);
      assertEquals(scan.entries, model(ops));
    }),
    { numRuns: 300 },
  );
});

Deno.test("scan: votes whose identities hash alike stay apart", () => {
  // "vm3t7l" and "vm11e00" on clock.rate 3 have the same 32-bit FNV-1a hash as identities.
  const ops: Op[] = [
    { agent: "vm3t7l", store: "clock.rate", phys: 3, value: 100 },
    { agent: "vm11e00", store: "clock.rate", phys: 3, value: 200 },
    { agent: "vm3t7l", store: "clock.rate", phys: 3, value: 300 },
    { agent: "vm11e00", store: "clock.rate", phys: 4, value: 400 },
  ];
  assertEquals(scanJournal(journalOf(ops)).entries, [
    { agent: "vm11e00", store: "clock.rate", phys: 3, value: 200 },
    { agent: "vm3t7l", store: "clock.rate", phys: 3, value: 300 },
    { agent: "vm11e00", store: "clock.rate", phys: 4, value: 400 },
  ]);
  const withdrawn = scanJournal(journalOf([...ops, { ...ops[1], value: null }])).entries;
  assertEquals(withdrawn.map((e) => e.value), [300, 400]);
});

Deno.test("scan: zeros after the last record are reserved space, not damage", () => {
  const ops: Op[] = [
    { agent: "vm1", store: "clock.rate", phys: 1, value: 0 },
    { agent: "vm2", store: "clock.on", phys: 2, value: 1 },
  ];
  const bytes = journalOf(ops);
  const scan = scanJournal(new Uint8Array([...bytes, ...new Uint8Array(4096)]));
  assertEquals([scan.records, scan.damage, scan.torn], [2, [], 0]);
  assertEquals(scan.entries, model(ops));
});

Deno.test("scan: a last record cut short where the reserved zeros begin → a torn tail, silent", () => {
  const first = journalOf([{ agent: "vm1", store: "clock.rate", phys: 1, value: 5 }]);
  const both = journalOf([
    { agent: "vm1", store: "clock.rate", phys: 1, value: 5 },
    { agent: "vm2", store: "clock.rate", phys: 2, value: 7 },
  ]);
  for (const written of [first.length + 3, first.length + 12, both.length - 4]) {
    const file = new Uint8Array(both.length + 512);
    file.set(both.subarray(0, written));
    const scan = scanJournal(file);
    assertEquals([scan.records, scan.damage], [1, []]);
    // Written zero bytes of the record read as reserved space too.
    assert(scan.torn > 0 && scan.torn <= written - first.length, `torn ${scan.torn}`);
  }
});

Deno.test("scan: a damaged last record before the reserved zeros is still reported", () => {
  const bytes = journalOf([
    { agent: "vm1", store: "clock.rate", phys: 1, value: 5 },
    { agent: "vm2", store: "clock.rate", phys: 2, value: 7 },
  ]);
  const file = new Uint8Array(bytes.length + 512);
  file.set(bytes);
  file[bytes.length - 10] ^= 0x01; // inside the last record's value
  const scan = scanJournal(file);
  assertEquals([scan.records, scan.torn, scan.damage.length], [1, 0, 1]);
  assert(scan.damage[0].why.includes("CRC"), scan.damage[0].why);
});
