/**
 * The vote journal: an append-only file in the server's state directory holding every
 * acknowledged vote change, so a restarted server knows each agent's votes.
 *
 * The file is the magic, then one record per change (`journal_records.ts` has the layout).
 * Opening reads every intact record. A damaged one (CRC mismatch, impossible length or
 * fields, a header that is not the magic) is skipped: reading resynchronises at the next
 * offset where a whole record with a matching CRC starts, so one bad byte costs one record.
 * A last record that runs past the end of the file (or into the zeros written ahead in host
 * mode) with nothing good after it is the torn tail a crash in the middle of a write leaves:
 * expected, dropped without a word. Any other
 * damage is one warning (stretches, bytes, records lost), and the damaged file is kept
 * beside the journal as `votes.journal.damaged-<time>` (a hard link, or a copy) before
 * anything replaces it. The live votes are then rewritten as a fresh journal (temporary
 * file, fdatasync, rename), so the file never grows without bound. What the restored votes
 * must pass before they are used is the vote book's business (`vote_book.ts`).
 *
 * Two durabilities (`[platform] durability`, see the README's "Durability"):
 * - `process`: each record is put into the page cache before the reply that acknowledges it,
 *   synchronously — copied into zeros written ahead of the records through a shared mapping
 *   of the file's tail (`mapped_tail.ts`), or written with `write()` where the file cannot be
 *   mapped — so a crash or `kill -9` of vscmi loses nothing; only a crash of the host kernel
 *   can.
 * - `host`: appends are buffered in memory and written by {@linkcode Journal.flush}: one
 *   write plus one fdatasync for every record appended since the previous flush began
 *   (group commit), and the reply waits for it. Zeros are kept written ahead of the records
 *   (`reserveBytes`) and overwritten, so the fdatasync has no new file length to commit.
 * One flush runs at a time; records appended while it runs join the next one. A lazy record
 * starts no flush: it goes with the next one something else needs, or at the close.
 *
 * Bounds while running: once the file passes `compactMinBytes` (1 MiB) and
 * `compactFactor` (4) times the size of its live votes, the next flush is followed by a
 * compaction: the journal keeps the live votes of every record it restored or appended in
 * memory, and writes them as a fresh file without reading the old one back; flushes go on
 * meanwhile, and only the last step — copying the records written since, then the rename —
 * holds them (in process mode records are still written then). Records that cannot be
 * written stay buffered and are written again with the next flush, up to `maxPendingBytes`
 * (4 MiB); past that a record is refused, and {@linkcode Journal.durable} rejects for it
 * (the dispatcher answers GENERIC_ERROR), so a full disk cannot make memory grow.
 *
 * The state directory is private like the run directory (`core/rundir.ts`): created 0700,
 * refused when another user owns it.
 * @module
 */
import { join } from "node:path";
import type { Logger } from "../../core/log.ts";
import type { Durability } from "../../core/transport.ts";
import { ensurePrivateDir } from "../../core/rundir.ts";
import { MappedTail } from "./mapped_tail.ts";
import {
  damageText,
  type EncodedVote,
  encodeJournal,
  encodeRecord,
  encodeVotes,
  type JournalEntry,
  MAX_NAME,
  recordSize,
  scanJournal,
} from "./records.ts";

/** Name of the journal file in the state directory. */
export const JOURNAL_FILE = "votes.journal";
/** Name of the lock file that keeps a second server out of the state directory. */
export const LOCK_FILE = "votes.lock";

/** How a journal reaches the disk; tests inject a counting one. */
export type SyncFn = (file: Deno.FsFile) => Promise<void>;
/** Writes some of `bytes` to the journal file, returns how many; tests inject failing ones. */
export type WriteFn = (file: Deno.FsFile, bytes: Uint8Array) => number;

export type { Durability };

