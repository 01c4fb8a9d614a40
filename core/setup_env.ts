/**
 * What a protocol's `setup` is given: the board and its drivers, the vendor identity, the log,
 * the vote book, and the narrow services a protocol needs across agents — the fan-out to its
 * own sessions, the agent directory (Base's agent commands, per-resource permission commands)
 * and the malformed-message feed. Handlers see none of it directly: they get their own
 * agent's view through `Ctx`, and whatever `setup` put in the protocol's shared state.
 * @module
 */
import type { Board, ResourceKind } from "./board.ts";
import type { Bounds } from "./grants.ts";
import type { HwTable } from "./hw_table.ts";
import type { Logger } from "./log.ts";
import type { VoteBook } from "./policy/vote_book.ts";
import {
  findDevice,
  resetAgentConfiguration,
  setDeviceAccess,
  setProtocolAccess,
  setResourceAccess,
} from "./permissions.ts";
import type { PlatformEnv, VendorInfo } from "./platform_env.ts";
import { type AgentIdentity, type Ctx, ctxSession, type Receiver } from "./session.ts";
import { Status } from "./status.ts";

/** A handler's context of any protocol, as the agent directory takes it to name the caller. */
// deno-lint-ignore no-explicit-any
export type AnyCtx = Ctx<any, any>;

/**
 * Told about every message the dispatcher answered PROTOCOL_ERROR (malformed traffic): the
 * agent it came from and its header word.
 */
export type MalformedFeed = (offender: AgentIdentity, header: number) => void;

/**
 * The agents on the platform, as Base's agent commands and per-resource permission commands
 * need them: identities to list and look up, and the permission changes a trusted agent may
 * make on another. Every change names its caller by the handler's own context; the core
 * answers DENIED unless that context's agent is trusted, whatever the handler checked.
 */
export interface AgentDirectory {
  /**
   * Agents in id order. Ids start at 1 and have gaps once an agent was removed at run time:
   * look agents up by id with {@linkcode AgentDirectory.byId}, not by position.
   */
  list(): readonly AgentIdentity[];
  /** The agent with SCMI agent id `id` (1 or more), while it is on the platform. */
  byId(id: number): AgentIdentity | undefined;
  /**
   * The version agent `agent` is pinned to for protocol `protocol` (its manifest's
   * `version`), or undefined when it is not pinned, not granted it or not on the platform.
   */
  pin(agent: number, protocol: number): number | undefined;
  /**
   * The bounds the deployment set on agent `agent`'s values for physical `phys` of `kind`
   * (`min`/`max`, allowed values), or undefined when it has none or cannot see it: for
   * arbitration that weighs each agent's request within its own bounds.
   */
  bounds(agent: number, kind: ResourceKind, phys: number): Bounds | undefined;
  /** Whether the board has SCMI device `deviceId`. */
  hasDevice(deviceId: number): boolean;
  /** Whether the platform implements protocol `id` (Base included). */
  hasProtocol(id: number): boolean;
  /**
   * Grants or denies agent `target` SCMI device `deviceId` (BASE_SET_DEVICE_PERMISSIONS).
   * DENIED for an untrusted caller, NOT_FOUND for an unknown agent or device.
   */
  setDeviceAccess(caller: AnyCtx, target: number, deviceId: number, allow: boolean): Status;
  /**
   * Allows or denies agent `target` protocol `protocolId` on device `deviceId`
   * (BASE_SET_PROTOCOL_PERMISSIONS). DENIED for an untrusted caller, NOT_FOUND for an unknown
   * agent, device or protocol, and for Base.
   */
  setProtocolAccess(
    caller: AnyCtx,
    target: number,
    deviceId: number,
    protocolId: number,
    allow: boolean,
  ): Status;
  /**
   * Grants (full rights) or withdraws agent `target`'s access to physical `phys` of `kind`
   * (a protocol's SET_PERMISSIONS command). DENIED for an untrusted caller, NOT_FOUND for an
   * unknown agent or resource.
   */
  setResourceAccess(
    caller: AnyCtx,
    target: number,
    kind: ResourceKind,
    phys: number,
    allow: boolean,
  ): Status;
  /**
   * Drops what agent `target` configured (BASE_RESET_AGENT_CONFIGURATION); with
   * `resetPermissions` its grants revert to the deployment's. DENIED for an untrusted caller,
   * NOT_FOUND for an unknown agent.
   */
  resetConfiguration(caller: AnyCtx, target: number, resetPermissions: boolean): Status;
}

