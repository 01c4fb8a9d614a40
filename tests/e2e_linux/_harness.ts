/**
 * Running the pieces of the end-to-end test: `vscmi serve` as a child process with its JSON
 * trace collected, and one guest boot through the shared harness's `run.sh`.
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TraceLine } from "./_checks.ts";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
export const MANIFEST = join(ROOT, "examples/qemu-vhost-user/vscmi.toml");
export const HARNESS = join(ROOT, "../shared/e2e/linux-guest");
const BOOT_TIMEOUT_S = 240;

/** A running `vscmi serve`. */
export interface Serve {
  readonly trace: TraceLine[];
  readonly logs: string[];
  stop(): Promise<void>;
}

/** `vscmi serve` in a child process, its trace (JSON lines) collected. */
export function startServe(runDir: string, manifest = MANIFEST): Serve {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      join(ROOT, "main.ts"),
      "serve",
      manifest,
      "--run-dir",
      runDir,
      "--trace-json",
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const trace: TraceLine[] = [];
  const logs: string[] = [];
  const pump = async (s: ReadableStream<Uint8Array>, sink: (l: string) => void) => {
    let rest = "";
    for await (const chunk of s.pipeThrough(new TextDecoderStream())) {
      const lines = (rest + chunk).split("\n");
      rest = lines.pop()!;
      lines.forEach(sink);
    }
    if (rest) sink(rest);
  };
  const done = Promise.all([
    pump(child.stdout, (l) => {
      if (l.startsWith("{")) trace.push(JSON.parse(l));
      else logs.push(l);
    }),
    pump(child.stderr, (l) => logs.push(l)),
  ]);
  return {
    trace,
    logs,
    async stop() {
      try {
        child.kill("SIGTERM");
      } catch {
        // Already gone.
      }
      await child.status;
      await done;
    },
  };
}

export async function waitForSocket(path: string, ms = 20_000): Promise<boolean> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    try {
      if ((await Deno.lstat(path)).isSocket) return true;
    } catch {
      // Not yet.
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/** The outcome of one boot: run.sh's exit code and output, and `results.json`. */
export interface Boot {
  code: number;
  stdout: string;
  stderr: string;
  // deno-lint-ignore no-explicit-any
  results: any;
}

/**
 * Boots one guest against `socket` with `dts` as its SCMI device tree (run.sh's own protocol
 * nodes are switched off); `env` adds harness knobs.
 */
export async function bootGuest(
  runDir: string,
  agent: string,
  dts: string,
  socket = join(runDir, `${agent}.sock`),
  env: Record<string, string> = {},
): Promise<Boot> {
  const out = join(runDir, `out-${agent}`);
  await Deno.mkdir(out, { recursive: true });
  const extra = join(runDir, `${agent}.dtsi`);
  await Deno.writeTextFile(extra, dts);
  const knobs: Record<string, string> = {
    ...env,
    SCMI_OUT_DIR: out,
    // The firmware node's protocol nodes come from `vscmi dt` (in SCMI_DT_EXTRA).
    SCMI_PROTOCOLS: "",
    SCMI_REGULATORS: "",
    SCMI_DT_EXTRA: extra,
  };
  const r = await new Deno.Command("bash", {
    args: [join(HARNESS, "run.sh"), socket, String(BOOT_TIMEOUT_S)],
    env: knobs,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  let results: unknown = {};
  try {
    results = JSON.parse(await Deno.readTextFile(join(out, "results.json")));
  } catch {
    // Checked below: no complete result block.
  }
  return { code: r.code, stdout: dec.decode(r.stdout), stderr: dec.decode(r.stderr), results };
}
