/**
 * `vscmi call system …`: the System power management protocol (0x12, DEN0056 §4.4) from
 * the agent's side; the platform's side is `mod.ts`. System states: 0 shutdown,
 * 1 cold reset, 2 warm reset, 3 power-up, 4 suspend, 0x80000000 and up vendor-defined.
 * @module
 */
import { Status } from "../../mod.ts";
import { SystemState, systemStateName } from "./hw.ts";
import {
  type CallContext,
  type CallVerbs,
  CommandError,
  commonCommands,
  CommonMsg,
  hex32,
  parseU32,
  protocolVersion,
  StatusError,
  table,
  version as versionText,
  WATCH_FLAGS,
  watchLimits,
  watchLoop,
  yesNo,
} from "../../client/mod.ts";
import { SystemEvent, SystemMsg, SystemSetAttr, SystemVersion } from "./msg.ts";

/** The standard system states by the names commands take. */
const STATES: Readonly<Record<string, number>> = Object.fromEntries(
  Object.values(SystemState).map((s) => [systemStateName(s)!, s]),
);

/** A system state's name, or its word in hex for vendor and reserved states. */
export function systemStateText(s: number): string {
  return systemStateName(s) ?? hex32(s);
}

function parseState(text: string): number {
  const named = STATES[text];
  if (named !== undefined) return named;
  return parseU32(
    text,
    "The system state (shutdown, cold-reset, warm-reset, power-up, suspend or a number)",
  );
}

/** PROTOCOL_MESSAGE_ATTRIBUTES of `message`: its attributes, or undefined when absent. */
async function messageAttributes(ctx: CallContext, message: number): Promise<number | undefined> {
  const r = await ctx.request(CommonMsg.PROTOCOL_MESSAGE_ATTRIBUTES, [message]);
  if (r.status === Status.NOT_FOUND) return undefined;
  if (r.status !== 0) throw new StatusError("PROTOCOL_MESSAGE_ATTRIBUTES", r.status);
  return r.payload.length >= 4
    ? new DataView(r.payload.buffer, r.payload.byteOffset).getUint32(0, true)
    : 0;
}

export const systemCall: CallVerbs = {
  summary: "System power: shutdown, reset, suspend, notifications",
  commands: [
    ...commonCommands(),
    {
      name: "info",
      summary: "What this agent may ask of the system (message attributes)",
      help: "PROTOCOL_MESSAGE_ATTRIBUTES of SYSTEM_POWER_STATE_SET (bit 31 warm reset, bit 30\n" +
        "suspend supported), and whether SYSTEM_POWER_STATE_GET and _NOTIFY exist.",
      message: SystemMsg.SYSTEM_POWER_STATE_SET,
      async run(ctx) {
        const v = await protocolVersion(ctx);
        const set = await messageAttributes(ctx, SystemMsg.SYSTEM_POWER_STATE_SET) ?? 0;
        const get = await messageAttributes(ctx, SystemMsg.SYSTEM_POWER_STATE_GET);
        const notify = await messageAttributes(ctx, SystemMsg.SYSTEM_POWER_STATE_NOTIFY);
        const info = {
          version: versionText(v),
          warmReset: (set & SystemSetAttr.WARM_RESET) !== 0,
          suspend: (set & SystemSetAttr.SUSPEND) !== 0,
          get: get !== undefined,
          notify: notify !== undefined,
        };
        return {
          text: table([
            ["version", info.version],
            ["warm reset", yesNo(info.warmReset)],
            ["suspend", yesNo(info.suspend)],
            ["state get", yesNo(info.get)],
            ["notifications", yesNo(info.notify)],
          ]),
          json: info,
        };
      },
    },
    {
      name: "get",
      summary: "The system state (SYSTEM_POWER_STATE_GET, protocol 1.0 only)",
      help: "SYSTEM_POWER_STATE_GET was removed in System power 2.0; a platform that speaks\n" +
        "2.0 or later has no way to tell. At 1.0 it answers only an agent that may act on\n" +
        "system power (NOT_SUPPORTED for one denied it). p2a: u32 system_state.",
      message: SystemMsg.SYSTEM_POWER_STATE_GET,
      async run(ctx) {
        const v = await protocolVersion(ctx);
        if (v >= SystemVersion.V2) {
          throw new CommandError(
            `SYSTEM_POWER_STATE_GET exists only in System power protocol 1.0; the platform speaks ${
              versionText(v)
            } to this agent (pin its system protocol to "1.0" in the deployment to use it)`,
          );
        }
        const state = (await ctx.call(SystemMsg.SYSTEM_POWER_STATE_GET)).u32();
        return { text: systemStateText(state), json: { state, name: systemStateText(state) } };
      },
    },
    {
      name: "set",
      args: "shutdown|cold-reset|warm-reset|power-up|suspend|STATE",
      arity: [1, 1],
      summary: "Ask for a system state transition (SYSTEM_POWER_STATE_SET)",
      help: "a2p: u32 flags (bit 0 graceful), u32 system_state. What happens is the agent's\n" +
        "system_power action in the deployment: the whole board (trusted agents), the\n" +
        "agent's own VM, or DENIED. --graceful lets the other agents finish first.",
      message: SystemMsg.SYSTEM_POWER_STATE_SET,
      flags: { graceful: { type: "boolean", help: "A graceful request (default: forceful)" } },
      async run(ctx, [stateText], flags) {
        const state = parseState(stateText);
        const graceful = flags.graceful === true;
        await ctx.call(SystemMsg.SYSTEM_POWER_STATE_SET, [graceful ? 1 : 0, state]);
        return {
          text: `accepted: ${systemStateText(state)}${graceful ? " (graceful)" : ""}`,
          json: { ok: true, state, name: systemStateText(state), graceful },
        };
      },
    },
    {
      name: "watch",
      summary: "Print SYSTEM_POWER_STATE_NOTIFIER notifications as they arrive",
      help: "Subscribes with SYSTEM_POWER_STATE_NOTIFY, prints each notifier (u32 agent_id,\n" +
        "u32 flags (bit 0 graceful), u32 system_state, from 2.0 u32 timeout in ms) until\n" +
        "Ctrl-C, --count or --duration, then unsubscribes. Requests this agent makes itself\n" +
        "are not reported to it.",
      message: SystemMsg.SYSTEM_POWER_STATE_NOTIFY,
      flags: WATCH_FLAGS,
      async run(ctx, _args, flags) {
        const limits = watchLimits(flags);
        const v = await protocolVersion(ctx);
        const notify = async (on: number) => {
          await ctx.call(SystemMsg.SYSTEM_POWER_STATE_NOTIFY, [on]);
        };
        return watchLoop(ctx, limits, notify, (e) => {
          if (e.id !== SystemEvent.SYSTEM_POWER_STATE_NOTIFIER) return undefined;
          const agent = e.payload.u32();
          const graceful = (e.payload.u32() & 1) !== 0;
          const state = e.payload.u32();
          const timeoutMs = v >= SystemVersion.V2 ? e.payload.u32() : undefined;
          const name = systemStateText(state);
          const after = timeoutMs ? `, within ${timeoutMs} ms` : "";
          return {
            text: `SYSTEM_POWER_STATE_NOTIFIER ${name} (${
              graceful ? "graceful" : "forceful"
            }${after}) by agent ${agent}`,
            json: {
              event: "SYSTEM_POWER_STATE_NOTIFIER",
              state,
              name,
              graceful,
              agent,
              timeoutMs: timeoutMs ?? null,
            },
          };
        });
      },
    },
  ],
};
