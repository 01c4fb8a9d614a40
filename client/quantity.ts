/**
 * Volts, watts, durations and scaled readings on the command line: read as
 * integers in the base unit or with a unit ("900mV", "1.8V", "500mW", "10ms"; the unit's case
 * does not matter), printed exactly with the largest unit that keeps the value short
 * ("606.25mV", "8W", "10ms"). Conversion is exact and reuses the manifest's unit reader
 * ({@linkcode toBaseUnit}), so a value the command line accepts means what it does in a board
 * manifest. Clock rates are in `units.ts`.
 * @module
 */
import { MICROVOLTS, MICROWATTS, toBaseUnit, type UnitSystem } from "../core/manifest/units.ts";
import { UsageError } from "./args.ts";

/** Units by lower-case spelling, with the manifest's spelling. */
const VOLT_UNITS: Readonly<Record<string, string>> = { uv: "uV", "µv": "µV", mv: "mV", v: "V" };
const WATT_UNITS: Readonly<Record<string, string>> = { uw: "uW", "µw": "µW", mw: "mW", w: "W" };

/** An integer, or a decimal with a unit, in `units`; the message names the problem. */
function read(
  text: string,
  units: UnitSystem,
  spelling: Readonly<Record<string, string>>,
): number | undefined {
  const t = text.trim();
  if (/^[+-]?\d+$/.test(t)) {
    const v = Number(t);
    return Number.isSafeInteger(v) ? v : undefined;
  }
  const m = /^([+-]?[0-9]+(?:\.[0-9]+)?)\s*([a-zµ]+)$/i.exec(t);
  const unit = m ? spelling[m[2].toLowerCase()] : undefined;
  if (!m || !unit) return undefined;
  const v = toBaseUnit(`${m[1]}${unit}`, units);
  return typeof v === "number" ? v : undefined;
}

/**
 * Volts as µV: "900000", "900mV", "1.8V", "-5V", "606.25mV". Throws UsageError naming
 * `what` unless it is a whole number of µV within the signed 32-bit range SCMI carries.
 */
export function parseMicrovolts(text: string, what = "Value"): number {
  const v = read(text, MICROVOLTS, VOLT_UNITS);
  if (v === undefined || v < -0x8000_0000 || v > 0x7fff_ffff) {
    throw new UsageError(
      `${what} must be a whole number of µV, e.g. 900000, 900mV or 1.8V, got "${text}"`,
    );
  }
  return v;
}

/** Power units a domain may report its powers in. */
export type PowerUnit = "uW" | "mW" | "abstract";

/**
 * A power in `unit`: a bare integer is taken in `unit` already; "5W", "500mW", "1500uW" are
 * converted, and must land on a whole `unit` (abstract units take no suffix). Throws
 * UsageError naming `what` otherwise, or past the u32 range.
 */
export function parsePower(text: string, unit: PowerUnit, what = "Power"): number {
  const t = text.trim();
  let v: number | undefined;
  if (/^\d+$/.test(t)) v = Number(t);
  else if (unit !== "abstract") {
    const uw = read(t, MICROWATTS, WATT_UNITS);
    if (uw !== undefined && uw >= 0) {
      v = unit === "uW" ? uw : uw % 1000 === 0 ? uw / 1000 : undefined;
    }
  }
  if (v === undefined || !Number.isSafeInteger(v) || v > 0xffff_ffff) {
    const hint = unit === "abstract"
      ? "a whole number (this domain uses abstract units)"
      : `a whole number of ${unit === "uW" ? "µW" : "mW"}, e.g. ${
        unit === "uW" ? "8000000, 8W or 500mW" : "8000, 8W or 500mW"
      }`;
    throw new UsageError(`${what} must be ${hint}, got "${text}"`);
  }
  return v;
}

/** Time units, power of ten of a microsecond. */
const TIME_UNITS: Readonly<Record<string, number>> = { us: 0, "µs": 0, ms: 3, s: 6 };

