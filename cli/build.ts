/**
 * `vscmi build --manifest DEPLOYMENT.toml -o DIR`: writes a bundle (`vscmi.js` and its poll
 * Worker) whose built-in deployment is DEPLOYMENT, its board and plugins compiled in.
 * @module
 */
import { join } from "node:path";
import { loadDeployment, type LoadOptions } from "../server/manifest/mod.ts";
import { bundle, ROOT } from "../ship/bundle.ts";
import { writeEntry } from "../ship/entry.ts";
import { CommandError, Exit, parse, str, UsageError } from "./args.ts";

/** Keep in step with the copy in `main.ts`. */
export const BUILD_USAGE = "vscmi build --manifest DEPLOYMENT.toml -o DIR";

function help(): string {
  return [
    `Usage: ${BUILD_USAGE}`,
    "",
    "Writes DIR/vscmi.js and DIR/vscmi_poll_worker.js: one program that serves DEPLOYMENT",
    "by default (`deno run -A DIR/vscmi.js serve`), its board manifest and plugin modules",
    "compiled in, so it runs from any directory. Runs from a vscmi checkout.",
  ].join("\n");
}

/** Runs `vscmi build …`; resolves to the exit code. ManifestError propagates (exit 2). */
export async function buildCommand(args: string[], builtins: LoadOptions): Promise<number> {
  const { values, positionals } = parse(args, {
    manifest: { type: "string" },
    output: { type: "string", short: "o" },
  });
  if (values.help) {
    console.log(help());
    return Exit.OK;
  }
  const manifest = str(values, "manifest");
  const out = str(values, "output");
  if (!manifest || !out || positionals.length) {
    throw new UsageError("Say which deployment (--manifest FILE) and where (-o DIR)");
  }
  if (!(await isFile(join(ROOT, "ship/bundle.ts")))) {
    throw new CommandError(
      `vscmi build needs the vscmi sources (it bundles them): run it from a checkout, ` +
        `not from ${ROOT}`,
      Exit.FAIL,
    );
  }
  const dep = await loadDeployment(manifest, builtins);
  const work = await Deno.makeTempDir({ prefix: "vscmi-build-" });
  try {
    const files = await bundle(out, await writeEntry(dep, work));
    for (const f of files) console.log(`wrote ${f} (${(await Deno.stat(f)).size} bytes)`);
  } finally {
    await Deno.remove(work, { recursive: true });
  }
  console.log(`serve it with: deno run -A ${join(out, "vscmi.js")} serve`);
  return Exit.OK;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}
