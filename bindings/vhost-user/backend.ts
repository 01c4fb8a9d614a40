/**
 * One front-end connection of the vhost-user back-end: reads requests, keeps the feature,
 * memory and ring state, and drives a {@linkcode BackendDevice}.
 *
 * Ring life cycle (vhost-user "Starting and stopping rings"): a ring starts once it has a
 * size, addresses inside the shared memory and a kick eventfd; with PROTOCOL_FEATURES it
 * also waits for SET_VRING_ENABLE(1). GET_VRING_BASE stops it and answers the next
 * available index. When every ring has stopped, on RESET_OWNER / RESET_DEVICE and on
 * disconnect, the device is reset (which ends the agent's SCMI session).
 *
 * A malformed or unsupported request drops the connection with one log line naming the
 * agent and the fault; the listener keeps serving. So does a message that is not complete
 * within the frame timeout of its first byte ({@linkcode StallWatch}).
 * @module
 */
import type { Logger } from "../../core/log.ts";
import { DEFAULT_FRAME_TIMEOUT_MS, StallWatch } from "../../core/stall_watch.ts";
import { systemClock, type TimerClock } from "../../core/timer_clock.ts";
import type { BackendDevice, RingConfig } from "./device.ts";
import { drainFd, signalFd } from "../native/eventfd.ts";
import { C, closeFd, LibcError, setNonBlocking } from "../native/libc.ts";
import { MemTable } from "./mem_table.ts";
import { POLL_ERROR_BITS, type Reactor } from "../native/poll.ts";
import {
  bit,
  decodeHeader,
  decodeMemTable,
  decodeVringAddr,
  decodeVringState,
  encodeReplyHeader,
  expectSize,
  FeatureBit,
  Flag,
  HEADER_SIZE,
  MAX_PAYLOAD,
  type MsgHeader,
  ProtocolBit,
  ProtocolViolation,
  readU64,
  Req,
  reqName,
  VRING_ADDR_SIZE,
  VRING_IDX_MASK,
  VRING_NOFD,
  type VringAddr,
} from "./protocol.ts";
import { FdSocket } from "../native/socket.ts";
import type { Ioctl } from "./xen_map.ts";

/** Protocol features this back-end implements and offers to every front-end. */
export const PROTOCOL_FEATURES = bit(ProtocolBit.MQ) | bit(ProtocolBit.REPLY_ACK) |
  bit(ProtocolBit.RESET_DEVICE);

/**
 * What a Xen front-end is offered besides: XEN_MMAP. Only a connection told its front-end is
 * Xen's offers it, since QEMU 10 acknowledges every protocol bit it knows, XEN_MMAP included,
 * and then sends plain regions.
 */
export const XEN_PROTOCOL_FEATURES = PROTOCOL_FEATURES | bit(ProtocolBit.XEN_MMAP);

/** Largest queue size the split-ring layout allows. */
const MAX_QUEUE_SIZE = 32768;

interface Ring {
  num: number;
  addr: VringAddr | null;
  base: number;
  kickFd: number;
  callFd: number;
  errFd: number;
  enabled: boolean;
  started: boolean;
}

function newRing(): Ring {
  return {
    num: 0,
    addr: null,
    base: 0,
    kickFd: -1,
    callFd: -1,
    errFd: -1,
    enabled: false,
    started: false,
  };
}

export interface ConnectionOptions {
  /** Agent name, for logs. */
  agent: string;
  log: Logger;
  device: BackendDevice;
  reactor: Reactor;
  /** Called once when the connection has ended, with the reason (null: closed by us). */
  onClosed?: (reason: string | null) => void;
  /** The socket, for logs. */
  socket?: string;
  /** Milliseconds a message may take from its first byte to its last (default 2000). */
  frameTimeoutMs?: number;
  /** Times messages (default: the system clock). */
  clock?: TimerClock;
  /** Maps Xen regions (default: the native ioctl; tests pass their own). */
  xenIoctl?: Ioctl;
  /** The front-end is Xen's: offer XEN_MMAP (default false). */
  xen?: boolean;
}

