/**
 * Subcommands every protocol has (DEN0056 §4.1.4 / §4.2.2.x common commands):
 * PROTOCOL_VERSION, PROTOCOL_MESSAGE_ATTRIBUTES and NEGOTIATE_PROTOCOL_VERSION. Each
 * protocol module lists them with `...commonCommands()`.
 * @module
 */
import { parseU32, parseVersion, UsageError } from "./args.ts";
import { Payload, StatusError } from "./decode.ts";
import { hex32, hexId, version } from "./format.ts";
import { CommonMsg } from "../core/protocol.ts";
import type { CallCommand, CallContext, CallProtocol } from "./types.ts";

export { CommonMsg };

const NOT_FOUND = -4;

/** Their specification names, to spread into a protocol's `messages`. */
export const COMMON_MESSAGES: Readonly<Record<number, string>> = {
  0x0: "PROTOCOL_VERSION",
  0x1: "PROTOCOL_ATTRIBUTES",
  0x2: "PROTOCOL_MESSAGE_ATTRIBUTES",
  0x10: "NEGOTIATE_PROTOCOL_VERSION",
};

/** PROTOCOL_VERSION of the context's protocol: `(major << 16) | minor`. */
export async function protocolVersion(ctx: CallContext): Promise<number> {
  return (await ctx.call(CommonMsg.PROTOCOL_VERSION)).u32();
}

/** A message id given as a number, a subcommand name or a specification name. */
export function parseMessage(proto: CallProtocol, text: string): number {
  const cmd = proto.commands.find((c) => c.name === text && c.message !== undefined);
  if (cmd) return cmd.message!;
  const upper = text.toUpperCase();
  for (const [id, name] of Object.entries(proto.messages)) {
    if (name === upper || name === `${proto.name.toUpperCase()}_${upper}`) return Number(id);
  }
  if (/^(0x[0-9a-f]+|\d+)$/i.test(text)) {
    const v = parseU32(text, "Message id");
    if (v > 0xff) throw new UsageError(`Message id must be 0–0xff, got "${text}"`);
    return v;
  }
  throw new UsageError(
    `Unknown ${proto.name} message "${text}": give a number, a command name or a specification name`,
  );
}

/** version, message-attributes, negotiate. */
export function commonCommands(): CallCommand[] {
  return [
    {
      name: "version",
      summary: "Version the platform speaks to this agent (PROTOCOL_VERSION)",
      message: CommonMsg.PROTOCOL_VERSION,
      async run(ctx) {
        const v = await protocolVersion(ctx);
        return { text: `${version(v)} (${hex32(v)})`, json: { version: version(v), raw: v } };
      },
    },
    {
      name: "message-attributes",
      args: "MSG",
      arity: [1, 1],
      summary: "Whether a message is implemented, and its attributes",
      help: "MSG is a message id (0x9), a command name (set-device-permissions) or a\n" +
        "specification name (BASE_SET_DEVICE_PERMISSIONS). NOT_FOUND means not implemented.",
      message: CommonMsg.PROTOCOL_MESSAGE_ATTRIBUTES,
      async run(ctx, [msg]) {
        const id = parseMessage(ctx.protocol, msg);
        const name = ctx.protocol.messages[id] ?? hexId(id);
        const r = await ctx.request(CommonMsg.PROTOCOL_MESSAGE_ATTRIBUTES, [id]);
        if (r.status !== 0) {
          throw new StatusError(
            "PROTOCOL_MESSAGE_ATTRIBUTES",
            r.status,
            r.status === NOT_FOUND ? `${name} (${hexId(id)}) is not implemented` : undefined,
          );
        }
        const a = new Payload(r.payload, "PROTOCOL_MESSAGE_ATTRIBUTES").u32();
        return {
          text: `${name} (${hexId(id)}): implemented, attributes ${hex32(a)}`,
          json: { message: id, name, attributes: a },
        };
      },
    },
    {
      name: "negotiate",
      args: "VERSION",
      arity: [1, 1],
      summary: "Ask to speak an older version (NEGOTIATE_PROTOCOL_VERSION)",
      help: "VERSION is MAJOR.MINOR (2.0) or the raw number (0x20000). The answer holds for\n" +
        "this connection only, which ends when the command does: a way to probe what the\n" +
        "platform accepts.",
      message: CommonMsg.NEGOTIATE_PROTOCOL_VERSION,
      async run(ctx, [text]) {
        const v = parseVersion(text);
        await ctx.call(CommonMsg.NEGOTIATE_PROTOCOL_VERSION, [v]);
        return { text: `accepted ${version(v)}`, json: { version: version(v), accepted: true } };
      },
    },
  ];
}
