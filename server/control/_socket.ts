/**
 * The control socket's file: a Unix socket only its owner can open (mode 0600, inside the
 * 0700 run directory), and one server per run directory.
 * @module
 */
import { listenPrivate as listenPrivateSocket } from "../../core/unix_socket.ts";

/** Another server answers on the control socket: this one must not start. */
export class SocketBusyError extends Error {
  override name = "SocketBusyError";
}

/**
 * Listens on `path` for the owner only. A leftover socket nobody answers on is removed; a
 * socket another server answers on throws {@linkcode SocketBusyError}; any other file in
 * the way throws Error. The caller has made the directory private (0700), so the socket is
 * never reachable by others even before its mode is set.
 */
export function listenPrivate(path: string): Promise<Deno.UnixListener> {
  return listenPrivateSocket(
    path,
    (p) =>
      new SocketBusyError(`Another vscmi server owns "${p}": stop it or choose another --run-dir`),
  );
}

export { unlinkSocket } from "../../core/unix_socket.ts";
