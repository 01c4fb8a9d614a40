/**
 * `vscmi call base …`: the Base protocol (0x10, DEN0056 §4.2) from the agent's side.
 * Layouts: see each command; the platform's side is `mod.ts`.
 * @module
 */
import {
  type CallContext,
  type CallVerbs,
  commonCommands,
  CommonMsg,
  DecodeError,
  hex32,
  hexId,
  ok,
  parseChoice,
  parseProtocol,
  parseU32,
  protocolName,
  StatusError,
  table,
  UsageError,
} from "../../client/mod.ts";
import { AGENT_SELF, BaseMsg } from "./msg.ts";

/** PROTOCOL_ATTRIBUTES. p2a: u32 attributes = num_protocols (7:0) | num_agents (15:8). */
async function attributes(ctx: CallContext): Promise<{ protocols: number; agents: number }> {
  const a = (await ctx.call(CommonMsg.PROTOCOL_ATTRIBUTES)).u32();
  return { protocols: a & 0xff, agents: (a >>> 8) & 0xff };
}

/** DISCOVER_AGENT. a2p: u32 agent_id. p2a: u32 agent_id, char name[16]. */
async function discoverAgent(ctx: CallContext, id: number): Promise<{ id: number; name: string }> {
  const p = await ctx.call(BaseMsg.DISCOVER_AGENT, [id]);
  return { id: p.u32(), name: p.name(16) };
}

/** An agent given as `self`, an id, or a name the platform reports through DISCOVER_AGENT. */
async function resolveAgent(ctx: CallContext, text: string): Promise<number> {
  if (text === "self") return AGENT_SELF;
  if (/^(0x[0-9a-f]+|\d+)$/i.test(text)) return parseU32(text, "Agent id");
  const { agents } = await attributes(ctx);
  for (let id = 0; id <= agents; id++) {
    try {
      if ((await discoverAgent(ctx, id)).name === text) return id;
    } catch (e) {
      if (!(e instanceof StatusError)) throw e;
    }
  }
  throw new UsageError(`No agent named "${text}" among the ${agents} the platform reports`);
}

