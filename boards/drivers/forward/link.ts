/**
 * The forward driver's link to the downstream SCMI platform: one agent's session over a
 * channel (a stream socket or Linux's raw mode), with tokens, replies matched to requests,
 * a timeout on every request and reconnection. Every failure to reach the downstream — no
 * connection, a dropped connection, no reply within the timeout — is an `ScmiError` with
 * COMMS_ERROR, which the dispatcher answers as is: a guest gets COMMS_ERROR, never a hang.
 * After a failure the channel is dropped; the link connects again one timeout later (and
 * again after each failed attempt), or at the next request if that comes first, and before
 * anything else goes out on the new channel its connect hooks run (subscriptions, the votes
 * the downstream must hold again).
 * @module
 */
import { encodeHeader, headerToken, headerType, MsgType } from "../../../core/header.ts";
import { ScmiError, Status } from "../../../core/status.ts";
import type { TimerClock } from "../../../core/timer_clock.ts";
import type { Logger } from "../../../core/log.ts";
import { Payload, type Reply } from "../../../client/mod.ts";
import { toReply, wordsToBytes } from "../../../client/stream.ts";

/** A connected channel to the downstream platform, carrying whole SCMI messages. */
export interface Channel {
  /** Sends one message (header included); rejects when the channel cannot take it. */
  send(message: Uint8Array): Promise<void>;
  /** Closes the channel; no `onClose` follows. */
  close(): void;
}

/** What a channel reports: every message from the platform, and its end. */
export interface ChannelEvents {
  /** A reply, delayed response or notification, whole. */
  onMessage(message: Uint8Array): void;
  /** The channel ended on its own (the platform went away, a read failed). */
  onClose(why: string): void;
}

/** Opens a channel; rejects with a sentence when the downstream cannot be reached. */
export type Connect = (events: ChannelEvents) => Promise<Channel>;

/** Sends a request on the channel being set up (connect hooks use it). */
export type Send = (
  protocol: number,
  message: number,
  params?: readonly number[],
) => Promise<Reply>;

interface Pending {
  resolve(r: Reply): void;
  reject(e: Error): void;
  timer: unknown;
}

/** The link's settings. */
export interface LinkOptions {
  /** Opens the channel. */
  connect: Connect;
  /** Where the request timeout is measured. */
  clock: TimerClock;
  /** How long a request waits for its reply, ms. */
  timeoutMs: number;
  /** The downstream, as messages name it (`unix:/run/fw/mediator.sock`). */
  what: string;
  /** Where reconnections and failures are logged. */
  log?: Logger;
}

/** One agent's session with the downstream platform. */
export class Link {
  readonly #o: LinkOptions;
  readonly #pending = new Map<number, Pending>();
  readonly #hooks: ((send: Send) => Promise<void>)[] = [];
  readonly #events: ((message: Uint8Array) => void)[] = [];
  #chan: Promise<Channel> | undefined;
  #live: Channel | undefined;
  #next = 0;
  #closed = false;
  #retry: unknown;
  /** Connections made so far (the first one included). */
  connections = 0;

  /** A link that connects on its first request. */
  constructor(options: LinkOptions) {
    this.#o = options;
  }

  /**
   * Runs `hook` on every new channel before any request goes out on it: the first
   * connection and each reconnection, in the order hooks were added.
   */
  onConnect(hook: (send: Send) => Promise<void>): void {
    this.#hooks.push(hook);
  }

  /** Calls `fn` with every notification and delayed response the downstream sends. */
  onEvent(fn: (message: Uint8Array) => void): void {
    this.#events.push(fn);
  }

  /** Connects now (the driver's start), so a downstream that is not there fails `create`. */
  async open(): Promise<void> {
    await this.#channel();
  }

  /**
   * Sends command `message` of `protocol` with `params` (u32 words) and resolves to its reply,
   * whatever its status. Throws ScmiError(COMMS_ERROR) when the downstream cannot be reached
   * or does not answer within the timeout.
   */
  async request(protocol: number, message: number, params: readonly number[] = []): Promise<Reply> {
    const chan = await this.#channel();
    return await this.#send(chan, protocol, message, params);
  }

  /**
   * {@linkcode Link.request}, then the reply's payload; a status other than SUCCESS is
   * thrown as an ScmiError with that status (the downstream's answer is the guest's).
   */
  async call(protocol: number, message: number, params: readonly number[] = []): Promise<Payload> {
    return payloadOf(await this.request(protocol, message, params), protocol, message);
  }

