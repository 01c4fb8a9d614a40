/**
 * The SCMI client kit: what `vscmi call` and every protocol's verbs are built from. A stream
 * client ({@linkcode ScmiClient}), a cursor over reply payloads ({@linkcode Payload}), the
 * shape of a protocol's verbs ({@linkcode CallVerbs}, the `call` field of its definition),
 * the common commands every protocol has, and the helpers verbs share: resolving ids and
 * names, walking resources, waiting for delayed responses, watching notifications, parsing
 * and printing quantities. A protocol's verbs import this module and `mod.ts` only.
 *
 * @example A verb that reads a u32 attribute of the protocol
 * ```ts
 * import { type CallVerbs, commonCommands, hex32 } from "./mod.ts";
 * export const demoCall: CallVerbs = {
 *   summary: "A vendor protocol",
 *   commands: [
 *     ...commonCommands(),
 *     {
 *       name: "attributes",
 *       summary: "PROTOCOL_ATTRIBUTES as a number",
 *       async run(ctx) {
 *         const v = (await ctx.call(0x1)).u32();
 *         return { text: hex32(v), json: { attributes: v } };
 *       },
 *     },
 *   ],
 * };
 * ```
 * @module
 */
export {
  CommandError,
  Exit,
  parseChoice,
  parsePositive,
  parseU32,
  parseVersion,
  UsageError,
} from "./args.ts";
export { ClientError, type Endpoint, type Reply, ScmiClient } from "./stream.ts";
export { DecodeError, Payload, StatusError } from "./decode.ts";
export type {
  CallCommand,
  CallContext,
  CallFlagDef,
  CallFlags,
  CallProtocol,
  CallResult,
  CallVerbs,
} from "./types.ts";
export { callProtocol, type CallSource, parseProtocol, protocolName } from "./protocols.ts";
export {
  COMMON_MESSAGES,
  commonCommands,
  CommonMsg,
  parseMessage,
  protocolVersion,
} from "./common.ts";
export { ok, walk } from "./walk.ts";
export { jsonNumber, longName, resolveId, s64, signed5, u64 } from "./resolve.ts";
export { watchLoop, watchTargets, type WatchWalk } from "./watch.ts";
export {
  DELAYED_TIMEOUT_MS,
  type Event,
  subscribed,
  waitDelayed,
  WATCH_FLAGS,
  type WatchEnd,
  watchEvents,
  watchLimits,
  watchSummary,
} from "./p2a.ts";
export { count, hex32, hexId, table, version, yesNo } from "./format.ts";
export { formatRate, parseRate } from "./units.ts";
export {
  formatMicros,
  formatMicrovolts,
  formatPower,
  formatScaled,
  parseMicros,
  parseMicrovolts,
  parsePower,
  type PowerUnit,
  unscale,
} from "./quantity.ts";
export {
  type Answer,
  bytes,
  delayed,
  nameWords,
  notification,
  type Scripted,
  scripted,
  type Sent,
  status,
  unexpected,
} from "./scripted.ts";
