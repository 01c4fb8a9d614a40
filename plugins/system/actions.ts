/**
 * What SYSTEM_POWER_STATE_SET does for an agent whose `system_power` action is `qmp` or
 * `command`: the request concerns the agent's own VM. Each executor resolves once the action
 * was accepted and rejects with `DriverError("hardware")` (HARDWARE_ERROR) when it failed,
 * or `DriverError("unsupported")` for a state the action has no way to reach.
 *
 * QMP (QEMU Machine Protocol) mapping, one fresh connection per request:
 * | state | graceful | forceful |
 * | --- | --- | --- |
 * | shutdown | `system_powerdown` (power-button event; the guest OS shuts down) | `quit` |
 * | cold / warm reset | `system_reset` | `system_reset` |
 * | suspend | `stop` (vCPUs paused; the host resumes the VM with `cont`) | `stop` |
 * Power-up and vendor states have no QMP command. QEMU may exit on `quit` before its reply
 * is read: a connection closed after `quit` was sent counts as success.
 * @module
 */
import { DriverError } from "../../mod.ts";
import { SystemState, systemStateName } from "./hw.ts";

/** Limits for one action. */
export interface ActionOptions {
  /** Longest an action may take before it counts as failed, ms (default 10 000). */
  timeoutMs?: number;
}

/** Default time limit of one action, ms. */
export const ACTION_TIMEOUT_MS = 10_000;

/** Longest QMP message accepted, bytes. */
const QMP_MAX_MESSAGE = 64 * 1024;

function reason(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The QMP command that puts the VM in `state`, or undefined when QMP has none. */
export function qmpCommandFor(state: number, graceful: boolean): string | undefined {
  switch (state) {
    case SystemState.SHUTDOWN:
      return graceful ? "system_powerdown" : "quit";
    case SystemState.COLD_RESET:
    case SystemState.WARM_RESET:
      return "system_reset";
    case SystemState.SUSPEND:
      return "stop";
    default:
      return undefined;
  }
}

/** Newline-delimited JSON messages from a stream. */
class JsonLines {
  readonly #conn: Deno.Conn;
  readonly #decoder = new TextDecoder();
  readonly #chunk = new Uint8Array(4096);
  #text = "";

  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  /** The next message, or null at end of stream. */
  async next(): Promise<Record<string, unknown> | null> {
    for (;;) {
      const nl = this.#text.indexOf("\n");
      if (nl >= 0) {
        const line = this.#text.slice(0, nl).trim();
        this.#text = this.#text.slice(nl + 1);
        if (line === "") continue;
        const msg = JSON.parse(line);
        if (msg === null || typeof msg !== "object" || Array.isArray(msg)) {
          throw new TypeError(`not a QMP message: ${line.slice(0, 80)}`);
        }
        return msg;
      }
      if (this.#text.length > QMP_MAX_MESSAGE) throw new RangeError("QMP message too long");
      const n = await this.#conn.read(this.#chunk);
      if (n === null) return null;
      this.#text += this.#decoder.decode(this.#chunk.subarray(0, n), { stream: true });
    }
  }
}

async function send(conn: Deno.Conn, command: string): Promise<void> {
  const bytes = new TextEncoder().encode(JSON.stringify({ execute: command }) + "\n");
  for (let off = 0; off < bytes.length;) off += await conn.write(bytes.subarray(off));
}

/** Reads until the answer to `command`, skipping events. */
async function answer(lines: JsonLines, command: string, eofIsSuccess: boolean): Promise<void> {
  for (;;) {
    const msg = await lines.next();
    if (msg === null) {
      if (eofIsSuccess) return;
      throw new Error(`connection closed before the answer to "${command}"`);
    }
    if ("event" in msg) continue;
    if ("return" in msg) return;
    if ("error" in msg) {
      const err = msg.error as { class?: unknown; desc?: unknown } | null;
      throw new Error(`"${command}" refused: ${err?.class ?? "Error"}: ${err?.desc ?? ""}`);
    }
    throw new Error(`unexpected message: ${JSON.stringify(msg).slice(0, 80)}`);
  }
}

/**
 * Connects to the QMP monitor at unix socket `path`, reads the greeting, negotiates
 * capabilities (`qmp_capabilities`) and runs `command`. Rejects with
 * `DriverError("hardware")` naming the socket and the cause.
 */
export async function qmpExecute(
  path: string,
  command: string,
  opts: ActionOptions = {},
): Promise<void> {
  const limit = opts.timeoutMs ?? ACTION_TIMEOUT_MS;
  let conn: Deno.Conn;
  try {
    conn = await Deno.connect({ transport: "unix", path });
  } catch (e) {
    throw new DriverError("hardware", `QMP socket "${path}": cannot connect: ${reason(e)}`);
  }
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      conn.close();
    } catch { /* already closed */ }
  }, limit);
  try {
    const lines = new JsonLines(conn);
    const greeting = await lines.next();
    if (greeting === null || !("QMP" in greeting)) throw new Error("no QMP greeting");
    await send(conn, "qmp_capabilities");
    await answer(lines, "qmp_capabilities", false);
    await send(conn, command);
    await answer(lines, command, command === "quit");
  } catch (e) {
    const why = timedOut ? `no answer within ${limit} ms` : reason(e);
    throw new DriverError("hardware", `QMP socket "${path}": "${command}" failed: ${why}`);
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch { /* already closed */ }
  }
}

