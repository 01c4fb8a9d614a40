/**
 * One agent connection on the stream transport: it reads frames, dispatches each message in
 * arrival order, and writes back the replies and the session's platform→agent messages,
 * each as one whole frame.
 *
 * Hot path: one read fills the input buffer with as many frames as are available, every
 * whole frame is dispatched in place (no copy; one reused `Msg`) with its reply written
 * straight into the output buffer behind its length prefix, then all replies of the batch
 * leave in one write. Buffers are sized once per connection; views on them are cached.
 *
 * Stalls: a request frame must arrive whole, and each write must be taken by the peer,
 * within the frame timeout of its start ({@linkcode StallWatch}); otherwise the connection
 * closes and the agent's slot is free again. An idle connection (no frame in progress) never
 * times out.
 *
 * Fairness: frames are dispatched in turns of the platform's scheduler (`core/scheduler.ts`,
 * at most `quota` messages a turn: a batch read goes at once for one turn, the rest of it in
 * the scheduler's rounds, other agents' turns in between), and the
 * connection reads again only once every request it holds has been answered — a flooding
 * peer fills its socket, not the server's memory, and cannot hold up other agents.
 * @module
 */
import type { Logger } from "../../core/log.ts";
import { Msg } from "../../core/msg.ts";
import type { P2aQueue } from "../../core/p2a.ts";
import type { SessionOpener, SessionPort, TransportAgent } from "../../core/session_port.ts";
import { type StallLane, StallWatch } from "../../core/stall_watch.ts";
import { systemClock, type TimerClock } from "../../core/timer_clock.ts";
import { MAX_FRAME, PREFIX } from "./framing.ts";

/** Limits a connection works with, derived once from the agent and the transport options. */
export interface ConnectionLimits {
  /** Largest request N accepted: 4 + the agent's message size, at most 64 KiB. */
  readonly request: number;
  /** Reply buffer per message: 8 + the agent's message size, at most 64 KiB. */
  readonly reply: number;
  /** Messages buffered per direction (read-ahead requests, queued platform→agent). */
  readonly maxMsg: number;
  /** Milliseconds a frame may take from its first byte to its last, either direction. */
  readonly frameTimeoutMs: number;
}

/**
 * The limits for `agent` with `maxMsg` messages buffered per direction and frames due
 * within `frameTimeoutMs`.
 */
export function connectionLimits(
  agent: TransportAgent,
  maxMsg: number,
  frameTimeoutMs: number,
): ConnectionLimits {
  return {
    request: Math.min(4 + agent.maxMsgSize, MAX_FRAME),
    reply: Math.min(8 + agent.maxMsgSize, MAX_FRAME),
    maxMsg,
    frameTimeoutMs,
  };
}

/** Errors that only mean the peer went away or the connection was closed under a read. */
function isDisconnect(e: unknown): boolean {
  return e instanceof Deno.errors.BadResource || e instanceof Deno.errors.Interrupted ||
    e instanceof Deno.errors.ConnectionReset || e instanceof Deno.errors.BrokenPipe ||
    e instanceof Deno.errors.ConnectionAborted || e instanceof Deno.errors.NotConnected ||
    e instanceof Deno.errors.UnexpectedEof;
}

export class StreamConnection {
  /** Settles when the connection has ended and its session is closed. */
  readonly done: Promise<void>;
  readonly session: SessionPort;

  readonly #conn: Deno.Conn;
  readonly #log: Logger;
  readonly #agent: string;
  /** `agent@address`, for logs. */
  readonly #label: string;
  readonly #limits: ConnectionLimits;
  readonly #q: P2aQueue;
  readonly #m = new Msg();
  readonly #onClosed: () => void;

  readonly #in: Uint8Array;
  readonly #inDv: DataView;
  /**
   * Views on the input buffer by start offset, made when first needed. Filled on demand
   * rather than preallocated (one slot per buffer byte was about 70 KB of heap a
   * connection, with the output's, garbage after every session).
   */
  readonly #inViews: (Uint8Array | undefined)[];
  #inStart = 0;
  #inEnd = 0;

