/**
 * The control socket's file: a Unix socket only its owner can open (mode 0600, inside the
 * 0700 run directory), and one server per run directory.
 * @module
 */

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
export async function listenPrivate(path: string): Promise<Deno.UnixListener> {
  let st: Deno.FileInfo | null = null;
  try {
    st = await Deno.lstat(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  if (st !== null) {
    if (!st.isSocket) {
      throw new Error(`Cannot listen on "${path}": a file that is not a socket is in the way`);
    }
    let live = false;
    try {
      (await Deno.connect({ transport: "unix", path })).close();
      live = true;
    } catch {
      // Nobody answers: left over by a server that did not stop cleanly.
    }
    if (live) {
      throw new SocketBusyError(
        `Another vscmi server owns "${path}": stop it or choose another --run-dir`,
      );
    }
    await Deno.remove(path);
  }
  const listener = Deno.listen({ transport: "unix", path });
  try {
    await Deno.chmod(path, 0o600);
  } catch (e) {
    listener.close();
    throw e;
  }
  return listener;
}

/** Removes the socket file at `path` if it is still a socket. */
export async function unlinkSocket(path: string): Promise<void> {
  try {
    if ((await Deno.lstat(path)).isSocket) await Deno.remove(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}
