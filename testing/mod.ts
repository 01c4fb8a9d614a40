/**
 * Test helpers for vendors who write protocol plugins, board drivers or transports against
 * vscmi (package export `./testing`). {@linkcode Harness} builds a platform from a deployment
 * manifest, exactly as `vscmi serve` does, and sends SCMI messages to it in-process as any
 * agent, so a plugin's replies can be asserted byte for byte.
 *
 * The conformance suites run as steps of a Deno test: {@linkcode protocolConformance} for a
 * protocol plugin served from a deployment, {@linkcode driverConformance} for a board driver
 * against the hardware contracts of the kinds it backs, {@linkcode transportConformance} for a
 * transport driven from the agent's side of its wire.
 *
 * @example Asking Base for its version as agent vm1 of the bundled deployment
 * ```ts ignore
 * import { Harness } from "@vscmi/vscmi/testing";
 * const h = await Harness.load("examples/sim/vscmi.toml");
 * try {
 *   const reply = await h.send("vm1", 0x10, 0x0);
 *   console.log(reply.status, reply.words()); // 0 [ 131073 ] (Base 2.1)
 * } finally {
 *   await h.close();
 * }
 * ```
 * @module
 */
import { buildPlatform, type Built } from "../server/build.ts";
import { encodeHeader, MsgType } from "../core/header.ts";
import { loadDeployment } from "../server/manifest/mod.ts";
import { Msg } from "../core/msg.ts";
import type { Session } from "../core/session.ts";
import type { Agent } from "../core/agent.ts";
import type { DriverDef } from "../core/driver.ts";
import { Logger } from "../core/log.ts";
import { BUILTINS } from "../builtins.ts";

/** How {@linkcode Harness.load} builds the platform. */
export interface HarnessOptions {
  /**
   * Receives every line the platform logs (a plugin's bug, a refused request); by default
   * they go to the console.
   */
  log?: (level: "debug" | "info" | "warn" | "error", line: string) => void;
  /**
   * Board driver types the board may name besides the built-in ones (a vendor's driver
   * under test, or the driver serving a vendor protocol's own resource kind). One with a
   * built-in's name replaces it (a built-in driver over a model of its hardware).
   */
  drivers?: readonly DriverDef[];
}

/** One reply, as the agent received it. */
export interface Reply {
  /**
   * The SCMI status (0 is SUCCESS; see `Status` in the main module), or NaN when the platform
   * dropped the message without a reply.
   */
  readonly status: number;
  /** The bytes after the status (empty when the status is not SUCCESS). */
  readonly payload: Uint8Array;
  /**
   * The payload as little-endian 32-bit words (a trailing partial word is left out).
   *
   * @returns One number per whole word of the payload.
   */
  words(): number[];
}

/**
 * A platform built from a deployment manifest (board, drivers, plugins, agents and policy, no
 * journal and no transports), with one session per agent opened on first use. Close it when
 * done: drivers are closed and timers stopped.
 */
export class Harness {
  readonly #built: Built;
  readonly #sessions = new Map<string, Session>();
  readonly #msg = new Msg();
  #token = 0;

  private constructor(built: Built) {
    this.#built = built;
  }

  /**
   * Loads and builds the deployment at `manifest`, as `vscmi serve` would.
   *
   * @param manifest Path to a deployment manifest.
   * @param opts Where log lines go; extra driver types.
   * @returns The harness, ready to send.
   * @throws {ManifestError} naming file, key and line of each problem (a plugin written for
   * another API major included).
   */
  static async load(manifest: string, opts: HarnessOptions = {}): Promise<Harness> {
    const log = new Logger();
    if (opts.log) log.sink = opts.log;
    const extra = opts.drivers ?? [];
    const replaced = new Set(extra.map((d) => d.name));
    const drivers = [...BUILTINS.drivers.filter((d) => !replaced.has(d.name)), ...extra];
    const builtins = { ...BUILTINS, drivers };
    return new Harness(await buildPlatform(await loadDeployment(manifest, builtins), { log }));
  }

  /**
   * Sends one command as `agent` and waits for its reply (delayed responses and notifications
   * are not collected).
   *
   * @param agent The agent's name in the deployment.
   * @param protocol The protocol id, e.g. `0x14` for Clock.
   * @param message The message id.
   * @param params The parameters as little-endian 32-bit words.
   * @param capacity Room for the reply, header and status included (default 4096 bytes).
   * @returns The reply's status and payload.
   * @throws {RangeError} when the deployment has no agent of that name.
   */
  send(
    agent: string,
    protocol: number,
    message: number,
    params: readonly number[] = [],
    capacity = 4096,
  ): Promise<Reply> {
    const bytes = new Uint8Array(params.length * 4);
    const view = new DataView(bytes.buffer);
    params.forEach((p, i) => view.setUint32(i * 4, p >>> 0, true));
    return this.sendBytes(agent, protocol, message, bytes, capacity);
  }

