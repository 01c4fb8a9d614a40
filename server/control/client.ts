/**
 * A client of the control socket, for `vscmi ctl` and tests: one request at a time, each
 * answered by one line.
 *
 * @example
 * ```ts ignore
 * const ctl = await ControlClient.connect("/run/user/1000/vscmi/control.sock");
 * const r = await ctl.request({ cmd: "agents" });
 * if (r.ok) console.log(r.result);
 * ctl.close();
 * ```
 * @module
 */
import { LineReader, writeAll } from "./_lines.ts";
import type { ServedProtocol } from "./commands.ts";
import { MAX_ANSWER, type RequestInput, type Response } from "./protocol.ts";

/** The connection failed, ended, or an answer did not come in time. */
export class ControlClientError extends Error {
  override name = "ControlClientError";
}

/** One connection to a control socket; requests are answered in the order sent. */
export class ControlClient {
  readonly #conn: Deno.UnixConn;
  readonly #reader: LineReader;
  readonly #encoder = new TextEncoder();
  #nextId = 1;
  #busy: Promise<unknown> = Promise.resolve();

  private constructor(conn: Deno.UnixConn) {
    this.#conn = conn;
    this.#reader = new LineReader(conn, MAX_ANSWER);
  }

  /** Connects to the control socket at `path`. Throws ControlClientError when nobody answers. */
  static async connect(path: string): Promise<ControlClient> {
    try {
      return new ControlClient(await Deno.connect({ transport: "unix", path }));
    } catch (e) {
      const why = e instanceof Deno.errors.NotFound
        ? "no such socket (is vscmi serve running with this run directory?)"
        : e instanceof Deno.errors.ConnectionRefused
        ? "nobody is listening (the server has stopped)"
        : e instanceof Deno.errors.PermissionDenied
        ? "permission denied (the socket belongs to another user)"
        : e instanceof Error
        ? e.message
        : String(e);
      throw new ControlClientError(`Cannot connect to "${path}": ${why}`);
    }
  }

  /** Sends `req` (its `id` filled in) and resolves to the answer. */
  request(req: RequestInput, timeoutMs = 30_000): Promise<Response> {
    const line = JSON.stringify({ ...req, id: req.id ?? this.#nextId++ });
    return this.sendLine(line, timeoutMs);
  }

  /** Sends one raw line (tests send malformed ones) and resolves to the answer. */
  sendLine(line: string, timeoutMs = 30_000): Promise<Response> {
    const run = async (): Promise<Response> => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new ControlClientError(`No answer within ${timeoutMs} ms`)),
          timeoutMs,
        );
      });
      try {
        return await Promise.race([this.#exchange(line), timeout]);
      } finally {
        clearTimeout(timer);
      }
    };
    const p = this.#busy.then(run, run);
    this.#busy = p.catch(() => {});
    return p;
  }

  async #exchange(line: string): Promise<Response> {
    try {
      await writeAll(this.#conn, this.#encoder.encode(line + "\n"));
    } catch (e) {
      throw new ControlClientError(`Sending failed: ${e instanceof Error ? e.message : e}`);
    }
    let item;
    try {
      item = await this.#reader.next();
    } catch (e) {
      throw new ControlClientError(`Reading failed: ${e instanceof Error ? e.message : e}`);
    }
    if (item === null) throw new ControlClientError("The server closed the connection");
    if (item.kind !== "line") throw new ControlClientError("The server sent an unreadable answer");
    try {
      return JSON.parse(item.text) as Response;
    } catch {
      throw new ControlClientError("The server sent an answer that is not JSON");
    }
  }

  /** Closes the connection. Idempotent. */
  close(): void {
    try {
      this.#conn.close();
    } catch {
      // Already closed.
    }
  }
}

/**
 * The protocols the server whose control socket is `path` serves (the `protocols` command);
 * undefined when no server answers there, or it has no such command. Throws
 * ControlClientError when the server fails to answer in `timeoutMs`.
 */
export async function servedProtocols(
  path: string,
  timeoutMs: number,
): Promise<ServedProtocol[] | undefined> {
  let client: ControlClient;
  try {
    client = await ControlClient.connect(path);
  } catch (e) {
    if (e instanceof ControlClientError) return undefined;
    throw e;
  }
  try {
    const answer = await client.request({ cmd: "protocols" }, timeoutMs);
    return answer.ok ? (answer.result as { protocols: ServedProtocol[] }).protocols : undefined;
  } finally {
    client.close();
  }
}