/** Counters a test or the trace can read. */
export interface ConnectionStats {
  requests: number;
  kicks: number;
  calls: number;
}

export class VhostUserConnection {
  readonly #sock: FdSocket;
  readonly #agent: string;
  readonly #log: Logger;
  readonly #device: BackendDevice;
  readonly #reactor: Reactor;
  readonly #onClosed: ((reason: string | null) => void) | undefined;
  readonly #rings: Ring[];
  readonly #in = new Uint8Array(new ArrayBuffer(HEADER_SIZE + MAX_PAYLOAD));
  readonly #inDv = new DataView(this.#in.buffer);
  readonly #out = new Uint8Array(new ArrayBuffer(HEADER_SIZE + 16));
  readonly #outDv = new DataView(this.#out.buffer);
  #have = 0;
  #hdr: MsgHeader | null = null;
  #fds: number[] = [];
  #mem: MemTable | null = null;
  #features = 0n;
  #protocolFeatures = 0n;
  #featuresSet = false;
  #owner = false;
  #deviceActive = false;
  #closed = false;
  readonly #watch: StallWatch;
  readonly #socket: string;
  readonly #xenIoctl: Ioctl | undefined;
  /** The protocol features this connection offers. */
  readonly #offered: bigint;
  /** When the connection opened. */
  readonly #openedAt: number;
  /** Whether the front-end has sent any byte yet. */
  #heard = false;
  readonly stats: ConnectionStats = { requests: 0, kicks: 0, calls: 0 };

