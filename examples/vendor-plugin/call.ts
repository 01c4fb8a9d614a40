/**
 * `vscmi call fan …`: the fan protocol (0x80) from the agent's side, against the client kit
 * (`client/mod.ts`, by a relative path as in a vendor's copy). The platform's side is
 * `fan.ts`.
 * @module
 */
import { type CallContext, type CallVerbs, commonCommands, parseU32 } from "../../client/mod.ts";

/** Message ids of the fan protocol. */
export const FanMsg = {
  PROTOCOL_ATTRIBUTES: 0x1,
  FAN_GET_SPEED: 0x3,
  FAN_SET_SPEED: 0x4,
} as const;

/** PROTOCOL_ATTRIBUTES. p2a: u32 attributes, the number of fans in 15:0. */
async function fanCount(ctx: CallContext): Promise<number> {
  return (await ctx.call(FanMsg.PROTOCOL_ATTRIBUTES)).u32() & 0xffff;
}

/** FAN_GET_SPEED. a2p: u32 fan_id. p2a: u32 rpm. */
async function speed(ctx: CallContext, id: number): Promise<number> {
  return (await ctx.call(FanMsg.FAN_GET_SPEED, [id])).u32();
}

/** The `vscmi call fan` verbs. */
export const fanCall: CallVerbs = {
  summary: "Vendor fans: count, read and set speeds",
  commands: [
    ...commonCommands(),
    {
      name: "list",
      summary: "Every fan the agent sees, with its speed",
      message: FanMsg.FAN_GET_SPEED,
      async run(ctx) {
        const n = await fanCount(ctx);
        const fans: { id: number; rpm: number }[] = [];
        for (let id = 0; id < n; id++) fans.push({ id, rpm: await speed(ctx, id) });
        return {
          text: n === 0 ? "(no fans)" : fans.map((f) => `${f.id}\t${f.rpm} rpm`).join("\n"),
          json: { fans },
        };
      },
    },
    {
      name: "get",
      args: "ID",
      arity: [1, 1],
      summary: "A fan's speed (FAN_GET_SPEED)",
      message: FanMsg.FAN_GET_SPEED,
      async run(ctx, [which]) {
        const id = parseU32(which, "fan id");
        const rpm = await speed(ctx, id);
        return { text: `${rpm} rpm`, json: { id, rpm } };
      },
    },
    {
      name: "set",
      args: "ID RPM",
      arity: [2, 2],
      summary: "Set a fan's speed (FAN_SET_SPEED)",
      message: FanMsg.FAN_SET_SPEED,
      async run(ctx, [which, value]) {
        const id = parseU32(which, "fan id");
        const rpm = parseU32(value, "rpm");
        await ctx.call(FanMsg.FAN_SET_SPEED, [id, rpm]);
        return { text: `fan ${id} set to ${rpm} rpm`, json: { id, rpm } };
      },
    },
  ],
};
