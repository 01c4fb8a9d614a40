/**
 * Protocol plugins declared as data: a table of command handlers plus per-agent open/close
 * hooks. The core checks sizes, versions, resource visibility and rights before any handler
 * runs; handlers do only the command's own semantics.
 * @module
 */
import type { CallVerbs } from "../client/types.ts";
import { checkApiField } from "./api.ts";
import type { AgentKey } from "./agent_keys.ts";
import type { ResourceKind } from "./board.ts";
import type { DtNode } from "./dt.ts";
import type { KindDef } from "./kind.ts";
import type { Deployment } from "./manifest/types.ts";
import type { Msg } from "./msg.ts";
import type { Ctx } from "./session.ts";
import type { LintFinding } from "./policy/lint.ts";
import type { SetupEnv } from "./setup_env.ts";
import type { Status } from "./status.ts";

/** What a handler returns: nothing (SUCCESS with what it wrote), or a status. */
export type Outcome = void | Status | Promise<void | Status>;

/** Parameter size rule: exactly `n` bytes, or a range. */
export type ParamSize = number | { readonly min: number; readonly max?: number };

/** Rights bits a command may need on its resource (see the grant table). */
export const Right = {
  /** Read state and attributes. Every granted resource has it. */
  READ: 1,
  /** Change state (enable, rate, level, reset…). */
  WRITE: 2,
} as const;

/**
 * A parameter that carries the value a command sets on its resource (a rate, a level, a
 * cap), for the dispatcher's check against the agent's bounds
 * (`IdMap.bounds`): a u32 at byte `at` of the parameters, or an i32, or a u64 (low word
 * first).
 */
export interface ValueParam<S = unknown, G = unknown> {
  /** Byte offset of the value in the parameters. */
  readonly at: number;
  /** The value is a u64 (low word first) at `at`. */
  readonly u64?: boolean;
  /** The value is a signed 32-bit integer. */
  readonly i32?: boolean;
  /**
   * Turns the wire value into the unit bounds are written in (a level index into a level, a
   * "no cap" 0 into Infinity). NaN skips the check: the handler refuses such a request on
   * its own terms. Runs on the per-message path: no allocation.
   */
  readonly of?: (ctx: Ctx<S, G>, phys: number, raw: number) => number;
}

/**
 * One command of a protocol: its wire shape (parameter size, the resource it names, the value it
 * sets), the rights and version it needs, and its handler. The dispatcher checks all of it before
 * `run`.
 */
export interface CommandDef<S = unknown, G = unknown> {
  /** Specification name, e.g. `CLOCK_RATE_SET`. */
  readonly name: string;
  /** Size of the parameters after the header; a mismatch answers PROTOCOL_ERROR. */
  readonly params: ParamSize;
  /**
   * The command names a resource of this kind by a u32 at byte `at` of its parameters
   * (default 0). The dispatcher maps the agent's id to the physical one (`msg.res`) and
   * answers NOT_FOUND for ids the agent cannot see.
   */
  readonly resource?: ResourceKind;
  /** Byte offset of the resource id in the parameters (default 0). */
  readonly at?: number;
  /** Rights the agent needs on that resource (default READ); DENIED otherwise. */
  readonly needs?: number;
  /**
   * The parameter(s) holding the value this command sets on its resource. When the agent's
   * grant bounds the resource, the dispatcher answers OUT_OF_RANGE for a value outside
   * min–max and DENIED for one not among the allowed values, before the handler runs.
   */
  readonly value?: ValueParam<S, G> | readonly ValueParam<S, G>[];
  /** Lowest protocol version that has this command; NOT_SUPPORTED below it. */
  readonly since?: number;
  /**
   * Parameter layout for traces: space-separated `name` (u32) or `name:u64` / `name:i32`,
   * e.g. `"clock rate_lo rate_hi"`.
   */
  readonly a2p?: string;
  /** PROTOCOL_MESSAGE_ATTRIBUTES value for this command (default 0). */
  readonly attributes?: (ctx: Ctx<S, G>) => number;
  /** Whether the command exists for this agent's session (default: yes). */
  readonly available?: (ctx: Ctx<S, G>) => boolean;
  /**
   * The handler: reads parameters from `m.r`, writes the reply payload to `m.w`, returns nothing
   * for SUCCESS or a status; may throw an `ScmiError`.
   */
  readonly run: (ctx: Ctx<S, G>, m: Msg) => Outcome;
}

/**
 * A message the platform sends on its own (notification or delayed response), described for traces.
 */
export interface EventDef {
  /** Specification name, e.g. `CLOCK_RATE_CHANGED`. */
  readonly name: string;
  /** Payload layout for traces, as in {@linkcode CommandDef.a2p}. */
  readonly p2a?: string;
}

/**
 * A protocol plugin as data: its id, versions, commands and events, and the hooks that create and
 * release per-agent and protocol-wide state. Made with {@linkcode defineProtocol}.
 */
