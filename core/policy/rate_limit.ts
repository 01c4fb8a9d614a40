/**
 * Per-agent request rate limit: a token bucket checked by the dispatcher before anything
 * else. A request over the limit is answered BUSY (the SCMI status for "try again later";
 * Linux hands the caller -EBUSY) and audited. The deployment declares it per agent:
 * `rate_limit = { per_s = 1000, burst = 100 }`.
 * @module
 */

/** How fast an agent may send commands. */
export interface RateLimit {
  /** Sustained commands per second (above 0). */
  readonly perS: number;
  /** Commands that may arrive at once after a quiet spell (1 or more). */
  readonly burst: number;
}

/**
 * A token bucket: it holds up to `burst` tokens, gains `perS` per second, and each request
 * takes one. Allocation-free; time comes from the caller, in milliseconds.
 *
 * @example
 * ```ts
 * import { TokenBucket } from "./rate_limit.ts";
 * const b = new TokenBucket({ perS: 10, burst: 2 });
 * b.take(0); // true
 * b.take(0); // true
 * b.take(0); // false: empty
 * b.take(100); // true: 100 ms brought one token back
 * ```
 */
export class TokenBucket {
  readonly perS: number;
  readonly burst: number;
  #tokens: number;
  /** Time of the last refill, ms; NaN until the first request. */
  #last = NaN;

  constructor(limit: RateLimit) {
    if (!(limit.perS > 0) || !Number.isFinite(limit.perS)) {
      throw new RangeError(`Rate limit per_s must be above 0, got ${limit.perS}`);
    }
    if (!(limit.burst >= 1) || !Number.isFinite(limit.burst)) {
      throw new RangeError(`Rate limit burst must be 1 or more, got ${limit.burst}`);
    }
    this.perS = limit.perS;
    this.burst = limit.burst;
    this.#tokens = limit.burst;
  }

  /** Takes one token at time `nowMs`; false when the bucket is empty (the request is over). */
  take(nowMs: number): boolean {
    const last = this.#last;
    if (last === last && nowMs > last) {
      const t = this.#tokens + (nowMs - last) * this.perS / 1000;
      this.#tokens = t > this.burst ? this.burst : t;
    }
    if (!(nowMs < last)) this.#last = nowMs;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Tokens left now (for `vscmi ctl` and tests). */
  get tokens(): number {
    return this.#tokens;
  }
}
