/**
 * The public API of vscmi for plugin, board-driver and transport authors: types and
 * `define*` helpers, nothing else. Every definition states the API major it was written for
 * (`api`, see {@linkcode API_MAJOR}); errors thrown below a handler answer their status, and
 * are recognised by brand ({@linkcode isScmiError}), so a plugin that imports its own copy of
 * this module keeps its statuses.
 *
 * Plugins and transports get narrow ports, never the platform. A handler's {@linkcode Ctx} is
 * its own session's: version, per-session and shared state, its agent's identity
 * ({@linkcode AgentView}) and id maps, its votes, its notification and delayed-response
 * channel, and the drivers of its protocol's kinds. What a protocol needs across agents is
 * given to its `setup` ({@linkcode SetupEnv}): the notification fan-out over its sessions
 * ({@linkcode Receiver}), the vote book, and the {@linkcode AgentDirectory} (permission changes
 * checked against the caller's trust by the core). A transport's {@linkcode TransportEnv}
 * opens its agent's sessions as {@linkcode SessionPort}s: deliver a message, take fair turns,
 * trace, close.
 *
 * @example A vendor protocol module, named in a deployment's `[platform] plugins`
 * ```ts
 * import { API_MAJOR, defineProtocol, ScmiError, Status } from "./mod.ts";
 *
 * const names = ["fan0", "fan1"];
 * export default defineProtocol({
 *   api: API_MAJOR,
 *   id: 0x80,
 *   name: "fans",
 *   versions: [0x10000],
 *   commands: {
 *     0x1: { name: "PROTOCOL_ATTRIBUTES", params: 0, run: (_ctx, m) => m.w.u32(names.length) },
 *     0x3: {
 *       name: "FAN_NAME_GET",
 *       params: 4,
 *       run: (_ctx, m) => {
 *         const name = names[m.r.u32()];
 *         if (name === undefined) throw new ScmiError(Status.NOT_FOUND);
 *         m.w.name(name, 16);
 *       },
 *     },
 *   },
 * });
 * ```
 * @module
 */
export { API_MAJOR, API_VERSION } from "./core/api.ts";
export { CommonMsg, defineProtocol, Right, versionString } from "./core/protocol.ts";
export type {
  AnyProtocol,
  CommandDef,
  EventDef,
  Outcome,
  ParamSize,
  ProtocolDef,
  ValueParam,
} from "./core/protocol.ts";
export { dtLabel, dtResourceName, dtSafe } from "./core/dt.ts";
export type { DtNode, DtView } from "./core/dt.ts";
/** A protocol's `call` verbs are written with the client kit, `client/mod.ts`. */
export type {
  CallCommand,
  CallContext,
  CallFlagDef,
  CallFlags,
  CallProtocol,
  CallResult,
  CallVerbs,
  Endpoint,
  Payload,
  Reply,
  ScmiClient,
} from "./client/mod.ts";
export { defineDriver, DriverError, isDriverError } from "./core/driver.ts";
export type {
  BoardDriver,
  DiscoverEnv,
  DriverDef,
  DriverDiscovery,
  DriverEnv,
  DriverFault,
  HwResourceAccess,
} from "./core/driver.ts";
export { hwAccessOf, hwPath, REAL_HW } from "./core/hw_root.ts";
export { ImportError } from "./core/importer.ts";
export type { ImportedFile, Importer, ImportRequest } from "./core/importer.ts";
export type { HwAccess } from "./core/hw_root.ts";
export type { HwTable } from "./core/hw_table.ts";
export { definedKinds, defineKind, hwClass, kindNamed, kindsOf, nounOf } from "./core/kind.ts";
export type {
  Convert,
  EntryOf,
  Fields,
  FieldSchema,
  HwClass,
  Inspected,
  KindCtx,
  KindDef,
  KindSpec,
  ResourceBase,
  ValueSpec,
} from "./core/kind.ts";
export { initial, parentRef, stateWords, stepsAt, triplet } from "./core/manifest/board_steps.ts";
export { field } from "./core/manifest/fields.ts";
export type { Field } from "./core/manifest/fields.ts";
export { HERTZ, MICROVOLTS, MICROWATTS, parseQuantity, toBaseUnit } from "./core/manifest/units.ts";
export type { UnitSystem } from "./core/manifest/units.ts";
export type { KeyPath } from "./core/manifest/problem.ts";
export type { Steps } from "./core/manifest/value_steps.ts";
export { supports } from "./core/manifest/value_steps.ts";
export type { AgentDecl, Deployment, ResourceAccess } from "./core/manifest/types.ts";
export type { LoadOptions } from "./server/manifest/deployment.ts";