/** What a protocol plugin's `setup` receives; protocol-wide state is built from it once. */
export interface SetupEnv<S = unknown> {
  /** The board as its manifest describes it. */
  readonly board: Board;
  /** The driver contract behind each physical resource, by kind. */
  readonly hw: HwTable;
  /** The platform's identity, as Base reports it. */
  readonly vendor: VendorInfo;
  /** Where plugins log; use `log.once` for anything a guest can trigger repeatedly. */
  readonly log: Logger;
  /**
   * Every agent's votes: plugins create their stores here (see `core/policy/vote_book.ts`);
   * the platform releases an agent's votes when its grace period ends or at an explicit end.
   */
  readonly votes: VoteBook;
  /**
   * The notification fan-out: every open session of this protocol, each with its own
   * subscriptions, virtual ids and channel. Live: sessions come and go.
   */
  readonly receivers: Iterable<Receiver<S>>;
  /** The agents on the platform and the permission changes between them. */
  readonly agents: AgentDirectory;
  /** Protocol ids the platform implements, ascending, Base included. */
  protocolIds(): readonly number[];
  /**
   * The settings protocols' `[[agent]]` keys gave agent `agent` (`defineAgentKey`), or
   * undefined for an agent not on the platform (for a protocol to check every agent's
   * settings at startup).
   */
  settingsOf(agent: number): Readonly<Record<string, unknown>> | undefined;
  /** Registers `feed` for messages the dispatcher answers PROTOCOL_ERROR. */
  onMalformed(feed: MalformedFeed): void;
}

/**
 * The setup environment of one protocol, over the platform's own environment and the set of
 * its open sessions' contexts.
 * @internal
 */
export function makeSetupEnv<S>(env: PlatformEnv, receivers: Iterable<Receiver<S>>): SetupEnv<S> {
  return {
    board: env.board,
    hw: env.hw,
    vendor: env.vendor,
    log: env.log,
    votes: env.votes,
    receivers,
    agents: makeDirectory(env),
    protocolIds: () => env.protocolIds(),
    settingsOf: (agent) => env.agentById(agent)?.settings,
    onMalformed: (feed) => env.onMalformed((s, header) => feed(s.agent, header)),
  };
}

function makeDirectory(env: PlatformEnv): AgentDirectory {
  /** The target agent when the caller's own session's agent is trusted. */
  const resolve = (caller: AnyCtx, target: number) => {
    if (!ctxSession(caller).agent.trusted) return Status.DENIED;
    return env.agentById(target) ?? Status.NOT_FOUND;
  };
  return {
    list: () => env.agents(),
    byId: (id) => env.agentById(id),
    bounds(agent, kind, phys) {
      const map = env.agentById(agent)?.grants.maps[kind];
      const vid = map === undefined ? -1 : map.toVirtual(phys);
      return vid < 0 ? undefined : map!.bounds[vid];
    },
    pin: (agent, protocol) => env.agentById(agent)?.grants.protocols.get(protocol)?.pin,
    hasDevice: (id) => findDevice(env.board, id) !== undefined,
    hasProtocol: (id) => env.protocol(id) !== undefined,
    setDeviceAccess(caller, target, deviceId, allow) {
      const a = resolve(caller, target);
      return typeof a === "number" ? a : setDeviceAccess(env, a, deviceId, allow);
    },
    setProtocolAccess(caller, target, deviceId, protocolId, allow) {
      const a = resolve(caller, target);
      return typeof a === "number" ? a : setProtocolAccess(env, a, deviceId, protocolId, allow);
    },
    setResourceAccess(caller, target, kind, phys, allow) {
      const a = resolve(caller, target);
      return typeof a === "number" ? a : setResourceAccess(env, a, kind, phys, allow);
    },
    resetConfiguration(caller, target, resetPermissions) {
      const a = resolve(caller, target);
      if (typeof a === "number") return a;
      resetAgentConfiguration(env, a, resetPermissions);
      return Status.SUCCESS;
    },
  };
}
