/**
 * Argument parsing shared by every `vscmi` command: `node:util` `parseArgs` in strict mode,
 * with its errors turned into {@linkcode UsageError}s that read as sentences, and parsers for
 * the numbers, versions and addresses commands take.
 * @module
 */
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";

/** Exit codes: success, a runtime failure (or an SCMI error status), a usage error. */
export const Exit = { OK: 0, FAIL: 1, USAGE: 2 } as const;

/** A mistake on the command line: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
  /** Usage line of the command it concerns, printed after the message. */
  usage?: string;
}

/** Parsed option values by name. */
export type Values = Readonly<Record<string, string | boolean | undefined>>;

/** A command failed for a reason its message explains fully: printed without a stack. */
export class CommandError extends Error {
  override name = "CommandError";
  constructor(message: string, readonly code: number = Exit.FAIL) {
    super(message);
  }
}

/** Parses `args` strictly against `options` (plus `--help`/`-h`). */
export function parse(
  args: string[],
  options: ParseArgsOptionsConfig,
): { values: Values; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { ...options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Values, positionals };
  } catch (e) {
    throw new UsageError(usageMessage(e));
  }
}

/** A string option's value. */
export function str(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === "string" ? v : undefined;
}

/** `node:util` parse errors, restated. */
function usageMessage(e: unknown): string {
  const err = e as { code?: string; message?: string };
  const quoted = /'([^']+)'/.exec(err.message ?? "")?.[1];
  switch (err.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `Unknown option "${quoted}"`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return `Option "${quoted?.split(" ")[0]}" ${
        /argument missing/.test(err.message ?? "") ? "needs a value" : "does not take a value"
      }`;
    default:
      return String(err.message ?? e);
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
