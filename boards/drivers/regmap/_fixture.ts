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

/** Clocks of every field kind on a write-masked and a plain window (clock_test.ts). */
export const CLOCK_BOARD = `
[board]
name = "t"

[[driver]]
name = "r"
type = "regmap"
[driver.options]
windows = { a = { base = 0x1000, size = 0x100, write_mask = true }, b = { base = 0x2000, size = 0x100 } }
[driver.options.clocks]
osc = { window = "a", rate = "24MHz" }
pll = { window = "a", rate = "1.2GHz" }
sel = { window = "a", mux = { reg = 0x10, shift = 4, width = 1 }, div = { reg = 0x10, shift = 0, width = 4 } }
g = { window = "a", gate = { reg = 0x20, bit = 3, active_low = true } }
g2 = { window = "b", gate = { reg = 0x0, bit = 5 } }
p2 = { window = "b", div = { reg = 0x4, shift = 8, width = 3, formula = "pow2" } }
tb = { window = "b", div = { reg = 0x8, shift = 0, width = 2, table = [{ value = 0, div = 1 }, { value = 1, div = 3 }, { value = 2, div = 5 }] } }
host = { window = "a", host_managed = true, gate = { reg = 0x30, bit = 0, active_low = true } }

[[clock]]
id = 0
name = "osc"
rates = ["24MHz"]
enabled = true

[[clock]]
id = 1
name = "pll"
rates = ["1.2GHz"]
enabled = true

[[clock]]
id = 2
name = "sel"
rates = ["24MHz", "100MHz", "120MHz", "133.333334MHz", "150MHz"]
parents = ["osc", "pll"]

[[clock]]
id = 3
name = "g"
rates = ["24MHz", "100MHz", "120MHz"]
parents = ["sel"]

[[clock]]
id = 4
name = "g2"
rates = ["24MHz"]
parents = ["osc"]

[[clock]]
id = 5
name = "p2"
rates = ["150MHz"]
parents = ["pll"]

[[clock]]
id = 6
name = "tb"
rates = ["240MHz"]
parents = ["pll"]

[[clock]]
id = 7
name = "host"
rates = ["24MHz"]
parents = ["osc"]
`;

/**
 * Clocks, resets and a power domain packed into shared registers with undeclared bits between
 * them (property_test.ts): the bits they may change are listed there.
 */
export const MIXED_BOARD = `
[board]
name = "t"
[[driver]]
name = "r"
type = "regmap"
[driver.options]
windows = { a = { base = 0x1000, size = 0x40, write_mask = true }, b = { base = 0x2000, size = 0x40 } }
[driver.options.clocks]
osc = { window = "a", rate = "24MHz" }
pll = { window = "a", rate = "1.2GHz" }
sel = { window = "a", mux = { reg = 0x10, shift = 4, width = 1 }, div = { reg = 0x10, shift = 0, width = 4 }, gate = { reg = 0x20, bit = 0, active_low = true } }
g = { window = "a", gate = { reg = 0x20, bit = 3, active_low = true } }
g2 = { window = "b", gate = { reg = 0x0, bit = 5 } }
d2 = { window = "b", mux = { reg = 0x0, shift = 9, width = 2, values = [0, 2] }, div = { reg = 0x0, shift = 12, width = 3, formula = "pow2" } }
host = { window = "b", host_managed = true, gate = { reg = 0x4, bit = 1 } }
[driver.options.resets]
r1 = { window = "a", reg = 0x20, bit = 7 }
r2 = { window = "b", reg = 0x0, bit = 20, active_low = true }
r3 = { window = "a", reg = 0x24, bit = 2, self_clearing = true }
[driver.options.power_domains]
pd = { window = "b", req = { reg = 0x8, bit = 3 }, status = { reg = 0xc, bit = 0 }, timeout_us = 50, poll_us = 10 }

[[clock]]
id = 0
name = "osc"
rates = ["24MHz"]
enabled = true
[[clock]]
id = 1
name = "pll"
rates = ["1.2GHz"]
enabled = true
[[clock]]
id = 2
name = "sel"
range = { min = "1MHz", max = "1.2GHz", step = "1MHz" }
parents = ["osc", "pll"]
[[clock]]
id = 3
name = "g"
range = { min = "1MHz", max = "1.2GHz", step = "1MHz" }
parents = ["sel"]
[[clock]]
id = 4
name = "g2"
rates = ["24MHz"]
parents = ["osc"]
[[clock]]
id = 5
name = "d2"
range = { min = "1MHz", max = "1.2GHz", step = "1MHz" }
parents = ["osc", "pll"]
[[clock]]
id = 6
name = "host"
rates = ["24MHz"]
parents = ["osc"]
[[reset]]
id = 0
name = "r1"
latency_us = 5
[[reset]]
id = 1
name = "r2"
[[reset]]
id = 2
name = "r3"
[[power]]
id = 0
name = "pd"
`;
