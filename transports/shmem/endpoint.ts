/**
 * One shmem agent's channels: the doorbell routed to an agent→platform channel, the message
 * taken from its area, dispatched, and the reply written back in place as Linux's SCMI agent
 * reads it; and, for a mailbox agent, notifications and delayed responses written into the
 * platform→agent area whenever the agent has handed it back.
 *
 * What the platform does with an A2P channel on a doorbell:
 * 1. reads the fixed fields (channel_status, flags, length) at once; a channel whose status is
 *    FREE holds no message (nothing is read further, the doorbell completes);
 * 2. a length under 4 or past the area sets channel_status to ERROR | FREE — nothing else of
 *    the area, and nothing outside it, is read or written;
 * 3. otherwise copies header and parameters out of the area, dispatches, and writes the reply:
 *    length, header and payload in one copy from offset 20, then channel_status = FREE last;
 *    then the completion interrupt when the agent's flags asked for one.
 *
 * A doorbell on a channel whose message is being handled waits for that reply and takes
 * nothing new. The doorbell resolves only when the reply is in the channel.
 * @module
 */
import type { Logger } from "../../core/log.ts";
import { Msg } from "../../core/msg.ts";
import type { SessionOpener, SessionPort } from "../../core/session_port.ts";
import { Status } from "../../core/status.ts";
import type { TimerClock } from "../../core/timer_clock.ts";
import { SMCCC_NOT_SUPPORTED } from "./binding.ts";
import {
  ChannelStatus,
  FLAGS,
  HEADER,
  INTR_ENABLED,
  LENGTH,
  type ShmemMemory,
  STATUS,
} from "./layout.ts";
import type { A2pConfig, AreaConfig, ShmemConfig } from "./options.ts";

/** Where the endpoint raises interrupts. */
export interface InterruptSink {
  /** Whether an interrupt raised now reaches the agent. */
  readonly canInterrupt: boolean;
  /** Raises the interrupt of channel `number`. */
  interrupt(number: number): void;
}

/** One A2P channel with its reusable buffers. */
class A2p {
  readonly m = new Msg();
  /** The fixed fields, read at once. */
  readonly head = new Uint8Array(HEADER);
  readonly headDv = new DataView(this.head.buffer);
  /** Header and parameters, copied out of the area. */
  readonly req: Uint8Array;
  /** length (4 bytes), then the reply as the writer builds it. */
  readonly out: Uint8Array;
  readonly outDv: DataView;
  /** Bytes a reply may take (header + status + payload). */
  readonly cap: number;
  /** The doorbell being handled, or null. */
  busy: Promise<bigint> | null = null;

  constructor(readonly c: A2pConfig, maxMsgSize: number) {
    this.req = new Uint8Array(c.size - HEADER);
    this.cap = Math.min(c.size - HEADER, 8 + maxMsgSize);
    this.out = new Uint8Array(4 + this.cap);
    this.outDv = new DataView(this.out.buffer);
  }
}

/** Options of an endpoint beyond its configuration. */
export interface EndpointInit {
  readonly log: Logger;
  /** Timers for the P2A area's re-check (default: the system clock). */
  readonly clock: TimerClock;
  /** Label of the session, for logs and traces. */
  readonly label: string;
}

/** One agent's shmem channels over its memory. */
export class ShmemEndpoint {
  readonly #cfg: ShmemConfig;
  readonly #mem: ShmemMemory;
  readonly #irq: InterruptSink;
  readonly #log: Logger;
  readonly #clock: TimerClock;
  readonly #name: string;
  readonly #maxReq: number;
  readonly #a2p: A2p[];
  readonly #session: SessionPort;
  readonly #word = new Uint8Array(4);
  readonly #wordDv = new DataView(this.#word.buffer);
  /** Messages being handled: P2A writes wait for their replies (a delayed response follows). */
  #inFlight = 0;
  #poll: unknown = null;
  #closed = false;

  /**
   * Opens the agent's session (with a platform→agent queue when a P2A channel is declared)
   * and hands every area to the agent: channel_status = FREE.
   */
  constructor(
    sessions: SessionOpener,
    cfg: ShmemConfig,
    memory: ShmemMemory,
    irq: InterruptSink,
    init: EndpointInit,
  ) {
    this.#cfg = cfg;
    this.#mem = memory;
    this.#irq = irq;
    this.#log = init.log;
    this.#clock = init.clock;
    this.#name = sessions.agent.name;
    this.#maxReq = 4 + sessions.agent.maxMsgSize;
    this.#a2p = cfg.channels.map((c) => new A2p(c, sessions.agent.maxMsgSize));
    for (const c of cfg.channels) this.#setStatus(c, ChannelStatus.FREE);
    if (cfg.p2a) this.#setStatus(cfg.p2a, ChannelStatus.FREE);
    this.#session = sessions.open({ p2a: cfg.p2a !== null, label: init.label });
    const q = this.#session.p2a;
    if (q) q.onPush = () => this.drainP2a();
  }

  /** Whether notifications and delayed responses reach the agent (a P2A channel). */
  get p2a(): boolean {
    return this.#session.p2a !== null;
  }

