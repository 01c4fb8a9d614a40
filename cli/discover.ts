/**
 * `vscmi discover`: writes a candidate board manifest from what the hardware shows, through
 * the discovery a driver type declares (`DriverDef.discover`). Without a source option it runs
 * the discovery that reads the host itself; each discovery with a `flag` adds an option
 * `--<flag> SOURCE` selecting it. `--record DIR` also copies every file the discovery reads
 * into DIR, for a bug report or a test fixture.
 * @module
 */
import type { DriverDiscovery } from "../core/driver.ts";
import { Logger } from "../core/log.ts";
import type { LoadOptions } from "../server/manifest/mod.ts";
import { CommandError, Exit, hwAccess, parse, str, UsageError } from "./args.ts";
import { table } from "../client/mod.ts";

/** Keep in step with the copy in `main.ts`. */
export const DISCOVER_USAGE =
  "vscmi discover [--hw-root DIR] [-o BOARD.toml] [--record DIR] [--<source> SOURCE]";

/** The discoveries the driver types offer, the one without a flag first. */
function discoveries(builtins: LoadOptions): { driver: string; d: DriverDiscovery }[] {
  return builtins.drivers.flatMap((def) =>
    def.discover ? [{ driver: def.name, d: def.discover }] : []
  )
    .sort((a, b) => Number(a.d.flag !== undefined) - Number(b.d.flag !== undefined));
}

function help(found: { driver: string; d: DriverDiscovery }[]): string {
  return [
    `Usage: ${DISCOVER_USAGE}`,
    "",
    "Writes a candidate board manifest (TOML) from what the hardware shows, every resource the",
    "driver cannot change marked read-only, to standard output or to -o FILE. Check it with",
    "`vscmi check FILE` and name devices in it before granting them to agents.",
    "",
    table([
      [
        "--hw-root DIR",
        "Read the hardware paths (/sys/…) under DIR instead of / (a recorded tree)",
      ],
      ["-o, --output FILE", "Write the manifest to FILE instead of standard output"],
      [
        "--record DIR",
        "Also copy every file the discovery reads into DIR (contents, modes, links)",
      ],
    ], "  "),
    "",
    "Sources:",
    table(
      found.map(({ driver, d }) => [
        d.flag === undefined ? "(none)" : `--${d.flag} SOURCE`,
        `${d.summary} (driver "${driver}")`,
      ]),
      "  ",
    ),
  ].join("\n");
}

/** Runs `vscmi discover …` with the driver types `builtins` holds; resolves to the exit code. */
export async function discoverCommand(args: string[], builtins: LoadOptions): Promise<number> {
  const found = discoveries(builtins);
  const flags = Object.fromEntries(
    found.filter((f) => f.d.flag !== undefined).map((
      f,
    ) => [f.d.flag!, { type: "string" as const }]),
  );
  const { values, positionals } = parse(args, {
    ...flags,
    "hw-root": { type: "string" },
    output: { type: "string", short: "o" },
    record: { type: "string" },
  });
  if (values.help) {
    console.log(help(found));
    return Exit.OK;
  }
  if (positionals.length) {
    throw new UsageError(`Discover takes no argument, got "${positionals[0]}"`);
  }
  const chosen = found.filter((f) => f.d.flag !== undefined && str(values, f.d.flag) !== undefined);
  if (chosen.length > 1) {
    throw new UsageError(
      `Give one source, got ${chosen.map((f) => `--${f.d.flag}`).join(" and ")}`,
    );
  }
  const pick = chosen[0] ?? found.find((f) => f.d.flag === undefined);
  if (!pick) throw new UsageError("No driver type can discover the host; give a source option");
  const record = str(values, "record");
  if (record !== undefined && !pick.d.records) {
    throw new UsageError(`The "${pick.driver}" discovery cannot record what it reads (--record)`);
  }
  if (record !== undefined) {
    let entries = 0;
    try {
      for (const _ of Deno.readDirSync(record)) entries++;
    } catch { /* absent: created */ }
    if (entries) throw new UsageError(`--record needs an empty or new directory, got "${record}"`);
  }
  const log = new Logger();
  log.level = "warn";
  let text: string;
  try {
    text = await pick.d.run({
      ...hwAccess(values),
      source: pick.d.flag === undefined ? undefined : str(values, pick.d.flag),
      log,
      record,
    });
  } catch (e) {
    throw new CommandError(`Cannot discover: ${e instanceof Error ? e.message : e}`);
  }
  const out = str(values, "output");
  if (out === undefined) console.log(text.trimEnd());
  else await Deno.writeTextFile(out, text);
  return Exit.OK;
}
