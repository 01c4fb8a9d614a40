/**
 * Manifest problems and the error that carries them. Every problem names the file, the line
 * and column, the key path inside the document and what was expected.
 * @module
 */
import { isAbsolute, relative } from "node:path";

/** One thing wrong with a manifest. `line` and `column` are 1-based. */
export interface Problem {
  file: string;
  line: number;
  column: number;
  /** Where in the document, e.g. `clock[3].parents[1]` (empty for the whole file). */
  keyPath: string;
  /** What was expected and what was found, e.g. `Expected an integer, got "12"`. */
  message: string;
}

/** A path into a parsed document: table keys and array indexes. */
export type KeyPath = readonly (string | number)[];

const BARE = /^[A-Za-z0-9_-]+$/;

/** Renders a path as `agent[0].transport.type`; keys that are not bare get quoted. */
export function keyPathString(path: KeyPath): string {
  let out = "";
  for (const k of path) {
    if (typeof k === "number") out += `[${k}]`;
    else {
      const key = BARE.test(k) ? k : JSON.stringify(k);
      out += out === "" ? key : `.${key}`;
    }
  }
  return out;
}

/** Orders problems by file, then position, so reports read top to bottom. */
export function sortProblems(problems: Problem[]): Problem[] {
  return problems.sort((a, b) =>
    a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column
  );
}

/** `file:line:col key.path: message`, with the file relative to the working directory. */
export function formatProblem(p: Problem): string {
  let file = p.file;
  if (isAbsolute(file)) {
    try {
      const rel = relative(Deno.cwd(), file);
      if (rel !== "" && !rel.startsWith("..") && !isAbsolute(rel)) file = rel;
    } catch {
      // No readable working directory: keep the absolute path.
    }
  }
  const where = `${file}:${p.line}:${p.column}`;
  return p.keyPath === "" ? `${where}: ${p.message}` : `${where} ${p.keyPath}: ${p.message}`;
}

/**
 * Everything wrong with a deployment or board manifest, one problem per line in `message`.
 * `file`, `line`, `column` and `keyPath` repeat the first problem's.
 */
export class ManifestError extends SyntaxError {
  readonly problems: Problem[];

  constructor(problems: Problem[]) {
    if (problems.length === 0) throw new TypeError("ManifestError needs at least one problem");
    const sorted = sortProblems([...problems]);
    super(sorted.map(formatProblem).join("\n"));
    this.name = "ManifestError";
    this.problems = sorted;
  }

  get file(): string {
    return this.problems[0].file;
  }
  get line(): number {
    return this.problems[0].line;
  }
  get column(): number {
    return this.problems[0].column;
  }
  get keyPath(): string {
    return this.problems[0].keyPath;
  }
}

/** Describes a value found in a document for the "got …" half of a message. */
export function describe(value: unknown): string {
  switch (typeof value) {
    case "undefined":
      return "nothing";
    case "string":
      return JSON.stringify(value);
    case "number":
    case "bigint":
    case "boolean":
      return String(value);
    case "object":
      if (value === null) return "nothing";
      if (Array.isArray(value)) return value.length === 0 ? "an empty array" : "an array";
      if (value instanceof Date) return "a date-time";
      return "a table";
    case "function":
      return "a function";
    default:
      return typeof value;
  }
}

/** Quotes each string: `"a", "b", "c"`. */
export function quoteList(items: readonly string[]): string {
  return items.map((s) => JSON.stringify(s)).join(", ");
}
