/**
 * Test support: runs the `vscmi` command line (`main.ts`) in a child process from the
 * repository root, without colour, and hands back its exit code and output.
 * @module
 */

/** The repository root. */
export const ROOT: URL = new URL("../", import.meta.url);
/** The command line's entry point. */
export const MAIN: string = new URL("main.ts", ROOT).pathname;

/** What one run of the command line gave. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `vscmi ARGS…` and waits for it to exit. */
export async function vscmi(...args: string[]): Promise<Run> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}
