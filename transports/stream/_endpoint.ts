/**
 * Where a stream endpoint listens: its options checked once, a private Unix socket (stale
 * files removed, mode 0600) or a loopback TCP port.
 * @module
 */
import { dirname } from "node:path";
import { OptionError } from "../../core/options.ts";
import { checkOwnedDir, checkSocketOption, ensureRunDir } from "../../core/rundir.ts";
import { checkFrameTimeout } from "../../core/stall_watch.ts";
import { listenPrivate } from "../../core/unix_socket.ts";

/** Default number of messages buffered per direction. */
export const DEFAULT_MAX_MSG = 32;
/** Upper bound of `max_msg` (SCMI tokens are 10 bits). */
export const MAX_MAX_MSG = 1024;

/** Checked stream options; a relative `path` is under the run directory. */
export type StreamEndpoint =
  & ({ kind: "unix"; path: string } | { kind: "tcp"; hostname: string; port: number })
  & { maxMsg: number; frameTimeoutMs: number };

/**
 * Checks an agent's stream options (the transport declares their names): `path` (default
 * `<agent>.sock`; relative paths are under the run directory, see {@linkcode inRunDir}) or
 * `tcp` ("127.0.0.1:PORT"), `max_msg` and `frame_timeout_ms`. Throws OptionError naming the
 * option.
 */
export function checkStreamOptions(
  agent: string,
  options: Readonly<Record<string, unknown>>,
): StreamEndpoint {
  const maxMsg = options.max_msg ?? DEFAULT_MAX_MSG;
  if (
    typeof maxMsg !== "number" && typeof maxMsg !== "bigint" ||
    !Number.isInteger(Number(maxMsg)) || Number(maxMsg) < 1 || Number(maxMsg) > MAX_MAX_MSG
  ) {
    throw new OptionError("max_msg", `an integer from 1 to ${MAX_MAX_MSG}`, maxMsg);
  }
  const limits = {
    maxMsg: Number(maxMsg),
    frameTimeoutMs: checkFrameTimeout(options.frame_timeout_ms),
  };
  const { path, tcp } = options;
  if (path !== undefined && tcp !== undefined) {
    throw new OptionError("tcp", "no tcp address when path is set (one of them, not both)", tcp);
  }
  if (tcp !== undefined) {
    const { hostname, port } = parseLoopback(tcp);
    return { kind: "tcp", hostname, port, ...limits };
  }
  return { kind: "unix", path: checkSocketOption(agent, path), ...limits };
}

/** What a stream endpoint listens on, for the check that no two endpoints share it. */
export function streamListens(ep: StreamEndpoint, options: Readonly<Record<string, unknown>>) {
  if (ep.kind === "unix") {
    return [{
      address: `unix:${ep.path}`,
      option: options.path === undefined ? undefined : "path",
    }];
  }
  return ep.port === 0 ? [] : [{ address: `tcp:${ep.hostname}:${ep.port}`, option: "tcp" }];
}

/**
 * Parses `tcp`, "HOST:PORT", and accepts only loopback hosts: 127.0.0.0/8, ::1 (written
 * `[::1]`) and `localhost` (taken as 127.0.0.1). Port 0 picks a free port. Throws
 * OptionError for option `tcp`.
 */
export function parseLoopback(tcp: unknown): { hostname: string; port: number } {
  const text = typeof tcp === "string" ? tcp : "";
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) {
    throw new OptionError("tcp", '"HOST:PORT" such as "127.0.0.1:9000"', tcp);
  }
  const host = m[1] ?? m[2];
  if (host === "localhost") return { hostname: "127.0.0.1", port };
  if (host === "::1" && m[1] !== undefined) return { hostname: "::1", port };
  const v4 = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (v4 && v4.slice(1).every((o) => Number(o) <= 255)) return { hostname: host, port };
  throw new OptionError(
    "tcp",
    "a loopback address (only 127.0.0.0/8, [::1] and localhost)",
    tcp,
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
