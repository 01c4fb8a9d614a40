/**
 * `vscmi call fans …`: the client side of the vendor-kind test protocol, written as a vendor
 * would, against `client/mod.ts` only.
 * @module
 */
import { type CallVerbs, commonCommands, parseU32 } from "../../client/mod.ts";

/** The fan protocol's verbs: the common ones, `get` and `max`. */
export const fanCall: CallVerbs = {
  summary: "Vendor fans: speed and maximum",
  commands: [
    ...commonCommands(),
    {
      name: "get",
      args: "FAN_ID",
      arity: [1, 1],
      summary: "A fan's current speed (FAN_RPM)",
      message: 0x4,
      async run(ctx, [id]) {
        const fan = parseU32(id, "The fan id");
        const rpm = (await ctx.call(0x4, [fan])).u32();
        return { text: `fan ${fan}: ${rpm} rpm`, json: { fan, rpm } };
      },
    },
    {
      name: "max",
      args: "FAN_ID",
      arity: [1, 1],
      summary: "A fan's highest speed (FAN_MAX_RPM)",
      message: 0x3,
      async run(ctx, [id]) {
        const fan = parseU32(id, "The fan id");
        const maxRpm = (await ctx.call(0x3, [fan])).u32();
        return { text: `fan ${fan}: at most ${maxRpm} rpm`, json: { fan, maxRpm } };
      },
    },
  ],
};
