/**
 * Folding records into the live votes: any sequence of votes and withdrawals reads back as
 * a plain last-write-wins model says, in the order of each vote's latest record.
 */
import fc from "fast-check";
import { assertEquals } from "../../core/_assert_test.ts";
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
