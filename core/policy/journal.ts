/**
 * The vote journal: an append-only file in the server's state directory holding every
 * acknowledged vote change, so a restarted server knows each agent's votes.
 *
 * File layout (little-endian):
 * ```
 * magic   8 bytes  "VSCMIJ01"
 * record  u32 length of body, u32 CRC-32 (IEEE) of body, body:
 *           u8 op (1 vote: a value follows; 2 withdraw)
 *           u8 n, n bytes: agent name (ASCII)
 *           u8 n, n bytes: store name (ASCII)
 *           u32 physical id
 *           f64 value (op 1 only; 1 for an "on" vote)
 * ```
 * Opening reads every intact record. A damaged one (CRC mismatch, impossible length or
 * fields, a header that is not the magic) is skipped: reading resynchronises at the next
 * offset where a whole record with a matching CRC starts, so one bad byte costs one record.
 * A last record that runs past the end of the file with nothing good after it is the torn
 * tail a crash in the middle of a write leaves: expected, dropped without a word. Any other
 * damage is one warning (stretches, bytes, records lost), and the damaged file is kept
 * beside the journal as `votes.journal.damaged-<time>` (a hard link, or a copy) before
 * anything replaces it. The live votes are then rewritten as a fresh journal (temporary
 * file, fdatasync, rename), so the file never grows without bound. What the restored votes
 * must pass before they are used is the vote book's business (`vote_book.ts`).
 *
 * Appends are buffered in memory and written by {@linkcode Journal.flush}: one write plus
 * one fdatasync for every record appended since the previous flush began (group commit).
 * One flush runs at a time; records appended while it runs join the next one. A lazy record
 * starts no flush: it goes with the next one something else needs, or at the close.
 *
 * Bounds while running: once the file passes `compactMinBytes` (1 MiB) and
 * `compactFactor` (4) times the size of its live votes, the next flush is followed by the
 * same compaction as at opening (appends wait in memory meanwhile). Records that cannot be
 * written stay buffered and are written again with the next flush, up to `maxPendingBytes`
 * (4 MiB); past that a record is refused, and {@linkcode Journal.durable} rejects for it
 * (the dispatcher answers GENERIC_ERROR), so a full disk cannot make memory grow.
 *
 * The state directory is private like the run directory (`core/rundir.ts`): created 0700,
 * refused when another user owns it.
 * @module
 */
import { join } from "node:path";
import type { Logger } from "../log.ts";
import { ensurePrivateDir } from "../rundir.ts";

/** First bytes of every journal file. */
export const JOURNAL_MAGIC = new TextEncoder().encode("VSCMIJ01");
/** Name of the journal file in the state directory. */
export const JOURNAL_FILE = "votes.journal";
/** Name of the lock file that keeps a second server out of the state directory. */
export const LOCK_FILE = "votes.lock";

/** Record operations. */
export const JournalOp = { VOTE: 1, WITHDRAW: 2 } as const;

/** Bytes of a record's length and CRC words. */
const FRAME = 8;
/** Longest name a record may carry. */
const MAX_NAME = 255;
/** Smallest and largest body a valid record has. */
const MIN_BODY = 1 + 1 + 1 + 4;
const MAX_BODY = 1 + 1 + MAX_NAME + 1 + MAX_NAME + 4 + 8;

/** One live vote: what `agent` holds on `phys` in store `store`. */
export interface JournalEntry {
  agent: string;
  store: string;
  phys: number;
  value: number;
}

/** How a journal reaches the disk; tests inject a counting one. */
export type SyncFn = (file: Deno.FsFile) => Promise<void>;
/** Writes some of `bytes` to the journal file, returns how many; tests inject failing ones. */
export type WriteFn = (file: Deno.FsFile, bytes: Uint8Array) => number;

/** Default of {@linkcode JournalOptions.compactMinBytes}: 1 MiB. */
export const COMPACT_MIN_BYTES = 1 << 20;
/** Default of {@linkcode JournalOptions.compactFactor}. */
export const COMPACT_FACTOR = 4;
/** Default of {@linkcode JournalOptions.maxPendingBytes}: 4 MiB. */
export const MAX_PENDING_BYTES = 4 << 20;

