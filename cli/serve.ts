/**
 * `vscmi serve [MANIFEST]`: loads a deployment, starts every agent's endpoint, prints a
 * summary and how to talk to it, and serves until SIGINT or SIGTERM.
 * @module
 */
import { Logger, type LogLevel } from "../core/log.ts";
import {
  defaultDeploymentFile,
  loadDeployment,
  type LoadOptions,
  ManifestError,
} from "../server/manifest/mod.ts";
import { defaultRunDir } from "../core/rundir.ts";
import { type Server, startServer } from "../server/serve.ts";
import { CommandError, Exit, hwAccess, parse, str, UsageError } from "./args.ts";
import { table } from "../client/mod.ts";
import { agentTable, boardResources, callTarget } from "./summary.ts";

const OPTIONS = {
  "run-dir": { type: "string" },
  "state-dir": { type: "string" },
  "no-journal": { type: "boolean" },
  trace: { type: "boolean" },
  "trace-json": { type: "boolean" },
  "log-level": { type: "string" },
  "hw-root": { type: "string" },
  "dry-run": { type: "boolean" },
} as const;

const LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

/** Keep in step with the copy in `main.ts`. */
export const SERVE_USAGE = "vscmi serve [MANIFEST] [--run-dir DIR] " +
  "[--state-dir DIR | --no-journal] [--trace | --trace-json] [--log-level LEVEL]\n" +
  "           [--hw-root DIR] [--dry-run]";

function help(): string {
  return [
    `Usage: ${SERVE_USAGE}`,
    "",
    "Serves the deployment MANIFEST (default: the bundled simulated SoC,",
    `${defaultDeploymentFile()}, built in) until interrupted.`,
    "",
    "Options:",
    table([
      ["--run-dir DIR", `Directory for sockets (default ${defaultRunDir()})`],
      [
        "--state-dir DIR",
        "Directory of the vote journal (default: the manifest's [platform] state_dir, " +
        "else RUN_DIR/state)",
      ],
      ["--no-journal", "Keep votes in memory only: a restart forgets them"],
      ["--trace", "Print one line per message"],
      ["--trace-json", "Print one JSON object per message"],
      ["--log-level LEVEL", "debug, info, warn or error (default info)"],
      [
        "--hw-root DIR",
        "Open hardware paths (/dev/mem, /sys/…, /dev/hvisor) under DIR instead of / " +
        "(a recorded tree, files standing in for devices)",
      ],
      ["--dry-run", "Drivers log each hardware write instead of performing it"],
      ["-h, --help", "Show help"],
    ], "  "),
  ].join("\n");
}

/** Runs `vscmi serve …`; resolves to the exit code once stopped. */
export async function serveCommand(args: string[], builtins: LoadOptions): Promise<number> {
  const { values, positionals } = parse(args, OPTIONS);
  if (values.help) {
    console.log(help());
    return Exit.OK;
  }
  if (positionals.length > 1) {
    throw new UsageError(`Serve takes one manifest, got ${positionals.length}`);
  }
  if (values.trace && values["trace-json"]) {
    throw new UsageError("Choose one of --trace and --trace-json");
  }
  if (values["no-journal"] && values["state-dir"] !== undefined) {
    throw new UsageError("Choose one of --state-dir and --no-journal");
  }
  const level = str(values, "log-level") ?? "info";
  if (!LEVELS.includes(level as LogLevel)) {
    throw new UsageError(`--log-level must be one of ${LEVELS.join(", ")}, got "${level}"`);
  }
  const log = new Logger();
  log.level = level as LogLevel;
  const runDir = str(values, "run-dir") ?? defaultRunDir();
  const file = positionals[0] ?? defaultDeploymentFile();

  const hw = hwAccess(values);
  const dep = await loadDeployment(file, builtins);
  let server: Server;
  try {
    server = await startServer(dep, {
      runDir,
      log,
      trace: values.trace ? "text" : values["trace-json"] ? "json" : undefined,
      stateDir: values["no-journal"] ? null : str(values, "state-dir"),
      hw,
    });
  } catch (e) {
    if (e instanceof ManifestError) throw e;
    if (log.level === "debug" && e instanceof Error) log.debug(e.stack ?? e.message);
    throw new CommandError(`Cannot start serving: ${e instanceof Error ? e.message : e}`);
  }

  const addr = new Map(server.endpoints.map((e) => [e.agent, e.address]));
  console.log(`vscmi: serving ${dep.file}`);
  console.log(`  board "${server.platform.board.name}": ${boardResources(server.platform)}`);
  console.log(agentTable(server.platform, (a) => addr.get(a.name) ?? "(no transport)"));
  const first = server.endpoints.map((e) => callTarget(e.address)).find((t) => t !== undefined);
  if (first) {
    console.log(`try: vscmi call ${first} base discover-vendor`);
    console.log(`     deno task vscmi call ${first} base discover-vendor`);
  }
  if (server.control) {
    console.log(`control: ${server.control} (vscmi ctl --run-dir ${runDir} agents)`);
  }
  console.log("Stop with Ctrl-C.");

  await new Promise<void>((resolve) => {
    const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
    const stop = () => {
      for (const s of signals) Deno.removeSignalListener(s, stop);
      resolve();
    };
    for (const s of signals) Deno.addSignalListener(s, stop);
  });
  log.info("vscmi: stopping");
  await server.close();
  return Exit.OK;
}