  /**
   * Sends one command whose parameters are raw bytes (any length, e.g. one byte short of
   * what the command reads) and waits for its reply.
   *
   * @param agent The agent's name in the deployment.
   * @param protocol The protocol id.
   * @param message The message id.
   * @param params The parameter bytes after the header.
   * @param capacity Room for the reply, header and status included (default 4096 bytes).
   * @returns The reply's status and payload.
   * @throws {RangeError} when the deployment has no agent of that name.
   */
  async sendBytes(
    agent: string,
    protocol: number,
    message: number,
    params: Uint8Array,
    capacity = 4096,
  ): Promise<Reply> {
    const session = this.#session(agent);
    const req = new Uint8Array(4 + params.length);
    req.set(params, 4);
    const view = new DataView(req.buffer);
    this.#token = (this.#token + 1) & 0x3ff;
    view.setUint32(0, encodeHeader(message, MsgType.COMMAND, protocol, this.#token), true);
    const out = new Uint8Array(capacity);
    const m = this.#msg;
    m.r.reset(req, 0, req.length);
    m.w.reset(out, 0, capacity);
    const n = await this.#built.platform.dispatch(session, m);
    return toReply(out.subarray(0, n));
  }

  /**
   * Ends the agent's session as a device reset or a vanished VM does: its protocols' `close`
   * hooks run and every vote it holds goes at once. The next send opens a fresh session
   * (versions back to the newest allowed).
   *
   * @param agent The agent's name in the deployment.
   */
  end(agent: string): void {
    const s = this.#sessions.get(agent);
    if (!s) return;
    this.#sessions.delete(agent);
    this.#built.platform.closeSession(s, "end");
  }

  /**
   * How many ids of a resource kind the agent sees (holes of revoked resources included):
   * what its PROTOCOL_ATTRIBUTES must count, and the first id it must be refused.
   *
   * @param agent The agent's name in the deployment.
   * @param kind The resource kind, e.g. `clock`.
   * @returns The number of the agent's virtual ids of that kind.
   * @throws {RangeError} when the deployment has no agent of that name.
   */
  visible(agent: string, kind: string): number {
    return this.#agent(agent).grants.maps[kind]?.count ?? 0;
  }

  /**
   * How many votes the agent holds now, over every protocol.
   *
   * @param agent The agent's name in the deployment.
   * @returns The number of its held votes.
   * @throws {RangeError} when the deployment has no agent of that name.
   */
  heldVotes(agent: string): number {
    return this.#built.platform.votes.heldBy(this.#agent(agent).id).length;
  }

  /** Closes every session and the platform's drivers. Idempotent. */
  close(): Promise<void> {
    for (const s of this.#sessions.values()) this.#built.platform.closeSession(s, "end");
    this.#sessions.clear();
    return this.#built.close();
  }

  #session(name: string): Session {
    let s = this.#sessions.get(name);
    if (s) return s;
    s = this.#built.platform.openSession(this.#agent(name), { p2a: true });
    this.#sessions.set(name, s);
    return s;
  }

  #agent(name: string): Agent {
    const agent = this.#built.platform.agent(name);
    if (!agent) throw new RangeError(`The deployment has no agent "${name}"`);
    return agent;
  }
}

function toReply(bytes: Uint8Array): Reply {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const status = bytes.length >= 8 ? view.getInt32(4, true) : NaN;
  const payload = bytes.slice(Math.min(8, bytes.length));
  return {
    status,
    payload,
    words() {
      const pv = new DataView(payload.buffer);
      const out: number[] = [];
      for (let i = 0; i + 4 <= payload.length; i += 4) out.push(pv.getUint32(i, true));
      return out;
    },
  };
}

export { protocolConformance } from "./protocol.ts";
export type {
  PagedCommand,
  ProtocolSuite,
  ReservedMasks,
  ReservedWords,
  VoteCommand,
} from "./protocol.ts";
export { answersBoolean, answersNumber, driverConformance } from "./driver.ts";
export type { DriverSuite, HwContract } from "./driver.ts";
export { BUILTIN_CONTRACTS } from "./contracts.ts";
export { transportConformance } from "./transport.ts";
export type { TransportSuite, WireAdapter, WireConnection } from "./transport.ts";