export const baseCall: CallVerbs = {
  summary: "Base protocol: discovery, agents, permissions",
  commands: [
    ...commonCommands(),
    {
      name: "attributes",
      summary: "Numbers of protocols and agents (PROTOCOL_ATTRIBUTES)",
      message: CommonMsg.PROTOCOL_ATTRIBUTES,
      async run(ctx) {
        const a = await attributes(ctx);
        return {
          text: table([["protocols", String(a.protocols)], ["agents", String(a.agents)]]),
          json: a,
        };
      },
    },
    {
      name: "discover-vendor",
      summary: "Vendor identifier (BASE_DISCOVER_VENDOR)",
      message: BaseMsg.DISCOVER_VENDOR,
      async run(ctx) {
        const vendor = (await ctx.call(BaseMsg.DISCOVER_VENDOR)).name(16);
        return { text: vendor, json: { vendor } };
      },
    },
    {
      name: "discover-sub-vendor",
      summary: "Sub-vendor identifier (BASE_DISCOVER_SUB_VENDOR)",
      message: BaseMsg.DISCOVER_SUB_VENDOR,
      async run(ctx) {
        const subVendor = (await ctx.call(BaseMsg.DISCOVER_SUB_VENDOR)).name(16);
        return { text: subVendor, json: { subVendor } };
      },
    },
    {
      name: "implementation-version",
      summary: "Vendor-defined implementation version (p2a: u32)",
      message: BaseMsg.DISCOVER_IMPLEMENTATION_VERSION,
      async run(ctx) {
        const v = (await ctx.call(BaseMsg.DISCOVER_IMPLEMENTATION_VERSION)).u32();
        return { text: `${hex32(v)} (${v})`, json: { implementationVersion: v } };
      },
    },
    {
      name: "list-protocols",
      summary: "Protocols this agent may use, with their versions",
      help: "Pages through BASE_DISCOVER_LIST_PROTOCOLS as Linux does (a2p: u32 skip;\n" +
        "p2a: u32 count, then count protocol ids packed in bytes, padded to 4), until the\n" +
        "number PROTOCOL_ATTRIBUTES announced, then asks each protocol its version.",
      message: BaseMsg.DISCOVER_LIST_PROTOCOLS,
      async run(ctx) {
        const { protocols: total } = await attributes(ctx);
        const ids: number[] = [];
        while (ids.length < total) {
          const p = await ctx.call(BaseMsg.DISCOVER_LIST_PROTOCOLS, [ids.length]);
          const n = p.u32();
          if (n === 0) break;
          if (n > total - ids.length) {
            throw new DecodeError(
              `BASE_DISCOVER_LIST_PROTOCOLS returned ${n} protocols with only ${
                total - ids.length
              } left to list`,
            );
          }
          const list = p.take(n);
          ids.push(...list);
        }
        const rows: { id: number; name: string; version: string }[] = [];
        for (const id of ids) {
          const r = await ctx.client.request(id, CommonMsg.PROTOCOL_VERSION, [], ctx.timeoutMs);
          const v = r.status === 0 && r.payload.length >= 4
            ? new DataView(r.payload.buffer, r.payload.byteOffset).getUint32(0, true)
            : undefined;
          rows.push({
            id,
            name: protocolName(ctx.protocols, id),
            version: v === undefined ? "?" : `${v >>> 16}.${v & 0xffff}`,
          });
        }
        return {
          text: rows.length === 0
            ? "(no protocol besides Base)"
            : table(rows.map((r) => [hexId(r.id), r.name, r.version])),
          json: { protocols: rows },
        };
      },
    },
    {
      name: "discover-agent",
      args: "[ID|NAME|self]",
      arity: [0, 1],
      summary: "Name an agent (BASE_DISCOVER_AGENT); without an argument, all",
      help: "ID 0 is the platform; self asks who this connection is (id 0xFFFFFFFF).",
      message: BaseMsg.DISCOVER_AGENT,
      async run(ctx, [which]) {
        if (which !== undefined) {
          const a = await discoverAgent(ctx, await resolveAgent(ctx, which));
          return { text: table([[String(a.id), a.name]]), json: a };
        }
        const { agents } = await attributes(ctx);
        const all: { id: number; name: string }[] = [];
        for (let id = 0; id <= agents; id++) {
          try {
            all.push(await discoverAgent(ctx, id));
          } catch (e) {
            if (!(e instanceof StatusError)) throw e;
          }
        }
        return { text: table(all.map((a) => [String(a.id), a.name])), json: { agents: all } };
      },
    },
    {
      name: "notify-errors",
      args: "on|off",
      arity: [1, 1],
      summary: "Subscribe to BASE_ERROR_EVENT (BASE_NOTIFY_ERRORS)",
      help: "Use --wait MS to stay connected and print the events that arrive.",
      message: BaseMsg.NOTIFY_ERRORS,
      async run(ctx, [onOff]) {
        const on = parseChoice(onOff, "on", "off", "The setting");
        await ctx.call(BaseMsg.NOTIFY_ERRORS, [on ? 1 : 0]);
        return ok({ notifyErrors: on });
      },
    },
    {
      name: "set-device-permissions",
      args: "AGENT DEVICE allow|deny",
      arity: [3, 3],
      summary: "Allow or deny an agent a device (trusted agents only)",
      help: "BASE_SET_DEVICE_PERMISSIONS; a2p: u32 agent_id, u32 device_id, u32 flags (bit 0\n" +
        "allow). AGENT is an id or a name; DEVICE is the board's device id.",
      message: BaseMsg.SET_DEVICE_PERMISSIONS,
      async run(ctx, [agentText, deviceText, allowText]) {
        const allow = parseChoice(allowText, "allow", "deny", "The permission");
        const device = parseU32(deviceText, "Device id");
        const agent = await resolveAgent(ctx, agentText);
        await ctx.call(BaseMsg.SET_DEVICE_PERMISSIONS, [agent, device, allow ? 1 : 0]);
        return ok({ agent, device, allow });
      },
    },
    {
      name: "set-protocol-permissions",
      args: "AGENT DEVICE PROTOCOL allow|deny",
      arity: [4, 4],
      summary: "Allow or deny an agent a protocol on a device (trusted only)",
      help: "BASE_SET_PROTOCOL_PERMISSIONS; a2p: u32 agent_id, u32 device_id, u32 command_id\n" +
        "(protocol id in bits 7:0), u32 flags (bit 0 allow). PROTOCOL is a name or an id.",
      message: BaseMsg.SET_PROTOCOL_PERMISSIONS,
      async run(ctx, [agentText, deviceText, protoText, allowText]) {
        const allow = parseChoice(allowText, "allow", "deny", "The permission");
        const device = parseU32(deviceText, "Device id");
        const protocol = parseProtocol(ctx.protocols, protoText);
        const agent = await resolveAgent(ctx, agentText);
        await ctx.call(BaseMsg.SET_PROTOCOL_PERMISSIONS, [agent, device, protocol, allow ? 1 : 0]);
        return ok({ agent, device, protocol, allow });
      },
    },
    {
      name: "reset-agent-configuration",
      args: "AGENT",
      arity: [1, 1],
      summary: "Undo what an agent configured (trusted agents only)",
      help: "BASE_RESET_AGENT_CONFIGURATION; a2p: u32 agent_id, u32 flags (bit 0: also\n" +
        "restore access permissions, --permissions).",
      message: BaseMsg.RESET_AGENT_CONFIGURATION,
      flags: { permissions: { type: "boolean", help: "Also restore access permissions" } },
      async run(ctx, [agentText], flags) {
        const agent = await resolveAgent(ctx, agentText);
        const permissions = flags.permissions === true;
        await ctx.call(BaseMsg.RESET_AGENT_CONFIGURATION, [agent, permissions ? 1 : 0]);
        return ok({ agent, permissions });
      },
    },
  ],
};
