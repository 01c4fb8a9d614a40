/**
 * Physical quantities in manifests: an integer in the base unit, or a decimal string with a
 * unit suffix ("100MHz", "32.768kHz", "900mV", "1.8V", "500mW"). Conversion is exact: a
 * value that does not land on a whole base unit is refused rather than rounded.
 * @module
 */

/** A quantity's base unit and the suffixes that scale it (power of ten of each). */
export interface UnitSystem {
  /** What the base unit is, for messages: "Hz", "µV", "µW". */
  readonly base: string;
  /** Suffix → power of ten of the base unit it stands for. */
  readonly suffixes: Readonly<Record<string, number>>;
  /** Whether negative values make sense (electric potentials do). */
  readonly signed: boolean;
}

/** Frequencies in Hz. */
export const HERTZ: UnitSystem = {
  base: "Hz",
  suffixes: { Hz: 0, kHz: 3, MHz: 6, GHz: 9 },
  signed: false,
};

/** Electric potentials in µV. */
export const MICROVOLTS: UnitSystem = {
  base: "µV",
  suffixes: { uV: 0, "µV": 0, mV: 3, V: 6 },
  signed: true,
};

/** Power in µW. */
export const MICROWATTS: UnitSystem = {
  base: "µW",
  suffixes: { uW: 0, "µW": 0, mW: 3, W: 6 },
  signed: false,
};

const QUANTITY = /^([+-]?)(\d+)(?:\.(\d+))?\s*([A-Za-zµ]+)$/;

/**
 * Converts `value` (an integer in the base unit, or a string with a unit) to the base unit.
 * Returns a string saying what went wrong when it cannot, so callers can report it.
 *
 * @example
 * ```ts
 * import { HERTZ, toBaseUnit } from "./units.ts";
 * toBaseUnit("32.768kHz", HERTZ); // 32768
 * ```
 */
export function toBaseUnit(value: unknown, units: UnitSystem): number | string {
  let n: number;
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) return `a whole number of ${units.base}`;
    n = value;
  } else if (typeof value === "bigint") {
    return `a value below 2^53 ${units.base}`;
  } else if (typeof value === "string") {
    const m = QUANTITY.exec(value.trim());
    if (!m) return `a number followed by a unit (${suffixList(units)})`;
    const [, sign, whole, frac = "", suffix] = m;
    const pow = units.suffixes[suffix];
    if (pow === undefined) return `a unit among ${suffixList(units)}`;
    if (frac.length > pow && /[1-9]/.test(frac.slice(pow))) {
      return `a whole number of ${units.base}`;
    }
    const digits = whole + frac.slice(0, pow).padEnd(pow, "0");
    const big = BigInt(digits);
    if (big > BigInt(Number.MAX_SAFE_INTEGER)) return `a value below 2^53 ${units.base}`;
    n = sign === "-" ? -Number(big) : Number(big);
  } else {
    return `an integer in ${units.base} or a string with a unit (${suffixList(units)})`;
  }
  if (n < 0 && !units.signed) return `a value of 0 ${units.base} or more`;
  return n === 0 ? 0 : n; // no -0
}

function suffixList(units: UnitSystem): string {
  return Object.keys(units.suffixes).map((s) => `"${s}"`).join(", ");
}

/** `toBaseUnit` that throws RangeError; for code paths that are not manifest input. */
export function parseQuantity(value: unknown, units: UnitSystem): number {
  const n = toBaseUnit(value, units);
  if (typeof n === "string") {
    const got = typeof value === "string" ? `"${value}"` : String(value);
    throw new RangeError(`Cannot read quantity: expected ${n}, got ${got}`);
  }
  return n;
}
