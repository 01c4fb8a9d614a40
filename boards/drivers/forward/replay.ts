/**
 * The changes the driver makes downstream, and what the downstream must hold for it: every
 * change goes out through {@linkcode Replay.write}, which keeps the last one made to each
 * resource setting (a clock's rate and enable, a reset line's assertion, a power state) as the
 * request that made it. With `--dry-run` a change is logged and kept, not sent. A downstream that restarts forgets them (or restores them from its
 * own journal); on every reconnection they are sent again, oldest setting first, so the
 * downstream holds the merged vote of this platform's agents again.
 * @module
 */
import type { Logger } from "../../../core/log.ts";
import type { Link } from "./link.ts";

interface Setting {
  protocol: number;
  message: number;
  params: readonly number[];
}

/** The settings the downstream holds for this driver, keyed by resource setting. */
export class Replay {
  readonly #settings = new Map<string, Setting>();
  readonly #link: Link;
  readonly #dryRun: boolean;
  readonly #log: Logger | undefined;

  /**
   * Re-sends every setting on each new channel of `link` after the first; with `dryRun`,
   * changes go to `log` instead of the downstream.
   */
  constructor(link: Link, dryRun = false, log?: Logger) {
    this.#link = link;
    this.#dryRun = dryRun;
    this.#log = log;
    link.onConnect(async (send) => {
      if (link.connections <= 1) return;
      for (const s of this.#settings.values()) await send(s.protocol, s.message, s.params);
    });
  }

  /**
   * Sends a change (a status other than SUCCESS is thrown as its ScmiError) and keeps it as
   * setting `key`, or, for a change that leaves nothing held (a reset cycle), with `key` null,
   * forgets `forget`.
   */
  async write(
    key: string | null,
    protocol: number,
    message: number,
    params: readonly number[],
    forget?: string,
  ): Promise<void> {
    if (this.#dryRun) {
      this.#log?.info(
        `Dry run: not sending protocol 0x${protocol.toString(16)} message 0x${
          message.toString(16)
        } (${params.join(", ")})`,
      );
    } else await this.#link.call(protocol, message, params);
    if (key !== null) this.set(key, protocol, message, params);
    if (forget !== undefined) this.delete(forget);
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
