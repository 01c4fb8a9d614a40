/**
 * Test support for the regmap driver: a board read from TOML text in memory (problems kept,
 * with their lines) and an instance over in-memory windows whose words the tests read and
 * poke as the hardware would.
 * @module
 */
import { parse } from "smol-toml";
import type { Board } from "../../../core/board.ts";
import type { BoardDriver } from "../../../core/driver.ts";
import { kindsOf } from "../../../core/kind.ts";
import { Logger } from "../../../core/log.ts";
import type { Problem } from "../../../core/manifest/problem.ts";
import { Source } from "../../../core/manifest/toml.ts";
import type { TimerClock } from "../../../core/timer_clock.ts";
import { readBoard } from "../../../server/manifest/board.ts";
import { DRIVERS, PROTOCOLS } from "../../../builtins.ts";
import { regmapOptions } from "./options.ts";
import { createRegmap } from "./mod.ts";
import { memoryStore, type WordStore } from "./window.ts";

/** A board from TOML text, and its problems as `line key.path: message`. */
export function readBoardText(text: string): { board: Board; problems: string[] } {
  const problems: Problem[] = [];
  const src = new Source("/board.toml", text, parse(text) as Record<string, unknown>, problems);
  const { board } = readBoard(src, DRIVERS, kindsOf(PROTOCOLS));
  return { board, problems: problems.map((p) => `${p.line} ${p.keyPath}: ${p.message}`) };
}

/** A running instance over memory, the words of each window, and its log lines. */
export interface RegmapRig {
  board: Board;
  driver: BoardDriver;
  words: Map<string, Uint32Array>;
  logs: string[];
}

/**
 * Reads `text` (which must have no problem), then creates the first driver over in-memory
 * windows, optionally filled by `init` (window name → offset → word).
 */
export function rig(
  text: string,
  opts: { clock?: TimerClock; dryRun?: boolean; init?: Record<string, Record<number, number>> } =
    {},
): RegmapRig {
  const { board, problems } = readBoardText(text);
  if (problems.length) throw new Error(`board problems: ${problems.join("; ")}`);
  const decl = board.drivers[0];
  const stores = new Map<string, WordStore>();
  const words = new Map<string, Uint32Array>();
  for (const w of regmapOptions(decl.options).windows.values()) {
    const s = memoryStore(w.size);
    for (const [off, v] of Object.entries(opts.init?.[w.name] ?? {})) s.words[Number(off) / 4] = v;
    stores.set(w.name, s);
    words.set(w.name, s.words);
  }
  const logs: string[] = [];
  const log = new Logger();
  log.sink = (level, line) => void logs.push(`${level}: ${line}`);
  const driver = createRegmap(
    { name: decl.name, options: decl.options, board, log, dryRun: opts.dryRun ?? false },
    { clock: opts.clock, stores },
  );
  return { board, driver, words, logs };
}
