/**
 * The run directory: where the server puts its sockets (one per agent on the stream
 * transport). It is private to the user running the server: created with mode 0700, and an
 * existing one must belong to that user. The same checks guard the vote journal's state
 * directory ({@linkcode ensurePrivateDir}) and the parent of an explicit socket path
 * ({@linkcode checkOwnedDir}).
 * @module
 */
import { isAbsolute, join } from "node:path";
import { OptionError } from "./options.ts";

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

/** Longest Unix socket path, in bytes (`sun_path` holds 108 with the terminating NUL). */
export const MAX_SOCKET_PATH = 107;

/**
 * Checks a transport's `path` option, the Unix socket an agent's endpoint uses: a non-empty
 * string (relative: under the run directory), an absolute one short enough for a socket;
 * absent, `<agent>.sock`, which the agent's name must be able to name. Returns the path as
 * given (see {@linkcode inRunDir}); throws OptionError for option `path`.
 */
export function checkSocketOption(agent: string, path: unknown): string {
  if (path !== undefined && (typeof path !== "string" || path === "")) {
    throw new OptionError("path", "a non-empty string", path);
  }
  if (path === undefined && !/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(agent)) {
    throw new OptionError("path", "a socket path: the agent name cannot name a socket file", path);
  }
  const p = path ?? `${agent}.sock`;
  if (isAbsolute(p) && new TextEncoder().encode(p).length > MAX_SOCKET_PATH) {
    throw new OptionError("path", `a socket path of at most ${MAX_SOCKET_PATH} bytes`, p);
  }
  return p;
}

/** `path` (relative: under `runDir`) as the absolute path to listen on. */
export function inRunDir(path: string, runDir: string): string {
  return isAbsolute(path) ? path : join(runDir, path);
}

/**
 * Makes sure `dir` exists, is a directory owned by the current user and is not open to
 * group or others (mode 0700). Creates it (and its parents) when missing. Throws Error
 * with a sentence naming the directory when it cannot be used safely.
 */
export function ensureRunDir(dir: string): Promise<void> {
  return ensurePrivateDir(dir, "Run directory", "--run-dir");
}

/**
 * {@linkcode ensureRunDir} for any directory the server keeps private (`what` names it in
 * errors, `option` is how to choose another): created 0700 with its parents when missing;
 * an existing one must be a directory owned by the current user, and loses any group or
 * others bits (chmod 0700).
 */
export async function ensurePrivateDir(dir: string, what: string, option: string): Promise<void> {
  try {
    await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new Error(
      `${what} "${dir}" cannot be created (${
        e instanceof Error ? e.message : e
      }): choose another with ${option}`,
      { cause: e },
    );
  }
  const st = await ownedDir(dir, what, option);
  if (st.mode !== null && (st.mode & 0o077) !== 0) await Deno.chmod(dir, 0o700);
}

/**
 * Checks an existing directory the server puts files in but does not own the layout of
 * (the parent of an explicit socket path): it must be a directory owned by the current user
 * and not writable by group or others, or someone else could replace what the server puts
 * there. Nothing is created or changed. Throws Error naming the directory otherwise.
 */
export async function checkOwnedDir(dir: string, what: string, option: string): Promise<void> {
  const st = await ownedDir(dir, what, option);
  if (st.mode !== null && (st.mode & 0o022) !== 0) {
    throw new Error(
      `${what} "${dir}" is writable by group or others (mode ${
        (st.mode & 0o777).toString(8).padStart(3, "0")
      }): make it private or choose another with ${option}`,
    );
  }
}

/** lstat of `dir`, which must be a directory owned by the current user. */
async function ownedDir(dir: string, what: string, option: string): Promise<Deno.FileInfo> {
  const st = await Deno.lstat(dir);
  if (!st.isDirectory) throw new Error(`${what} "${dir}" is not a directory`);
  const me = await ownUid(dir, what);
  if (me !== null && st.uid !== null && st.uid !== me) {
    throw new Error(
      `${what} "${dir}" belongs to user ${st.uid}, not to you (${me}): choose another with ${option}`,
    );
  }
  return st;
}

/**
 * The current user's id, read from a file created in `dir` (no --allow-sys needed). Throws
 * when `dir` is not writable.
 */
async function ownUid(dir: string, what: string): Promise<number | null> {
  let probe: string;
  try {
    probe = await Deno.makeTempFile({ dir, prefix: ".vscmi-probe-" });
  } catch (e) {
    throw new Error(`${what} "${dir}" is not writable: ${e instanceof Error ? e.message : e}`);
  }
  try {
    return (await Deno.lstat(probe)).uid;
  } finally {
    await Deno.remove(probe);
  }
}
