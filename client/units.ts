/**
 * Clock rates on the command line: read as Hz integers (decimal or `0x` hex) or with a unit
 * ("100MHz", "32.768kHz", "1.2 GHz"; case of the unit does not matter), printed with the
 * largest unit that keeps the value exact ("1.8GHz", "22.5792MHz", "50Hz"). Conversion is
 * exact and reuses the manifest's unit reader ({@linkcode toBaseUnit}), so a rate the
 * command line accepts means the same as in a board manifest.
 * @module
 */
import { HERTZ, toBaseUnit } from "../core/manifest/units.ts";
import { UsageError } from "./args.ts";

/** Largest rate SCMI carries (u64) that is still exact as a JavaScript number. */
const MAX_RATE = Number.MAX_SAFE_INTEGER;

/** Frequency units by lower-case spelling ("mhz" can only mean megahertz here). */
const UNIT: Readonly<Record<string, string>> = { hz: "Hz", khz: "kHz", mhz: "MHz", ghz: "GHz" };

/**
 * A rate in Hz from `text`: "24000000", "0x16e3600", "24MHz", "32.768 kHz", "1.2ghz".
 * Throws UsageError naming `what` when it is not a whole number of Hz.
 *
 * @example
 * ```ts
 * import { parseRate } from "./units.ts";
 * parseRate("32.768kHz"); // 32768
 * ```
 */
export function parseRate(text: string, what = "Rate"): number {
  const t = text.trim();
  let v: number | string;
  if (/^0x[0-9a-f]+$/i.test(t)) v = parseInt(t, 16);
  else if (/^\d+$/.test(t)) v = Number(t);
  else {
    const m = /^([0-9.]+)\s*([a-z]+)$/i.exec(t);
    const unit = m ? UNIT[m[2].toLowerCase()] : undefined;
    v = m && unit ? toBaseUnit(`${m[1]}${unit}`, HERTZ) : "a number with a unit";
  }
  if (typeof v === "string" || !Number.isSafeInteger(v) || v > MAX_RATE) {
    throw new UsageError(
      `${what} must be a whole number of Hz, e.g. 24000000, 0x16e3600, 24MHz or 32.768kHz, got "${text}"`,
    );
  }
  return v;
}

/**
 * `hz` with the largest unit that divides it into a short exact decimal:
 * 1800000000 → "1.8GHz", 32768 → "32.768kHz", 22579200 → "22.5792MHz", 50 → "50Hz".
 */
export function formatRate(hz: number): string {
  if (!Number.isSafeInteger(hz) || hz < 0) return `${hz}Hz`;
  for (const [unit, pow] of [["GHz", 9], ["MHz", 6], ["kHz", 3]] as const) {
    if (hz < 10 ** pow) continue;
    const digits = String(hz);
    const whole = digits.slice(0, digits.length - pow);
    const frac = digits.slice(digits.length - pow).replace(/0+$/, "");
    return frac === "" ? `${whole}${unit}` : `${whole}.${frac}${unit}`;
  }
  return `${hz}Hz`;
}
