/**
 * `vscmi check MANIFEST`: loads a deployment and builds its platform (board drivers
 * included) without serving, then prints `ok: …` and the agents, or every problem found.
 * @module
 */
import { buildPlatform, type Built } from "../server/build.ts";
import { Logger } from "../core/log.ts";
import {
  formatProblem,
  isBoardManifest,
  loadBoardAlone,
  loadDeployment,
  type LoadOptions,
  ManifestError,
} from "../server/manifest/mod.ts";
import { lintPolicy } from "../core/policy/lint.ts";
import { CommandError, Exit, hwAccess, parse, UsageError } from "./args.ts";
import { count } from "../client/mod.ts";
import { agentTable, boardResources } from "./summary.ts";
import { accessReport, resourceAccess } from "./check_access.ts";

/** Keep in step with the copy in `main.ts`. */
export const CHECK_USAGE = "vscmi check MANIFEST [--hw-root DIR] [--run-dir DIR]";

function help(): string {
  return [
    `Usage: ${CHECK_USAGE}`,
    "",
    "Checks the deployment MANIFEST and the board it names, and builds the platform (board",
    "drivers included) without serving it: every check `vscmi serve` makes before it",
    "listens (transport and driver options, sockets and ports no two endpoints share, address",
    "ranges such as MMIO windows no two endpoints overlap). Prints",
    "every problem as file:line:col key.path: message, and exits 2 when there is one; a",
    "driver that cannot start exits 1. Then lints the policy:",
    "warnings (a resource shared without an arbitration policy, a kept resource a guest may",
    "switch off, an untrusted agent able to act beyond its VM, unused virtual ids, resources",
    "and devices nothing uses) go to standard error as warning: file:line:col key: message;",
    "they do not change the exit code. Last, per resource, whether its driver can read and",
    "change it on this host (or under --hw-root): what a guest would find DENIED, and why.",
    "",
    "MANIFEST may also be a board manifest on its own (a [board] table, as `vscmi discover`",
    "writes): its resources are checked and its drivers started, with no agent to serve.",
    "",
    "--hw-root DIR opens the drivers' hardware paths (/dev/mem, /sys/…) under DIR instead of /.",
    "--run-dir DIR is the run directory {run_dir} stands for in the board's path options, as",
    "`vscmi serve --run-dir DIR` would serve it (default: serve's default run directory).",
  ].join("\n");
}

/**
 * Runs `vscmi check …` against the plugins, drivers and transports `builtins` holds; resolves
 * to the exit code. ManifestError propagates (exit 2).
 */
export async function checkCommand(args: string[], builtins: LoadOptions): Promise<number> {
  const { values, positionals } = parse(args, {
    "hw-root": { type: "string" },
    "run-dir": { type: "string" },
  });
  if (values.help) {
    console.log(help());
    return Exit.OK;
  }
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0 ? "Say which manifest to check" : "Check takes one manifest",
    );
  }
  const hw = hwAccess(values);
  const file = positionals[0];
  const alone = await isBoardManifest(file);
  const dep = alone ? await loadBoardAlone(file, builtins) : await loadDeployment(file, builtins);
  const log = new Logger();
  log.level = "warn";
  // The checks `serve` runs before it listens on anything: the loader's, then the build's.
  let built: Built;
  try {
    built = await buildPlatform(dep, { log, hw, runDir: values["run-dir"] as string | undefined });
  } catch (e) {
    if (e instanceof ManifestError) throw e;
    throw new CommandError(`Cannot build the platform: ${e instanceof Error ? e.message : e}`);
  }
  try {
    const p = built.platform;
    if (alone) {
      console.log(`ok: ${file}: board "${p.board.name}" (a board manifest; no agent)`);
      console.log(`  resources: ${boardResources(p)}`);
      for (const line of accessReport(resourceAccess(p.board, built.drivers))) console.log(line);
      return Exit.OK;
    }
    const warnings = await lintPolicy(dep);
    for (const w of warnings) console.error(`warning: ${formatProblem(w)}`);
    const warned = warnings.length ? `, ${count(warnings.length, "policy warning")}` : "";
    console.log(
      `ok: ${positionals[0]}: board "${p.board.name}" with ${
        count(p.agents.length, "agent")
      }${warned}`,
    );
    console.log(`  resources: ${boardResources(p)}`);
    console.log(agentTable(p, (a) => transportText(a.transport)));
    for (const line of accessReport(resourceAccess(p.board, built.drivers))) console.log(line);
    return Exit.OK;
  } finally {
    await built.close();
  }
}

function transportText(t: { type: string; options: Record<string, unknown> } | undefined): string {
  if (t === undefined) return "(no transport)";
  const opts = Object.entries(t.options).map(([k, v]) => `${k}=${optionText(v)}`).join(" ");
  return opts ? `${t.type} ${opts}` : t.type;
}

/**
 * An option value as one line: lists and tables (which TOML parsers may give without a
 * prototype) spelled out.
 */
function optionText(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(optionText).join(", ")}]`;
  if (v !== null && typeof v === "object" && !(v instanceof Date)) {
    const fields = Object.entries(v).map(([k, x]) => `${k}=${optionText(x)}`);
    return `{ ${fields.join(", ")} }`;
  }
  return String(v);
}