export interface JournalOptions {
  log?: Logger;
  /** Makes written bytes durable (default: `file.syncData()`, i.e. fdatasync). */
  sync?: SyncFn;
  /** Appends bytes to the file (default: `file.writeSync(bytes)`). */
  write?: WriteFn;
  /** The file is compacted while running only once it is at least this long. */
  compactMinBytes?: number;
  /** ... and this many times longer than its live votes would take. */
  compactFactor?: number;
  /** Most bytes of records waiting in memory (failed writes included) before refusing more. */
  maxPendingBytes?: number;
  /** The time that names a damaged file kept at opening (default: now). */
  now?: () => Date;
}

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

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE 802.3, as zlib computes it) of `buf[start, end)`. */
export function crc32(buf: Uint8Array, start = 0, end = buf.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const decoder = new TextDecoder();

function key(agent: string, store: string, phys: number): string {
  return `${agent}\u0000${store}\u0000${phys}`;
}

/** One record read at a position: a good one, one that runs past the end, or a bad one. */
type Read =
  | { ok: true; next: number; rec: Decoded }
  | { ok: false; torn: boolean; why: string };

/** Reads the record framed at byte `at` of `bytes`. */
function readRecord(bytes: Uint8Array, dv: DataView, at: number): Read {
  if (bytes.length - at < FRAME) return { ok: false, torn: true, why: "is torn (frame cut short)" };
  const len = dv.getUint32(at, true);
  if (len < MIN_BODY || len > MAX_BODY) {
    return { ok: false, torn: false, why: `has an impossible length ${len}` };
  }
  const body = at + FRAME;
  if (bytes.length - body < len) {
    return { ok: false, torn: true, why: `is torn (${bytes.length - body} of ${len} bytes)` };
  }
  if (crc32(bytes, body, body + len) !== dv.getUint32(at + 4, true)) {
    return { ok: false, torn: false, why: "fails its CRC check" };
  }
  const rec = decodeBody(bytes, dv, body, len);
  if (typeof rec === "string") return { ok: false, torn: false, why: rec };
  return { ok: true, next: body + len, rec };
}

/** The first offset after `at` where a good record starts, or -1. */
function resync(bytes: Uint8Array, dv: DataView, at: number): number {
  for (let p = at + 1; p + FRAME + MIN_BODY <= bytes.length; p++) {
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
 * with a matching CRC starts, and reports the stretch skipped in `damage`. A last record
 * that runs past the end with no good record after it is a torn tail (`torn`).
 */
export function scanJournal(bytes: Uint8Array): JournalScan {
  const live = new Map<string, JournalEntry>();
  const damage: JournalDamage[] = [];
  let records = 0;
  let torn = 0;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
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
      const { rec } = r;
      const k = key(rec.agent, rec.store, rec.phys);
      // Re-inserting moves the vote to the end: the newest request is the last one.
      live.delete(k);
      if (rec.value !== null) live.set(k, { ...rec, value: rec.value });
      records++;
      at = r.next;
      continue;
    }
    const next = resync(bytes, dv, at);
    if (next < 0 && r.torn) {
      torn = bytes.length - at;
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
  return { entries: [...live.values()], records, damage, torn };
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

type Decoded = { agent: string; store: string; phys: number; value: number | null };

function decodeBody(bytes: Uint8Array, dv: DataView, at: number, len: number): Decoded | string {
  const end = at + len;
  const op = bytes[at++];
  if (op !== JournalOp.VOTE && op !== JournalOp.WITHDRAW) return `has an unknown operation ${op}`;
  const names: string[] = [];
  for (let i = 0; i < 2; i++) {
    const n = bytes[at++];
    if (n === 0 || at + n > end) return "has a malformed name";
    names.push(decoder.decode(bytes.subarray(at, at + n)));
    at += n;
  }
  if (end - at !== (op === JournalOp.VOTE ? 12 : 4)) return "has a malformed body";
  const phys = dv.getUint32(at, true);
  const value = op === JournalOp.VOTE ? dv.getFloat64(at + 4, true) : null;
  if (value !== null && !Number.isFinite(value)) return "carries a value that is not a number";
  return { agent: names[0], store: names[1], phys, value };
}

/** Encodes one record (frame included) at `at` of `buf`; returns the bytes written. */
function encodeRecord(
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
function recordSize(agent: Uint8Array, store: Uint8Array, value: number | null): number {
  return FRAME + 1 + 1 + agent.length + 1 + store.length + 4 + (value === null ? 0 : 8);
}

const defaultSync: SyncFn = (f) => f.syncData();
const defaultWrite: WriteFn = (f, b) => f.writeSync(b);

/** A settled-together group of waiters: every record up to `seq`. */
interface Round {
  seq: number;
  promise: Promise<void>;
  resolve: () => void;
  reject: (e: unknown) => void;
}

function round(seq: number): Round {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A round nobody awaits must not surface as an unhandled rejection.
  promise.catch(() => {});
  return { seq, promise, resolve, reject };
}

/** Figures for benchmarks and `vscmi ctl`. */
export interface JournalStats {
  /** Records appended since the journal was opened. */
  records: number;
  /** Flushes (one write and one sync each) completed. */
  flushes: number;
  /** Bytes written since opening (compaction excluded). */
  bytes: number;
  /** Compactions while running (the one at opening excluded). */
  compactions: number;
  /** Records refused because too many bytes were waiting to be written. */
  refused: number;
}

/** The open journal of one server. */
export class Journal {
  /** Live votes found when it was opened, oldest first. */
  readonly restored: readonly JournalEntry[];
  readonly stats: JournalStats = { records: 0, flushes: 0, bytes: 0, compactions: 0, refused: 0 };

  #file: Deno.FsFile;
  readonly #dir: string;
  readonly #lock: Deno.FsFile;
  readonly #sync: SyncFn;
  readonly #writeFn: WriteFn;
  readonly #compactMin: number;
  readonly #compactFactor: number;
  readonly #maxPending: number;
  /** File length at which the next flush checks whether compacting is worth it. */
  #compactAt: number;
  /** Sequence number of the last record refused for lack of room (0: none). */
  #refused = 0;
  readonly #log: Logger | undefined;
  readonly #names = new Map<string, Uint8Array>();
  #buf = new Uint8Array(4096);
  #dv = new DataView(this.#buf.buffer);
  #len = 0;
  /** The buffer of the last completed flush, reused by the next one. */
  #spare: Uint8Array<ArrayBuffer> | null = new Uint8Array(4096);
  /** Records appended / made durable, counted from 1. */
  #seq = 0;
  #durable = 0;
  /** File length covered by completed flushes. */
  #size: number;
  /** The flush under way and the one waiters of later records join. */
  #current: Round | null = null;
  #next: Round | null = null;
  #scheduled = false;
  /** A record appended since the last flush began asks for a flush of its own. */
  #eager = false;
  #closed = false;

  private constructor(
    readonly path: string,
    dir: string,
    file: Deno.FsFile,
    lock: Deno.FsFile,
    size: number,
    restored: JournalEntry[],
    opts: JournalOptions,
  ) {
    this.#file = file;
    this.#dir = dir;
    this.#lock = lock;
    this.#size = size;
    this.restored = restored;
    this.#sync = opts.sync ?? defaultSync;
    this.#writeFn = opts.write ?? defaultWrite;
    this.#log = opts.log;
    this.#compactMin = opts.compactMinBytes ?? COMPACT_MIN_BYTES;
    this.#compactFactor = opts.compactFactor ?? COMPACT_FACTOR;
    this.#maxPending = opts.maxPendingBytes ?? MAX_PENDING_BYTES;
    this.#compactAt = this.#nextCompaction(size);
  }

  /**
   * Opens (or creates) the journal in directory `dir` (created, mode 0700, when missing; one
   * another user owns is refused with an Error, group and others bits are dropped): takes
   * the directory's lock (a second server on the same directory is refused with an Error),
   * reads the live votes, reports a bad tail, compacts the file, and opens it for appending.
   */
  static async open(dir: string, opts: JournalOptions = {}): Promise<Journal> {
    await ensurePrivateDir(dir, "State directory", "--state-dir");
    const lock = await Deno.open(join(dir, LOCK_FILE), { create: true, write: true, mode: 0o600 });
    try {
      if (!await lock.tryLock(true)) {
        throw new Error(
          `Another vscmi server owns the vote journal directory "${dir}": stop it or choose another --state-dir`,
        );
      }
      return await Journal.#openLocked(dir, lock, opts);
    } catch (e) {
      lock.close();
      throw e;
    }
  }

  static async #openLocked(dir: string, lock: Deno.FsFile, opts: JournalOptions) {
    const path = join(dir, JOURNAL_FILE);
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(path);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
      bytes = new Uint8Array(0);
    }
    const scan = scanJournal(bytes);
    if (scan.damage.length !== 0) {
      // The damaged file stays beside the new one, for the operator to look at.
      const kept = await keepDamaged(path, (opts.now ?? (() => new Date()))());
      opts.log?.warn(
        `Vote journal "${path}": ${damageText(scan)}; every intact record is kept, the ` +
          `damaged file is kept as "${kept}"`,
      );
    }
    const fresh = encodeJournal(scan.entries);
    await compact(dir, path, fresh, opts.sync ?? defaultSync);
    const file = await Deno.open(path, { append: true });
    return new Journal(path, dir, file, lock, fresh.length, scan.entries, opts);
  }

  /** Records appended so far. */
  get seq(): number {
    return this.#seq;
  }

  /** Records known to be on disk. */
  get durableSeq(): number {
    return this.#durable;
  }

  /**
   * Appends one record: `agent`'s vote of `value` (null: withdrawn) on `phys` in `store`.
   * Buffered; a flush is scheduled for the end of the current task — unless `lazy`, when the
   * record waits for the next flush anyone needs (or the close). Returns its sequence
   * number. No allocation once the names have been seen.
   */
  append(
    agent: string,
    store: string,
    phys: number,
    value: number | null,
    lazy = false,
  ): number {
    if (this.#closed) throw new Error(`Vote journal "${this.path}" is closed`);
    const a = this.#name(agent);
    const s = this.#name(store);
    const need = recordSize(a, s, value);
    if (this.#len + need > this.#maxPending) return this.#refuse();
    if (this.#len + need > this.#buf.length) this.#grow(this.#len + need);
    this.#len += encodeRecord(this.#buf, this.#dv, this.#len, a, s, phys, value);
    this.stats.records++;
    this.#seq++;
    if (!lazy) {
      this.#eager = true;
      this.#schedule();
    }
    return this.#seq;
  }

  /**
   * Undefined when every record up to `seq` (default: all appended) is on disk; otherwise
   * a promise that settles once it is (rejects when writing or syncing failed, or when the
   * last record up to `seq` was refused for lack of room).
   */
  durable(seq: number = this.#seq): Promise<void> | undefined {
    if (this.#refused > this.#durable && seq >= this.#refused) return this.#refusal();
    return this.#written(seq);
  }

  /** {@linkcode durable} without the refusal check: waits for what was buffered. */
  #written(seq: number): Promise<void> | undefined {
    if (seq <= this.#durable) return undefined;
    const cur = this.#current;
    if (cur !== null && seq <= cur.seq) return cur.promise;
    const next = this.#next ??= round(0);
    this.#schedule();
    return next.promise;
  }

  /** Starts a flush at the end of the current task, unless one runs or is due. */
  #schedule(): void {
    if (this.#scheduled || this.#current !== null) return;
    this.#scheduled = true;
    queueMicrotask(this.#kick);
  }

  /** Writes and syncs everything appended so far; settles when it is on disk. */
  flush(): Promise<void> {
    const wait = this.#written(this.#seq);
    if (wait === undefined) return Promise.resolve();
    if (this.#current === null) this.#kick();
    return wait;
  }

  /** Flushes what is pending and closes the file. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.flush();
    } catch {
      // Already reported by the flush.
    }
    while (this.#current !== null) await this.#current.promise.catch(() => {});
    this.#closed = true;
    this.#file.close();
    this.#lock.close();
  }

  /** A record that does not fit in memory: counted, logged once, never written. */
  #refuse(): number {
    this.stats.refused++;
    this.#log?.once(
      "error",
      `journal:full:${this.path}`,
      `Vote journal "${this.path}": more than ${this.#maxPending} bytes wait to be written; ` +
        `refusing further vote changes (GENERIC_ERROR) until the disk takes them`,
    );
    return this.#refused = ++this.#seq;
  }

  /** A settled-rejected promise (observed, so never an unhandled rejection). */
  #refusal(): Promise<void> {
    const p = Promise.reject(
      new Error(`Vote journal "${this.path}": the change was refused, too much is unwritten`),
    );
    p.catch(() => {});
    return p;
  }

  #nextCompaction(liveBytes: number): number {
    return Math.max(this.#compactMin, this.#compactFactor * liveBytes);
  }

  #name(name: string): Uint8Array {
    let b = this.#names.get(name);
    if (b === undefined) {
      b = new TextEncoder().encode(name);
      if (b.length === 0 || b.length > MAX_NAME) {
        throw new RangeError(`Journal names must be 1 to ${MAX_NAME} bytes, got "${name}"`);
      }
      this.#names.set(name, b);
    }
    return b;
  }

  #grow(min: number): void {
    let n = this.#buf.length * 2;
    while (n < min) n *= 2;
    const b = new Uint8Array(n);
    b.set(this.#buf.subarray(0, this.#len));
    this.#buf = b;
    this.#dv = new DataView(b.buffer);
  }

  readonly #kick = (): void => {
    this.#scheduled = false;
    if (this.#current !== null || this.#len === 0 || this.#closed) return;
    const r = this.#next ?? round(0);
    this.#next = null;
    this.#eager = false;
    r.seq = this.#seq;
    this.#current = r;
    // Swap buffers: appends during the write go to the other one.
    const full = this.#buf;
    const bytes = full.subarray(0, this.#len);
    this.#buf = this.#spare ?? new Uint8Array(full.length);
    this.#spare = null;
    this.#dv = new DataView(this.#buf.buffer);
    this.#len = 0;
    this.#write(full, bytes, r);
  };

  async #write(full: Uint8Array<ArrayBuffer>, bytes: Uint8Array, r: Round): Promise<void> {
    try {
      // Into the page cache at once (microseconds); only the sync waits for the disk.
      let off = 0;
      while (off < bytes.length) off += this.#writeFn(this.#file, bytes.subarray(off));
      await this.#sync(this.#file);
      this.#spare = full;
      this.#size += bytes.length;
      this.#durable = r.seq;
      this.stats.flushes++;
      this.stats.bytes += bytes.length;
      this.#current = null;
      r.resolve();
      if (this.#size >= this.#compactAt) return void this.#compactLive();
    } catch (e) {
      this.#log?.error(
        `Vote journal "${this.path}": writing ${bytes.length} bytes failed, the changes are ` +
          `not durable and will be written again: ${e instanceof Error ? e.message : e}`,
      );
      // Drop a partial write, and put the bytes back in front of what came since.
      try {
        this.#file.truncateSync(this.#size);
      } catch {
        // Nothing more can be done here; the next open stops at the torn record.
      }
      const rest = this.#buf.subarray(0, this.#len);
      const merged = new Uint8Array(Math.max(this.#buf.length, bytes.length + rest.length));
      merged.set(bytes);
      merged.set(rest, bytes.length);
      this.#buf = merged;
      this.#dv = new DataView(merged.buffer);
      this.#len = bytes.length + rest.length;
      this.#current = null;
      r.reject(e);
      if (this.#next !== null) this.#schedule();
      return;
    }
    this.#resume();
  }

  /** What came meanwhile goes now if anyone needs it; lazy records wait for a reason. */
  #resume(): void {
    if (this.#len !== 0 && (this.#eager || this.#next !== null)) this.#schedule();
  }

  /**
   * Compaction while running, between two flushes (it holds the flush slot, so appends wait
   * in memory): reads the file, which holds exactly the durable records, and rewrites its
   * live votes as at opening when the file is more than `compactFactor` times their size.
   * A failure is logged once and retried when the file has doubled.
   */
  async #compactLive(): Promise<void> {
    const r = round(this.#durable);
    this.#current = r;
    try {
      const scan = scanJournal(await Deno.readFile(this.path));
      if (scan.damage.length !== 0) throw new Error(damageText(scan));
      if (scan.torn !== 0) throw new Error(`its last ${scan.torn} bytes are torn`);
      const fresh = encodeJournal(scan.entries);
      if (this.#size > this.#compactFactor * fresh.length) {
        await compact(this.#dir, this.path, fresh, this.#sync);
        const file = await Deno.open(this.path, { append: true });
        this.#file.close();
        this.#file = file;
        this.#size = fresh.length;
        this.stats.compactions++;
      }
      this.#compactAt = this.#nextCompaction(fresh.length);
    } catch (e) {
      this.#compactAt = Math.max(this.#compactMin, 2 * this.#size);
      this.#log?.once(
        "error",
        `journal:compact:${this.path}`,
        `Vote journal "${this.path}": compacting failed, the file keeps growing until the ` +
          `next try: ${e instanceof Error ? e.message : e}`,
      );
    }
    this.#current = null;
    r.resolve();
    this.#resume();
  }
}

/** The bytes of a fresh journal holding `entries` (magic, then one vote record each). */
function encodeJournal(entries: readonly JournalEntry[]): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [JOURNAL_MAGIC];
  for (const e of entries) {
    const a = enc.encode(e.agent);
    const s = enc.encode(e.store);
    const buf = new Uint8Array(recordSize(a, s, e.value));
    encodeRecord(buf, new DataView(buf.buffer), 0, a, s, e.phys, e.value);
    parts.push(buf);
  }
  const size = parts.reduce((n, p) => n + p.length, 0);
  const all = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}

/**
 * Keeps the damaged journal at `path` as `<path>.damaged-<time>` (`…-2`, `-3` when taken),
 * before a fresh journal replaces it: a hard link, or a synced copy where links are not
 * possible. Returns the name given. Throws when neither works, so nothing damaged is lost.
 */
async function keepDamaged(path: string, now: Date): Promise<string> {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d+/, "");
  for (let n = 1;; n++) {
    const target = `${path}.damaged-${stamp}${n === 1 ? "" : `-${n}`}`;
    try {
      await Deno.link(path, target);
      return target;
    } catch (e) {
      if (e instanceof Deno.errors.AlreadyExists) continue;
    }
    try {
      const src = await Deno.readFile(path);
      await Deno.writeFile(target, src, { createNew: true, mode: 0o600 });
      const f = await Deno.open(target, { write: true });
      try {
        await f.syncData();
      } finally {
        f.close();
      }
      return target;
    } catch (e) {
      if (e instanceof Deno.errors.AlreadyExists) continue;
      throw new Error(
        `Vote journal "${path}" is damaged and cannot be kept as "${target}" ` +
          `(${e instanceof Error ? e.message : e}); move it away to start with a fresh journal`,
      );
    }
  }
}

/**
 * Writes `all` (from {@linkcode encodeJournal}) as the journal at `path`: a temporary file,
 * synced, renamed over the old one, the directory synced.
 */
async function compact(dir: string, path: string, all: Uint8Array, sync: SyncFn): Promise<void> {
  const tmp = `${path}.tmp`;
  const f = await Deno.open(tmp, { write: true, create: true, truncate: true, mode: 0o600 });
  try {
    let off = 0;
    while (off < all.length) off += await f.write(all.subarray(off));
    await sync(f);
  } finally {
    f.close();
  }
  await Deno.rename(tmp, path);
  try {
    const d = await Deno.open(dir, { read: true });
    try {
      await d.sync();
    } finally {
      d.close();
    }
  } catch {
    // Some systems cannot sync a directory; the rename is still atomic.
  }
}