/** `argv` with `{state}` and `{graceful}` replaced in every argument. */
export function commandArgv(argv: readonly string[], state: number, graceful: boolean): string[] {
  const name = systemStateName(state) ?? `0x${(state >>> 0).toString(16)}`;
  const how = graceful ? "graceful" : "forceful";
  return argv.map((a) => a.replaceAll("{state}", name).replaceAll("{graceful}", how));
}

/**
 * Runs `argv` directly (no shell), stdin closed. Rejects with `DriverError("hardware")` when
 * it cannot start, exits non-zero, dies by a signal or outlives the time limit.
 */
export async function runCommand(argv: readonly string[], opts: ActionOptions = {}): Promise<void> {
  if (argv.length === 0) throw new DriverError("hardware", "Cannot run an empty command");
  const limit = opts.timeoutMs ?? ACTION_TIMEOUT_MS;
  const signal = AbortSignal.timeout(limit);
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(argv[0], {
      args: argv.slice(1),
      stdin: "null",
      stdout: "null",
      stderr: "piped",
      signal,
    }).output();
  } catch (e) {
    throw new DriverError("hardware", `Command "${argv[0]}" could not run: ${reason(e)}`);
  }
  if (out.success) return;
  const stderr = new TextDecoder().decode(out.stderr).trim().slice(0, 200);
  const why = signal.aborted
    ? `did not finish within ${limit} ms`
    : out.signal
    ? `was killed by ${out.signal}`
    : `exited with code ${out.code}`;
  throw new DriverError(
    "hardware",
    `Command "${argv.join(" ")}" ${why}${stderr ? `: ${stderr}` : ""}`,
  );
}

/** The `qmp` action: the QMP command for `state` on the VM's monitor socket. */
export function qmpAction(
  socket: string,
  state: number,
  graceful: boolean,
  opts?: ActionOptions,
): Promise<void> {
  const command = qmpCommandFor(state, graceful);
  if (command === undefined) {
    return Promise.reject(new DriverError("unsupported", `QMP has no command for state ${state}`));
  }
  return qmpExecute(socket, command, opts);
}

/** The `command` action: `argv` with the state and mode substituted. */
export function commandAction(
  argv: readonly string[],
  state: number,
  graceful: boolean,
  opts?: ActionOptions,
): Promise<void> {
  if (systemStateName(state) === undefined) {
    return Promise.reject(new DriverError("unsupported", `No command form for state ${state}`));
  }
  return runCommand(commandArgv(argv, state, graceful), opts);
}
