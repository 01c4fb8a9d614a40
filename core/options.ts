/**
 * Options of transports and board drivers. A type declares its options once: their names
 * (with a line of help each) and a `checkOptions` function that throws {@linkcode OptionError}
 * for a bad value. The manifest loader runs that declaration on every options table, so a
 * bad option is a manifest problem with its file, key path and line, found by `vscmi check`
 * exactly as by `vscmi serve`, before anything starts. A transport or driver started from a
 * deployment built in code runs the same check ({@linkcode assertOptions}).
 * @module
 */
import { describe, type KeyPath, quoteList } from "./manifest/problem.ts";

const OPTION_ERROR = Symbol.for("vscmi.OptionError");

/**
 * A bad option value, thrown by a `checkOptions` function: which option, what it expects
 * (the "expected" half of a manifest problem, e.g. `an integer from 1 to 1024`), the
 * value found (undefined: the option is missing) and, for an option holding tables, where
 * inside it the bad value sits, so the problem names that key and its line.
 */
export class OptionError extends TypeError {
  /** The brand `Symbol.for("vscmi.OptionError")`, so any copy of the API recognises it. */
  readonly [OPTION_ERROR] = true;
  /**
   * Makes the error for one option.
   *
   * @param option The option's name, e.g. `max_msg`.
   * @param expected What the option takes, e.g. `an integer from 1 to 1024`.
   * @param got The value found; undefined when the option is missing.
   * @param path Keys below the option leading to the bad value (`["uart1", "bit"]` for
   *   `clocks.uart1.bit`); empty when the option's value itself is bad.
   */
  constructor(
    readonly option: string,
    readonly expected: string,
    readonly got: unknown,
    readonly path: KeyPath = [],
  ) {
    const at = [option, ...path].join(".");
    super(`${at}: expected ${expected}, got ${describe(got)}`);
    this.name = "OptionError";
  }
}

/**
 * The key path an option name stands for: `channels[1].offset` → `["channels", 1, "offset"]`,
 * so a problem inside an option's table or list is located at its own key.
 */
export function optionKeyPath(option: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of option.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    out.push(m[2] !== undefined ? Number(m[2]) : m[1]);
  }
  return out.length ? out : [option];
}

/** Whether `e` is an {@linkcode OptionError}, by brand (any copy of this module). */
export function isOptionError(e: unknown): e is OptionError {
  return typeof e === "object" && e !== null && OPTION_ERROR in e;
}

/** One problem with an options table: at an option (its key or its value), or the table. */
export interface OptionProblem {
  /** The option concerned; undefined: the table as a whole. */
  option?: string;
  /** Keys below the option leading to the bad value; absent or empty: the option itself. */
  path?: KeyPath;
  at: "key" | "value";
  /** `Expected …, got …`. */
  message: string;
}

/** What declares options: a transport or a driver type. */
export interface OptionsDecl {
  /** Option name → one-line description; any other option is an error. */
  readonly options: Readonly<Record<string, string>>;
  /**
   * The options whose string value names a file, directory or socket. In a manifest such a
   * value is relative to the manifest file, and `{run_dir}` at its start stands for the
   * server's run directory (`--run-dir`): the loader makes a relative path absolute, and
   * the server puts the run directory in before the driver or transport is created, so
   * `create`/`start` get a path they can open as is.
   */
  readonly paths?: readonly string[];
}

/** The placeholder for the server's run directory at the start of a path option. */
export const RUN_DIR = "{run_dir}";

/**
 * Checks `options` against what `decl` declares: unknown names first (each a problem at its
 * key; `check` is not run then), then `check`, whose OptionError becomes a problem at that
 * option and any other error a problem of the whole table. `what` names the declaring
 * type, e.g. `the "stream" transport`. Returns what `check` returned when there is no
 * problem.
 */
export function optionProblems<T>(
  what: string,
  decl: OptionsDecl,
  options: Readonly<Record<string, unknown>>,
  check: (() => T) | undefined,
): { problems: OptionProblem[]; result?: T } {
  const known = Object.keys(decl.options);
  const problems: OptionProblem[] = Object.keys(options)
    .filter((key) => !Object.hasOwn(decl.options, key))
    .map((key) => ({
      option: key,
      at: "key",
      message: `Expected an option of ${what} (${
        known.length ? quoteList(known) : "it takes none"
      }), got "${key}"`,
    }));
  if (problems.length || check === undefined) return { problems };
  try {
    return { problems, result: check() };
  } catch (e) {
    if (isOptionError(e)) {
      problems.push({
        option: e.option,
        path: e.path,
        at: "value",
        message: `Expected ${e.expected}, got ${describe(e.got)}`,
      });
    } else {
      problems.push({
        at: "value",
        message: `Expected options ${what} accepts, got an error: ${
          e instanceof Error ? e.message : String(e)
        }`,
      });
    }
    return { problems };
  }
}

/**
 * {@linkcode optionProblems} for options that did not come through the manifest loader:
 * throws TypeError `<where>: <option>: Expected …, got …` (every problem, `; `-separated),
 * or returns what `check` returned.
 */
export function assertOptions<T>(
  where: string,
  what: string,
  decl: OptionsDecl,
  options: Readonly<Record<string, unknown>>,
  check: (() => T) | undefined,
): T | undefined {
  const { problems, result } = optionProblems(what, decl, options, check);
  if (problems.length === 0) return result;
  throw new TypeError(
    `${where}: ${
      problems.map((p) =>
        p.option === undefined
          ? p.message
          : `${[p.option, ...(p.path ?? [])].join(".")}: ${p.message}`
      )
        .join("; ")
    }`,
  );
}