export interface ProtocolDef<S = unknown, G = unknown> {
  /**
   * The vscmi API major this plugin was written for (`API_MAJOR` when written
   * against this API). A plugin stating another major is refused at startup.
   */
  readonly api: number;
  /** 0x10–0xFF. */
  readonly id: number;
  /** Short name used in manifests and traces, e.g. `clock`. */
  readonly name: string;
  /** Every version this plugin can speak, `(major << 16) | minor`, ascending. */
  readonly versions: readonly number[];
  /**
   * Resource kinds this protocol carries (made with `defineKind`): its commands' `resource`
   * names one of them, and the board, grants and policy read them.
   */
  readonly kinds?: readonly KindDef[];
  /**
   * Command handlers by message id. PROTOCOL_VERSION (0x0), PROTOCOL_MESSAGE_ATTRIBUTES (0x2)
   * and NEGOTIATE_PROTOCOL_VERSION (0x10) are answered by the core; PROTOCOL_ATTRIBUTES (0x1)
   * must be here.
   */
  readonly commands: Readonly<Record<number, CommandDef<S, G>>>;
  /** Notifications and delayed responses, by message id, for traces. */
  readonly events?: Readonly<Record<number, EventDef>>;
  /**
   * Protocol-wide state, created once at startup from the board, the drivers, the vote book
   * and the services that reach across agents (notification fan-out, agent directory).
   */
  setup?(env: SetupEnv<S>): G;
  /** Per-session state, created when an agent's session opens. */
  readonly open?: (ctx: Ctx<S, G>) => S;
  /** Called when the session ends: release everything the agent held. */
  readonly close?: (ctx: Ctx<S, G>) => void;
  /**
   * Called for each open session of an agent that is losing resource `phys` of `kind` at run
   * time (BASE_SET_DEVICE_PERMISSIONS deny, see `core/permissions.ts`): release the agent's
   * hold on it (votes, subscriptions, claims). Runs while the resource is still mapped, so
   * `ctx.ids(kind).toVirtual(phys)` still answers; it disappears right after.
   */
  readonly onRevoke?: (ctx: Ctx<S, G>, kind: ResourceKind, phys: number) => void;
  /**
   * The protocol's client side: the `vscmi call` verbs for it (`client/mod.ts`). The id, the
   * name and the message names `vscmi call` shows come from this definition. Without it,
   * `vscmi call` still offers the common commands.
   */
  readonly call?: CallVerbs;
  /**
   * Its node in a guest's device tree (`vscmi dt`). Without it the node is
   * `scmi_proto_<id>: protocol@<id>` with no cells and no list of ids.
   */
  readonly dt?: DtNode;
  /**
   * Keys it adds to `[[agent]]` tables (made with `defineAgentKey`): the loader checks and
   * reads them, and its handlers read an agent's setting with `key.of(ctx.agent)`.
   */
  readonly agentKeys?: readonly AgentKey[];
  /**
   * Warnings of its own about a deployment that loads (`vscmi check`), for agents that
   * speak it: limits of the guests' drivers, settings of its agent keys.
   *
   * @param dep The loaded deployment.
   * @returns Its findings, located by key path.
   */
  readonly lint?: (dep: Deployment) => LintFinding[];
}

/** Common command ids every protocol has. */
export const CommonMsg = {
  PROTOCOL_VERSION: 0x0,
  PROTOCOL_ATTRIBUTES: 0x1,
  PROTOCOL_MESSAGE_ATTRIBUTES: 0x2,
  NEGOTIATE_PROTOCOL_VERSION: 0x10,
} as const;

/**
 * Declares a protocol plugin. Checks the definition once and freezes it: what types cannot
 * say (id range, ascending versions, commands the core answers, resource ids and values
 * inside the declared parameters) is refused here, at import, rather than per message.
 *
 * @param def The protocol: `api` (the API major it was written for), id, name, versions,
 * kinds, commands, events and hooks.
 * @returns The same definition, frozen: the module's `default` or `protocol` export.
 * @throws {TypeError} naming the protocol and the command at fault.
 *
 * @example A vendor protocol with one command that reads a u32 and answers it doubled
 * ```ts
 * import { API_MAJOR } from "./api.ts";
 * import { defineProtocol } from "./protocol.ts";
 * import { Status } from "./status.ts";
 * export default defineProtocol({
 *   api: API_MAJOR,
 *   id: 0x80,
 *   name: "demo",
 *   versions: [0x10000],
 *   commands: {
 *     0x1: { name: "PROTOCOL_ATTRIBUTES", params: 0, run: (_ctx, m) => m.w.u32(0) },
 *     0x3: {
 *       name: "DEMO_DOUBLE",
 *       params: 4,
 *       run: (_ctx, m) => {
 *         const v = m.r.u32();
 *         if (v > 0x7fffffff) return Status.OUT_OF_RANGE;
 *         m.w.u32(v * 2);
 *       },
 *     },
 *   },
 * });
 * ```
 */
