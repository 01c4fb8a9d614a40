/**
 * Writing one program to ship: `deno bundle` of an entry module into `vscmi.js`, and of the
 * vhost-user poll Worker into `vscmi_poll_worker.js` beside it (a Worker is a module of its
 * own; the bundled poller looks for it there). `deno task bundle` runs this file.
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root, where `deno.json` and the sources are. */
export const ROOT: string = fileURLToPath(new URL("../", import.meta.url));

/** The files a bundle consists of, by name in its directory. */
export const BUNDLE_FILES = ["vscmi.js", "vscmi_poll_worker.js"] as const;

/** Runs `deno bundle` of `entry` to `out`; throws with its output when it fails. */
async function denoBundle(entry: string, out: string): Promise<void> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--platform",
      "deno",
      "--config",
      join(ROOT, "deno.json"),
      "-o",
      out,
      entry,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!r.success) {
    throw new Error(`deno bundle ${entry} failed:\n${new TextDecoder().decode(r.stderr)}`);
  }
}

/** Bundles `entry` (default `main.ts`) and the poll Worker into `dir`; returns the paths. */
export async function bundle(dir: string, entry = join(ROOT, "main.ts")): Promise<string[]> {
  await Deno.mkdir(dir, { recursive: true });
  const [program, worker] = BUNDLE_FILES.map((f) => join(dir, f));
  await denoBundle(entry, program);
  await denoBundle(join(ROOT, "bindings/native/_poll_worker.ts"), worker);
  return [program, worker];
}

if (import.meta.main) {
  const dir = Deno.args[0] ?? join(ROOT, "dist");
  for (const f of await bundle(dir)) console.log(`wrote ${f} (${(await Deno.stat(f)).size} bytes)`);
}