export type { LintFinding } from "./core/policy/lint.ts";
export { admits, origin, rightsOf, speaks } from "./core/policy/lint.ts";
export { defineTransport } from "./core/transport.ts";
export type {
  CheckedTransport,
  Durability,
  GuestDt,
  GuestDtView,
  HeldRange,
  ListenAddress,
  TransportDef,
  TransportEnv,
  TransportHandle,
} from "./core/transport.ts";
export type { SessionEnd } from "./core/platform.ts";
export type { SessionOpener, SessionPort, TransportAgent } from "./core/session_port.ts";
export { isOptionError, OptionError } from "./core/options.ts";
export type { OptionsDecl } from "./core/options.ts";
export { isScmiError, ScmiError, Status, statusName } from "./core/status.ts";
export { decodeHeader, encodeHeader, headerToken, MsgType } from "./core/header.ts";
export type { Header } from "./core/header.ts";
export { Reader } from "./core/reader.ts";
export { CapacityError, encodeName, isCapacityError, Writer } from "./core/writer.ts";
export { liveClock, ManualClock, systemClock } from "./core/timer_clock.ts";
export type { TimerClock } from "./core/timer_clock.ts";
export { page } from "./core/page.ts";
export { Msg } from "./core/msg.ts";
export type { AgentIdentity, AgentView, Ctx, Receiver, SessionOptions } from "./core/session.ts";
export type { AgentDirectory, AnyCtx, MalformedFeed, SetupEnv } from "./core/setup_env.ts";
export type { P2aKind, P2aQueue } from "./core/p2a.ts";
export type { VendorInfo } from "./core/platform_env.ts";
export type { Logger, LogLevel, LogSink } from "./core/log.ts";
export type { Agent, TransportDecl } from "./core/agent.ts";
export { defineAgentKey } from "./core/agent_keys.ts";
export type { AgentKey, AgentKeyCtx, HasSettings } from "./core/agent_keys.ts";
export type { RateLimit } from "./core/policy/rate_limit.ts";
export type { Bounds, Grants, IdMap, ProtocolGrant } from "./core/grants.ts";
export type {
  HeldVote,
  StoreHooks,
  ValueHooks,
  VoteBook,
  VoteDescription,
} from "./core/policy/vote_book.ts";
export { OnVotes } from "./core/votes.ts";
export { VALUE_POLICIES } from "./core/policy/values.ts";
export { ValueVotes } from "./core/policy/values.ts";
export type { ValueOutcome, ValuePolicy } from "./core/policy/values.ts";
export type { Grace } from "./core/policy/grace.ts";
export { emptyBoard, findResource } from "./core/board.ts";
export type {
  Board,
  DeviceDesc,
  DriverDecl,
  FoundRunning,
  ResourceDesc,
  ResourceKind,
} from "./core/board.ts";
export {
  causerFor,
  hearsRequest,
  type NotifyReceiver,
  PLATFORM_AGENT_ID,
} from "./core/notify_rules.ts";
/**
 * The manifest's own zod schema builders (`table`, `list`, `int`, `quantity`, …), whose error
 * text is the "expected" half of a located problem: for board keys or agent keys that need zod
 * itself (unions, literals); {@linkcode field} covers the rest, typed.
 */
export * as schema from "./core/manifest/_schema.ts";