  /** Closes the link: pending requests fail, no reconnection follows. */
  close(): void {
    this.#closed = true;
    if (this.#retry !== undefined) this.#o.clock.clearTimer(this.#retry);
    this.#retry = undefined;
    this.#drop("the link was closed");
  }

  #channel(): Promise<Channel> {
    if (this.#closed) return Promise.reject(this.#comms("the link was closed"));
    if (this.#chan !== undefined) return this.#chan;
    const chan = this.#dial();
    this.#chan = chan;
    chan.catch(() => {
      if (this.#chan === chan) this.#chan = undefined;
      this.#retryLater();
    });
    return chan;
  }

  async #dial(): Promise<Channel> {
    let chan: Channel | undefined;
    try {
      chan = await this.#o.connect({
        onMessage: (m) => this.#receive(m),
        onClose: (why) => {
          if (this.#live === chan) this.#drop(why);
        },
      });
    } catch (e) {
      throw this.#comms(`cannot connect: ${e instanceof Error ? e.message : e}`);
    }
    this.#live = chan;
    this.connections++;
    if (this.connections > 1) this.#o.log?.info(`Reconnected to ${this.#o.what}`);
    const send: Send = (p, m, params = []) => this.#send(chan, p, m, params);
    for (const hook of this.#hooks) await hook(send);
    return chan;
  }

  #send(chan: Channel, protocol: number, message: number, params: readonly number[]) {
    const token = this.#token();
    const msg = new Uint8Array(4 + params.length * 4);
    new DataView(msg.buffer).setUint32(
      0,
      encodeHeader(message, MsgType.COMMAND, protocol, token),
      true,
    );
    msg.set(wordsToBytes(params), 4);
    const reply = new Promise<Reply>((resolve, reject) => {
      const timer = this.#o.clock.setTimer(() => {
        if (this.#pending.get(token)?.timer !== timer) return;
        this.#pending.delete(token);
        reject(this.#comms(`no reply within ${this.#o.timeoutMs} ms`));
        // A platform that stopped answering is reconnected on the next request.
        if (this.#live === chan) this.#drop(`no reply within ${this.#o.timeoutMs} ms`);
      }, this.#o.timeoutMs);
      this.#pending.set(token, { resolve, reject, timer });
    });
    chan.send(msg).catch((e) => {
      const p = this.#pending.get(token);
      if (p === undefined) return;
      this.#pending.delete(token);
      this.#o.clock.clearTimer(p.timer);
      p.reject(this.#comms(`cannot send: ${e instanceof Error ? e.message : e}`));
      if (this.#live === chan) this.#drop("a send failed");
    });
    return reply;
  }

  /**
   * Connects again one timeout from now, and again after each failure, until a channel is
   * up (a request may bring it up first): notifications and the held settings come back
   * without waiting for a guest's request.
   */
  #retryLater(): void {
    if (this.#closed || this.#retry !== undefined) return;
    this.#retry = this.#o.clock.setTimer(() => {
      this.#retry = undefined;
      if (this.#closed || this.#chan !== undefined) return;
      this.#channel().catch(() => this.#retryLater());
    }, this.#o.timeoutMs);
  }

  #token(): number {
    for (let i = 0; i < 1024; i++) {
      const t = this.#next;
      this.#next = (t + 1) & 0x3ff;
      if (!this.#pending.has(t)) return t;
    }
    throw this.#comms("1024 requests are in flight");
  }

  #receive(m: Uint8Array): void {
    if (m.length < 4) return;
    const h = new DataView(m.buffer, m.byteOffset, m.byteLength).getUint32(0, true);
    if (headerType(h) !== MsgType.COMMAND) {
      for (const fn of this.#events) fn(m);
      return;
    }
    const p = this.#pending.get(headerToken(h));
    if (p === undefined) return; // A late reply to a request that timed out.
    this.#pending.delete(headerToken(h));
    this.#o.clock.clearTimer(p.timer);
    p.resolve(toReply(m));
  }

  /** Forgets the channel (closing it) and fails every request still waiting on it. */
  #drop(why: string): void {
    const chan = this.#live;
    this.#live = undefined;
    this.#chan = undefined;
    if (chan !== undefined) {
      if (!this.#closed) this.#o.log?.warn(`Lost ${this.#o.what}: ${why}`);
      chan.close();
      this.#retryLater();
    }
    for (const p of this.#pending.values()) {
      this.#o.clock.clearTimer(p.timer);
      p.reject(this.#comms(why));
    }
    this.#pending.clear();
  }

  #comms(why: string): ScmiError {
    return new ScmiError(Status.COMMS_ERROR, `Downstream ${this.#o.what}: ${why}`);
  }
}

/** The payload of `reply`, or its status thrown as an ScmiError. */
export function payloadOf(reply: Reply, protocol: number, message: number): Payload {
  const what = `protocol 0x${protocol.toString(16)} message 0x${message.toString(16)}`;
  if (reply.status !== Status.SUCCESS) {
    throw new ScmiError(reply.status as Status, `Downstream ${what} answered ${reply.status}`);
  }
  return new Payload(reply.payload, what);
}