/** Default of {@linkcode JournalOptions.compactMinBytes}: 1 MiB. */
export const COMPACT_MIN_BYTES = 1 << 20;
/** Default of {@linkcode JournalOptions.compactFactor}. */
export const COMPACT_FACTOR = 4;
/** Default of {@linkcode JournalOptions.maxPendingBytes}: 4 MiB. */
export const MAX_PENDING_BYTES = 4 << 20;
/** Default of {@linkcode JournalOptions.reserveBytes}: 256 KiB. */
export const RESERVE_BYTES = 256 << 10;

export interface JournalOptions {
  log?: Logger;
  /** What an acknowledged vote survives (default `host`). */
  durability?: Durability;
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
  /**
   * Zeros written ahead past the last record (default {@linkcode RESERVE_BYTES}): in host
   * durability a flush overwrites them, so its fdatasync has no new file length to commit; in
   * process durability records are copied into them through a shared mapping of the file.
   * 0 appends at the end with `write()` instead.
   */
  reserveBytes?: number;
  /** The time that names a damaged file kept at opening (default: now). */
  now?: () => Date;
}

const defaultSync: SyncFn = (f) => f.syncData();
const noSync: SyncFn = () => Promise.resolve();
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

/** One live vote in the journal's memory: its value and when it last changed. */
interface LiveVote {
  value: number;
  order: number;
}

