/**
 * The vote journal's records: the file's magic, each record's framing (length, CRC-32 of the
 * body) and body, and reading a whole file back — every intact record, resynchronising
 * after damaged ones — into the live votes. The file itself (appends, group commit,
 * compaction, damaged copies) is `journal.ts`'s.
 *
 * ```
 * magic   8 bytes  "VSCMIJ01"
 * record  u32 length of body, u32 CRC-32 (IEEE) of body, body:
 *           u8 op (1 vote: a value follows; 2 withdraw)
 *           u8 n, n bytes: agent name (ASCII)
 *           u8 n, n bytes: store name (ASCII)
 *           u32 physical id
 *           f64 value (op 1 only; 1 for an "on" vote)
 * ```
 * All little-endian. Zero bytes may follow the last record: space reserved for later appends
 * (a length of 0 is no record).
 * @module
 */

/** First bytes of every journal file. */
export const JOURNAL_MAGIC = new TextEncoder().encode("VSCMIJ01");

/** Record operations. */
export const JournalOp = { VOTE: 1, WITHDRAW: 2 } as const;

/** Bytes of a record's length and CRC words. */
const FRAME = 8;
/** Longest name a record may carry. */
export const MAX_NAME = 255;
/** Smallest and largest body a valid record has. */
const MIN_BODY = 1 + 1 + 1 + 4;
const MAX_BODY = 1 + 1 + MAX_NAME + 1 + MAX_NAME + 4 + 8;

export type { JournalEntry } from "../../core/policy/vote_book.ts";
import type { JournalEntry } from "../../core/policy/vote_book.ts";

/** A stretch of a journal file that holds no good record. */
export interface JournalDamage {
  /** Byte offset where it starts. */
  at: number;
  /** Its length in bytes. */
  bytes: number;
  /** What is wrong with its first bytes. */
  why: string;
  /**
   * Records it held as far as their length words still tell (0 for a damaged header);
   * `exact` false when they do not, and it held at least this many.
   */
  records: number;
  exact: boolean;
}

/** What reading a journal file found. */
export interface JournalScan {
  /** Live votes in the order they were last made (what "last" and "exclusive" depend on). */
  entries: JournalEntry[];
  /** Records read and accepted. */
  records: number;
  /** Damaged stretches skipped, in file order; reading went on at the next good record. */
  damage: JournalDamage[];
  /** Bytes of an incomplete last record (a crash in the middle of a write), 0 for none. */
  torn: number;
}

/**
 * CRC-32 tables for four bytes a step: `CRC_TABLES[k * 256 + n]` is the CRC register after
 * byte `n` followed by `k` zero bytes.
 */
const CRC_TABLES = (() => {
  const t = new Uint32Array(4 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    for (let k = 1; k < 4; k++) {
      const prev = t[(k - 1) * 256 + n];
      t[k * 256 + n] = (prev >>> 8) ^ t[prev & 0xff];
    }
  }
  return t;
})();

