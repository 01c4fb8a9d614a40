/**
 * The virtio-scmi device (virtio 1.2 §5.17 "SCMI Device"), hypervisor-neutral: it serves one
 * agent's cmdq and eventq through {@linkcode SplitQueue}s over guest memory. A binding
 * (vhost-user, virtio-mmio) owns the memory map, the kicks and the interrupts, and calls
 * in here.
 *
 * cmdq (queue 0): each chain is one command. a2p: the device-readable part, le32 header then
 * parameters (Linux: one descriptor of 4 + tx_len bytes). p2a: the device-writable part,
 * le32 header, le32 status, return values (Linux: one descriptor of 8 + rx_len bytes, rx_len
 * up to 128). The used length is exactly the reply's bytes; an error reply is 8 bytes. A
 * reply larger than the writable part becomes a COMMS_ERROR reply; a writable part under
 * 8 bytes, a chain the queue refused, or a request shorter than a header is completed with
 * used length 0. A request longer than 4 + the agent's message size is answered
 * PROTOCOL_ERROR. Commands whose handler blocks complete out of order when they settle.
 * Chains are taken in turns of the platform's scheduler (`core/scheduler.ts`), as the
 * stream transport's frames are: a guest that keeps its cmdq full holds up no other agent.
 *
 * eventq (queue 1, with VIRTIO_SCMI_F_P2A_CHANNELS): the driver posts device-writable
 * buffers (Linux: 136 bytes each); the device fills one per notification (le32 header,
 * payload) or delayed response (le32 header, le32 status, payload). With no buffer posted, a
 * delayed response waits for one and a notification is dropped, as the spec allows. A
 * notification larger than the buffer is dropped; a delayed response larger than the buffer
 * is delivered as its header and COMMS_ERROR. A delayed response never goes before its
 * command's reply: it waits while a command with its token is still blocked in a handler,
 * and with EVENT_IDX until the driver has also taken the cmdq replies published before it
 * (its `used_event` has passed them), at most {@linkcode DELAYED_HOLD_MAX_MS}. Linux services
 * the eventq before the cmdq in one interrupt, and a delayed response it sees before the
 * reply makes it reject the reply ("Invalid message type"). Without EVENT_IDX the driver's
 * progress cannot be known; the delayed response goes once the reply is published.
 *
 * Per message on the cmdq nothing is allocated: one pooled `Msg` and scratch buffers per
 * in-flight command, the reader and writer straight on guest memory when the request and
 * reply are one descriptor each. If a handler blocks, what it has read and written so far is
 * moved to the slot's scratch buffers before it resumes, so no write reaches guest memory
 * after a reset.
 * @module
 */
import { liveClock, type TimerClock } from "../../core/timer_clock.ts";
import { headerToken } from "../../core/header.ts";
import type { Logger } from "../../core/log.ts";
import type { SessionOpener, SessionPort, TransportAgent } from "../../core/session_port.ts";
import { Status } from "../../core/status.ts";
import type { Chain } from "./chain.ts";
import type { GuestMemory } from "./guest_memory.ts";
import { EventChannel } from "./_eventq.ts";
import { DEVICE_FEATURES, FeatureBit, featureMask, ScmiQueue } from "./features.ts";
import { gather, scatter, Slot } from "./_slot.ts";
import type { SplitQueue } from "./split_queue.ts";

/** Longest a delayed response waits for the driver to take its command's reply, ms. */
export const DELAYED_HOLD_MAX_MS = 100;
/** How often a held delayed response looks again whether the driver took the reply, ms. */
const DELAYED_HOLD_POLL_MS = 1;

/** What a binding gives the device besides the agent's session opener. */
export interface VirtioScmiOptions {
  /** Where refused chains and dropped messages are reported (once per kind). */
  log: Logger;
  /**
   * Sends a used-buffer notification (interrupt) for `queue`. Called only when the driver
   * asked for one; must not call back into the device synchronously.
   */
  signal(queue: 0 | 1): void;
  /** Label of the session for logs and traces (default `<agent>@virtio`). */
  label?: string;
  /** Delayed responses held while no eventq buffer is posted (default 1024, Linux's tokens). */
  delayedLimit?: number;
  /** Times the hold of a delayed response (default `liveClock`); tests pass a manual clock. */
  clock?: TimerClock;
}