/** One agent's live votes in one store, with both names encoded for records. */
interface Pair {
  agent: Uint8Array;
  store: Uint8Array;
  ids: Map<number, LiveVote>;
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
  /** What compaction syncs the new file with (a real sync in every mode: it renames files). */
  readonly #compactSync: SyncFn;
  readonly #writeFn: WriteFn;
  /**
   * Process durability: the file's tail mapped shared, records copied into the page cache
   * (`mapped_tail.ts`); null where the file cannot be mapped, or a test injects `write`.
   */
  #tail: MappedTail | null = null;
  /** The file's position is where the next record goes (a mapped copy does not move it). */
  #positioned = true;
  /** `process`: eager records are written at once, synchronously, and never synced. */
  readonly #writeThrough: boolean;
  readonly #compactMin: number;
  readonly #compactFactor: number;
  readonly #maxPending: number;
  /** File length at which the next flush checks whether compacting is worth it. */
  #compactAt: number;
  /** Sequence number of the last record refused for lack of room (0: none). */
  #refused = 0;
  readonly #log: Logger | undefined;
  readonly #names = new Map<string, Uint8Array>();
  /**
   * The live votes of the records restored and appended, by agent, store and physical id:
   * what a compaction while running writes, so it never reads the file back.
   */
  readonly #live = new Map<string, Map<string, Pair>>();
  /** Changes folded into `#live` so far: the order a compaction writes the votes in. */
  #order = 0;
  #buf = new Uint8Array(4096);
  #dv = new DataView(this.#buf.buffer);
  #len = 0;
  /** The buffer of the last completed flush, reused by the next one. */
  #spare: Uint8Array<ArrayBuffer> | null = new Uint8Array(4096);
  /** Records appended / made durable, counted from 1. */
  #seq = 0;
  #durable = 0;
  /** File length covered by completed flushes: where the next record goes. */
  #size: number;
  /** Length of the file: past `#size` it holds zeros, written ahead (host mode). */
  #end: number;
  /** Zeros to keep written ahead of the records (0 in process mode). */
  readonly #reserve: number;
  /** The flush under way and the one waiters of later records join. */
  #current: Round | null = null;
  #next: Round | null = null;
  #scheduled = false;
  /** The compaction under way, if any. */
  #compaction: Promise<void> | null = null;
  /**
   * The flush slot while a compaction holds it (from the copy of the records written
   * meanwhile to the rename): in process mode records are still written through, to the old
   * file, and the compaction carries them over; in host mode they wait in memory.
   */
  #compactHold: Round | null = null;
  /** A compaction waits for the flush slot: no new flush starts meanwhile. */
  #holdWanted = false;
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
    this.#end = size;
    this.restored = restored;
    this.#writeThrough = opts.durability === "process";
    const reserve = opts.reserveBytes ?? RESERVE_BYTES;
    if (this.#writeThrough && opts.write === undefined && reserve > 0) {
      this.#tail = MappedTail.open(path);
    }
    // Zeros ahead for a flush's fdatasync, or for the mapping; plain appends otherwise.
    this.#reserve = this.#writeThrough && this.#tail === null ? 0 : reserve;
    // In process mode the page cache is the durability asked for: flushes only write.
    this.#sync = this.#writeThrough ? noSync : opts.sync ?? defaultSync;
    this.#compactSync = opts.sync ?? defaultSync;
    this.#writeFn = opts.write ?? defaultWrite;
    this.#log = opts.log;
    this.#compactMin = opts.compactMinBytes ?? COMPACT_MIN_BYTES;
    this.#compactFactor = opts.compactFactor ?? COMPACT_FACTOR;
    this.#maxPending = opts.maxPendingBytes ?? MAX_PENDING_BYTES;
    this.#compactAt = this.#nextCompaction(size);
    for (const e of restored) this.#fold(this.#pair(e.agent, e.store), e.phys, e.value);
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
    // Records are written where the last one ends (the file's position), not appended: in
    // host mode zeros are written ahead of them.
    const file = await Deno.open(path, { write: true });
    await file.seek(fresh.length, Deno.SeekMode.Start);
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
    const p = this.#pair(agent, store);
    const need = recordSize(p.agent, p.store, value);
    if (this.#len + need > this.#maxPending) return this.#refuse();
    if (this.#len + need > this.#buf.length) this.#grow(this.#len + need);
    this.#len += encodeRecord(this.#buf, this.#dv, this.#len, p.agent, p.store, phys, value);
    this.#fold(p, phys, value);
    this.stats.records++;
    this.#seq++;
    if (!lazy) {
      if (
        this.#writeThrough && (this.#current === null || this.#current === this.#compactHold) &&
        this.#writeNow()
      ) return this.#seq;
      this.#eager = true;
      this.#schedule();
    }
    return this.#seq;
  }

  /**
   * Process mode: writes everything buffered now, synchronously. False when the write
   * failed (the bytes stay buffered, the usual flush retries them and reports the failure).
   */
  #writeNow(): boolean {
    const bytes = this.#buf.subarray(0, this.#len);
    if (!this.#put(bytes)) return false;
    this.#size += bytes.length;
    this.#durable = this.#seq;
    this.stats.flushes++;
    this.stats.bytes += bytes.length;
    this.#len = 0;
    if (this.#current === null && this.#size >= this.#compactAt) this.#startCompaction();
    return true;
  }

  /**
   * Process mode: puts `bytes` at the end of the records, into the page cache — copied
   * through the mapped tail (zeros written ahead first when they run out), or written. False
   * when that failed (the file is cut back to its last whole record).
   */
  #put(bytes: Uint8Array): boolean {
    const tail = this.#tail;
    if (tail !== null) {
      try {
        if (this.#size + bytes.length > this.#end) this.#writeAhead(bytes.length);
      } catch {
        this.#dropPartial();
        return false;
      }
      try {
        tail.write(this.#size, bytes, this.#end);
        this.#positioned = false;
        return true;
      } catch (e) {
        this.#log?.warn(
          `Vote journal "${this.path}": cannot map the file (${
            e instanceof Error ? e.message : e
          }); writing records with write() from now on`,
        );
        this.#dropTail();
      }
    }
    try {
      this.#writeAll(bytes);
    } catch {
      this.#dropPartial();
      return false;
    }
    return true;
  }

  /** Writes `bytes` with `write()` where the records end (after mapped copies too); throws. */
  #writeAll(bytes: Uint8Array): void {
    if (!this.#positioned) {
      this.#file.seekSync(this.#size, Deno.SeekMode.Start);
      this.#positioned = true;
    }
    let off = 0;
    while (off < bytes.length) off += this.#writeFn(this.#file, bytes.subarray(off));
  }

  /** Stops mapping the file: records are written with `write()` from now on. */
  #dropTail(): void {
    this.#tail?.close();
    this.#tail = null;
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
    for (;;) {
      if (this.#compaction !== null) await this.#compaction;
      else if (this.#current !== null) await this.#current.promise.catch(() => {});
      else break;
    }
    this.#closed = true;
    // No mapped page may outlive the file's end: the mapping goes before the cut.
    this.#dropTail();
    try {
      // The zeros written ahead go: a closed journal ends with its last record.
      if (this.#end > this.#size) this.#file.truncateSync(this.#size);
    } catch {
      // Zeros after the last record read as reserved space.
    }
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

  /**
   * Host mode: writes zeros from the end of the file to `n` bytes plus the reserve past the
   * last record (the flush that writes the next records syncs them too), and comes back.
   */
  #writeAhead(n: number): void {
    const to = this.#size + n + this.#reserve;
    const zeros = new Uint8Array(to - this.#end);
    this.#file.seekSync(this.#end, Deno.SeekMode.Start);
    try {
      let off = 0;
      while (off < zeros.length) off += this.#file.writeSync(zeros.subarray(off));
      this.#end = to;
    } finally {
      this.#file.seekSync(this.#size, Deno.SeekMode.Start);
      this.#positioned = true;
    }
  }

  /** After a failed write: cuts the file back to its last whole record, where the next goes. */
  #dropPartial(): void {
    // The cut may fall inside the mapping: it goes first, the next copy maps again.
    this.#tail?.unmap();
    try {
      this.#file.truncateSync(this.#size);
      this.#end = this.#size;
      this.#file.seekSync(this.#size, Deno.SeekMode.Start);
      this.#positioned = true;
    } catch {
      // Nothing more can be done here; the next open stops at the torn record.
    }
  }

  /** `agent`'s live votes in `store` (created empty the first time). */
  #pair(agent: string, store: string): Pair {
    let stores = this.#live.get(agent);
    if (stores === undefined) this.#live.set(agent, stores = new Map());
    let p = stores.get(store);
    if (p === undefined) {
      p = { agent: this.#name(agent), store: this.#name(store), ids: new Map() };
      stores.set(store, p);
    }
    return p;
  }

  /** Records a change in `#live`: allocates only for a vote not live before. */
  #fold(p: Pair, phys: number, value: number | null): void {
    const ids = p.ids;
    if (value === null) {
      ids.delete(phys);
      return;
    }
    const order = ++this.#order;
    const v = ids.get(phys);
    if (v === undefined) ids.set(phys, { value, order });
    else {
      v.value = value;
      v.order = order;
    }
  }

  /** The live votes as a fresh journal, in the order they last changed. */
  #fresh(): Uint8Array {
    const votes: (EncodedVote & { order: number })[] = [];
    for (const stores of this.#live.values()) {
      for (const { agent, store, ids } of stores.values()) {
        for (const [phys, v] of ids) {
          votes.push({ agent, store, phys, value: v.value, order: v.order });
        }
      }
    }
    // The newest request is the last one ("last" and "exclusive" depend on the order).
    votes.sort((x, y) => x.order - y.order);
    return encodeVotes(votes);
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
    if (this.#current !== null || this.#len === 0 || this.#closed || this.#holdWanted) return;
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
      if (this.#reserve !== 0 && this.#size + bytes.length > this.#end) {
        this.#writeAhead(bytes.length);
      }
      this.#writeAll(bytes);
      await this.#sync(this.#file);
      this.#spare = full;
      this.#size += bytes.length;
      this.#durable = r.seq;
      this.stats.flushes++;
      this.stats.bytes += bytes.length;
      this.#current = null;
      r.resolve();
      if (this.#size >= this.#compactAt) this.#startCompaction();
    } catch (e) {
      this.#log?.error(
        `Vote journal "${this.path}": writing ${bytes.length} bytes failed, the changes are ` +
          `not durable and will be written again: ${e instanceof Error ? e.message : e}`,
      );
      // Drop a partial write, and put the bytes back in front of what came since.
      this.#dropPartial();
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

  /** Starts a compaction unless one is under way. */
  #startCompaction(): void {
    if (this.#compaction !== null) return;
    this.#compaction = this.#compactLive().finally(() => {
      this.#compaction = null;
    });
  }

  /** Waits for the flush under way to end, then holds the flush slot; none starts meanwhile. */
  async #holdFlushes(): Promise<Round> {
    this.#holdWanted = true;
    while (this.#current !== null) await this.#current.promise.catch(() => {});
    this.#holdWanted = false;
    const r = round(this.#durable);
    this.#current = this.#compactHold = r;
    return r;
  }

  /**
   * Compaction while running: when the file is more than `compactFactor` times the size of
   * the live votes held in memory, writes them as a fresh journal and syncs it aside while
   * flushes go on to the old file. A vote appended but not yet written may be in it; it is
   * written again after, and the later copy wins. Then it holds the flush slot (in process mode
   * records are still written, to the old file): the records written since it began are copied
   * over — with nothing awaited from the copy to the rename in process mode, synced before the
   * rename in host mode, where they were acknowledged as on disk — and the new file is renamed
   * over the old one and the directory synced. A failure is logged once and retried when the
   * file has doubled.
   */
  async #compactLive(): Promise<void> {
    let hold: Round | null = null;
    try {
      const snapshot = this.#size;
      const fresh = this.#fresh();
      if (snapshot > this.#compactFactor * fresh.length) {
        const tmp = await writeAside(this.path, fresh, this.#compactSync);
        hold = await this.#holdFlushes();
        const tail = readFrom(this.path, snapshot, this.#size - snapshot);
        appendTo(tmp, tail);
        if (!this.#writeThrough && tail.length !== 0) await syncPath(tmp, this.#compactSync);
        Deno.renameSync(tmp, this.path);
        const file = Deno.openSync(this.path, { write: true });
        this.#file.close();
        this.#file = file;
        this.#size = this.#end = fresh.length + tail.length;
        file.seekSync(this.#size, Deno.SeekMode.Start);
        this.#positioned = true;
        if (this.#tail !== null) {
          try {
            this.#tail.reopen(this.path);
          } catch {
            this.#dropTail();
          }
        }
        this.stats.compactions++;
        await syncDir(this.#dir);
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
    if (hold !== null) {
      this.#compactHold = null;
      this.#current = null;
      hold.resolve();
      this.#resume();
    }
  }
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
  await Deno.rename(await writeAside(path, all, sync), path);
  await syncDir(dir);
}

/** Writes `all` to `<path>.tmp` (created 0600, truncated) and syncs it; returns its path. */
async function writeAside(path: string, all: Uint8Array, sync: SyncFn): Promise<string> {
  const tmp = `${path}.tmp`;
  const f = await Deno.open(tmp, { write: true, create: true, truncate: true, mode: 0o600 });
  try {
    let off = 0;
    while (off < all.length) off += await f.write(all.subarray(off));
    await sync(f);
  } finally {
    f.close();
  }
  return tmp;
}

/** `length` bytes of the file at `path` from `offset`, read synchronously. */
function readFrom(path: string, offset: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  if (length === 0) return out;
  const f = Deno.openSync(path, { read: true });
  try {
    f.seekSync(offset, Deno.SeekMode.Start);
    let got = 0;
    while (got < length) {
      const n = f.readSync(out.subarray(got));
      if (n === null) throw new Error(`the file ended ${length - got} bytes early`);
      got += n;
    }
  } finally {
    f.close();
  }
  return out;
}

/** Appends `bytes` to the file at `path`, synchronously. */
function appendTo(path: string, bytes: Uint8Array): void {
  if (bytes.length === 0) return;
  const f = Deno.openSync(path, { append: true });
  try {
    let off = 0;
    while (off < bytes.length) off += f.writeSync(bytes.subarray(off));
  } finally {
    f.close();
  }
}

/** Syncs the file at `path` with `sync`. */
async function syncPath(path: string, sync: SyncFn): Promise<void> {
  const f = await Deno.open(path, { write: true });
  try {
    await sync(f);
  } finally {
    f.close();
  }
}

/** Syncs directory `dir`, where the system can (the rename is atomic either way). */
async function syncDir(dir: string): Promise<void> {
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
