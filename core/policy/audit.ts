/**
 * The audit log: every request the policy refuses — no right to change the resource, a value
 * outside the agent's bounds, over the agent's request rate limit, a header with reserved bits
 * set, or refused by a handler with DENIED (an exclusive resource another agent owns, a
 * permission command from an untrusted agent) — is logged with the agent, the protocol and
 * command, and the resource as the agent names it (its virtual id) and as the board names it.
 *
 * A flooding guest cannot flood the log: each agent gets at most `lines` lines per window
 * (default 10 per second); past that its refusals are only counted, and one summary line
 * says how many were suppressed once the window is over. Counting allocates nothing.
 *
 * ```
 * audit: agent "vm1" clock CLOCK_RATE_SET clock 2 (board "apb_clk"): OUT_OF_RANGE: 300000000 outside its bounds 10000000–200000000
 * audit: agent "vm1": 4990 more refused requests suppressed in the last 1000 ms
 * ```
 * @module
 */
import type { Agent } from "../agent.ts";
import { type Board, findResource } from "../board.ts";
import { headerMessageId, headerProtocol } from "../header.ts";
import type { Logger } from "../log.ts";
import type { Msg } from "../msg.ts";
import type { CommandDef, ValueParam } from "../protocol.ts";
import { ctxRuntime, type Session } from "../session.ts";
import { Status, statusName } from "../status.ts";
import { boundsText, checkValue, valueOf } from "./bounds.ts";

/** Why a request was refused, as the dispatcher tells the audit. */
export const AuditWhy = {
  /** Whatever the handler decided; only DENIED replies are audited. */
  HANDLER: 0,
  /** The agent lacks the rights the command needs (read-only access). */
  RIGHTS: 1,
  /** The value is outside the agent's bounds. */
  BOUNDS: 2,
  /** The agent is over its request rate limit. */
  RATE_LIMIT: 3,
  /** The message header has reserved bits (31:28) set. */
  RESERVED_HEADER: 4,
} as const;
export type AuditWhy = typeof AuditWhy[keyof typeof AuditWhy];

export interface AuditOptions {
  /** Lines per agent per window (default 10). */
  lines?: number;
  /** Window length, ms (default 1000). */
  windowMs?: number;
  /** Time source, ms (default `performance.now()`). */
  now?: () => number;
  /**
   * Print a window's summary when it ends, from a timer (default true). Without it the
   * summary comes with the agent's next refusal, or from {@linkcode Audit.flush}.
   */
  timers?: boolean;
}

interface Window {
  start: number;
  lines: number;
  suppressed: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * The audit log of one platform (`Platform.audit`): the dispatcher reports each refusal with
 * {@linkcode Audit.refused}; lines go to the platform's logger at level `warn`.
 */
export class Audit {
  readonly lines: number;
  readonly windowMs: number;
  now: () => number;
  readonly #timers: boolean;
  readonly #windows = new Map<Agent, Window>();

  constructor(readonly log: Logger, readonly board: Board, opts: AuditOptions = {}) {
    this.lines = opts.lines ?? 10;
    this.windowMs = opts.windowMs ?? 1000;
    this.now = opts.now ?? (() => performance.now());
    this.#timers = opts.timers ?? true;
  }

