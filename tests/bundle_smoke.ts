/**
 * The shipped program, tried as a board would run it: `deno task bundle` (or `vscmi build`)
 * into a temporary directory, the bundle copied into an empty one and served there, then
 * `vscmi call` from the repository talks to it. CI runs this script; `bundle_test.ts` runs its
 * parts.
 * @module
 */
import { join } from "node:path";
import { bundle, BUNDLE_FILES, ROOT } from "../ship/bundle.ts";

/** A bundle being served from an empty directory. */
export interface Served {
  /** The directory it runs in (only the bundle's files are there). */
  dir: string;
  /** Its run directory (sockets). */
  runDir: string;
  /** What `serve` printed before it said it was serving, run directory as `RUN`. */
  banner: string;
  /** Stops the server and removes both directories. */
  stop(): Promise<void>;
}

/**
 * Serves the bundle in `from` (`vscmi.js` and its Worker), copied into an empty temporary
 * directory, with `args` after `serve`; resolves once it says it is serving.
 */
export async function serveCopy(from: string, args: string[] = []): Promise<Served> {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-empty-" });
  const runDir = await Deno.makeTempDir({ prefix: "vscmi-run-" });
  for (const f of BUNDLE_FILES) await Deno.copyFile(join(from, f), join(dir, f));
  return await serveIn(dir, ["run", "-A", "vscmi.js"], runDir, args, async () => {
    await Deno.remove(dir, { recursive: true });
  });
}

/** Serves the repository's `main.ts` the way `deno task serve` does, on a temporary run dir. */
export async function serveSource(args: string[] = []): Promise<Served> {
  const runDir = await Deno.makeTempDir({ prefix: "vscmi-run-" });
  return await serveIn(ROOT, ["run", "-A", "main.ts"], runDir, args, async () => {});
}

async function serveIn(
  dir: string,
  cmd: string[],
  runDir: string,
  args: string[],
  cleanup: () => Promise<void>,
): Promise<Served> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [...cmd, "serve", ...args, "--run-dir", runDir, "--no-journal"],
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const text = child.stdout.pipeThrough(new TextDecoderStream());
  const reader = text.getReader();
  let seen = "";
  while (!seen.includes("Stop with Ctrl-C.\n")) {
    const { value, done } = await reader.read();
    if (done) {
      const err = await new Response(child.stderr).text();
      await cleanup();
      throw new Error(`serve ended before serving:\n${seen}\n${err}`);
    }
    seen += value;
  }
  reader.releaseLock();
  const drained = text.pipeTo(new WritableStream());
  const banner = seen.slice(0, seen.indexOf("Stop with Ctrl-C.")).replaceAll(runDir, "RUN");
  const errs = new Response(child.stderr).text();
  return {
    dir,
    runDir,
    banner,
    async stop() {
      child.kill("SIGTERM");
      await child.status;
      await drained;
      await errs;
      await Deno.remove(runDir, { recursive: true });
      await cleanup();
    },
  };
}

/** Runs `vscmi ARGS…` from the repository; its stdout (throws with stderr on failure). */
export async function vscmi(args: string[]): Promise<string> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(ROOT, "main.ts"), ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!r.success) {
    throw new Error(`vscmi ${args.join(" ")} failed: ${new TextDecoder().decode(r.stderr)}`);
  }
  return new TextDecoder().decode(r.stdout);
}

/** Runs `vscmi call --socket <run>/AGENT.sock ARGS…`; its stdout. */
export function call(runDir: string, agent: string, args: string[]): Promise<string> {
  return vscmi(["call", "--socket", join(runDir, `${agent}.sock`), ...args]);
}

/** Builds the default bundle, serves it from an empty directory, and walks Base and clocks. */
async function smoke(): Promise<void> {
  const out = await Deno.makeTempDir({ prefix: "vscmi-dist-" });
  try {
    await bundle(out);
    const s = await serveCopy(out);
    try {
      const vendor = await call(s.runDir, "vm1", ["base", "discover-vendor"]);
      if (vendor.trim() !== "vscmi") throw new Error(`discover-vendor said ${vendor}`);
      console.log(`base discover-vendor: ${vendor.trim()}`);
      const clocks = await call(s.runDir, "vm1", ["clock", "list"]);
      if (!clocks.includes("uart0_clk")) throw new Error(`clock list said:\n${clocks}`);
      console.log(`clock list:\n${clocks}`);
    } finally {
      await s.stop();
    }
  } finally {
    await Deno.remove(out, { recursive: true });
  }
  console.log("bundle smoke: ok");
}

if (import.meta.main) await smoke();
