/**
 * Reading one manifest file: its text, the parsed document, and a way to turn key paths into
 * problems with positions.
 * @module
 */
import { parse, TomlError } from "smol-toml";
import { Locator } from "./locate.ts";
import { type KeyPath, keyPathString, type Problem } from "./problem.ts";

/** Parser settings shared by every manifest. */
const PARSE_OPTIONS = {
  integersAsBigInt: "asNeeded",
  unsafeKeyBehaviour: "throw",
  maxDepth: 32,
} as const;

/** A parsed manifest file that collects the problems found in it. */
export class Source {
  readonly locator: Locator;

  constructor(
    readonly file: string,
    readonly text: string,
    readonly doc: Record<string, unknown>,
    readonly problems: Problem[],
  ) {
    this.locator = new Locator(text);
  }

  /** Records a problem at `path` (at its key when `at` is "key"). */
  report(path: KeyPath, message: string, at: "key" | "value" = "value"): void {
    const { line, column } = this.locator.find(path, at);
    this.problems.push({ file: this.file, line, column, keyPath: keyPathString(path), message });
  }
}

/** Why a file could not be read: not there, or something else (permissions, a directory). */
export type ReadFailure = { kind: "missing" | "unreadable"; detail: string };

/**
 * Reads (with `read`, the file system by default) and parses `file`. A syntax error becomes a problem (and `undefined` is returned);
 * a file that cannot be read is returned as a ReadFailure for the caller to report where
 * the file was named.
 */
export async function readSource(
  file: string,
  problems: Problem[],
  read: (file: string) => Promise<string> = Deno.readTextFile,
): Promise<Source | ReadFailure | undefined> {
  let text: string;
  try {
    text = await read(file);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return { kind: "missing", detail: "no such file" };
    return { kind: "unreadable", detail: e instanceof Error ? e.message : String(e) };
  }
  try {
    const doc = parse(text, PARSE_OPTIONS) as Record<string, unknown>;
    return new Source(file, text, doc, problems);
  } catch (e) {
    const toml = e instanceof TomlError;
    const text = e instanceof Error ? e.message : String(e);
    const reason = text.replace(/^Invalid TOML document: /, "").split("\n")[0];
    problems.push({
      file,
      line: toml ? e.line : 1,
      column: toml ? e.column : 1,
      keyPath: "",
      message: `Expected valid TOML, got a syntax error: ${reason}`,
    });
    return undefined;
  }
}

/** Whether `r` is a ReadFailure rather than a Source. */
export function isReadFailure(r: Source | ReadFailure | undefined): r is ReadFailure {
  return r !== undefined && !(r instanceof Source);
}
