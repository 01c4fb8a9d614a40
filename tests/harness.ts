/**
 * Test harness: builds a platform from an in-code board and agent list (no manifest
 * involved), opens sessions and sends raw messages, so suites can assert exact bytes.
 * @module
 */
import { Agent } from "../core/agent.ts";
import { type Board, emptyBoard, type ResourceKind } from "../core/board.ts";
import type { BoardDriver } from "../core/driver.ts";
import { ALL_RIGHTS, type Bounds } from "../core/grants.ts";
import { buildHwTable } from "../core/hw_table.ts";
import { Logger } from "../core/log.ts";
import { Msg } from "../core/msg.ts";
import { Platform } from "../core/platform.ts";
import type { VendorInfo } from "../core/platform_env.ts";
import type { VoteJournal } from "../core/policy/vote_book.ts";
import type { AnyProtocol } from "../core/protocol.ts";
import type { Session } from "../core/session.ts";
import { PROTOCOLS } from "../builtins.ts";
import { simDriver } from "../boards/drivers/sim.ts";

export interface AgentSpec {
  name: string;
  trusted?: boolean;
  maxMsgSize?: number;
  /** Protocol id → pinned version (or undefined for the newest). Base is always added. */
  protocols?: Record<number, number | undefined>;
  /** Resource kind → physical ids granted, in virtual-id order (full rights). */
  grants?: { [K in ResourceKind]?: number[] };
  /** Rights per granted resource, same shape as `grants`; default full rights. */
  rights?: { [K in ResourceKind]?: number[] };
  /** Per-agent bounds per granted resource, same shape as `grants`; default none. */
  bounds?: { [K in ResourceKind]?: (Bounds | undefined)[] };
  /** The session can receive notifications and delayed responses (default true). */
  p2a?: boolean;
  /** What protocols' agent keys say for it, by key (`system_power` …); default none. */
  settings?: Record<string, unknown>;
}

export interface FixtureSpec {
  board?: Board;
  /** Defaults to every registered built-in protocol. */
  protocols?: AnyProtocol[];
  agents: AgentSpec[];
  /** Defaults to one `sim` driver instance named "sim" with time_scale 0. */
  drivers?: Map<string, BoardDriver>;
  vendor?: VendorInfo;
  /** Votes to restore, as a journal left them (default: none, nothing journaled). */
  journal?: VoteJournal;
}

export const TEST_VENDOR: VendorInfo = {
  vendor: "vscmi",
  subVendor: "sim",
  implementationVersion: 0x00010000,
};

export class Fixture {
  readonly platform: Platform;
  readonly sessions = new Map<string, Session>();
  readonly drivers: Map<string, BoardDriver>;
  /** Log lines the platform wrote. */
  readonly logs: string[] = [];

  constructor(readonly spec: FixtureSpec, drivers: Map<string, BoardDriver>) {
    this.drivers = drivers;
    const board = spec.board ?? emptyBoard();
    const agents = spec.agents.map((a, i) => {
      const agent = new Agent({
        id: i + 1,
        name: a.name,
        trusted: a.trusted,
        maxMsgSize: a.maxMsgSize,
        settings: a.settings,
      });
      for (const [p, pin] of Object.entries(a.protocols ?? {})) {
        agent.grants.protocols.set(Number(p), { pin });
      }
      for (const [kind, ids] of Object.entries(a.grants ?? {}) as [ResourceKind, number[]][]) {
        const rights = a.rights?.[kind];
        const bounds = a.bounds?.[kind];
        ids.forEach((id, v) =>
          agent.grants.maps[kind].grant(
            id,
            rights?.[v] ?? ALL_RIGHTS,
            undefined,
            undefined,
            bounds?.[v],
          )
        );
      }
      return agent;
    });
    const log = new Logger();
    log.sink = (level, line) => void this.logs.push(`${level}: ${line}`);
    this.platform = new Platform({
      board,
      hw: buildHwTable(board, drivers),
      vendor: spec.vendor ?? TEST_VENDOR,
      agents,
      protocols: spec.protocols ?? [...PROTOCOLS],
      log,
      journal: spec.journal,
    });
    for (const a of spec.agents) {
      const agent = this.platform.agent(a.name)!;
      this.sessions.set(a.name, this.platform.openSession(agent, { p2a: a.p2a ?? true }));
    }
  }

  session(agent: string): Session {
    const s = this.sessions.get(agent);
    if (!s) throw new Error(`No session for agent "${agent}"`);
    return s;
  }

  /** Sends `request` (bytes, or hex text) as `agent`; resolves to the reply bytes. */
  async call(agent: string, request: Uint8Array | string, capacity = 4096): Promise<Uint8Array> {
    const req = typeof request === "string" ? hex(request) : request;
    const out = new Uint8Array(capacity);
    const m = new Msg();
    m.r.reset(req, 0, req.length);
    m.w.reset(out, 0, capacity);
    const n = await this.platform.dispatch(this.session(agent), m);
    return out.slice(0, n);
  }

  /** Sends a command built from 32-bit words (header first); resolves to the reply as words. */
  async words(agent: string, words: number[], capacity = 4096): Promise<number[]> {
    const req = new Uint8Array(words.length * 4);
    const dv = new DataView(req.buffer);
    words.forEach((w, i) => dv.setUint32(i * 4, w >>> 0, true));
    const out = await this.call(agent, req, capacity);
    const odv = new DataView(out.buffer, out.byteOffset, out.byteLength);
    const res: number[] = [];
    for (let i = 0; i + 4 <= out.length; i += 4) res.push(odv.getUint32(i, true));
    return res;
  }

  /** Takes every queued platform→agent message for `agent`. */
  drain(agent: string): Uint8Array[] {
    const q = this.session(agent).p2a;
    const out: Uint8Array[] = [];
    while (q && q.length) out.push(q.shift()!);
    return out;
  }

  /** Closes `agent`'s session and opens a fresh one (a reconnect). */
  reconnect(agent: string): Session {
    const old = this.session(agent);
    this.platform.closeSession(old);
    const s = this.platform.openSession(old.agent, { p2a: old.p2a !== null });
    this.sessions.set(agent, s);
    return s;
  }
}

/** Builds a fixture; drivers default to one `sim` instance named "sim", immediate. */
export async function fixture(spec: FixtureSpec): Promise<Fixture> {
  const drivers = spec.drivers ?? new Map<string, BoardDriver>([
    [
      "sim",
      await simDriver.create({
        name: "sim",
        options: { time_scale: 0 },
        board: spec.board ?? emptyBoard(),
      }),
    ],
  ]);
  return new Fixture(spec, drivers);
}

/** Hex text → bytes. Whitespace, `|`, `_` and `#`-to-end-of-line comments are ignored. */
export function hex(text: string): Uint8Array {
  const clean = text.replace(/#[^\n]*/g, "").replace(/[\s|_]/g, "");
  if (!/^([0-9a-fA-F]{2})*$/.test(clean)) throw new Error(`Not hex bytes: "${text}"`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Bytes → hex text, grouped in 4-byte words. */
export function toHex(bytes: Uint8Array): string {
  const parts: string[] = [];
  for (let i = 0; i < bytes.length; i += 4) {
    parts.push([...bytes.subarray(i, i + 4)].map((b) => b.toString(16).padStart(2, "0")).join(" "));
  }
  return parts.join(" | ");
}
