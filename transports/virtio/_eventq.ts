/**
 * The eventq side of the virtio-scmi device: buffers the driver posted (device-writable
 * chains, kept until a message fills them), delayed responses waiting for a buffer, and the
 * delivery of the session's platform→agent messages into those buffers.
 * @module
 */
import { MsgType } from "../../core/header.ts";
import type { SessionPort } from "../../core/session_port.ts";
import { Status } from "../../core/status.ts";
import type { Chain } from "./chain.ts";
import { scatter, Segments } from "./_slot.ts";
import type { SplitQueue } from "./split_queue.ts";

const EMPTY = new Uint8Array(0);

/** One posted eventq buffer. */
export class EventBuffer extends Segments {
  head = 0;
}

/** Posted buffers in the order the driver made them available (FIFO, pooled entries). */
export class EventStash {
  #ring: EventBuffer[] = [];
  #first = 0;
  #count = 0;

  get length(): number {
    return this.#count;
  }

  /** Keeps the writable chain `c`. */
  push(c: Chain): void {
    if (this.#count === this.#ring.length) this.#grow();
    const at = (this.#first + this.#count) % this.#ring.length;
    const b = this.#ring[at];
    b.head = c.head;
    b.keep(c);
    this.#count++;
  }

  /** The oldest buffer, or undefined. */
  peek(): EventBuffer | undefined {
    return this.#count === 0 ? undefined : this.#ring[this.#first];
  }

  /** Forgets the oldest buffer (its entry is reused later). */
  shift(): void {
    if (this.#count === 0) return;
    this.#first = (this.#first + 1) % this.#ring.length;
    this.#count--;
  }

  clear(): void {
    this.#first = 0;
    this.#count = 0;
  }

  #grow(): void {
    const n = Math.max(4, this.#ring.length * 2);
    const ring: EventBuffer[] = [];
    for (let k = 0; k < this.#count; k++) {
      ring.push(this.#ring[(this.#first + k) % this.#ring.length]);
    }
    while (ring.length < n) ring.push(new EventBuffer());
    this.#ring = ring;
    this.#first = 0;
  }
}

/** Delayed responses that found no buffer, oldest first, at most `limit`. */
export class DelayedBacklog {
  readonly #items: Uint8Array[] = [];
  #first = 0;

  constructor(readonly limit: number) {}

  get length(): number {
    return this.#items.length - this.#first;
  }

  /** Queues `msg`; false when the backlog is full. */
  push(msg: Uint8Array): boolean {
    if (this.length >= this.limit) return false;
    this.#items.push(msg);
    return true;
  }

  peek(): Uint8Array | undefined {
    return this.#first < this.#items.length ? this.#items[this.#first] : undefined;
  }

  shift(): void {
    if (this.#first >= this.#items.length) return;
    this.#items[this.#first++] = EMPTY;
    if (this.#first === this.#items.length) this.clear();
    else if (this.#first >= 32 && 2 * this.#first >= this.#items.length) {
      this.#items.splice(0, this.#first);
      this.#first = 0;
    }
  }

  clear(): void {
    this.#items.length = 0;
    this.#first = 0;
  }
}

/** What the event channel reports to its device. */
export interface EventReporter {
  readonly stats: { droppedNotifications: number; failedDelayed: number };
  /** Completes an unusable chain with used length 0 and logs why, once. */
  refuse(q: SplitQueue, head: number, queue: string, reason: string): void;
  warn(key: string, text: string): void;
  /** The driver wants a used-buffer notification for the eventq. */
  signal(): void;
  /**
   * Whether delayed response `msg` may become visible now. False while the reply of its
   * command is not published, or the driver has not yet taken it: a driver that services the
   * eventq first (Linux does, in one interrupt) would otherwise see the delayed response
   * before the reply. The device then drains again later.
   */
  delayedMayGo(msg: Uint8Array): boolean;
}

/** The eventq: posted buffers in, platform→agent messages out. */
export class EventChannel {
  queue: SplitQueue | null = null;
  readonly #stash = new EventStash();
  /** The stashed buffers are the last ones taken from the queue (none completed after). */
  #stashIsTail = true;
  readonly #backlog: DelayedBacklog;
  readonly #err = new Uint8Array(8);
  readonly #errView = new DataView(this.#err.buffer);

  constructor(
    readonly report: EventReporter,
    delayedLimit: number,
  ) {
    this.#backlog = new DelayedBacklog(delayedLimit);
  }

  /**
   * Forgets the queue and its posted buffers; returns the avail index to resume from, rewound
   * over the buffers not filled yet when they are the last taken, or -1 without a queue.
   */
  detach(): number {
    const q = this.queue;
    this.queue = null;
    let kept = this.#stash.length;
    if (kept !== 0 && !this.#stashIsTail) {
      // A chain completed after them (a refused one): they cannot be offered again.
      this.report.warn("eventq-lost", `${kept} posted eventq buffers lost when the eventq stopped`);
      kept = 0;
    }
    this.#stash.clear();
    this.#stashIsTail = true;
    return q === null ? -1 : (q.lastAvail - kept) & 0xffff;
  }

  /** Drops delayed responses still waiting (the session ended). */
  clearBacklog(): void {
    this.#backlog.clear();
  }

  /** Takes every buffer the driver posted, refusing chains that are not writable-only. */
  take(): void {
    const q = this.queue;
    if (q === null) return;
    for (;;) {
      q.disableNotifications();
      for (let c = q.pop(); c !== null; c = q.pop()) {
        const reason = c.error ??
          (c.readable !== 0 || c.count === 0
            ? "buffer is not one or more device-writable parts"
            : this.#stash.length >= q.size
            ? "more buffers posted than the queue holds"
            : null);
        if (reason === null) {
          this.#stash.push(c);
          continue;
        }
        if (this.#stash.length !== 0) this.#stashIsTail = false;
        this.report.refuse(q, c.head, "eventq", reason);
      }
      if (!q.enableNotifications()) break;
    }
    if (q.broken !== null) this.report.warn("broken:eventq", `eventq stopped: ${q.broken}`);
  }

  /**
   * Moves platform→agent messages into posted buffers, oldest first: delayed responses that
   * waited, then the session's queue. Without a buffer, delayed responses wait and
   * notifications are dropped. A delayed response the reporter holds back stops the drain
   * there, the messages behind it included.
   */
  drain(s: SessionPort): void {
    if (s.p2a === null) return;
    const q = this.queue;
    const backlog = this.#backlog;
    const report = this.report;
    let pushed = false;
    let held = false;
    while (q !== null && backlog.length !== 0 && this.#stash.length !== 0) {
      if (!report.delayedMayGo(backlog.peek()!)) {
        held = true;
        break;
      }
      if (this.#deliver(q, s, backlog.peek()!, true)) backlog.shift();
      pushed = true;
    }
    const p2a = s.p2a;
    const stats = report.stats;
    while (!held && p2a.length !== 0) {
      const msg = p2a.peek()!;
      const delayed = (msg[1] & 3) === MsgType.DELAYED_RESPONSE;
      if (
        delayed && q !== null && backlog.length === 0 && this.#stash.length !== 0 &&
        !report.delayedMayGo(msg)
      ) {
        held = true;
        break;
      }
      p2a.shift();
      let done = false;
      if (q !== null && backlog.length === 0) {
        while (!done && this.#stash.length !== 0) {
          done = this.#deliver(q, s, msg, delayed);
          pushed = true;
        }
      }
      if (done) continue;
      if (!delayed) stats.droppedNotifications++;
      else if (!backlog.push(msg)) {
        stats.failedDelayed++;
        this.report.warn("backlog", `dropped a delayed response: ${backlog.limit} already wait`);
      }
    }
    if (pushed && q !== null && q.needsInterrupt()) report.signal();
  }

  /**
   * Puts `msg` in the oldest posted buffer. Returns false when the buffer was unusable and
   * `msg` still waits.
   */
  #deliver(q: SplitQueue, s: SessionPort, msg: Uint8Array, delayed: boolean): boolean {
    const b = this.#stash.peek()!;
    if (msg.length <= b.bytes) {
      scatter(q.memory, msg, msg.length, b);
      q.push(b.head, msg.length);
      this.#shift();
      if (s.tracing) s.sent(msg);
      return true;
    }
    if (!delayed) {
      this.report.stats.droppedNotifications++;
      this.report.warn(
        "event-size",
        `dropped a ${msg.length}-byte notification: eventq buffer holds ${b.bytes}`,
      );
      return true;
    }
    if (b.bytes < 8) {
      this.#shift();
      this.report.refuse(q, b.head, "eventq", "buffer is shorter than 8 bytes");
      return false;
    }
    this.report.stats.failedDelayed++;
    this.report.warn(
      "delayed-size",
      `sent COMMS_ERROR for a ${msg.length}-byte delayed response: eventq buffer holds ${b.bytes}`,
    );
    for (let i = 0; i < 4; i++) this.#err[i] = msg[i];
    this.#errView.setInt32(4, Status.COMMS_ERROR, true);
    scatter(q.memory, this.#err, 8, b);
    q.push(b.head, 8);
    this.#shift();
    return true;
  }

  #shift(): void {
    this.#stash.shift();
    if (this.#stash.length === 0) this.#stashIsTail = true;
  }
}
