/**
 * The one owner of a bridge. hvisor has one virtio bridge for every zone, so every virtio-mmio
 * agent on the same device (`/dev/hvisor`, or one file bridge) shares one
 * {@linkcode BridgeOwner}: it drains `req_list`, routes each request to the device whose MMIO
 * window holds its address in its zone, answers config accesses at once, and pushes the
 * devices' interrupts on `res_list`.
 *
 * A request no attached device claims is held (the ring moves on) until a device of its
 * zone and window attaches — agents start one after another, and a restarted vscmi finds
 * requests of every zone pending — or until {@linkcode ORPHAN_MS} have passed: then a config
 * access is answered 0 (what hvisor-tool answers), so the vCPU is not left spinning, and
 * logged once.
 *
 * Nothing a guest writes makes the drain loop throw: a device that throws answers 0, a
 * request from a CPU beyond `cfg_flags` is dropped, both logged once.
 * @module
 */
import type { Logger } from "../../core/log.ts";
import { systemClock, type TimerClock } from "../../core/timer_clock.ts";
import { Bridge, type BridgeRequest, emptyRequest } from "./bridge.ts";
import type { BridgePort } from "./port.ts";
import { MAX_REQ } from "./layout.ts";

/** How long a request no device claims is held before it is answered 0, ms. */
export const ORPHAN_MS = 2000;
/** Retry delay while `res_list` is full, ms. */
const RES_RETRY_MS = 1;

/** What a transport attaches: one device's window in one zone. */
export interface BridgeDevice {
  readonly zone: number;
  /** Guest-physical base and size of the MMIO window. */
  readonly base: number;
  readonly size: number;
  /** INTID pushed on `res_list` by {@linkcode AttachedDevice.raise}. */
  readonly irq: number;
  /** Label for logs. */
  readonly label: string;
  /** One access at `offset` in the window; returns the value read (0 for writes). */
  access(offset: number, size: number, isWrite: boolean, value: number): number;
}

/** A device on the bridge. */
export interface AttachedDevice {
  /** Pushes the device's interrupt on `res_list` and calls FINISH_REQ. */
  raise(): void;
  /** Leaves the bridge; the last device closes it. */
  detach(): void;
}

interface Held {
  req: BridgeRequest;
  at: number;
}

/** The shared owner of one bridge. */
export class BridgeOwner {
  static readonly #owners = new Map<string, BridgeOwner>();

  /**
   * The owner of the bridge called `key` (a resolved device path or file-bridge
   * directory), opened with `open` on first use.
   */
  static acquire(
    key: string,
    open: () => BridgePort,
    opts: { log: Logger; clock?: TimerClock },
  ): BridgeOwner {
    let owner = BridgeOwner.#owners.get(key);
    if (owner === undefined) {
      owner = new BridgeOwner(key, open(), opts.log, opts.clock ?? systemClock);
      BridgeOwner.#owners.set(key, owner);
    }
    return owner;
  }

  readonly #key: string;
  readonly #port: BridgePort;
  readonly #bridge: Bridge;
  readonly #log: Logger;
  readonly #clock: TimerClock;
  readonly #devices = new Set<BridgeDevice>();
  readonly #req = emptyRequest();
  /** Requests no device claimed yet, oldest first. */
  #held: Held[] = [];
  #heldTimer: unknown = null;
  /** Devices whose interrupt waits for room on res_list. */
  readonly #unsent: BridgeDevice[] = [];
  #resTimer: unknown = null;
  #draining = false;
  /** Requests found on the bridge when it was opened (left by a previous vscmi). */
  #leftOver: number;
  #watching = false;
  #closed = false;

  private constructor(key: string, port: BridgePort, log: Logger, clock: TimerClock) {
    this.#key = key;
    this.#port = port;
    this.#bridge = new Bridge(port.bytes);
    this.#log = log;
    this.#clock = clock;
    this.#leftOver = this.#bridge.waiting;
  }

  /** The bridge's ring view (tests and the bench look at it). */
  get bridge(): Bridge {
    return this.#bridge;
  }

  /** The port it drains (mapping zone memory goes through it). */
  get port(): BridgePort {
    return this.#port;
  }

  /** Requests held for a device that has not attached. */
  get held(): number {
    return this.#held.length;
  }