  readonly #out: Uint8Array;
  readonly #outDv: DataView;
  /** Views on the output buffer by end offset, made when first needed. */
  readonly #outViews: (Uint8Array | undefined)[];
  /** Bytes before this offset have been written to the socket. */
  #outStart = 0;
  /** Bytes of framed output in the buffer. */
  #outLen = 0;

  /** Messages left in the turn this connection holds; 0: it holds none. */
  #budget = 0;
  /** This batch has had its first turn: a further one waits for the other agents'. */
  #hadTurn = false;
  /** The read loop is handling a batch (it writes p2a messages itself when done). */
  #busy = false;
  /** A write of platform→agent messages started while the read loop was waiting. */
  #flushing: Promise<void> | null = null;
  #closed = false;

  readonly #watch: StallWatch;
  /** When the first byte of the partial request frame held in `#in` arrived. */
  #partialSince = 0;
  /** When the connection opened. */
  readonly #openedAt: number;
  /** Whether the peer has sent any byte yet. */
  #heard = false;

  constructor(
    conn: Deno.Conn,
    sessions: SessionOpener,
    limits: ConnectionLimits,
    opts: { label: string; log: Logger; onClosed: () => void; clock?: TimerClock },
  ) {
    this.#conn = conn;
    this.#log = opts.log;
    this.#agent = sessions.agent.name;
    this.#label = opts.label;
    this.#watch = new StallWatch(limits.frameTimeoutMs, this.#stalled, opts.clock ?? systemClock);
    this.#openedAt = this.#watch.now();
    this.#limits = limits;
    this.#onClosed = opts.onClosed;
    const inSize = Math.max(PREFIX + limits.request, limits.maxMsg * (PREFIX + limits.request));
    this.#in = new Uint8Array(inSize);
    this.#inDv = new DataView(this.#in.buffer);
    this.#inViews = [];
    const outSize = Math.max(2 * (PREFIX + limits.reply), limits.maxMsg * (PREFIX + limits.reply));
    this.#out = new Uint8Array(outSize);
    this.#outDv = new DataView(this.#out.buffer);
    this.#outViews = [];
    this.session = sessions.open({
      p2a: true,
      p2aLimit: limits.maxMsg,
      label: opts.label,
    });
    this.#q = this.session.p2a!;
    this.#q.onPush = this.#onPush;
    this.done = this.#run();
  }

  /** Ends the connection and the session (the plugins release the agent's votes). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#watch.dispose();
    this.#q.onPush = null;
    try {
      this.#conn.close();
    } catch {
      // Already closed by the peer's side.
    }
    this.session.close();
    this.#onClosed();
  }

  async #run(): Promise<void> {
    try {
      while (!this.#closed) {
        const n = await this.#conn.read(this.#readView());
        if (n === null) break;
        this.#heard = true;
        // While the batch is handled, only a frame still partial after it is on the clock.
        this.#watch.stop("in");
        while (this.#flushing !== null) await this.#flushing;
        if (this.#closed) break;
        this.#busy = true;
        const held = this.#inEnd;
        this.#inEnd += n;
        const slow = this.#consume();
        if (slow !== null) await slow;
        this.#budget = 0;
        this.#hadTurn = false;
        if (this.#closed) break;
        this.#timePartial(held);
        this.#compact();
        const len = this.#outLen;
        if (this.#q.length === 0 && this.#outStart === 0 && len !== 0) {
          // Fast path: the batch's replies in one write, nothing else to send.
          const sent = await this.#write(this.#outViews[len] ??= this.#out.subarray(0, len));
          if (sent === len) this.#outLen = 0;
          else this.#outStart = sent;
        }
        if (this.#outLen !== this.#outStart || this.#q.length !== 0) await this.#flush();
        this.#busy = false;
        if (this.#q.length !== 0) this.#onPush();
      }
    } catch (e) {
      this.#fail(e);
    } finally {
      this.close();
    }
  }

  /**
   * After a batch: puts a partial frame left in the input buffer on the clock, from when its
   * first byte arrived. `held` is the bytes held before this read: a partial frame still at
   * the front is the same one as before, with its old start.
   */
  #timePartial(held: number): void {
    if (this.#inStart === this.#inEnd) return;
    if (held === 0 || this.#inStart !== 0) this.#partialSince = this.#watch.now();
    this.#watch.start("in", this.#partialSince);
  }

  /** One write, on the clock: a peer that stops reading stalls it. */
  async #write(view: Uint8Array): Promise<number> {
    this.#watch.start("out");
    const sent = await this.#conn.write(view);
    this.#watch.stop("out");
    return sent;
  }