export function defineProtocol<S = undefined, G = undefined>(
  def: ProtocolDef<S, G>,
): ProtocolDef<S, G> {
  const where = `Protocol "${def.name}" (0x${def.id.toString(16)})`;
  checkApiField(where, def.api);
  if (!Number.isInteger(def.id) || def.id < 0x10 || def.id > 0xff) {
    throw new TypeError(`${where}: id must be 0x10–0xFF`);
  }
  if (def.versions.length === 0) throw new TypeError(`${where}: declares no version`);
  for (let i = 0; i < def.versions.length; i++) {
    const v = def.versions[i];
    if (!Number.isInteger(v) || v < 0x10000 || v > 0xffffffff) {
      throw new TypeError(`${where}: version 0x${v.toString(16)} is not (major << 16) | minor`);
    }
    if (i > 0 && v <= def.versions[i - 1]) throw new TypeError(`${where}: versions must ascend`);
  }
  if (!def.commands[CommonMsg.PROTOCOL_ATTRIBUTES]) {
    throw new TypeError(`${where}: PROTOCOL_ATTRIBUTES (0x1) handler is missing`);
  }
  for (const key of Object.keys(def.commands)) {
    const id = Number(key);
    if (!Number.isInteger(id) || id < 0 || id > 0xff) {
      throw new TypeError(`${where}: bad message id ${key}`);
    }
    if (id === 0 || id === 2 || id === 0x10) {
      throw new TypeError(`${where}: message 0x${id.toString(16)} is answered by the core`);
    }
    const c = def.commands[id];
    if (typeof c.run !== "function") throw new TypeError(`${where}: ${c.name} has no run()`);
    if (c.resource && !(def.kinds ?? []).some((k) => k.name === c.resource)) {
      throw new TypeError(`${where}: ${c.name} names a "${c.resource}" but kinds does not list it`);
    }
    const least = typeof c.params === "number" ? c.params : c.params.min;
    if (c.resource !== undefined && (c.at ?? 0) + 4 > least) {
      // The dispatcher reads the resource id before the handler: it must lie inside every
      // message the size check lets through.
      throw new TypeError(`${where}: ${c.name} reads its resource id past its parameters`);
    }
    if (c.value !== undefined) {
      if (c.resource === undefined) {
        throw new TypeError(`${where}: ${c.name} declares a value but names no resource`);
      }
      for (const v of Array.isArray(c.value) ? c.value : [c.value]) {
        if (v.at < 0 || v.at + (v.u64 ? 8 : 4) > least) {
          throw new TypeError(`${where}: ${c.name} declares a value past its parameters`);
        }
      }
    }
  }
  if (def.call !== undefined) checkCall(where, def.call);
  return Object.freeze(def);
}

/** What types cannot say about a protocol's `call` verbs, checked at import. */
function checkCall(where: string, call: CallVerbs): void {
  if (typeof call.summary !== "string" || call.summary.trim() === "") {
    throw new TypeError(`${where}: call.summary must be a one-line description`);
  }
  if (!Array.isArray(call.commands)) throw new TypeError(`${where}: call.commands must be a list`);
  const seen = new Set<string>();
  for (const c of call.commands) {
    const what = `${where}: call command "${c?.name}"`;
    if (typeof c?.name !== "string" || !/^[a-z][a-z0-9-]*$/.test(c.name)) {
      throw new TypeError(`${what}: name must be lower-case words joined by "-"`);
    }
    if (seen.has(c.name)) throw new TypeError(`${what} is declared twice`);
    seen.add(c.name);
    if (typeof c.run !== "function") throw new TypeError(`${what} has no run()`);
    if (typeof c.summary !== "string" || c.summary === "") {
      throw new TypeError(`${what} has no summary`);
    }
    const [min, max] = c.arity ?? [0, 0];
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < 0 || max < min) {
      throw new TypeError(`${what}: arity must be [fewest, most] with 0 <= fewest <= most`);
    }
    if (max > 0 && !c.args) throw new TypeError(`${what} takes arguments but names none`);
    if (
      c.message !== undefined && (!Number.isInteger(c.message) || c.message < 0 || c.message > 0xff)
    ) {
      throw new TypeError(`${what}: message must be a message id 0–0xFF`);
    }
  }
}

/**
 * A protocol version as text.
 *
 * @param v `(major << 16) | minor`, as `versions` holds it.
 * @returns "major.minor", e.g. "3.0" for 0x30000.
 */
export function versionString(v: number): string {
  return `${v >>> 16}.${v & 0xffff}`;
}

/** A protocol definition of any state types, as registries hold them. */
// deno-lint-ignore no-explicit-any
export type AnyProtocol = ProtocolDef<any, any>;