/** Counters of what the device refused or dropped. */
export interface VirtioScmiStats {
  /** Chains completed with used length 0: refused by the queue or unusable by the device. */
  badChains: number;
  /** Notifications dropped: no eventq buffer, or one too small. */
  droppedNotifications: number;
  /** Delayed responses dropped (backlog full) or cut to COMMS_ERROR (buffer too small). */
  failedDelayed: number;
}

/**
 * One agent's virtio-scmi device.
 *
 * @example
 * ```ts ignore
 * const dev = new VirtioScmiDevice(env, { log, signal: (q) => interrupt(q) }); // env: a TransportEnv
 * const kept = dev.setFeatures(driverFeatures);
 * dev.attachQueue(0, new SplitQueue(memory, 256, desc, avail, used, kept));
 * dev.start();
 * dev.processCmdq(); // on each cmdq kick
 * ```
 */
export class VirtioScmiDevice {
  /** Features offered: VERSION_1, SCMI_F_P2A_CHANNELS, INDIRECT_DESC, EVENT_IDX. */
  readonly features: bigint = DEVICE_FEATURES;
  /** What was refused or dropped so far. */
  readonly stats: VirtioScmiStats = { badChains: 0, droppedNotifications: 0, failedDelayed: 0 };

  readonly #sessions: SessionOpener;
  readonly #agent: TransportAgent;
  readonly #log: Logger;
  readonly #signal: (queue: 0 | 1) => void;
  readonly #label: string;
  readonly #maxReq: number;
  readonly #maxRep: number;
  #negotiated = 0n;
  #session: SessionPort | null = null;
  #cmdq: SplitQueue | null = null;
  /** Bumped whenever the cmdq changes: completions from before are dropped. */
  #gen = 0;
  readonly #free: Slot[] = [];
  #inFlight = 0;
  /** Inside processCmdq: platform→agent messages wait until the replies are out. */
  #busy = false;
  #p2aWaiting = false;
  /** processCmdq stopped taking chains because every slot the queue allows is busy. */
  #stalled = false;
  /** Chains left in the turn this device holds; 0: it holds none. */
  #budget = 0;
  /** Waiting for a turn of the scheduler (`core/scheduler.ts`). */
  #turnWait = false;
  readonly #events: EventChannel;
  /** Commands blocked in a handler, by token: their delayed responses wait for the reply. */
  readonly #blocked = new Uint16Array(1024);
  /** cmdq used index the driver must take before the held delayed response goes, or -1. */
  #holdMark = -1;
  /** When the delayed response was first held, ms (on #clock). */
  #holdSince = 0;
  #holdTimer: unknown = null;
  readonly #clock: TimerClock;

