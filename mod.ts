/**
 * The public API of vscmi for plugin, board-driver and transport authors: types and
 * `define*` helpers, nothing else.
 * @module
 */
export { CommonMsg, defineProtocol, Right, versionString } from "./core/protocol.ts";
export type {
  CommandDef,
  EventDef,
  Outcome,
  ParamSize,
  ProtocolDef,
  ValueParam,
} from "./core/protocol.ts";
export { defineDriver, DriverError } from "./core/driver.ts";
export type { BoardDriver, DriverDef, DriverEnv, DriverFault } from "./core/driver.ts";
export type {
  ClockHw,
  PerfHw,
  PinctrlHw,
  PowercapHw,
  PowerHw,
  ResetHw,
  SensorHw,
  SystemHw,
  VoltageHw,
} from "./core/driver.ts";
export type { RateRound } from "./core/hw/clock.ts";
export { SYSTEM_STATE_VENDOR, SystemState } from "./core/hw/system.ts";
export { PowerState } from "./core/hw/power.ts";
export { ResetState } from "./core/hw/reset.ts";
export { isPinConfigType, NO_FUNCTION, PIN_CONFIG_NAMES, PinConfig } from "./core/hw/pinctrl.ts";
export type { PinTarget } from "./core/hw/pinctrl.ts";
export { defineTransport } from "./core/transport.ts";
export type {
  CheckedTransport,
  ListenAddress,
  TransportDef,
  TransportEnv,
  TransportHandle,
} from "./core/transport.ts";
export { isOptionError, OptionError } from "./core/options.ts";
export { ScmiError, Status, statusName } from "./core/status.ts";
export { decodeHeader, encodeHeader, MsgType } from "./core/header.ts";
export type { Header } from "./core/header.ts";
export { Reader } from "./core/reader.ts";
export { CapacityError, Writer } from "./core/writer.ts";
export { page } from "./core/page.ts";
export { Msg } from "./core/msg.ts";
export type { Ctx, Session } from "./core/session.ts";
export type { PlatformEnv, VendorInfo } from "./core/platform_env.ts";
export type { Agent } from "./core/agent.ts";
export type { Bounds, IdMap } from "./core/grants.ts";
export type {
  HeldVote,
  StoreHooks,
  ValueHooks,
  VoteBook,
  VoteDescription,
} from "./core/policy/vote_book.ts";
export type { OnVotes } from "./core/votes.ts";
export type { ValueOutcome, ValuePolicy, ValueVotes } from "./core/policy/values.ts";
export type { Grace } from "./core/policy/grace.ts";
export { RESOURCE_KINDS } from "./core/board.ts";
export type * from "./core/board.ts";
export { causerFor, hearsRequest, PLATFORM_AGENT_ID } from "./core/notify_rules.ts";
