/**
 * What the downstream must hold for this driver: the last change made to each resource
 * setting (a clock's rate and enable, a reset line's assertion, a power state), kept as the
 * request that made it. A downstream that restarts forgets them (or restores them from its
 * own journal); on every reconnection they are sent again, oldest setting first, so the
 * downstream holds the merged vote of this platform's agents again.
 * @module
 */
import type { Link } from "./link.ts";

interface Setting {
  protocol: number;
  message: number;
  params: readonly number[];
}

/** The settings the downstream holds for this driver, keyed by resource setting. */
export class Replay {
  readonly #settings = new Map<string, Setting>();

  /** Re-sends every setting on each new channel of `link` after the first. */
  constructor(link: Link) {
    link.onConnect(async (send) => {
      if (link.connections <= 1) return;
      for (const s of this.#settings.values()) await send(s.protocol, s.message, s.params);
    });
  }

  /** Records the request that made setting `key` (e.g. `clock.rate.3`), replacing the last. */
  set(key: string, protocol: number, message: number, params: readonly number[]): void {
    this.#settings.delete(key);
    this.#settings.set(key, { protocol, message, params });
  }

  /** Whether setting `key` is held. */
  has(key: string): boolean {
    return this.#settings.has(key);
  }

  /** Forgets setting `key` (back to the downstream's default). */
  delete(key: string): void {
    this.#settings.delete(key);
  }

  /** How many settings are held. */
  get size(): number {
    return this.#settings.size;
  }
}
