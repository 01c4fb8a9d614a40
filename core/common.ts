/**
 * The commands every protocol has and the core answers for each plugin (DEN0056 §4.2.2):
 * PROTOCOL_VERSION, PROTOCOL_MESSAGE_ATTRIBUTES and NEGOTIATE_PROTOCOL_VERSION.
 * @module
 */
import { ctxRuntime } from "./session.ts";
import type { CommandDef } from "./protocol.ts";
import { Status } from "./status.ts";

/** a2p: —. p2a: u32 version. */
export const protocolVersion: CommandDef = {
  name: "PROTOCOL_VERSION",
  params: 0,
  run(ctx, m) {
    m.w.u32(ctx.version);
  },
};

/**
 * a2p: u32 message_id. p2a: u32 attributes. NOT_FOUND for a message this session's
 * version does not have.
 */
export const protocolMessageAttributes: CommandDef = {
  name: "PROTOCOL_MESSAGE_ATTRIBUTES",
  params: 4,
  a2p: "message_id",
  run(ctx, m) {
    const id = m.r.u32();
    if (!ctx.hasCommand(id)) return Status.NOT_FOUND;
    const cmd = ctxRuntime(ctx).table[id]!;
    m.w.u32(cmd.attributes ? cmd.attributes(ctx) : 0);
  },
};

/**
 * a2p: u32 version. p2a: —. SUCCESS when the plugin speaks that version and the agent is
 * allowed it (not above its pin); the session then uses that version's layouts.
 */
export const negotiateProtocolVersion: CommandDef = {
  name: "NEGOTIATE_PROTOCOL_VERSION",
  params: 4,
  a2p: "version",
  run(ctx, m) {
    const v = m.r.u32();
    if (v > ctx.ceiling || !ctxRuntime(ctx).def.versions.includes(v)) return Status.NOT_SUPPORTED;
    ctx.version = v;
  },
};