  constructor(fd: number, opts: ConnectionOptions) {
    this.#sock = new FdSocket(fd);
    this.#agent = opts.agent;
    this.#log = opts.log;
    this.#device = opts.device;
    this.#reactor = opts.reactor;
    this.#onClosed = opts.onClosed;
    this.#socket = opts.socket ?? `fd ${fd}`;
    this.#xenIoctl = opts.xenIoctl;
    this.#offered = opts.xen ? XEN_PROTOCOL_FEATURES : PROTOCOL_FEATURES;
    this.#watch = new StallWatch(
      opts.frameTimeoutMs ?? DEFAULT_FRAME_TIMEOUT_MS,
      () => this.#fail(`a message stayed incomplete for ${this.#watch.ms} ms on ${this.#socket}`),
      opts.clock ?? systemClock,
    );
    this.#openedAt = this.#watch.now();
    this.#rings = Array.from({ length: opts.device.queues }, newRing);
    this.#reactor.add(fd, this.#onReadable);
  }

  /** Whether the connection has ended. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Features offered to the front-end: the device's and PROTOCOL_FEATURES. */
  get offeredFeatures(): bigint {
    return this.#device.features | bit(FeatureBit.PROTOCOL_FEATURES);
  }

  /** Ends the connection: rings stop, the device resets, memory is unmapped. Idempotent. */
  close(reason: string | null = null): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#watch.dispose();
    this.#reactor.remove(this.#sock.fd);
    // The front-end went away: a dropped socket is not an explicit end (grace applies).
    this.#stopAll("close");
    for (const r of this.#rings) {
      this.#setKick(r, -1);
      closeFd(r.callFd);
      closeFd(r.errFd);
      r.callFd = r.errFd = -1;
    }
    for (const fd of this.#fds) closeFd(fd);
    this.#fds = [];
    this.#mem?.unmap();
    this.#mem = null;
    this.#sock.close();
    this.#onClosed?.(reason);
  }

  /**
   * For a new front-end that wants this connection's slot: closes this one if it holds the
   * slot without using it — a message of it is overdue, or it has sent nothing in the frame
   * timeout since it connected (QEMU speaks first, at once). Returns whether it closed. A
   * front-end that has spoken and has no message overdue keeps the slot, however long it
   * waits for its guest.
   */
  yieldSlot(): boolean {
    if (this.#closed || this.#watch.check()) return true;
    if (this.#heard || this.#watch.now() - this.#openedAt < this.#watch.ms) return false;
    this.#fail(`it sent nothing in ${this.#watch.ms} ms on ${this.#socket}, and a new one came`);
    return true;
  }

  /** Drops the connection after a fault, with one log line naming the agent. */
  #fail(why: string): void {
    if (this.#closed) return;
    this.#log.warn(`Agent "${this.#agent}": vhost-user connection dropped: ${why}`);
    this.close(why);
  }

  readonly #onReadable = (revents: number): void => {
    try {
      this.#readAll();
    } catch (e) {
      if (e instanceof LibcError && e.errno === C.ECONNRESET) {
        this.#log.info(`Agent "${this.#agent}": vhost-user front-end reset the connection`);
        this.close("the front-end reset the connection");
      } else this.#fail(e instanceof Error ? e.message : String(e));
      return;
    }
    if (!this.#closed && (revents & POLL_ERROR_BITS) !== 0 && (revents & 1) === 0) {
      this.close("the front-end hung up");
    }
  };

  /** Reads and handles every whole request available. */
  #readAll(): void {
    while (!this.#closed) {
      const hdr = this.#hdr;
      const need = hdr === null ? HEADER_SIZE - this.#have : HEADER_SIZE + hdr.size - this.#have;
      if (need > 0) {
        const n = this.#sock.recv(this.#in, this.#have, need, this.#fds);
        if (n < 0) return;
        if (n === 0) {
          if (this.#have !== 0) {
            throw new ProtocolViolation(
              `the front-end closed the connection in the middle of a message`,
            );
          }
          this.#log.info(`Agent "${this.#agent}": vhost-user front-end disconnected`);
          this.close("the front-end disconnected");
          return;
        }
        if (this.#have === 0) {
          this.#heard = true;
          this.#watch.start("in");
        }
        this.#have += n;
        if (n < need) continue;
      }
      if (this.#hdr === null) {
        this.#hdr = decodeHeader(this.#inDv, 0);
        if (this.#hdr.size !== 0) continue;
      }
      const h = this.#hdr!;
      const fds = this.#fds;
      this.#watch.stop("in");
      this.#hdr = null;
      this.#have = 0;
      this.#fds = [];
      this.stats.requests++;
      try {
        this.#handle(h, fds);
      } finally {
        // Descriptors a handler did not take (set to -1) are closed here.
        for (const fd of fds) closeFd(fd);
      }
    }
  }

  #handle(h: MsgHeader, fds: number[]): void {
    const dv = this.#inDv;
    const at = HEADER_SIZE;
    const { request, size } = h;
    const takesFds = request === Req.SET_MEM_TABLE || request === Req.SET_VRING_KICK ||
      request === Req.SET_VRING_CALL || request === Req.SET_VRING_ERR;
    if (!takesFds && fds.length !== 0) {
      throw new ProtocolViolation(`${reqName(request)} came with ${fds.length} file descriptors`);
    }
    let acked = false;
    switch (request) {
      case Req.GET_FEATURES:
        expectSize(request, size, 0);
        this.#replyU64(request, this.offeredFeatures);
        acked = true;
        break;
      case Req.SET_FEATURES: {
        expectSize(request, size, 8);
        const f = readU64(dv, at);
        const extra = f & ~this.offeredFeatures;
        if (extra !== 0n) {
          throw new ProtocolViolation(
            `SET_FEATURES asks for features 0x${extra.toString(16)} that were not offered`,
          );
        }
        this.#features = f;
        this.#featuresSet = true;
        this.#device.setFeatures(f & ~bit(FeatureBit.PROTOCOL_FEATURES));
        break;
      }
      case Req.SET_OWNER:
        expectSize(request, size, 0);
        this.#owner = true;
        break;
      case Req.RESET_OWNER:
        expectSize(request, size, 0);
        this.#resetDevice();
        this.#owner = false;
        break;
      case Req.RESET_DEVICE:
        // Offered (and implemented) whether or not this connection negotiated it.
        expectSize(request, size, 0);
        this.#resetDevice();
        break;
      case Req.GET_PROTOCOL_FEATURES:
        expectSize(request, size, 0);
        this.#replyU64(request, this.#offered);
        acked = true;
        break;
      case Req.SET_PROTOCOL_FEATURES: {
        expectSize(request, size, 8);
        const f = readU64(dv, at);
        const extra = f & ~this.#offered;
        if (extra !== 0n) {
          throw new ProtocolViolation(
            `SET_PROTOCOL_FEATURES asks for 0x${extra.toString(16)}, which was not offered`,
          );
        }
        this.#protocolFeatures = f;
        break;
      }
      case Req.GET_QUEUE_NUM:
        expectSize(request, size, 0);
        this.#needProtocol(request, ProtocolBit.MQ);
        this.#replyU64(request, BigInt(this.#rings.length));
        acked = true;
        break;
      case Req.SET_MEM_TABLE:
        this.#setMemTable(size, fds);
        break;
      case Req.SET_VRING_NUM: {
        expectSize(request, size, 8);
        const { index, num } = decodeVringState(dv, at);
        const r = this.#ring(request, index);
        if (num === 0 || num > MAX_QUEUE_SIZE || (num & (num - 1)) !== 0) {
          throw new ProtocolViolation(
            `SET_VRING_NUM ${num} for ring ${index} is not a power of 2 up to ${MAX_QUEUE_SIZE}`,
          );
        }
        if (r.started) throw new ProtocolViolation(`SET_VRING_NUM for running ring ${index}`);
        r.num = num;
        break;
      }
      case Req.SET_VRING_ADDR: {
        expectSize(request, size, VRING_ADDR_SIZE);
        const a = decodeVringAddr(dv, at);
        const r = this.#ring(request, a.index);
        if (r.started) throw new ProtocolViolation(`SET_VRING_ADDR for running ring ${a.index}`);
        r.addr = a;
        if (this.#mem !== null && r.num !== 0) this.#translate(a.index, r);
        this.#maybeStart(a.index);
        break;
      }
      case Req.SET_VRING_BASE: {
        expectSize(request, size, 8);
        const { index, num } = decodeVringState(dv, at);
        const r = this.#ring(request, index);
        if (num > 0xffff) {
          throw new ProtocolViolation(`SET_VRING_BASE ${num} for ring ${index} exceeds 16 bits`);
        }
        if (r.started) throw new ProtocolViolation(`SET_VRING_BASE for running ring ${index}`);
        r.base = num;
        break;
      }
      case Req.GET_VRING_BASE: {
        expectSize(request, size, 8);
        const { index } = decodeVringState(dv, at);
        const r = this.#ring(request, index);
        this.#stopRing(index, r);
        this.#setKick(r, -1);
        r.enabled = false;
        this.#replyState(request, index, r.base);
        acked = true;
        if (this.#rings.every((x) => !x.started)) this.#deactivate();
        break;
      }
      case Req.SET_VRING_KICK:
      case Req.SET_VRING_CALL:
      case Req.SET_VRING_ERR: {
        expectSize(request, size, 8);
        const v = readU64(dv, at);
        const index = Number(v & BigInt(VRING_IDX_MASK));
        const nofd = (v & BigInt(VRING_NOFD)) !== 0n;
        const r = this.#ring(request, index);
        if (nofd ? fds.length !== 0 : fds.length !== 1) {
          throw new ProtocolViolation(
            `${
              reqName(request)
            } for ring ${index} came with ${fds.length} file descriptors (expected ${
              nofd ? 0 : 1
            })`,
          );
        }
        const fd = nofd ? -1 : fds[0];
        if (!nofd) fds[0] = -1;
        if (request === Req.SET_VRING_KICK) {
          if (nofd) {
            throw new ProtocolViolation(
              `SET_VRING_KICK without an eventfd asks for a polled ring ${index}, which vscmi does not do`,
            );
          }
          setNonBlocking(fd);
          this.#setKick(r, fd, index);
          // Without PROTOCOL_FEATURES a ring is enabled as soon as it starts.
          if (!this.#hasProtocolFeatures) r.enabled = true;
          this.#maybeStart(index);
        } else if (request === Req.SET_VRING_CALL) {
          closeFd(r.callFd);
          r.callFd = fd;
        } else {
          closeFd(r.errFd);
          r.errFd = fd;
        }
        break;
      }
      case Req.SET_VRING_ENABLE: {
        expectSize(request, size, 8);
        const { index, num } = decodeVringState(dv, at);
        const r = this.#ring(request, index);
        if (num > 1) throw new ProtocolViolation(`SET_VRING_ENABLE ${num} for ring ${index}`);
        r.enabled = num === 1;
        if (r.enabled) this.#maybeStart(index);
        break;
      }
      default:
        throw new ProtocolViolation(`unsupported ${reqName(request)} (${size}-byte payload)`);
    }
    // Acked whenever asked, even if this connection did not negotiate REPLY_ACK: after a
    // reconnect QEMU restarts the device without negotiating again and still waits for acks.
    if (!acked && (h.flags & Flag.NEED_REPLY) !== 0) this.#replyU64(request, 0n);
  }

  get #hasProtocolFeatures(): boolean {
    return (this.#features & bit(FeatureBit.PROTOCOL_FEATURES)) !== 0n;
  }

  #needProtocol(request: number, b: number): void {
    if ((this.#protocolFeatures & bit(b)) === 0n) {
      throw new ProtocolViolation(`${reqName(request)} without its protocol feature negotiated`);
    }
  }

  #ring(request: number, index: number): Ring {
    const r = this.#rings[index];
    if (r === undefined) {
      throw new ProtocolViolation(
        `${reqName(request)} names ring ${index} (the device has ${this.#rings.length})`,
      );
    }
    return r;
  }

  #setMemTable(size: number, fds: number[]): void {
    const xen = (this.#protocolFeatures & bit(ProtocolBit.XEN_MMAP)) !== 0n;
    const regions = decodeMemTable(this.#inDv, HEADER_SIZE, size, fds.length, xen);
    const taken = fds.slice();
    fds.fill(-1);
    let table: MemTable;
    try {
      table = MemTable.map(regions, taken, this.#xenIoctl);
    } catch (e) {
      throw new ProtocolViolation(e instanceof Error ? e.message : String(e));
    }
    const old = this.#mem;
    this.#mem = table;
    this.#device.setMemory(table.regions);
    // Running rings move to the new mapping before the old one goes away.
    this.#rings.forEach((r, i) => {
      if (!r.started) return;
      r.base = this.#device.stopQueue(i);
      r.started = false;
      this.#maybeStart(i);
    });
    old?.unmap();
    const domains = [...new Set(regions.map((r) => r.xen?.domid).filter((d) => d !== undefined))];
    if (domains.length !== 0) {
      // Which domain is behind the socket: the socket name alone does not say.
      this.#log.info(
        `Agent "${this.#agent}": vhost-user memory of Xen domain ${domains.join(", ")} mapped`,
      );
    }
    this.#log.debug(
      `Agent "${this.#agent}": vhost-user memory: ${
        table.regions.map((r) => `0x${r.gpa.toString(16)}+0x${r.size.toString(16)}`).join(", ")
      }`,
    );
  }

  /** Ring addresses as guest-physical ones; throws when they are not inside guest memory. */
  #translate(index: number, r: Ring): RingConfig {
    const a = r.addr!;
    const mem = this.#mem!;
    const n = r.num;
    const desc = mem.uvaToGpa(a.desc, 16 * n);
    const avail = mem.uvaToGpa(a.avail, 6 + 2 * n);
    const used = mem.uvaToGpa(a.used, 6 + 8 * n);
    const bad = desc < 0
      ? ["descriptor table", a.desc]
      : avail < 0
      ? ["available ring", a.avail]
      : used < 0
      ? ["used ring", a.used]
      : null;
    if (bad !== null) {
      throw new ProtocolViolation(
        `ring ${index}: ${bad[0]} at front-end address 0x${
          (bad[1] as bigint).toString(16)
        } is not inside the shared memory`,
      );
    }
    if (desc % 16 !== 0 || avail % 2 !== 0 || used % 4 !== 0) {
      throw new ProtocolViolation(`ring ${index}: misaligned ring addresses`);
    }
    return { size: n, desc, avail, used, base: r.base };
  }

  #maybeStart(index: number): void {
    const r = this.#rings[index];
    if (r.started || !r.enabled || r.kickFd < 0 || r.addr === null || r.num === 0) return;
    if (this.#mem === null) return;
    const cfg = this.#translate(index, r);
    this.#deviceActive = true;
    this.#device.startQueue(index, cfg, () => this.#signal(r));
    r.started = true;
    // Buffers made available before the ring started are processed now.
    this.#device.kick(index);
  }

  #signal(r: Ring): void {
    if (r.callFd < 0) return;
    this.stats.calls++;
    signalFd(r.callFd);
  }

  #setKick(r: Ring, fd: number, index = -1): void {
    if (r.kickFd >= 0) {
      this.#reactor.remove(r.kickFd);
      closeFd(r.kickFd);
    }
    r.kickFd = fd;
    if (fd >= 0) this.#reactor.add(fd, () => this.#onKick(index, r));
  }

  #onKick(index: number, r: Ring): void {
    drainFd(r.kickFd);
    this.stats.kicks++;
    if (!r.started) {
      // Set up but not enabled yet: what the guest made available is served at enable.
      if (r.addr !== null && this.#mem !== null && r.num !== 0 && !r.enabled) return;
      this.#log.once(
        "warn",
        `vhost-user:early-kick:${this.#agent}:${index}`,
        `Agent "${this.#agent}": vhost-user ring ${index} was kicked before it was set up (${
          r.addr === null ? "no addresses" : r.num === 0 ? "no size" : "no memory"
        }); ignored`,
      );
      return;
    }
    this.#device.kick(index);
  }

  #stopRing(index: number, r: Ring): void {
    if (!r.started) return;
    r.base = this.#device.stopQueue(index);
    r.started = false;
  }

  #stopAll(how: "end" | "close" = "end"): void {
    this.#rings.forEach((r, i) => this.#stopRing(i, r));
    this.#deactivate(how);
  }

  #deactivate(how: "end" | "close" = "end"): void {
    if (!this.#deviceActive) return;
    this.#deviceActive = false;
    this.#device.reset(how);
  }

  #resetDevice(): void {
    this.#stopAll();
    for (const r of this.#rings) {
      this.#setKick(r, -1);
      r.enabled = false;
      r.base = 0;
      r.addr = null;
      r.num = 0;
    }
    this.#features = 0n;
    this.#featuresSet = false;
  }

  #replyU64(request: number, v: bigint): void {
    encodeReplyHeader(this.#outDv, request, 8);
    this.#outDv.setBigUint64(HEADER_SIZE, v, true);
    this.#sock.send(this.#out.subarray(0, HEADER_SIZE + 8));
  }

  #replyState(request: number, index: number, num: number): void {
    encodeReplyHeader(this.#outDv, request, 8);
    this.#outDv.setUint32(HEADER_SIZE, index, true);
    this.#outDv.setUint32(HEADER_SIZE + 4, num, true);
    this.#sock.send(this.#out.subarray(0, HEADER_SIZE + 8));
  }

  /** Whether SET_OWNER was received (for tests and status). */
  get owned(): boolean {
    return this.#owner;
  }

  /** Whether SET_FEATURES was received. */
  get featuresSet(): boolean {
    return this.#featuresSet;
  }
}
