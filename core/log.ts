/**
 * Logging for the server: levels, a replaceable sink, and "once" logging so a hostile guest
 * cannot flood the log with the same complaint.
 * @module
 */

export type LogLevel = "debug" | "info" | "warn" | "error";
const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export type LogSink = (level: LogLevel, line: string) => void;

export class Logger {
  level: LogLevel = "info";
  sink: LogSink = (level, line) => {
    if (level === "error" || level === "warn") console.error(line);
    else console.log(line);
  };
  readonly #seen = new Set<string>();

  log(level: LogLevel, line: string): void {
    if (RANK[level] >= RANK[this.level]) this.sink(level, line);
  }
  debug(line: string): void {
    this.log("debug", line);
  }
  info(line: string): void {
    this.log("info", line);
  }
  warn(line: string): void {
    this.log("warn", line);
  }
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
