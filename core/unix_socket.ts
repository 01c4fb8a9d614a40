/**
 * Unix socket files the server listens on (stream transport, vhost-user back-end, control
 * socket): a leftover socket nobody answers on is removed before listening, a live one or a
 * file of another kind in the way is an error, and the socket is for its owner only (0600).
 * @module
 */
import { MAX_SOCKET_PATH } from "./rundir.ts";

/** Whether a server answers on the socket at `path`. */
export type LiveProbe = (path: string) => boolean | Promise<boolean>;

/** Probes with a Deno connection, closed at once. */
async function answers(path: string): Promise<boolean> {
  try {
    (await Deno.connect({ transport: "unix", path })).close();
    return true;
  } catch {
    // Nobody listens: a leftover from a server that did not stop cleanly.
    return false;
  }
}

function listening(path: string): Error {
  return new Error(`Cannot listen on "${path}": another server is listening there`);
}

/**
 * Clears the way to listen on `path`: nothing there is fine; a socket nobody answers on
 * (`live`) is removed; a live socket throws `busy(path)`; a file that is not a socket
 * throws Error.
 */
export async function removeStaleSocket(
  path: string,
  busy: (path: string) => Error = listening,
  live: LiveProbe = answers,
): Promise<void> {
  let st: Deno.FileInfo;
  try {
    st = await Deno.lstat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    throw e;
  }
  if (!st.isSocket) {
    throw new Error(`Cannot listen on "${path}": a file that is not a socket is in the way`);
  }
  if (await live(path)) throw busy(path);
  await Deno.remove(path);
}

/**
 * Listens on `path` for the owner only (mode 0600), after {@linkcode removeStaleSocket}.
 * The caller has made the directory private (0700), so the socket is never reachable by
 * others even before its mode is set.
 */
export async function listenPrivate(
  path: string,
  busy: (path: string) => Error = listening,
): Promise<Deno.UnixListener> {
  const bytes = new TextEncoder().encode(path).length;
  if (bytes > MAX_SOCKET_PATH) {
    throw new Error(
      `Cannot listen on "${path}": a Unix socket path has at most ${MAX_SOCKET_PATH} bytes, ` +
        `this one ${bytes}`,
    );
  }
  await removeStaleSocket(path, busy);
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
