/**
 * The eventq side of the virtio-scmi device: buffers the driver posted (device-writable
 * chains, kept until a message fills them) and delayed responses waiting for a buffer.
 * @module
 */
import type { Chain } from "./chain.ts";
import { Segments } from "./_slot.ts";

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