  /**
   * Attaches `dev`, then drains: requests pending for it are answered at once. Throws
   * RangeError when its window overlaps another device's in the same zone.
   */
  attach(dev: BridgeDevice): AttachedDevice {
    for (const d of this.#devices) {
      if (d.zone === dev.zone && dev.base < d.base + d.size && d.base < dev.base + dev.size) {
        throw new RangeError(
          `${dev.label}: its MMIO window 0x${dev.base.toString(16)}+0x${
            dev.size.toString(16)
          } in zone ${dev.zone} overlaps that of ${d.label} on ${this.#port.name}`,
        );
      }
    }
    this.#devices.add(dev);
    if (!this.#watching) {
      this.#watching = true;
      this.#port.watch(() => this.drain(), (why) => {
        this.#log.error(`hvisor bridge ${this.#port.name}: ${why}; its devices stop`);
      });
    }
    this.#claimHeld(dev);
    this.drain();
    return {
      raise: () => this.#raise(dev),
      detach: () => this.#detach(dev),
    };
  }

  /**
   * Takes every request on `req_list` (hvisor kicked, or a device attached), then goes to
   * sleep the Dekker way: `need_wakeup` = 1, barrier, look again.
   */
  drain(): void {
    if (this.#draining || this.#closed) return;
    this.#draining = true;
    const b = this.#bridge;
    try {
      for (;;) {
        b.awake();
        while (b.waiting > 0) {
          const req = b.read(b.front, this.#req);
          const leftOver = this.#leftOver > 0;
          if (leftOver) this.#leftOver--;
          this.#handle(req, leftOver);
          b.pop();
        }
        if (b.maySleep()) break;
      }
      this.#flushResults();
    } finally {
      this.#draining = false;
    }
  }

  /** Routes one request; `leftOver`: it was pending when this vscmi opened the bridge. */
  #handle(req: BridgeRequest, leftOver: boolean): void {
    if (req.cpu < 0) {
      this.#log.once(
        "warn",
        `hvisor:${this.#key}:cpu`,
        `hvisor bridge ${this.#port.name}: a request from a CPU beyond cfg_flags (dropped)`,
      );
      return;
    }
    if (leftOver && !req.needInterrupt && this.#laterFromCpu(req.cpu)) {
      // The vCPU made a newer access: this one was answered before the restart. Answering
      // again would release the newer one with a wrong value.
      this.#serve(this.#find(req), req, false);
      return;
    }
    const dev = this.#find(req);
    if (dev === undefined) {
      this.#hold(req);
      return;
    }
    this.#serve(dev, req, !req.needInterrupt);
  }

  #serve(dev: BridgeDevice | undefined, req: BridgeRequest, answer: boolean): void {
    let value = 0;
    if (dev !== undefined) {
      try {
        value = dev.access(req.address - dev.base, req.size, req.isWrite, req.value);
      } catch (e) {
        this.#log.once(
          "error",
          `hvisor:${dev.label}:throw`,
          `${dev.label}: register access failed (answered 0): ${
            e instanceof Error ? e.message : e
          }`,
        );
        value = 0;
      }
    }
    if (answer) this.#bridge.answer(req.cpu, req.isWrite ? 0 : value);
  }

  #find(req: BridgeRequest): BridgeDevice | undefined {
    for (const d of this.#devices) {
      if (d.zone === req.zone && req.address >= d.base && req.address < d.base + d.size) return d;
    }
    return undefined;
  }

  /** Whether a config access of `cpu` follows the one at `req_front`. */
  #laterFromCpu(cpu: number): boolean {
    const b = this.#bridge;
    const probe = emptyRequest();
    for (let i = 1; i < b.waiting; i++) {
      const r = b.read((b.front + i) % MAX_REQ, probe);
      if (r.cpu === cpu && !r.needInterrupt) return true;
    }
    return false;
  }

  #hold(req: BridgeRequest): void {
    this.#held.push({ req: { ...req }, at: this.#clock.now() });
    this.#heldTimer ??= this.#clock.setTimer(() => this.#expireHeld(), ORPHAN_MS);
  }

  #claimHeld(dev: BridgeDevice): void {
    const mine = this.#held.filter((h) =>
      h.req.zone === dev.zone && h.req.address >= dev.base && h.req.address < dev.base + dev.size
    );
    if (mine.length === 0) return;
    this.#held = this.#held.filter((h) => !mine.includes(h));
    for (const h of mine) this.#serve(dev, h.req, !h.req.needInterrupt);
  }

  #expireHeld(): void {
    this.#heldTimer = null;
    const now = this.#clock.now();
    const due = this.#held.filter((h) => now - h.at >= ORPHAN_MS);
    this.#held = this.#held.filter((h) => !due.includes(h));
    for (const h of due) {
      this.#log.once(
        "warn",
        `hvisor:${this.#key}:orphan:${h.req.zone}`,
        `hvisor bridge ${this.#port.name}: zone ${h.req.zone} accessed 0x${
          h.req.address.toString(16)
        }, where vscmi serves no device (answered 0)`,
      );
      if (!h.req.needInterrupt) this.#bridge.answer(h.req.cpu, 0);
    }
    if (this.#held.length > 0) {
      this.#heldTimer = this.#clock.setTimer(() => this.#expireHeld(), ORPHAN_MS);
    }
  }

  #raise(dev: BridgeDevice): void {
    if (this.#closed || !this.#devices.has(dev)) return;
    this.#unsent.push(dev);
    this.#flushResults();
  }

  /** Pushes waiting interrupts while res_list has room; FINISH_REQ after each. */
  #flushResults(): void {
    while (this.#unsent.length > 0) {
      const dev = this.#unsent[0];
      if (!this.#bridge.pushResult(dev.zone, dev.irq)) break;
      this.#unsent.shift();
      try {
        this.#port.finish();
      } catch (e) {
        this.#log.once(
          "error",
          `hvisor:${this.#key}:finish`,
          `hvisor bridge ${this.#port.name}: FINISH_REQ failed: ${
            e instanceof Error ? e.message : e
          }`,
        );
      }
    }
    if (this.#unsent.length > 0 && this.#resTimer === null) {
      this.#resTimer = this.#clock.setTimer(() => {
        this.#resTimer = null;
        this.#flushResults();
      }, RES_RETRY_MS);
    }
  }

  /** Closes the bridge when no device is attached (a device failed to start). */
  releaseIfIdle(): void {
    if (this.#devices.size === 0) this.#close();
  }

  #detach(dev: BridgeDevice): void {
    if (!this.#devices.delete(dev)) return;
    for (let i = this.#unsent.indexOf(dev); i >= 0; i = this.#unsent.indexOf(dev)) {
      this.#unsent.splice(i, 1);
    }
    if (this.#devices.size === 0) this.#close();
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    BridgeOwner.#owners.delete(this.#key);
    if (this.#heldTimer !== null) this.#clock.clearTimer(this.#heldTimer);
    if (this.#resTimer !== null) this.#clock.clearTimer(this.#resTimer);
    this.#port.close();
  }
}
