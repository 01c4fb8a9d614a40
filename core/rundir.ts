/**
 * The run directory: where the server puts its sockets (one per agent on the stream
 * transport). It is private to the user running the server: created with mode 0700, and an
 * existing one must belong to that user.
 * @module
 */
import { join } from "node:path";

/** `$XDG_RUNTIME_DIR/vscmi` when that variable is set, else `/tmp/vscmi`. */
export function defaultRunDir(): string {
  let base: string | undefined;
  try {
    base = Deno.env.get("XDG_RUNTIME_DIR");
  } catch {
    // No --allow-env: fall back to /tmp.
  }
  return base ? join(base, "vscmi") : "/tmp/vscmi";
}

/** The default socket path of an agent's stream endpoint: `<runDir>/<agent>.sock`. */
export function agentSocketPath(runDir: string, agent: string): string {
  return join(runDir, `${agent}.sock`);
}

/**
 * Makes sure `dir` exists, is a directory owned by the current user and is not open to
 * group or others (mode 0700). Creates it (and its parents) when missing. Throws Error
 * with a sentence naming the directory when it cannot be used safely.
 */
export async function ensureRunDir(dir: string): Promise<void> {
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const st = await Deno.lstat(dir);
  if (!st.isDirectory) throw new Error(`Run directory "${dir}" is not a directory`);
  const me = await ownUid(dir);
  if (me !== null && st.uid !== null && st.uid !== me) {
    throw new Error(
      `Run directory "${dir}" belongs to user ${st.uid}, not to you (${me}): choose another with --run-dir`,
    );
  }
  if (st.mode !== null && (st.mode & 0o077) !== 0) await Deno.chmod(dir, 0o700);
}

/**
 * The current user's id, read from a file created in `dir` (no --allow-sys needed). Throws
 * when `dir` is not writable.
 */
async function ownUid(dir: string): Promise<number | null> {
  let probe: string;
  try {
    probe = await Deno.makeTempFile({ dir, prefix: ".vscmi-probe-" });
  } catch (e) {
    throw new Error(
      `Run directory "${dir}" is not writable: ${e instanceof Error ? e.message : e}`,
    );
  }
  try {
    return (await Deno.lstat(probe)).uid;
  } finally {
    await Deno.remove(probe);
  }
}