/**
 * A duration in µs: "10000", "10ms", "1.5ms", "2s", "100us". Throws UsageError naming `what`
 * unless it is a whole number of µs within u32.
 */
export function parseMicros(text: string, what = "Interval"): number {
  const t = text.trim();
  let v: number | undefined;
  if (/^\d+$/.test(t)) v = Number(t);
  else {
    const m = /^(\d+)(?:\.(\d+))?\s*([a-zµ]+)$/i.exec(t);
    const pow = m ? TIME_UNITS[m[3].toLowerCase()] : undefined;
    if (m && pow !== undefined) {
      const frac = m[2] ?? "";
      if (!/[1-9]/.test(frac.slice(pow))) {
        v = Number(m[1] + frac.slice(0, pow).padEnd(pow, "0"));
      }
    }
  }
  if (v === undefined || !Number.isSafeInteger(v) || v > 0xffff_ffff) {
    throw new UsageError(
      `${what} must be a whole number of µs, e.g. 10000, 10ms or 1s, got "${text}"`,
    );
  }
  return v;
}

/** `v` (an integer) divided by 10^pow as an exact decimal without trailing zeros. */
function shift(v: number | bigint, pow: number): string {
  const neg = v < 0;
  const digits = (neg ? -BigInt(v) : BigInt(v)).toString().padStart(pow + 1, "0");
  const whole = digits.slice(0, digits.length - pow);
  const frac = pow > 0 ? digits.slice(digits.length - pow).replace(/0+$/, "") : "";
  return `${neg ? "-" : ""}${whole}${frac ? `.${frac}` : ""}`;
}

/** `v` in base units with the largest of `steps` (unit, power of ten) it reaches. */
function withUnit(v: number, steps: readonly (readonly [string, number])[], base: string): string {
  if (!Number.isSafeInteger(v)) return `${v}${base}`;
  for (const [unit, pow] of steps) {
    if (Math.abs(v) >= 10 ** pow) return `${shift(v, pow)}${unit}`;
  }
  return `${v}${base}`;
}

/** µV as "900mV", "1.8V", "606.25mV", "-5V", "12µV". */
export function formatMicrovolts(uv: number): string {
  return withUnit(uv, [["V", 6], ["mV", 3]], "µV");
}

/** A power in `unit` as "8W", "350mW", "1.5mW"; abstract units as a bare number. */
export function formatPower(v: number, unit: PowerUnit): string {
  if (unit === "abstract") return String(v);
  const uw = unit === "mW" ? v * 1000 : v;
  return withUnit(uw, [["W", 6], ["mW", 3]], "µW");
}

/** µs as "10ms", "1.5s", "250µs". */
export function formatMicros(us: number): string {
  return withUnit(us, [["s", 6], ["ms", 3]], "µs");
}

/**
 * `value × 10^exp` as an exact decimal: (31500, -3) → "31.5", (7, 2) → "700", (-125, -2) →
 * "-1.25".
 */
export function formatScaled(value: number | bigint, exp: number): string {
  if (exp >= 0) return (BigInt(value) * 10n ** BigInt(exp)).toString();
  return shift(value, -exp);
}

/**
 * The integer `r` with `r × 10^exp` equal to the decimal `text` ("70", "70.5", "-3.25"), or
 * undefined when no integer does (the decimal has more digits than the scale keeps).
 */
export function unscale(text: string, exp: number): bigint | undefined {
  const m = /^([+-]?)(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!m) return undefined;
  const [, sign, whole, frac = ""] = m;
  // text = digits × 10^-frac.length; r = digits × 10^(-frac.length - exp).
  let r = BigInt(whole + frac);
  const pow = -frac.length - exp;
  if (pow >= 0) r *= 10n ** BigInt(pow);
  else {
    const d = 10n ** BigInt(-pow);
    if (r % d !== 0n) return undefined;
    r /= d;
  }
  return sign === "-" ? -r : r;
}
