/**
 * The errors a `vscmi call` command throws and the parsers for the numbers, versions and
 * words its arguments hold: a mistake on the command line is a {@linkcode UsageError}, a
 * failure the message explains fully a {@linkcode CommandError}.
 * @module
 */

/** Exit codes: success, a runtime failure (or an SCMI error status), a usage error. */
export const Exit = { OK: 0, FAIL: 1, USAGE: 2 } as const;

/** A mistake on the command line: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  /** "UsageError". */
  override name = "UsageError";
  /** Usage line of the command it concerns, printed after the message. */
  usage?: string;
}

/** A command failed for a reason its message explains fully: printed without a stack. */
export class CommandError extends Error {
  /** "CommandError". */
  override name = "CommandError";
  /**
   * A failure with its exit code.
   *
   * @param message What failed, as a sentence.
   * @param code The exit code (default 1).
   */
  constructor(message: string, readonly code: number = Exit.FAIL) {
    super(message);
  }
}

/** An unsigned 32-bit number, decimal or `0x` hex. */
export function parseU32(text: string, what: string): number {
  const t = text.trim();
  const v = /^0x[0-9a-f]+$/i.test(t) ? parseInt(t, 16) : /^\d+$/.test(t) ? Number(t) : NaN;
  if (!Number.isSafeInteger(v) || v > 0xffffffff) {
    throw new UsageError(`${what} must be a number from 0 to 0xffffffff, got "${text}"`);
  }
  return v;
}

/** A positive integer (a timeout in ms, a count). */
export function parsePositive(text: string, what: string): number {
  const v = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(v) || v < 1) {
    throw new UsageError(`${what} must be a positive integer, got "${text}"`);
  }
  return v;
}

/** A protocol version: `MAJOR.MINOR` or the raw `(major << 16) | minor` number. */
export function parseVersion(text: string): number {
  const m = /^(\d+)\.(\d+)$/.exec(text);
  if (m && Number(m[1]) <= 0xffff && Number(m[2]) <= 0xffff) {
    return ((Number(m[1]) << 16) | Number(m[2])) >>> 0;
  }
  if (/^(0x[0-9a-f]+|\d+)$/i.test(text)) return parseU32(text, "Version");
  throw new UsageError(`Version must be MAJOR.MINOR (e.g. 2.0) or a number, got "${text}"`);
}

/** `on`/`off`, `allow`/`deny` and similar two-way words. */
export function parseChoice(text: string, yes: string, no: string, what: string): boolean {
  if (text === yes) return true;
  if (text === no) return false;
  throw new UsageError(`${what} must be "${yes}" or "${no}", got "${text}"`);
}
