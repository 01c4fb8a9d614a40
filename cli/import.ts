/**
 * `vscmi import FORMAT INPUT [-o DEPLOYMENT.toml] [--board BOARD.toml] [FLAGS]`: converts
 * another program's configuration into a deployment (and a board when none is named) with
 * the importer a driver or transport type contributes; this command names no format. The
 * files are written only when the whole conversion succeeded.
 * @module
 */
import { dirname, resolve } from "node:path";
import type { Importer } from "../core/importer.ts";
import { ImportError } from "../core/importer.ts";
import { Logger } from "../core/log.ts";
import { loadBoard, type LoadOptions } from "../server/manifest/mod.ts";
import { CommandError, Exit, parse, str, UsageError } from "./args.ts";
import { table } from "../client/mod.ts";

/** Keep in step with the copy in `main.ts`. */
export const IMPORT_USAGE =
  "vscmi import FORMAT INPUT [-o DEPLOYMENT.toml] [--board BOARD.toml] [FLAGS]";

/** Every importer the registered drivers and transports contribute, by name. */
export function importersOf(builtins: LoadOptions): Map<string, Importer> {
  const all = new Map<string, Importer>();
  for (const def of [...(builtins.drivers ?? []), ...(builtins.transports ?? [])]) {
    for (const i of def.importers ?? []) all.set(i.name, i);
  }
  return all;
}

function help(importers: Map<string, Importer>): string {
  const lines = [
    `Usage: ${IMPORT_USAGE}`,
    "",
    "Converts INPUT, a configuration of another program, into a vscmi deployment written to",
    "DEPLOYMENT.toml (default vscmi.toml). With --board, the configuration's ids are physical",
    "ids of that board; without it the format decides, and may write a board beside the",
    "deployment. Problems name the file and the place in it; nothing is written then.",
    "",
    "Formats:",
  ];
  for (const i of importers.values()) {
    lines.push(`  ${i.name} ${i.input}   ${i.summary}`);
    const flags = Object.entries(i.flags ?? {}).map(([f, d]) => [`--${f}`, d]);
    if (flags.length) lines.push(table(flags, "      "));
  }
  lines.push(
    "",
    "Options:",
    table([
      ["-o, --output FILE", "Where the deployment goes (default vscmi.toml)"],
      ["--board FILE", "The board whose physical ids the configuration names"],
      ["-h, --help", "Show help"],
    ], "  "),
  );
  return lines.join("\n");
}

/** Runs `vscmi import …`. */
export async function importCommand(args: string[], builtins: LoadOptions): Promise<number> {
  const importers = importersOf(builtins);
  const flagNames = [...importers.values()].flatMap((i) => Object.keys(i.flags ?? {}));
  const { values, positionals } = parse(args, {
    output: { type: "string", short: "o" },
    board: { type: "string" },
    ...Object.fromEntries(flagNames.map((f) => [f, { type: "boolean" as const }])),
  });
  if (values.help) {
    console.log(help(importers));
    return Exit.OK;
  }
  const usage = (msg: string) => {
    const e = new UsageError(msg);
    e.usage = IMPORT_USAGE;
    return e;
  };
  if (positionals.length !== 2) {
    throw usage(`import takes a format and an input file, got ${positionals.length} arguments`);
  }
  const [format, input] = positionals;
  const importer = importers.get(format);
  if (!importer) {
    throw usage(`Unknown format "${format}" (formats: ${[...importers.keys()].join(", ")})`);
  }
  const flags: Record<string, boolean> = {};
  for (const f of flagNames) {
    if (values[f] !== true) continue;
    if (!(f in (importer.flags ?? {}))) throw usage(`--${f} is not an option of "${format}"`);
    flags[f] = true;
  }
  const out = resolve(str(values, "output") ?? "vscmi.toml");
  const boardPath = str(values, "board");
  const board = boardPath === undefined
    ? undefined
    : { path: resolve(boardPath), board: await loadBoard(boardPath, builtins) };
  const text = await Deno.readTextFile(input);
  const log = new Logger();
  log.sink = (_level, line) => console.error(`warning: ${line}`);
  let files;
  try {
    files = await importer.convert({ input, text, out, board, flags, log });
  } catch (e) {
    if (e instanceof ImportError) throw new CommandError(e.message, Exit.USAGE);
    throw e;
  }
  for (const f of files) {
    await Deno.mkdir(dirname(resolve(f.path)), { recursive: true });
    await Deno.writeTextFile(f.path, f.text);
    console.log(`wrote ${f.path}`);
  }
  return Exit.OK;
}
