/**
 * The control server: the operator's way into a running vscmi (`vscmi ctl`). It listens on
 * `<run-dir>/control.sock` and speaks the JSON-lines protocol of `protocol.ts`.
 *
 * Who may connect: the socket is created mode 0600 inside the run directory, which is 0700
 * and owned by the user running the server (`core/rundir.ts`), so only that user (and root)
 * can open it. The peer's credentials are not checked on top of that: `SO_PEERCRED` is not
 * reachable from Deno without FFI, so the file modes are the whole access check.
 *
 * One server per run directory: when another server answers on the control socket, starting
 * fails; a socket left by a server that died is replaced.
 *
 * Robustness: every line gets exactly one answer; a line that is not JSON, not a request, not
 * UTF-8 or longer than {@linkcode MAX_LINE} gets an error answer and the connection goes on.
 * At most {@linkcode MAX_CLIENTS} connections are served at once (others are told so and
 * closed). Commands run one at a time across all connections, in arrival order, so an
 * add-agent and a remove-agent never interleave.
 * @module
 */
import { join } from "node:path";
import type { Logger } from "../../core/log.ts";
import { ManifestError } from "../../core/manifest/problem.ts";
import { type ControlHost, execute } from "./commands.ts";
import { LineReader, writeAll } from "./_lines.ts";
import {
  CONTROL_SOCKET,
  ControlError,
  MAX_ANSWER,
  MAX_LINE,
  parseRequest,
  type Response,
} from "./protocol.ts";
import { listenPrivate, unlinkSocket } from "./_socket.ts";

/** Most control connections served at once. */
export const MAX_CLIENTS = 16;

export interface ControlOptions {
  /** The run directory (already made private by the caller). */
  runDir: string;
  log: Logger;
}

/** A running control server. */
export interface ControlServer {
  /** The socket's path. */
  readonly path: string;
  /** Stops accepting, closes every connection, removes the socket. Idempotent. */
  close(): Promise<void>;
}

/** The answer to a request that failed with `e`. */
export function errorResponse(id: Response["id"], e: unknown): Response {
  if (e instanceof ControlError) {
    const r: Response = { id, ok: false, code: e.code, error: e.message };
    if (e.problems) r.problems = e.problems;
    return r;
  }
  if (e instanceof ManifestError) {
    return {
      id,
      ok: false,
      code: "manifest",
      error: e.message,
      problems: e.problems,
    };
  }
  if (e instanceof RangeError) {
    return { id, ok: false, code: "conflict", error: e.message };
  }
  return { id, ok: false, code: "failed", error: e instanceof Error ? e.message : String(e) };
}

/** Starts the control server of `host` on `<runDir>/control.sock`. */
export async function startControl(
  host: ControlHost,
  opts: ControlOptions,
): Promise<ControlServer> {
  const path = join(opts.runDir, CONTROL_SOCKET);
  const log = opts.log;
  const listener = await listenPrivate(path);
  const conns = new Set<Deno.Conn>();
  const served = new Set<Promise<void>>();
  let queue: Promise<unknown> = Promise.resolve();
  let closing = false;
  const encoder = new TextEncoder();

  /** Runs `job` after every command accepted before it. */
  const serial = <T>(job: () => Promise<T>): Promise<T> => {
    const run = queue.then(job, job);
    queue = run.catch(() => {});
    return run;
  };

  async function answer(line: string): Promise<Response> {
    const parsed = parseRequest(line);
    if (!parsed.ok) return errorResponse(parsed.id, parsed.error);
    const req = parsed.request;
    const id = req.id ?? null;
    try {
      const result = await serial(() => execute(host, req));
      log.debug(`control: ${req.cmd} done`);
      return { id, ok: true, result };
    } catch (e) {
      if (!(e instanceof ControlError || e instanceof ManifestError)) {
        log.warn(`control: ${req.cmd} failed: ${e instanceof Error ? e.message : e}`);
      }
      return errorResponse(id, e);
    }
  }

  async function send(conn: Deno.Conn, r: Response): Promise<void> {
    let bytes = encoder.encode(JSON.stringify(r) + "\n");
    if (bytes.length > MAX_ANSWER) {
      const e = new Error(`The answer is larger than ${MAX_ANSWER} bytes`);
      bytes = encoder.encode(JSON.stringify(errorResponse(r.id, e)) + "\n");
    }
    await writeAll(conn, bytes);
  }

  async function serve(conn: Deno.Conn): Promise<void> {
    const reader = new LineReader(conn, MAX_LINE);
    try {
      for (;;) {
        const item = await reader.next();
        if (item === null || closing) return;
        switch (item.kind) {
          case "overlong":
            await send(
              conn,
              errorResponse(
                null,
                new ControlError("bad-request", `Request longer than ${MAX_LINE} bytes`),
              ),
            );
            break;
          case "invalid":
            await send(
              conn,
              errorResponse(null, new ControlError("bad-request", `Bad request: ${item.detail}`)),
            );
            break;
          case "line":
            if (item.text.trim() === "") break;
            await send(conn, await answer(item.text));
            break;
        }
      }
    } catch (e) {
      if (!closing) log.debug(`control: connection ended: ${e instanceof Error ? e.message : e}`);
    } finally {
      conns.delete(conn);
      try {
        conn.close();
      } catch {
        // Already closed.
      }
    }
  }

  const accepting = (async () => {
    for (;;) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch (e) {
        if (!closing && !(e instanceof Deno.errors.BadResource)) {
          log.error(`control: stopped accepting on ${path}: ${e}`);
        }
        return;
      }
      if (closing) {
        conn.close();
        return;
      }
      if (conns.size >= MAX_CLIENTS) {
        const busy = errorResponse(
          null,
          new ControlError("failed", `Too many control connections (${MAX_CLIENTS})`),
        );
        send(conn, busy).catch(() => {}).finally(() => conn.close());
        continue;
      }
      conns.add(conn);
      const p = serve(conn);
      served.add(p);
      p.finally(() => served.delete(p));
    }
  })();

  let closed: Promise<void> | null = null;
  return {
    path,
    close: () =>
      closed ??= (async () => {
        closing = true;
        listener.close();
        await accepting;
        for (const c of conns) {
          try {
            c.close();
          } catch {
            // Already closed.
          }
        }
        await Promise.allSettled([...served]);
        await unlinkSocket(path);
      })(),
  };
}