  /**
   * Records that `m` from session `s` was answered `status` for reason `why`. A HANDLER
   * reason is audited only for DENIED.
   */
  refused(s: Session, m: Msg, cmd: CommandDef | undefined, status: number, why: AuditWhy): void {
    if (why === AuditWhy.HANDLER && status !== Status.DENIED) return;
    const agent = s.agent;
    const now = this.now();
    let w = this.#windows.get(agent);
    if (w === undefined) {
      w = { start: now, lines: 0, suppressed: 0, timer: undefined };
      this.#windows.set(agent, w);
    } else if (now - w.start >= this.windowMs) {
      this.#close(agent, w, now);
    }
    if (w.lines >= this.lines) {
      if (w.suppressed++ === 0 && this.#timers) this.#schedule(agent, w);
      return;
    }
    w.lines++;
    this.log.warn(this.#line(s, m, cmd, status, why));
  }

  /** Prints the summary of every window that has ended with refusals suppressed. */
  flush(): void {
    const now = this.now();
    for (const [agent, w] of this.#windows) {
      if (now - w.start >= this.windowMs) this.#close(agent, w, now);
    }
  }

  /** Forgets `agent` (removed from the platform), printing what it still owes. */
  forget(agent: Agent): void {
    const w = this.#windows.get(agent);
    if (w === undefined) return;
    this.#close(agent, w, this.now());
    this.#windows.delete(agent);
  }

  #close(agent: Agent, w: Window, now: number): void {
    if (w.timer !== undefined) clearTimeout(w.timer);
    w.timer = undefined;
    if (w.suppressed > 0) {
      this.log.warn(
        `audit: agent "${agent.name}": ${w.suppressed} more refused requests suppressed in the last ${
          Math.round(now - w.start)
        } ms`,
      );
    }
    w.start = now;
    w.lines = 0;
    w.suppressed = 0;
  }

  #schedule(agent: Agent, w: Window): void {
    const due = Math.max(0, w.start + this.windowMs - this.now());
    const timer = setTimeout(() => {
      w.timer = undefined;
      if (this.#windows.get(agent) === w) this.#close(agent, w, this.now());
    }, due);
    Deno.unrefTimer(timer);
    w.timer = timer;
  }

  #line(s: Session, m: Msg, cmd: CommandDef | undefined, status: number, why: AuditWhy): string {
    const h = m.header;
    const ctx = s.ctxs[headerProtocol(h)];
    const proto = (ctx && ctxRuntime(ctx))?.def.name ??
      `protocol 0x${headerProtocol(h).toString(16)}`;
    const command = cmd?.name ?? (ctx && ctxRuntime(ctx))?.table[headerMessageId(h)]?.name ??
      `message 0x${headerMessageId(h).toString(16)}`;
    let line = `audit: agent "${s.agent.name}" ${proto} ${command}`;
    const kind = cmd?.resource;
    if (kind !== undefined && m.vid >= 0) {
      const board = findResource(this.board, kind, m.res)?.name ?? `physical ${m.res}`;
      line += ` ${kind} ${m.vid} (board "${board}")`;
    }
    line += `: ${statusName(status)}`;
    switch (why) {
      case AuditWhy.HANDLER:
        return line;
      case AuditWhy.RIGHTS:
        return `${line}: the agent may not change it (read-only access)`;
      case AuditWhy.RATE_LIMIT: {
        const limit = s.agent.rateLimit;
        return limit ? `${line}: over its rate limit of ${limit.perS} requests per second` : line;
      }
      case AuditWhy.BOUNDS:
        return `${line}: ${this.#boundsDetail(s, m, cmd)}`;
      case AuditWhy.RESERVED_HEADER:
        return `${line}: reserved header bits 31:28 set (header 0x${
          (h >>> 0).toString(16).padStart(8, "0")
        })`;
    }
  }

  #boundsDetail(s: Session, m: Msg, cmd: CommandDef | undefined): string {
    const kind = cmd?.resource;
    const ctx = s.ctxs[headerProtocol(m.header)];
    const b = kind === undefined ? undefined : s.agent.grants.map(kind).bounds[m.vid];
    if (cmd?.value === undefined || b === undefined || ctx === undefined) {
      return "outside its bounds";
    }
    const params: readonly ValueParam[] = Array.isArray(cmd.value) ? cmd.value : [cmd.value];
    for (const p of params) {
      const v = valueOf(ctx, p, m.r, m.res);
      const st = checkValue(b, v);
      if (st === Status.OUT_OF_RANGE) return `${v} outside its bounds ${boundsText(b)}`;
      if (st === Status.DENIED) return `${v} is not among its allowed values ${boundsText(b)}`;
    }
    return "outside its bounds";
  }
}
