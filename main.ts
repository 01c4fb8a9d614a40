/**
 * The `vscmi` command line: `serve`, `check`, `discover`, `call`, `dt`, `ctl`, `build`,
 * `import` and `new`, one module each under `cli/`.
 *
 * Exit codes: 0 success, 1 a runtime failure (or an SCMI error status in `call`), 2 a usage
 * or manifest error.
 * @module
 */
import { match, P } from "ts-pattern";
import { ManifestError } from "./core/manifest/problem.ts";
import type { LoadOptions } from "./server/manifest/mod.ts";
import { CommandError, Exit, UsageError } from "./cli/args.ts";
import { table } from "./client/mod.ts";
import { isCallFailure } from "./cli/call_errors.ts";

// Each command is loaded when used. The built-in plugins (`builtins.ts`) are handed to the
// commands that need them: `call` takes each protocol's verbs from its definition.
const CALL_USAGE =
  "vscmi call (--socket PATH | --tcp HOST:PORT | --agent NAME [--run-dir DIR]) [--json]\n" +
  "           [--manifest FILE] [--timeout MS] [--wait MS] PROTOCOL COMMAND [ARGS…]";
const SERVE_USAGE = "vscmi serve [MANIFEST] [--run-dir DIR] " +
  "[--state-dir DIR | --no-journal] [--trace | --trace-json] [--log-level LEVEL]\n" +
  "           [--hw-root DIR] [--dry-run]";
const CHECK_USAGE = "vscmi check MANIFEST [--hw-root DIR] [--run-dir DIR]";
const DT_USAGE = "vscmi dt MANIFEST --agent NAME [--standalone | --xen]";
const DISCOVER_USAGE =
  "vscmi discover [--hw-root DIR] [-o BOARD.toml] [--record DIR] [--<source> SOURCE]";

const CTL_USAGE = "vscmi ctl [--run-dir DIR | --socket PATH] [--json] COMMAND [ARGS…]";
const BUILD_USAGE = "vscmi build --manifest DEPLOYMENT.toml -o DIR";
const IMPORT_USAGE = "vscmi import FORMAT INPUT [-o DEPLOYMENT.toml] [--board BOARD.toml] [FLAGS]";

const NEW_USAGE =
  "vscmi new (protocol [--id 0x80–0xFF] | driver [--kind reset|power] | transport | board) " +
  "NAME [--dir DIR]";

const COMMANDS = ["serve", "check", "discover", "call", "dt", "ctl", "build", "import", "new"];

function help(): string {
  return [
    "vscmi — an Arm SCMI platform (server) for virtual machines",
    "",
    "Usage: vscmi COMMAND [OPTIONS]",
    "",
    "Commands:",
    table([
      ["serve", "Serve a deployment until interrupted (default: the bundled sim example)"],
      ["check", "Check a deployment and its board (or a board alone) without serving"],
      ["discover", "Write a board manifest from what the host (or another source) shows"],
      ["dt", "Print the device-tree fragment an agent's guest needs"],
      ["call", "Talk SCMI to a running server as one agent"],
      ["ctl", "Operate a running server: agents, grants, votes, hot-plug"],
      ["build", "Write one program (a bundle) serving a deployment, its plugins built in"],
      ["import", "Write a deployment from another program's configuration (hvisor-tool's)"],
      ["new", "Scaffold a protocol, driver, transport or board, with a test"],
    ], "  "),
    "",
    table([
      ["", SERVE_USAGE],
      ["", CHECK_USAGE],
      ["", DISCOVER_USAGE],
      ["", DT_USAGE],
      ["", CALL_USAGE.replace("\n", "\n  ")],
      ["", CTL_USAGE],
      ["", BUILD_USAGE],
      ["", IMPORT_USAGE],
      ["", NEW_USAGE],
    ]),
    "",
    "`vscmi COMMAND --help` describes a command's options.",
  ].join("\n");
}

/** The built-in plugins, drivers and transports, loaded when a command needs them. */
async function builtins(): Promise<LoadOptions> {
  return (await import("./builtins.ts")).BUILTINS;
}

/** Runs the command line `args`; resolves to the process exit code. */
export async function main(args: string[]): Promise<number> {
  const [first, ...rest] = args;
  try {
    return await match(first as string | undefined)
      .with(
        "serve",
        async () => (await import("./cli/serve.ts")).serveCommand(rest, await builtins()),
      )
      .with(
        "check",
        async () => (await import("./cli/check.ts")).checkCommand(rest, await builtins()),
      )
      .with(
        "discover",
        async () => (await import("./cli/discover.ts")).discoverCommand(rest, await builtins()),
      )
      .with("dt", async () => (await import("./cli/dt.ts")).dtCommand(rest, await builtins()))
      .with(
        "call",
        async () => (await import("./cli/call.ts")).callCommand(rest, (await builtins()).protocols),
      )
      .with("ctl", async () => (await import("./cli/ctl.ts")).ctlCommand(rest, await builtins()))
      .with(
        "build",
        async () => (await import("./cli/build.ts")).buildCommand(rest, await builtins()),
      )
      .with(
        "import",
        async () => (await import("./cli/import.ts")).importCommand(rest, await builtins()),
      )
      .with("new", async () => (await import("./cli/new/mod.ts")).newCommand(rest))
      .with(P.union("help", "--help", "-h"), () => {
        console.log(help());
        return Exit.OK;
      })
      .with(undefined, () => {
        console.error(help());
        return Exit.USAGE;
      })
      .otherwise((cmd) => {
        throw new UsageError(
          cmd.startsWith("-")
            ? `Unknown option "${cmd}": options come after the command`
            : `Unknown command "${cmd}" (expected serve, check, discover, call, dt, ctl, build, import or new)`,
        );
      });
  } catch (e) {
    return report(e, first);
  }
}

/** Prints an error the way its kind asks; returns the exit code. */
function report(e: unknown, command: string | undefined): number {
  if (e instanceof UsageError) {
    console.error(`error: ${e.message}`);
    console.error(
      e.usage ?? `Run "vscmi ${COMMANDS.includes(command ?? "") ? `${command} ` : ""}--help".`,
    );
    return Exit.USAGE;
  }
  if (e instanceof CommandError) {
    console.error(`error: ${e.message}`);
    return e.code;
  }
  if (e instanceof ManifestError) {
    console.error(e.message);
    return Exit.USAGE;
  }
  if (isCallFailure(e)) {
    console.error(`error: ${e.message}`);
    return Exit.FAIL;
  }
  if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.PermissionDenied) {
    console.error(`error: ${e.message}`);
    return Exit.FAIL;
  }
  console.error(`error: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
  return Exit.FAIL;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
