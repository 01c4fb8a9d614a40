import type { Writer } from "../../mod.ts";
/**
 * Number formats of the sensor protocol: update intervals as a seconds multiplier and a signed
 * power-of-ten exponent, 5-bit signed fields, s64 values and timestamps.
 * @module
 */

/** A 5-bit two's-complement field as a number. */
export function signed5(bits: number): number {
  const v = bits & 0x1f;
  return v & 0x10 ? v - 32 : v;
}

/**
 * An update interval of `us` µs as `secs × 10^exp` seconds with `secs` below `2^bits`,
 * packed as `(secs << 5) | (exp & 0x1f)` (the SENSOR_LIST_UPDATE_INTERVALS word when `bits`
 * is 16). Exact when the interval fits; otherwise `secs` is rounded to the nearest fitting
 * multiplier. 0 encodes as 0.
 */
export function encodeInterval(us: number, bits: number): number {
  if (!(us > 0)) return 0;
  const max = 2 ** bits - 1;
  let secs = Math.round(us);
  let exp = -6;
  while (secs % 10 === 0 && exp < 15) {
    secs /= 10;
    exp++;
  }
  while (secs > max && exp < 15) {
    secs = Math.round(secs / 10);
    exp++;
  }
  return ((Math.min(secs, max) << 5) | (exp & 0x1f)) >>> 0;
}

/** The interval `secs × 10^exp` seconds in µs (may be fractional below 1 µs). */
export function decodeInterval(secs: number, exp: number): number {
  return secs * 10 ** (exp + 6);
}

/** The update intervals a sensor supports: a list (ascending, µs) or a segment. */
export type Intervals =
  | { readonly kind: "list"; readonly us: readonly number[] }
  | { readonly kind: "segment"; readonly min: number; readonly max: number; readonly step: number };

/**
 * The supported interval closest to `req` µs in the direction `round` asks (0 down, 1 up,
 * 2 nearest, ties down), or -1 when none lies that way.
 */
export function pickInterval(iv: Intervals, req: number, round: number): number {
  let lo = -1;
  let hi = -1;
  switch (iv.kind) {
    case "list":
      for (const us of iv.us) {
        if (us <= req) lo = us;
        if (us >= req && hi < 0) hi = us;
      }
      break;
    case "segment": {
      const { min, max, step } = iv;
      if (req < min) hi = min;
      else if (req >= max) {
        lo = max;
        if (req === max) hi = max;
      } else if (step === 0) lo = min;
      else {
        lo = min + Math.floor((req - min) / step) * step;
        hi = lo === req ? lo : Math.min(lo + step, max);
      }
      break;
    }
  }
  if (round === 0) return lo;
  if (round === 1) return hi;
  if (lo < 0) return hi;
  if (hi < 0) return lo;
  return req - lo <= hi - req ? lo : hi;
}

/** Writes a signed 64-bit value; an integer beyond ±2^53 is written as its nearest double. */
export function writeS64(w: Writer, v: number): void {
  w.i64(Math.round(v));
}

/** Writes the most negative s64 (`min` absent) or `min`. */
export function writeRangeMin(w: Writer, min: number | undefined): void {
  if (min === undefined) {
    w.u32(0);
    w.u32(0x8000_0000);
  } else writeS64(w, min);
}

/** Writes the most positive s64 (`max` absent) or `max`. */
export function writeRangeMax(w: Writer, max: number | undefined): void {
  if (max === undefined) {
    w.u32(0xffff_ffff);
    w.u32(0x7fff_ffff);
  } else writeS64(w, max);
}

/** A resolution word: bits 26:0 the value, bits 31:27 its signed power-of-ten exponent. */
export function resolutionWord(value: number, exp: number): number {
  return ((value & 0x7ff_ffff) | ((exp & 0x1f) << 27)) >>> 0;
}
