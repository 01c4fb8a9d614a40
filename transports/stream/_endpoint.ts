/**
 * Where a stream endpoint listens: its options checked once, a private Unix socket (stale
 * files removed, mode 0600) or a loopback TCP port.
 * @module
 */
import { dirname, isAbsolute, join } from "node:path";
import { agentSocketPath, checkOwnedDir, ensureRunDir } from "../../core/rundir.ts";
import { listenPrivate } from "../../core/unix_socket.ts";
import { checkFrameTimeout } from "../../core/stall_watch.ts";

/** Default number of messages buffered per direction. */
export const DEFAULT_MAX_MSG = 32;
/** Upper bound of `max_msg` (SCMI tokens are 10 bits). */
export const MAX_MAX_MSG = 1024;

/** Checked stream options. */
export type StreamEndpoint =
  & ({ kind: "unix"; path: string } | { kind: "tcp"; hostname: string; port: number })
  & { maxMsg: number; frameTimeoutMs: number };

const KNOWN = new Set(["path", "tcp", "max_msg", "frame_timeout_ms"]);

/**
 * Checks an agent's stream options. `path` (relative paths are under `runDir`; default
 * `<runDir>/<agent>.sock`) or `tcp` ("127.0.0.1:PORT"), `max_msg` and `frame_timeout_ms`.
 * Throws TypeError with a sentence naming the agent and the option.
 */
export function checkStreamOptions(
  agent: string,
  options: Record<string, unknown>,
  runDir: string,
): StreamEndpoint {
  const where = `Agent "${agent}": stream transport`;
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) {
      throw new TypeError(
        `${where}: unknown option "${key}" (expected path, tcp, max_msg or frame_timeout_ms)`,
      );
    }
  }
  const maxMsg = options.max_msg ?? DEFAULT_MAX_MSG;
  if (
    typeof maxMsg !== "number" && typeof maxMsg !== "bigint" ||
    !Number.isInteger(Number(maxMsg)) || Number(maxMsg) < 1 || Number(maxMsg) > MAX_MAX_MSG
  ) {
    throw new TypeError(
      `${where}: max_msg must be an integer from 1 to ${MAX_MAX_MSG}, got ${String(maxMsg)}`,
    );
  }
  const limits = {
    maxMsg: Number(maxMsg),
    frameTimeoutMs: checkFrameTimeout(where, options.frame_timeout_ms),
  };
  const { path, tcp } = options;
  if (path !== undefined && tcp !== undefined) {
    throw new TypeError(`${where}: set either path or tcp, not both`);
  }
  if (tcp !== undefined) {
    if (typeof tcp !== "string") {
      throw new TypeError(`${where}: tcp must be a string "127.0.0.1:PORT"`);
    }
    const { hostname, port } = parseLoopback(tcp, where);
    return { kind: "tcp", hostname, port, ...limits };
  }
  if (path !== undefined && (typeof path !== "string" || path === "")) {
    throw new TypeError(`${where}: path must be a non-empty string`);
  }
  if (path === undefined && !/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(agent)) {
    throw new TypeError(`${where}: the agent name cannot be a socket file name; set path`);
  }
  const p = path === undefined
    ? agentSocketPath(runDir, agent)
    : isAbsolute(path as string)
    ? path as string
    : join(runDir, path as string);
  return { kind: "unix", path: p, ...limits };
}

/**
 * Parses "HOST:PORT" and accepts only loopback hosts: 127.0.0.0/8, ::1 (written `[::1]`)
 * and `localhost` (taken as 127.0.0.1). Port 0 picks a free port.
 */
export function parseLoopback(text: string, where = "tcp"): { hostname: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) {
    throw new TypeError(`${where}: expected "HOST:PORT" such as "127.0.0.1:9000", got "${text}"`);
  }
  const host = m[1] ?? m[2];
  if (host === "localhost") return { hostname: "127.0.0.1", port };
  if (host === "::1" && m[1] !== undefined) return { hostname: "::1", port };
  const v4 = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (v4 && v4.slice(1).every((o) => Number(o) <= 255)) return { hostname: host, port };
  throw new TypeError(
    `${where}: refusing to listen on "${host}": only loopback addresses (127.0.0.1, [::1], localhost) are allowed`,
  );
}

/**
 * Listens on a Unix socket at `path`, for the owner only. The default run directory is
 * created private (0700); another missing parent is created 0700 as well, and any other
 * parent must belong to the current user and not be writable by group or others (the run
 * directory's checks, `core/rundir.ts`), or someone else could swap in their own socket
 * where guests connect. A stale socket file (nobody listening) is removed; a live one or a
 * file that is not a socket is an error.
 *
 * The socket file exists under the process umask until it is chmod-ed 0600 right after
 * `listen`: Deno changes the umask only with `--allow-sys=umask`, which the server does not
 * ask for. Under the usual umask 022 nobody else can connect in that moment either
 * (connecting needs write access to the socket file).
 */
export async function listenUnix(path: string, runDir: string): Promise<Deno.UnixListener> {
  const dir = dirname(path);
  if (dir === runDir) await ensureRunDir(runDir);
  else {
    await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
    await checkOwnedDir(dir, "Socket directory", "another transport path");
  }
  return await listenPrivate(path);
}

/** Removes our socket file if it is still there. */
export { unlinkSocket as removeSocket } from "../../core/unix_socket.ts";
