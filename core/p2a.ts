/**
 * The platform→agent channel: a bounded per-session queue of delayed responses and
 * notifications that the session's transport drains (stream connection, virtio eventq,
 * shmem P2A area).
 * @module
 */

/** Delayed responses must be delivered; notifications may be dropped when the queue is full. */
export type P2aKind = "delayed" | "notification";

/**
 * A session's bounded queue of platform→agent messages (delayed responses and notifications), which
 * its transport drains in order.
 */
export class P2aQueue {
  readonly #items: Uint8Array[] = [];
  readonly #kinds: P2aKind[] = [];
  /** Messages refused because the queue was full. */
  dropped = 0;
  /** Called after each push; the transport drains from here. */
  onPush: (() => void) | null = null;

  /** `limit`: most messages held before notifications are dropped. */
  constructor(readonly limit = 64) {}

  /** Messages queued now. */
  get length(): number {
    return this.#items.length;
  }

  /**
   * Queues one whole message (header + payload). A full queue drops a notification; a
   * delayed response displaces the oldest queued notification, or is refused if there is
   * none. Returns whether the message was queued.
   */
  push(message: Uint8Array, kind: P2aKind): boolean {
    if (this.#items.length >= this.limit) {
      const victim = kind === "delayed" ? this.#kinds.indexOf("notification") : -1;
      if (victim < 0) {
        this.dropped++;
        return false;
      }
      this.#items.splice(victim, 1);
      this.#kinds.splice(victim, 1);
      this.dropped++;
    }
    this.#items.push(message);
    this.#kinds.push(kind);
    this.onPush?.();
    return true;
  }

  /** The oldest message without removing it. */
  peek(): Uint8Array | undefined {
    return this.#items[0];
  }

  /** Removes and returns the oldest message. */
  shift(): Uint8Array | undefined {
    this.#kinds.shift();
    return this.#items.shift();
  }

  /** Drops every queued message (the session closed). */
  clear(): void {
    this.#items.length = 0;
    this.#kinds.length = 0;
  }
}