  /** A device serving the agent `sessions` opens sessions for; nothing happens before {@linkcode start}. */
  constructor(sessions: SessionOpener, options: VirtioScmiOptions) {
    const agent = sessions.agent;
    this.#sessions = sessions;
    this.#agent = agent;
    this.#log = options.log;
    this.#signal = options.signal;
    this.#clock = options.clock ?? liveClock;
    this.#label = options.label ?? `${agent.name}@virtio`;
    this.#maxReq = 4 + agent.maxMsgSize;
    this.#maxRep = 8 + agent.maxMsgSize;
    this.#events = new EventChannel({
      stats: this.stats,
      refuse: (q, head, queue, reason) => this.#refuse(q, head, queue, reason),
      warn: (key, text) => this.#warn(key, text),
      signal: () => this.#signal(ScmiQueue.EVENTQ),
      delayedMayGo: (msg) => this.#delayedMayGo(msg),
    }, options.delayedLimit ?? 1024);
  }

  /** Features the driver accepted (after {@linkcode setFeatures}). */
  get negotiated(): bigint {
    return this.#negotiated;
  }

  /** The open session, or null before {@linkcode start} and after {@linkcode reset}. */
  get session(): SessionPort | null {
    return this.#session;
  }

  /** Commands whose handler has not settled yet. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /**
   * Records the features the driver accepted and returns the ones kept: bits the device did
   * not offer are ignored (and logged once). Transport bits such as vhost-user's
   * PROTOCOL_FEATURES (bit 30) are the binding's to strip. P2A_CHANNELS takes effect at the
   * next {@linkcode start}; the ring bits are for the binding to pass to each SplitQueue.
   */
  setFeatures(bits: bigint): bigint {
    const extra = bits & ~this.features;
    if (extra !== 0n) {
      this.#warn(
        "features",
        `driver accepted features the device does not offer (0x${extra.toString(16)}): ignored`,
      );
    }
    this.#negotiated = bits & this.features;
    return this.#negotiated;
  }

  /**
   * Serves `queue` as cmdq (0) or eventq (1) from now on. A queue attached before is
   * forgotten as by {@linkcode detachQueue}.
   */
  attachQueue(index: 0 | 1, queue: SplitQueue): void {
    this.detachQueue(index);
    if (index === ScmiQueue.CMDQ) this.#cmdq = queue;
    else this.#events.queue = queue;
  }

  /**
   * Stops serving queue `index` and returns the avail index to resume it from (vhost-user
   * GET_VRING_BASE), or -1 if none was attached. cmdq: commands still blocked are
   * abandoned (their replies are dropped). eventq: posted buffers not yet filled are handed
   * back by rewinding the index over them, so a resumed ring offers them again.
   */
  detachQueue(index: 0 | 1): number {
    this.#unhold();
    if (index === ScmiQueue.CMDQ) {
      const q = this.#cmdq;
      this.#cmdq = null;
      this.#gen++;
      this.#inFlight = 0;
      this.#stalled = false;
      this.#budget = 0;
      return q === null ? -1 : q.lastAvail;
    }
    return this.#events.detach();
  }

  /**
   * Opens the agent's session (idempotent): platform→agent messages are possible when the
   * driver accepted P2A_CHANNELS.
   */
  start(): SessionPort {
    if (this.#session !== null) return this.#session;
    const p2a = (this.#negotiated & featureMask(FeatureBit.SCMI_P2A_CHANNELS)) !== 0n;
    const s = this.#sessions.open({ p2a, label: this.#label });
    if (s.p2a !== null) s.p2a.onPush = this.#onP2a;
    this.#session = s;
    return s;
  }

  /**
   * Device reset: ends the session — explicitly by default (`how` = "end": the agent's votes
   * are released at once, whatever its grace period), or as a closed channel ("close": the
   * transport lost its peer; the votes stay for the agent's grace period) — and forgets both
   * queues, the posted eventq buffers and waiting delayed responses; replies of blocked
   * commands are dropped when they settle. Negotiated features stay until set again.
   */
  reset(how: "end" | "close" = "end"): void {
    const s = this.#session;
    this.#session = null;
    if (s !== null) {
      if (s.p2a !== null) s.p2a.onPush = null;
      s.close(how);
    }
    this.detachQueue(ScmiQueue.CMDQ);
    this.detachQueue(ScmiQueue.EVENTQ);
    this.#events.clearBacklog();
    this.#p2aWaiting = false;
  }

  /**
   * Serves the chains available on the cmdq (the driver kicked it) in turns of the platform's
   * scheduler (`core/scheduler.ts`): at most `quota` chains a turn, the first at once, the
   * next ones in the scheduler's rounds, other agents' turns in between. Notifications stay disabled while chains wait for a turn; once
   * the queue is empty they are re-enabled and re-checked. The driver is interrupted, if it
   * asked to be, at the end of each turn.
   */
  processCmdq(): void {
    if (this.#cmdq === null) return;
    if (this.#session === null) {
      this.#warn("early", "cmdq kicked before the device started: ignored");
      return;
    }
    // Waiting for a turn: the chains kicked now are served in it.
    if (this.#turnWait) return;
    // A kick's chains go at once for one turn.
    this.#budget = this.#session.quota;
    this.#serveTurn();
  }

  /** Chains are waiting for this device's turn: serve them when it comes. */
  #awaitTurn(turn: Promise<void>): void {
    this.#turnWait = true;
    this.#cmdq?.disableNotifications();
    turn.then(() => {
      this.#turnWait = false;
      // Detached or reset meanwhile: whatever queue is attached now is served in this turn.
      if (this.#cmdq === null || this.#session === null) return;
      this.#budget = this.#session.quota;
      this.#serveTurn();
    });
  }

  /** Serves chains with the turn held (`#budget` > 0), then ends the turn or asks for the next. */
  #serveTurn(): void {
    const q = this.#cmdq!;
    const s = this.#session!;
    this.#busy = true;
    this.#stalled = false;
    let more = false;
    try {
      for (;;) {
        q.disableNotifications();
        while (this.#inFlight < q.size && this.#budget !== 0) {
          const c = q.pop();
          if (c === null) break;
          this.#budget--;
          this.#command(q, c, s);
        }
        if (this.#inFlight >= q.size && q.pending() !== 0) {
          // Every slot is taken by a blocked handler: resume when one settles.
          this.#stalled = true;
          break;
        }
        if (this.#budget === 0 && q.pending() !== 0) {
          more = true;
          break;
        }
        if (!q.enableNotifications()) break;
      }
    } finally {
      this.#busy = false;
    }
    if (!more) this.#budget = 0;
    if (q.broken !== null) this.#warn("broken:cmdq", `cmdq stopped: ${q.broken}`);
    if (q.needsInterrupt()) this.#signal(ScmiQueue.CMDQ);
    if (this.#p2aWaiting) {
      this.#p2aWaiting = false;
      if (this.#session !== null) this.#events.drain(this.#session);
    }
    // A whole turn used and chains left: the next turn comes after the other agents'.
    if (more) this.#awaitTurn(s.nextTurn());
  }

  /**
   * Takes the buffers the driver posted on the eventq (it kicked it) and fills them with
   * waiting messages.
   */
  processEventq(): void {
    const ev = this.#events;
    const q = ev.queue;
    if (q === null) return;
    ev.take();
    if (this.#session !== null) ev.drain(this.#session);
    if (q.needsInterrupt()) this.#signal(ScmiQueue.EVENTQ);
  }

  /** One cmdq chain: dispatch it and complete it now, or when its handler settles. */
  #command(q: SplitQueue, c: Chain, s: SessionPort): void {
    if (c.error !== null) return this.#refuse(q, c.head, "cmdq", c.error);
    if (c.writeBytes < 8) {
      return this.#refuse(q, c.head, "cmdq", "response buffer is shorter than 8 bytes");
    }
    const slot = this.#free.pop() ?? new Slot(this.#agent.maxMsgSize, this.#settled, this.#failed);
    slot.head = c.head;
    slot.gen = this.#gen;
    if (c.readBytes > this.#maxReq) return this.#oversize(q, c, slot);
    const mem = q.memory;
    const m = slot.m;
    // The request is always copied out of guest memory first: a vCPU could otherwise rewrite
    // it between the core's checks (visibility, rights, bounds) and the handler's own reads.
    m.r.reset(slot.req, 0, gather(mem, c, 0, c.readable, slot.req, this.#maxReq));
    const cap = c.writeBytes < this.#maxRep ? c.writeBytes : this.#maxRep;
    slot.direct = c.writable === 1;
    if (slot.direct) m.w.reset(mem.bytes(c.region[c.readable]), c.off[c.readable], cap);
    else {
      m.w.reset(slot.rep, 0, cap);
      slot.out.keep(c);
    }
    if (s.tracing) m.t0 = performance.now();
    let out: number | Promise<number>;
    try {
      out = s.deliver(m);
    } catch (e) {
      this.#log.once(
        "error",
        `virtio:dispatch:${this.#agent.name}`,
        `Agent "${this.#agent.name}": cmdq message failed outside any handler: ${e}`,
      );
      out = 0;
    }
    if (typeof out === "number") {
      this.#complete(q, slot, out);
      return;
    }
    this.#park(c, slot, mem);
    this.#inFlight++;
    this.#blocked[headerToken(m.header)]++;
    out.then(slot.done, slot.fail);
  }

  /** Writes the reply where it belongs, returns the chain and the slot. */
  #complete(q: SplitQueue, slot: Slot, len: number): void {
    if (!slot.direct && len !== 0) scatter(q.memory, slot.rep, len, slot.out);
    q.push(slot.head, len);
    this.#free.push(slot);
  }

  /**
   * The handler blocked: move the reply written so far off guest memory (the request is
   * already in the slot's own buffer), so the rest of the handler works on the slot's buffers.
   */
  #park(c: Chain, slot: Slot, mem: GuestMemory): void {
    const m = slot.m;
    if (slot.direct) {
      const len = m.w.length;
      const cap = m.w.capacity;
      const src = mem.bytes(c.region[c.readable]);
      const at = c.off[c.readable];
      m.w.reset(slot.rep, 0, cap);
      m.w.zeros(len);
      for (let i = 0; i < len; i++) slot.rep[i] = src[at + i];
      slot.direct = false;
      slot.out.keep(c);
    }
  }

  /** A blocked handler settled with a `len`-byte reply. */
  readonly #settled = (slot: Slot, len: number): void => {
    this.#blocked[headerToken(slot.m.header)]--;
    const q = this.#cmdq;
    if (slot.gen !== this.#gen || q === null) {
      // The queue was detached or reset meanwhile: nothing may reach guest memory.
      this.#free.push(slot);
      return;
    }
    this.#inFlight--;
    this.#complete(q, slot, len);
    if (q.needsInterrupt()) this.#signal(ScmiQueue.CMDQ);
    // A delayed response of this command may have been waiting for the reply.
    if (this.#session !== null) this.#events.drain(this.#session);
    if (this.#stalled) this.processCmdq();
  };

  readonly #failed = (slot: Slot, e: unknown): void => {
    this.#log.once(
      "error",
      `virtio:settle:${this.#agent.name}`,
      `Agent "${this.#agent.name}": a blocked cmdq message failed: ${e}`,
    );
    this.#settled(slot, 0);
  };

  /** A request longer than the agent's message size: header echoed, PROTOCOL_ERROR. */
  #oversize(q: SplitQueue, c: Chain, slot: Slot): void {
    this.#warn(
      "oversize",
      `answered PROTOCOL_ERROR to a ${c.readBytes}-byte request (limit ${this.#maxReq})`,
    );
    gather(q.memory, c, 0, c.readable, slot.req, 4);
    const w = slot.m.w;
    w.reset(slot.rep, 0, 8);
    w.begin(slot.req[0] | slot.req[1] << 8 | slot.req[2] << 16 | slot.req[3] << 24);
    w.status(Status.PROTOCOL_ERROR);
    slot.direct = false;
    slot.out.keep(c);
    this.#complete(q, slot, 8);
  }

  /** Completes an unusable chain with used length 0 and logs the reason once. */
  #refuse(q: SplitQueue, head: number, queue: string, reason: string): void {
    this.stats.badChains++;
    this.#warn(`chain:${queue}:${reason}`, `dropped a ${queue} chain (head ${head}): ${reason}`);
    q.push(head, 0);
  }

  /**
   * Whether delayed response `msg` may become visible now: no command with its token is
   * blocked in a handler (its reply is out; {@linkcode #settled} drains again), and the
   * driver took every cmdq reply published before the response was first held, or it waited
   * DELAYED_HOLD_MAX_MS (the eventq is drained again shortly).
   */
  #delayedMayGo(msg: Uint8Array): boolean {
    // Header bits 27:18: the token.
    if (this.#blocked[(msg[2] >> 2) | ((msg[3] & 0xf) << 6)] !== 0) {
      this.#unhold();
      return false;
    }
    const q = this.#cmdq;
    if (q === null || !q.eventIdx) return true;
    const now = this.#clock.now();
    if (this.#holdMark < 0) {
      this.#holdMark = q.usedIdx;
      this.#holdSince = now;
    }
    if (q.driverTook(this.#holdMark)) {
      this.#unhold();
      return true;
    }
    if (now - this.#holdSince >= DELAYED_HOLD_MAX_MS) {
      this.#unhold();
      this.#warn(
        "delayed-hold",
        `sent a delayed response before the driver took its command's reply (waited ${DELAYED_HOLD_MAX_MS} ms)`,
      );
      return true;
    }
    this.#holdTimer ??= this.#clock.setTimer(this.#holdDone, DELAYED_HOLD_POLL_MS);
    return false;
  }

  readonly #holdDone = (): void => {
    this.#holdTimer = null;
    if (this.#session !== null) this.#events.drain(this.#session);
  };

  #unhold(): void {
    this.#holdMark = -1;
    if (this.#holdTimer !== null) this.#clock.clearTimer(this.#holdTimer);
    this.#holdTimer = null;
  }

  /** A message reached the session's platform→agent queue. */
  readonly #onP2a = (): void => {
    if (this.#busy) this.#p2aWaiting = true;
    else if (this.#session !== null) this.#events.drain(this.#session);
  };

  #warn(key: string, text: string): void {
    this.#log.once(
      "warn",
      `virtio:${this.#agent.name}:${key}`,
      `Agent "${this.#agent.name}": ${text}`,
    );
  }
}