  /**
   * One trap or mailbox doorbell: a0–a3 as the agent passed them. Resolves with SMCCC a0 once
   * the reply is in the channel: 0, or NOT_SUPPORTED when it names no channel of this agent.
   */
  doorbell(a0: bigint, a1: bigint, a2: bigint, _a3: bigint): Promise<bigint> {
    if (this.#closed) return Promise.resolve(SMCCC_NOT_SUPPORTED);
    const cfg = this.#cfg;
    if (cfg.doorbell === "mailbox") {
      for (const ch of this.#a2p) if (BigInt(ch.c.number) === a0) return this.#ring(ch);
      if (cfg.p2a && BigInt(cfg.p2a.number) === a0) {
        // The agent says it handed the P2A area back.
        this.drainP2a();
        return Promise.resolve(0n);
      }
      return this.#unknown(a0);
    }
    for (const ch of this.#a2p) {
      if (BigInt(ch.c.functionId!) !== a0) continue;
      if (cfg.smcParam) {
        const addr = cfg.shmBase! + ch.c.offset;
        if (a1 !== BigInt(Math.floor(addr / 4096)) || a2 !== BigInt(addr % 4096)) continue;
      }
      return this.#ring(ch);
    }
    return this.#unknown(a0);
  }

  #unknown(a0: bigint): Promise<bigint> {
    this.#log.once(
      "warn",
      `shmem:unknown:${this.#name}`,
      `Agent "${this.#name}": a doorbell named no channel of the agent (a0 = 0x${
        a0.toString(16)
      }): answered NOT_SUPPORTED`,
    );
    return Promise.resolve(SMCCC_NOT_SUPPORTED);
  }

  /** A doorbell on `ch`: the one in progress, or a new message. */
  #ring(ch: A2p): Promise<bigint> {
    if (ch.busy !== null) return ch.busy;
    const p = this.#serve(ch).finally(() => {
      ch.busy = null;
    });
    ch.busy = p;
    return p;
  }

  async #serve(ch: A2p): Promise<bigint> {
    const { c, head, headDv } = ch;
    this.#mem.read(c.offset, head);
    const status = headDv.getUint32(STATUS, true);
    if (status & ChannelStatus.FREE) return 0n; // nothing posted: the agent owns the channel
    const flags = headDv.getUint32(FLAGS, true);
    const length = headDv.getUint32(LENGTH, true);
    if (length < 4 || length > c.size - HEADER) {
      this.#warn(
        "length",
        `channel ${c.number}: length ${length} does not fit the ${c.size}-byte area: ERROR`,
      );
      this.#setStatus(c, ChannelStatus.ERROR | ChannelStatus.FREE);
      if (flags & INTR_ENABLED) this.#irq.interrupt(c.number);
      return 0n;
    }
    const req = ch.req.subarray(0, length);
    this.#mem.read(c.offset + HEADER, req);
    const m = ch.m;
    let len: number;
    if (length > this.#maxReq) {
      this.#warn("oversize", `answered PROTOCOL_ERROR to a ${length}-byte message`);
      m.w.reset(ch.out, 4, 8);
      m.w.begin(req[0] | req[1] << 8 | req[2] << 16 | req[3] << 24);
      m.w.status(Status.PROTOCOL_ERROR);
      len = 8;
    } else {
      m.r.reset(ch.req, 0, length);
      m.w.reset(ch.out, 4, ch.cap);
      if (this.#session.tracing) m.t0 = performance.now();
      this.#inFlight++;
      try {
        const out = this.#session.deliver(m);
        len = typeof out === "number" ? out : await out;
      } catch (e) {
        this.#log.once(
          "error",
          `shmem:dispatch:${this.#name}`,
          `Agent "${this.#name}": a message failed outside any handler: ${e}`,
        );
        len = 0;
      } finally {
        this.#inFlight--;
      }
    }
    if (this.#closed) return 0n;
    if (len === 0) {
      this.#setStatus(c, ChannelStatus.ERROR | ChannelStatus.FREE);
    } else {
      ch.outDv.setUint32(0, len, true);
      this.#mem.write(c.offset + LENGTH, ch.out.subarray(0, 4 + len));
      this.#setStatus(c, ChannelStatus.FREE);
    }
    if (flags & INTR_ENABLED) this.#irq.interrupt(c.number);
    this.drainP2a();
    return 0n;
  }

  /**
   * Writes waiting platform→agent messages into the P2A area, one each time the agent has
   * handed it back (channel_status FREE): status busy, length, header and payload, then the
   * interrupt. Waits while a reply is being made (a delayed response must follow its reply) or
   * nothing can receive the interrupt; re-checks a busy area every `p2a_poll_ms`.
   */
  drainP2a(): void {
    const q = this.#session.p2a;
    const a = this.#cfg.p2a;
    if (q === null || a === null || this.#closed) return;
    while (q.length > 0 && this.#inFlight === 0 && this.#irq.canInterrupt) {
      this.#mem.read(a.offset + STATUS, this.#word);
      if (!(this.#wordDv.getUint32(0, true) & ChannelStatus.FREE)) {
        this.#schedulePoll();
        return;
      }
      const msg = q.shift()!;
      if (msg.length > a.size - HEADER) {
        this.#warn("p2a-size", `dropped a ${msg.length}-byte message too long for the P2A area`);
        continue;
      }
      this.#setStatus(a, 0);
      this.#wordDv.setUint32(0, msg.length, true);
      this.#mem.write(a.offset + LENGTH, this.#word);
      this.#mem.write(a.offset + HEADER, msg);
      this.#session.sent(msg);
      this.#irq.interrupt(a.number);
    }
  }

  #schedulePoll(): void {
    if (this.#poll !== null) return;
    this.#poll = this.#clock.setTimer(() => {
      this.#poll = null;
      this.drainP2a();
    }, this.#cfg.p2aPollMs);
  }

  #setStatus(a: AreaConfig, v: number): void {
    this.#wordDv.setUint32(0, v, true);
    this.#mem.write(a.offset + STATUS, this.#word);
  }

  #warn(key: string, text: string): void {
    this.#log.once("warn", `shmem:${key}:${this.#name}`, `Agent "${this.#name}": ${text}`);
  }

  /** Ends the session; later doorbells answer NOT_SUPPORTED. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#poll !== null) this.#clock.clearTimer(this.#poll);
    this.#poll = null;
    this.#session.close();
  }
}