/** CRC-32 (IEEE 802.3, as zlib computes it) of `buf[start, end)`. */
export function crc32(buf: Uint8Array, start = 0, end = buf.length): number {
  const t = CRC_TABLES;
  let c = 0xffffffff;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    c ^= buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24);
    c = t[768 + (c & 0xff)] ^ t[512 + ((c >>> 8) & 0xff)] ^ t[256 + ((c >>> 16) & 0xff)] ^
      t[c >>> 24];
  }
  for (; i < end; i++) c = t[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const decoder = new TextDecoder();

/** One record read at a position: a good one, one that runs past the end, or a bad one. */
type Read =
  | { ok: true; next: number }
  | { ok: false; torn: boolean; crc: boolean; why: string };

const GOOD: { ok: true; next: number } = { ok: true, next: 0 };

/**
 * Reads the record framed at byte `at` of `bytes`. A good one is answered with one shared
 * object (its `next` overwritten), so reading a long file allocates nothing per record.
 */
function readRecord(bytes: Uint8Array, dv: DataView, at: number): Read {
  if (bytes.length - at < FRAME) {
    return { ok: false, torn: true, crc: false, why: "is torn (frame cut short)" };
  }
  const len = dv.getUint32(at, true);
  if (len < MIN_BODY || len > MAX_BODY) {
    return { ok: false, torn: false, crc: false, why: `has an impossible length ${len}` };
  }
  const body = at + FRAME;
  if (bytes.length - body < len) {
    const why = `is torn (${bytes.length - body} of ${len} bytes)`;
    return { ok: false, torn: true, crc: false, why };
  }
  if (crc32(bytes, body, body + len) !== dv.getUint32(at + 4, true)) {
    return { ok: false, torn: false, crc: true, why: "fails its CRC check" };
  }
  const why = checkBody(bytes, dv, body, len);
  if (why !== null) return { ok: false, torn: false, crc: false, why };
  GOOD.next = body + len;
  return GOOD;
}
/** The first offset after `at` and before `limit` where a good record starts, or -1. */
function resync(bytes: Uint8Array, dv: DataView, at: number, limit: number): number {
  for (let p = at + 1; p < limit && p + FRAME + MIN_BODY <= bytes.length; p++) {
    if (readRecord(bytes, dv, p).ok) return p;
  }
  return -1;
}

/**
 * How many records the damaged stretch `[at, end)` held: walked by its length words when
 * they lead exactly to `end`, else at least one.
 */
function recordsIn(dv: DataView, at: number, end: number): { records: number; exact: boolean } {
  let n = 0;
  for (let p = at; p < end; n++) {
    if (end - p < FRAME) return { records: Math.max(n, 1), exact: false };
    const len = dv.getUint32(p, true);
    if (len < MIN_BODY || len > MAX_BODY) return { records: Math.max(n, 1), exact: false };
    p += FRAME + len;
    if (p > end) return { records: Math.max(n, 1), exact: false };
  }
  return { records: n, exact: true };
}

/**
 * Reads journal bytes: every good record, in order, folded into the live votes. A damaged
 * record (bad CRC, impossible length, malformed fields, or a header that is not the magic)
 * does not end reading: the scan resynchronises at the next offset where a whole record
 * with a matching CRC starts, and reports the stretch skipped in `damage`. Zeros after the
 * last record are reserved space. A last record that runs past the end, or into the reserved
 * zeros, with no good record after it is a torn tail (`torn`).
 */
export function scanJournal(bytes: Uint8Array): JournalScan {
  const live = new LiveVotes(bytes);
  const damage: JournalDamage[] = [];
  let records = 0;
  let torn = 0;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Where the zeros that end the file begin (space reserved for appends); no record starts
  // there, since a length of 0 is impossible.
  let zeros = bytes.length;
  while (zeros > 0 && bytes[zeros - 1] === 0) zeros--;
  let at = 0;
  if (bytes.length !== 0) {
    const head = Math.min(bytes.length, JOURNAL_MAGIC.length);
    let magic = true;
    for (let i = 0; i < head; i++) if (bytes[i] !== JOURNAL_MAGIC[i]) magic = false;
    if (!magic) {
      const why = "does not start with the journal magic";
      damage.push({ at: 0, bytes: head, why, records: 0, exact: true });
    } else if (head < JOURNAL_MAGIC.length) torn = head;
    at = head;
  }
  while (at < bytes.length) {
    const r = readRecord(bytes, dv, at);
    if (r.ok) {
      live.add(at + FRAME, records++);
      at = r.next;
      continue;
    }
    // Past the last record: the rest is reserved space.
    if (at >= zeros) break;
    const next = resync(bytes, dv, at, zeros);
    if (next < 0 && r.torn) {
      torn = bytes.length - at;
      break;
    }
    if (next < 0 && r.crc && zeros < at + FRAME + dv.getUint32(at, true)) {
      // Written only up to where the reserved space begins: cut short, as a crash leaves it
      // (a cut length word reads as less than the whole one, never as an impossible one).
      torn = zeros - at;
      break;
    }
    const end = next < 0 ? bytes.length : next;
    damage.push({
      at,
      bytes: end - at,
      why: `the record at byte ${at} ${r.why}`,
      ...recordsIn(dv, at, end),
    });
    at = end;
  }
  return { entries: live.entries(), records, damage, torn };
}

/** One line on what the damage in `scan` cost, for logs and errors. */
export function damageText(scan: JournalScan): string {
  const bytes = scan.damage.reduce((n, d) => n + d.bytes, 0);
  const lost = scan.damage.reduce((n, d) => n + d.records, 0);
  const exact = scan.damage.every((d) => d.exact);
  const n = scan.damage.length;
  // The first few reasons say enough; a file of garbage would otherwise make a huge line.
  const whys = scan.damage.slice(0, 3).map((d) => d.why);
  if (n > 3) whys.push(`${n - 3} more`);
  return `${n} damaged stretch${n === 1 ? "" : "es"} of ${bytes} bytes in all (${
    whys.join("; ")
  }); ${exact ? "" : "at least "}${lost} record${lost === 1 ? "" : "s"} lost, ${scan.records} read`;
}

/** Why the body of `len` bytes at `at` is malformed, or null when it is well formed. */
function checkBody(bytes: Uint8Array, dv: DataView, at: number, len: number): string | null {
  const end = at + len;
  const op = bytes[at++];
  if (op !== JournalOp.VOTE && op !== JournalOp.WITHDRAW) return `has an unknown operation ${op}`;
  for (let i = 0; i < 2; i++) {
    const n = bytes[at++];
    if (n === 0 || at + n > end) return "has a malformed name";
    at += n;
  }
  if (end - at !== (op === JournalOp.VOTE ? 12 : 4)) return "has a malformed body";
  if (op === JournalOp.VOTE && !Number.isFinite(dv.getFloat64(at + 4, true))) {
    return "carries a value that is not a number";
  }
  return null;
}

/**
 * The live votes of a scan: for each vote's identity (agent, store, physical id) the body of
 * its latest good record. An identity is the body's bytes after the operation up to the
 * value, compared as bytes: folding a record costs a hash over them and a lookup, and
 * nothing is decoded or allocated until the survivors are read out.
 */
class LiveVotes {
  readonly #bytes: Uint8Array;
  readonly #dv: DataView;
  /** Hash of an identity → its first slot; slots of equal hashes are chained by `#next`. */
  readonly #heads = new Map<number, number>();
  /** Per slot: body offset of the latest record, its number in the file, the next slot. */
  readonly #body: number[] = [];
  readonly #seq: number[] = [];
  readonly #next: number[] = [];

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Folds in the good record whose body starts at `body`, the `seq`-th of the file. */
  add(body: number, seq: number): void {
    const b = this.#bytes;
    const id = body + 1;
    const agentLen = b[id];
    const idLen = 1 + agentLen + 1 + b[id + 1 + agentLen] + 4;
    let h = 0x811c9dc5;
    for (let i = id; i < id + idLen; i++) h = Math.imul(h ^ b[i], 0x01000193);
    const first = this.#heads.get(h);
    for (let slot = first ?? -1; slot >= 0; slot = this.#next[slot]) {
      if (sameBytes(b, this.#body[slot] + 1, id, idLen)) {
        this.#body[slot] = body;
        this.#seq[slot] = seq;
        return;
      }
    }
    this.#heads.set(h, this.#body.length);
    this.#next.push(first ?? -1);
    this.#body.push(body);
    this.#seq.push(seq);
  }

  /** The identities whose latest record is a vote, oldest latest record first. */
  entries(): JournalEntry[] {
    const b = this.#bytes;
    const slots: number[] = [];
    for (let s = 0; s < this.#body.length; s++) {
      if (b[this.#body[s]] === JournalOp.VOTE) slots.push(s);
    }
    // The newest request is the last one ("last" and "exclusive" depend on the order).
    slots.sort((x, y) => this.#seq[x] - this.#seq[y]);
    const names = new Map<string, string>();
    const name = (at: number): string => {
      const raw = b.subarray(at + 1, at + 1 + b[at]);
      const k = String.fromCharCode(...raw);
      let n = names.get(k);
      if (n === undefined) names.set(k, n = decoder.decode(raw));
      return n;
    };
    return slots.map((s) => {
      const at = this.#body[s] + 1;
      const storeAt = at + 1 + b[at];
      const physAt = storeAt + 1 + b[storeAt];
      return {
        agent: name(at),
        store: name(storeAt),
        phys: this.#dv.getUint32(physAt, true),
        value: this.#dv.getFloat64(physAt + 4, true),
      };
    });
  }
}

/** Whether `b[x, x + n)` and `b[y, y + n)` hold the same bytes. */
function sameBytes(b: Uint8Array, x: number, y: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (b[x + i] !== b[y + i]) return false;
  return true;
}

/** Encodes one record (frame included) at `at` of `buf`; returns the bytes written. */
export function encodeRecord(
  buf: Uint8Array,
  dv: DataView,
  at: number,
  agent: Uint8Array,
  store: Uint8Array,
  phys: number,
  value: number | null,
): number {
  const body = at + FRAME;
  let p = body;
  buf[p++] = value === null ? JournalOp.WITHDRAW : JournalOp.VOTE;
  buf[p++] = agent.length;
  buf.set(agent, p);
  p += agent.length;
  buf[p++] = store.length;
  buf.set(store, p);
  p += store.length;
  dv.setUint32(p, phys >>> 0, true);
  p += 4;
  if (value !== null) {
    dv.setFloat64(p, value, true);
    p += 8;
  }
  const len = p - body;
  dv.setUint32(at, len, true);
  dv.setUint32(at + 4, crc32(buf, body, p), true);
  return p - at;
}

/** Bytes a record takes, frame included. */
export function recordSize(agent: Uint8Array, store: Uint8Array, value: number | null): number {
  return FRAME + 1 + 1 + agent.length + 1 + store.length + 4 + (value === null ? 0 : 8);
}

/** A live vote with its names already encoded. */
export interface EncodedVote {
  agent: Uint8Array;
  store: Uint8Array;
  phys: number;
  value: number;
}

/** The bytes of a fresh journal holding `votes` (magic, then one vote record each). */
export function encodeVotes(votes: readonly EncodedVote[]): Uint8Array {
  let size = JOURNAL_MAGIC.length;
  for (const v of votes) size += recordSize(v.agent, v.store, v.value);
  const all = new Uint8Array(size);
  const dv = new DataView(all.buffer);
  all.set(JOURNAL_MAGIC);
  let at = JOURNAL_MAGIC.length;
  for (const v of votes) at += encodeRecord(all, dv, at, v.agent, v.store, v.phys, v.value);
  return all;
}

/** {@linkcode encodeVotes} of `entries`; each distinct name is encoded once. */
export function encodeJournal(entries: readonly JournalEntry[]): Uint8Array {
  const enc = new TextEncoder();
  const names = new Map<string, Uint8Array>();
  const bytesOf = (name: string): Uint8Array => {
    let b = names.get(name);
    if (b === undefined) names.set(name, b = enc.encode(name));
    return b;
  };
  return encodeVotes(
    entries.map((e) => ({
      agent: bytesOf(e.agent),
      store: bytesOf(e.store),
      phys: e.phys,
      value: e.value,
    })),
  );
}
