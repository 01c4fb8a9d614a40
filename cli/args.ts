/**
 * Argument parsing shared by every `vscmi` command: `node:util` `parseArgs` in strict mode,
 * with its errors turned into {@linkcode UsageError}s that read as sentences, and parsers for
 * the numbers, versions and addresses commands take.
 * @module
 */
import { resolve } from "node:path";
import type { HwAccess } from "../core/hw_root.ts";
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { UsageError } from "../client/mod.ts";

export {
  CommandError,
  Exit,
  parseChoice,
  parsePositive,
  parseU32,
  parseVersion,
  UsageError,
} from "../client/mod.ts";

/** Parsed option values by name. */
export type Values = Readonly<Record<string, string | boolean | undefined>>;

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

/**
 * `--hw-root DIR` and `--dry-run` as the drivers and bindings receive them; a missing
 * directory is a usage error, so nothing silently opens the real `/dev/mem` instead.
 */
export function hwAccess(values: Values): HwAccess {
  const root = str(values, "hw-root");
  if (root !== undefined) {
    let dir = false;
    try {
      dir = Deno.statSync(root).isDirectory;
    } catch { /* reported below */ }
    if (!dir) throw new UsageError(`--hw-root must name a directory, got "${root}"`);
  }
  return { hwRoot: root === undefined ? "/" : resolve(root), dryRun: values["dry-run"] === true };
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