  readonly #stalled = (lane: StallLane): void => {
    this.#log.warn(
      `Agent "${this.#agent}": closed its stream connection ${this.#label}: ${
        lane === "in"
          ? "a request frame stayed incomplete"
          : "a write was not taken by the peer (it stopped reading)"
      } for ${this.#watch.ms} ms`,
    );
    this.close();
  };

  /**
   * For a new connection that wants this one's slot: closes this one if it holds the slot
   * without using it — a frame of it is overdue, or its peer has sent nothing in the frame
   * timeout since it connected. Returns whether it closed. A connection that has spoken and
   * has no frame overdue is kept, however long it has been idle.
   */
  yieldSlot(): boolean {
    if (this.#closed) return true;
    if (this.#watch.check()) return true;
    if (this.#heard || this.#watch.now() < this.#silentUntil) return false;
    this.#log.warn(
      `Agent "${this.#agent}": closed its stream connection ${this.#label} for a new one: it sent nothing in ${this.#watch.ms} ms`,
    );
    this.close();
    return true;
  }

  /**
   * Until when {@linkcode yieldSlot} is worth waiting for: the deadline of the frame in
   * progress, or the end of the silence allowed after connecting; -Infinity when neither
   * applies (the connection keeps its slot).
   */
  get yieldsBy(): number {
    if (this.#closed) return -Infinity;
    if (this.#watch.busy) return this.#watch.due;
    return this.#heard ? -Infinity : this.#silentUntil;
  }

  get #silentUntil(): number {
    return this.#openedAt + this.#watch.ms;
  }

  #fail(e: unknown): void {
    if (this.#closed || isDisconnect(e)) return;
    this.#log.once(
      "warn",
      `stream:fail:${this.#agent}:${e instanceof Error ? e.name : ""}`,
      `Agent "${this.#agent}": stream connection failed, closing it: ${
        e instanceof Error ? e.message : String(e)
      }`,
    );
  }

  /** Where the next read goes: after the bytes held, through a cached view. */
  #readView(): Uint8Array {
    const end = this.#inEnd;
    if (end === 0) return this.#in;
    return this.#inViews[end] ??= this.#in.subarray(end);
  }

  /** Moves a partial frame to the front of the input buffer. */
  #compact(): void {
    const start = this.#inStart;
    if (start === this.#inEnd) {
      this.#inStart = this.#inEnd = 0;
    } else if (start !== 0) {
      this.#in.copyWithin(0, start, this.#inEnd);
      this.#inEnd -= start;
      this.#inStart = 0;
    }
  }

  /**
   * Dispatches every whole frame in the input buffer, in order. Returns null when done, or a
   * promise on the slow path (a handler blocked, or the output buffer needs writing first).
   */
  #consume(): Promise<void> | null {
    const dv = this.#inDv;
    const end = this.#inEnd;
    const limits = this.#limits;
    const session = this.session;
    let at = this.#inStart;
    while (end - at >= PREFIX) {
      const n = dv.getUint32(at, true);
      if (n > limits.request) {
        this.#oversize(n);
        return null;
      }
      const body = at + PREFIX;
      if (end - body < n) break;
      if (this.#out.length - this.#outLen < PREFIX + limits.reply) {
        this.#inStart = at;
        return this.#flushThenConsume();
      }
      if (this.#budget === 0) {
        // A batch's first turn goes at once; a further one waits for the other agents'.
        if (this.#hadTurn) {
          this.#inStart = at;
          return this.#afterTurn(session.nextTurn());
        }
        this.#hadTurn = true;
        this.#budget = session.quota;
      }
      this.#budget--;
      at = body + n;
      const m = this.#m;
      m.r.reset(this.#in, body, n);
      m.w.reset(this.#out, this.#outLen + PREFIX, limits.reply);
      if (session.tracing) m.t0 = performance.now();
      // A frame shorter than a header is dropped (and logged once) by the dispatcher.
      const len = session.deliver(m);
      if (typeof len !== "number") {
        this.#inStart = at;
        return this.#blocked(len);
      }
      if (len !== 0) {
        this.#outDv.setUint32(this.#outLen, len, true);
        this.#outLen += PREFIX + len;
      }
    }
    this.#inStart = at;
    return null;
  }

  /** Waits for this agent's turn, then goes on dispatching. */
  async #afterTurn(turn: Promise<void>): Promise<void> {
    await turn;
    if (this.#closed) return;
    this.#budget = this.session.quota;
    const slow = this.#consume();
    if (slow !== null) await slow;
  }

  async #flushThenConsume(): Promise<void> {
    await this.#flush();
    const slow = this.#consume();
    if (slow !== null) await slow;
  }

  /** A handler blocked: send the replies before it now, then wait for it, then go on. */
  async #blocked(pending: Promise<number>): Promise<void> {
    await this.#send();
    const len = await pending;
    if (this.#closed) return;
    if (len !== 0) {
      this.#outDv.setUint32(this.#outLen, len, true);
      this.#outLen += PREFIX + len;
    }
    const slow = this.#consume();
    if (slow !== null) await slow;
  }

  #oversize(n: number): void {
    this.#log.once(
      "warn",
      `stream:oversize:${this.#agent}`,
      `Agent "${this.#agent}": closed its stream connection: a ${n}-byte frame exceeds the ${this.#limits.request}-byte limit`,
    );
    this.close();
  }

  /** Writes the output buffer from `#outStart` to `#outLen`. */
  async #send(): Promise<void> {
    while (this.#outStart < this.#outLen) {
      const start = this.#outStart;
      const view = start === 0
        ? this.#outViews[this.#outLen] ??= this.#out.subarray(0, this.#outLen)
        : this.#out.subarray(start, this.#outLen);
      this.#outStart = start + await this.#write(view);
    }
  }

  /** Appends queued platform→agent messages, writes everything, until nothing is left. */
  async #flush(): Promise<void> {
    for (;;) {
      this.#appendP2a();
      if (this.#outStart === this.#outLen) break;
      await this.#send();
      this.#outStart = this.#outLen = 0;
    }
    this.#outStart = this.#outLen = 0;
  }

  /** Moves queued platform→agent messages into the output buffer, as many as fit. */
  #appendP2a(): void {
    const q = this.#q;
    while (q.length !== 0) {
      const msg = q.peek()!;
      const need = PREFIX + msg.length;
      if (need > this.#out.length - this.#outLen) {
        if (need <= this.#out.length) return;
        q.shift();
        this.#log.once(
          "error",
          `stream:p2a-size:${this.#agent}`,
          `Agent "${this.#agent}": dropped a ${msg.length}-byte platform message larger than the stream buffer`,
        );
        continue;
      }
      q.shift();
      if (this.session.tracing) this.session.sent(msg);
      this.#outDv.setUint32(this.#outLen, msg.length, true);
      this.#out.set(msg, this.#outLen + PREFIX);
      this.#outLen += need;
    }
  }

  /** A platform→agent message was queued: write it now unless the read loop will. */
  readonly #onPush = (): void => {
    if (this.#busy || this.#flushing !== null || this.#closed) return;
    this.#flushing = this.#idleFlush();
  };

  async #idleFlush(): Promise<void> {
    // Let the caller record this promise before any of it runs.
    await null;
    try {
      await this.#flush();
    } catch (e) {
      this.#fail(e);
      this.close();
    } finally {
      this.#flushing = null;
    }
  }
}
