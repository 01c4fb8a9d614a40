/**
 * The rates a clock can run at: the range check of a CLOCK_RATE_SET request, the rounding
 * onto the clock's rates, and the check a rate voted before a restart passes.
 * @module
 */
import type { ClockDesc } from "./kind.ts";
import type { RateRound } from "./hw.ts";

/**
 * Why clock `d` cannot be asked for `rate` (below its lowest or above its highest rate;
 * rounding does the rest), or undefined. CLOCK_RATE_SET answers INVALID_PARAMETERS for it.
 */
export function rateProblem(d: ClockDesc, rate: number): string | undefined {
  const r = d.rates;
  const lo = r.kind === "range" ? r.min : r.rates[0];
  const hi = r.kind === "range" ? r.max : r.rates[r.rates.length - 1];
  if (rate >= lo && rate <= hi) return undefined;
  return `${rate} Hz is outside the clock's rates ${lo}–${hi} Hz`;
}

/**
 * The rate clock `d` runs at for a request of `rate` (within its lowest and highest rate)
 * rounded by `round`: a list clock takes the listed rate the mode picks (down: highest at or
 * below; up: lowest at or above; nearest: the closer one, the lower on a tie); a range clock
 * takes `min + k·step` the same way, never above the highest step, or `rate` itself when its
 * step is 0.
 */
export function snapRate(d: ClockDesc, rate: number, round: RateRound): number {
  const r = d.rates;
  if (r.kind === "list") {
    const list = r.rates;
    let hi = 0;
    while (hi < list.length - 1 && list[hi] < rate) hi++;
    if (list[hi] <= rate || round === "up" || hi === 0) return list[hi];
    const lo = list[hi - 1];
    if (round === "down") return lo;
    return rate - lo <= list[hi] - rate ? lo : list[hi];
  }
  if (!(r.step > 0)) return rate;
  const top = Math.floor((r.max - r.min) / r.step);
  const k = (rate - r.min) / r.step;
  const n = round === "down"
    ? Math.floor(k)
    : round === "up"
    ? Math.ceil(k)
    : k - Math.floor(k) <= 0.5
    ? Math.floor(k)
    : Math.ceil(k);
  return r.min + Math.min(n, top) * r.step;
}

/**
 * Why a vote of `rate` on clock `d` cannot stand: a request CLOCK_RATE_SET refuses
 * ({@linkcode rateProblem}), or a rate the clock does not run at (a vote holds the rate its
 * request was rounded to). Undefined when it can.
 */
export function voteProblem(d: ClockDesc, rate: number): string | undefined {
  const why = rateProblem(d, rate);
  if (why !== undefined) return why;
  if (snapRate(d, rate, "nearest") !== rate) return `the clock cannot run at ${rate} Hz`;
  return undefined;
}
