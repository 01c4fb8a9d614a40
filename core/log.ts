/**
 * Logging for the server: levels, a replaceable sink, and "once" logging so a hostile guest
 * cannot flood the log with the same complaint.
 * @module
 */

export type LogLevel = "debug" | "info" | "warn" | "error";
const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Where log lines go: receives each line that passes the level, with its level. */
export type LogSink = (level: LogLevel, line: string) => void;

/**
 * The server's log: lines below `level` are dropped, the rest go to `sink`; `once` keeps a hostile
 * guest from flooding it with one complaint.
 */
export class Logger {
  /** Lowest level written (default `info`). */
  level: LogLevel = "info";
  /** Where lines go (default: the console, warnings and errors on stderr). */
  sink: LogSink = (level, line) => {
    if (level === "error" || level === "warn") console.error(line);
    else console.log(line);
  };
  readonly #seen = new Set<string>();

  /** Writes `line` at `level` when `level` is at least {@linkcode Logger.level}. */
  log(level: LogLevel, line: string): void {
    if (RANK[level] >= RANK[this.level]) this.sink(level, line);
  }
  /** Writes `line` at level `debug`. */
  debug(line: string): void {
    this.log("debug", line);
  }
  /** Writes `line` at level `info`. */
  info(line: string): void {
    this.log("info", line);
  }
  /** Writes `line` at level `warn`. */
  warn(line: string): void {
    this.log("warn", line);
  }
  /** Writes `line` at level `error`. */
  error(line: string): void {
    this.log("error", line);
  }
  /** Logs `line` the first time `key` is seen; returns whether it logged. */
  once(level: LogLevel, key: string, line: string): boolean {
    if (this.#seen.has(key)) return false;
    if (this.#seen.size > 10_000) this.#seen.clear();
    this.#seen.add(key);
    this.log(level, line);
    return true;
  }
}
