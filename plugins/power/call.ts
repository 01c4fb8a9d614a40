/**
 * `vscmi call power …`: the Power domain management protocol (0x11, DEN0056 §4.3) from the
 * agent's side; the platform's side is `plugins/power/`. A domain is named by its id
 * (decimal or `0x` hex) or by its name. Power-state words: 0 is ON, 0x40000000 OFF (bit 30:
 * context lost; 27:0 state id).
 * @module
 */
import {
  type CallContext,
  type CallResult,
  type CallVerbs,
  CommandError,
  commonCommands,
  CommonMsg,
  type Event,
  hex32,
  longName,
  parseU32,
  protocolVersion,
  resolveId,
  subscribed,
  table,
  version as versionText,
  walk,
  WATCH_FLAGS,
  watchEvents,
  watchLimits,
  watchLoop,
  watchTargets,
  yesNo,
} from "../../client/mod.ts";
import { PowerDomainAttr, PowerEvent, PowerMsg, PowerVersion } from "./msg.ts";
import { PowerState } from "./hw.ts";

/** "on", "off" or the word in hex. */
export function powerStateText(s: number): string {
  return s === PowerState.ON ? "on" : s === PowerState.OFF ? "off" : hex32(s);
}

/** `on`, `off` or a power-state word. */
function parseState(text: string): number {
  if (text === "on") return PowerState.ON;
  if (text === "off") return PowerState.OFF;
  return parseU32(text, "The power state (on, off or a power-state word)");
}

/** What POWER_DOMAIN_ATTRIBUTES (and the long name) tell about one domain. */
interface DomainInfo {
  id: number;
  name: string;
  syncSet: boolean;
  asyncSet: boolean;
  notifyChanged: boolean;
  notifyRequested: boolean;
  extendedName: boolean;
  attributes: number;
}

/**
 * PROTOCOL_ATTRIBUTES (§4.3.2.2). p2a: u32 attributes (num_domains 15:0), u32
 * statistics_address_low, u32 statistics_address_high, u32 statistics_len.
 */
async function protocolAttributes(
  ctx: CallContext,
): Promise<{ domains: number; statisticsAddress: number; statisticsLength: number }> {
  const p = await ctx.call(CommonMsg.PROTOCOL_ATTRIBUTES);
  const domains = p.u32() & 0xffff;
  return { domains, statisticsAddress: p.u64(), statisticsLength: p.u32() };
}

/**
 * POWER_DOMAIN_ATTRIBUTES (§4.3.2.4). a2p: u32 domain_id. p2a: u32 attributes (31 state
 * change notifications, 30 async set, 29 sync set, 28 change requested notifications,
 * 27 extended name), char name[16]. Then POWER_DOMAIN_NAME_GET (3.0; p2a: u32 flags,
 * char name[64]) for a long name.
 */
async function domainInfo(ctx: CallContext, id: number, v: number): Promise<DomainInfo> {
  const p = await ctx.call(PowerMsg.POWER_DOMAIN_ATTRIBUTES, [id]);
  const a = p.u32();
  let name = p.name(16);
  const extendedName = v >= PowerVersion.V3 && (a & PowerDomainAttr.EXTENDED_NAME) !== 0;
  if (extendedName) {
    name = await longName(ctx, PowerMsg.POWER_DOMAIN_NAME_GET, [id], "POWER_DOMAIN_NAME_GET");
  }
  return {
    id,
    name,
    syncSet: (a & PowerDomainAttr.SYNC_SET) !== 0,
    asyncSet: (a & PowerDomainAttr.ASYNC_SET) !== 0,
    notifyChanged: (a & PowerDomainAttr.STATE_CHANGE_NOTIFY) !== 0,
    notifyRequested: v >= PowerVersion.V2 && (a & PowerDomainAttr.CHANGE_REQUESTED_NOTIFY) !== 0,
    extendedName,
    attributes: a,
  };
}

/** POWER_STATE_GET (§4.3.2.6). a2p: u32 domain_id. p2a: u32 power_state. */
async function stateGet(ctx: CallContext, id: number): Promise<number> {
  return (await ctx.call(PowerMsg.POWER_STATE_GET, [id])).u32();
}

async function domainNames(ctx: CallContext): Promise<string[]> {
  const v = await protocolVersion(ctx);
  const { domains } = await protocolAttributes(ctx);
  return walk(domains, async (id) => (await domainInfo(ctx, id, v)).name);
}

function domainId(ctx: CallContext, text: string): Promise<number> {
  return resolveId(text, "power domain", () => domainNames(ctx));
}

function setText(d: DomainInfo): string {
  return d.syncSet && d.asyncSet ? "sync+async" : d.syncSet ? "sync" : d.asyncSet ? "async" : "-";
}

/** POWER_STATE_CHANGED / _CHANGE_REQUESTED (12 bytes): agent_id, domain_id, power_state. */
function describeEvent(names: ReadonlyMap<number, string>, e: Event): CallResult | undefined {
  const event = e.id === PowerEvent.POWER_STATE_CHANGED
    ? "POWER_STATE_CHANGED"
    : e.id === PowerEvent.POWER_STATE_CHANGE_REQUESTED
    ? "POWER_STATE_CHANGE_REQUESTED"
    : undefined;
  if (event === undefined) return undefined;
  const agent = e.payload.u32();
  const domain = e.payload.u32();
  const state = e.payload.u32();
  const name = names.get(domain);
  if (name === undefined) return undefined;
  return {
    text: `${event} domain ${domain} (${name}) ${powerStateText(state)} by agent ${agent}`,
    json: { event, domain, name, state, agent },
  };
}

export const powerCall: CallVerbs = {
  summary: "Power domains: states, notifications",
  commands: [
    ...commonCommands(),
    {
      name: "list",
      summary: "Every power domain with its state and what it supports",
      help: "Walks the protocol as Linux does at probe: PROTOCOL_VERSION, PROTOCOL_ATTRIBUTES,\n" +
        "then per domain POWER_DOMAIN_ATTRIBUTES, POWER_DOMAIN_NAME_GET (long names) and\n" +
        "POWER_STATE_GET. A domain's state is this agent's own request (off until it asks),\n" +
        "or the hardware state for a domain it may only read.",
      message: PowerMsg.POWER_DOMAIN_ATTRIBUTES,
      async run(ctx) {
        const v = await protocolVersion(ctx);
        const a = await protocolAttributes(ctx);
        const all = await walk(a.domains, async (id) => {
          const d = await domainInfo(ctx, id, v);
          return { ...d, state: await stateGet(ctx, id) };
        });
        const rows = [["ID", "NAME", "STATE", "SET", "NOTIFY"]];
        for (const d of all) {
          rows.push([
            String(d.id),
            d.name,
            powerStateText(d.state),
            setText(d),
            yesNo(d.notifyChanged),
          ]);
        }
        return {
          text: a.domains === 0 ? "(no power domains)" : table(rows),
          json: { version: versionText(v), ...a, domains: all },
        };
      },
    },
    {
      name: "info",
      args: "DOMAIN",
      arity: [1, 1],
      summary: "A domain's attributes (POWER_DOMAIN_ATTRIBUTES, POWER_DOMAIN_NAME_GET)",
      message: PowerMsg.POWER_DOMAIN_ATTRIBUTES,
      async run(ctx, [which]) {
        const id = await domainId(ctx, which);
        const d = await domainInfo(ctx, id, await protocolVersion(ctx));
        return {
          text: table([
            ["id", String(d.id)],
            ["name", d.name],
            ["set", setText(d)],
            ["state notifications", yesNo(d.notifyChanged)],
            ["request notifications", yesNo(d.notifyRequested)],
            ["attributes", hex32(d.attributes)],
          ]),
          json: d,
        };
      },
    },
    {
      name: "get",
      args: "DOMAIN",
      arity: [1, 1],
      summary: "A domain's power state (POWER_STATE_GET)",
      message: PowerMsg.POWER_STATE_GET,
      async run(ctx, [which]) {
        const id = await domainId(ctx, which);
        const state = await stateGet(ctx, id);
        return { text: powerStateText(state), json: { id, state, name: powerStateText(state) } };
      },
    },
    {
      name: "set",
      args: "DOMAIN on|off|STATE",
      arity: [2, 2],
      summary: "Request a power state (POWER_STATE_SET)",
      help: "a2p: u32 flags (bit 0 async), u32 domain_id, u32 power_state. The domain is on\n" +
        "while any agent asks it on; a request lasts as long as the connection (until this\n" +
        "command ends, or --wait MS after the reply). --async asks for an asynchronous\n" +
        "change, which has no delayed response: this command subscribes to\n" +
        "POWER_STATE_CHANGED for the domain first and waits for the notification that\n" +
        "ends it.",
      message: PowerMsg.POWER_STATE_SET,
      flags: { async: { type: "boolean", help: "Asynchronous; wait for POWER_STATE_CHANGED" } },
      async run(ctx, [which, stateText], flags) {
        const state = parseState(stateText);
        const id = await domainId(ctx, which);
        if (flags.async !== true) {
          await ctx.call(PowerMsg.POWER_STATE_SET, [0, id, state]);
          return {
            text: `done: ${powerStateText(state)}`,
            json: { ok: true, id, state: await stateGet(ctx, id) },
          };
        }
        const names = new Map([[id, String(id)]]);
        const { events } = await subscribed(
          () => ctx.call(PowerMsg.POWER_STATE_NOTIFY, [id, 1]).then(() => {}),
          () => ctx.call(PowerMsg.POWER_STATE_NOTIFY, [id, 0]).then(() => {}),
          async () => {
            await ctx.call(PowerMsg.POWER_STATE_SET, [1, id, state]);
            const durationMs = Math.max(ctx.timeoutMs, 5000);
            // Quietly: the result below reports the notification.
            const quiet = { ...ctx, print: undefined };
            return await watchEvents(
              quiet,
              { count: 1, durationMs },
              (e) => e.id === PowerEvent.POWER_STATE_CHANGED ? describeEvent(names, e) : undefined,
            );
          },
        );
        if (events.length === 0) {
          throw new CommandError(
            `No POWER_STATE_CHANGED for domain ${id} after the asynchronous request`,
          );
        }
        const hw = (events[0] as { state: number }).state;
        return {
          text: `done: ${powerStateText(state)} asynchronously (domain now ${powerStateText(hw)})`,
          json: { ok: true, id, state, async: true, domainState: hw },
        };
      },
    },
    {
      name: "watch",
      args: "[DOMAIN…]",
      arity: [0, 64],
      summary: "Print power state notifications as they arrive (POWER_STATE_NOTIFY)",
      help: "Subscribes to POWER_STATE_CHANGED and, from 2.0, POWER_STATE_CHANGE_REQUESTED\n" +
        "(u32 agent_id, u32 domain_id, u32 power_state) for the domains given (default:\n" +
        "every domain that offers them), prints each until Ctrl-C, --count or --duration,\n" +
        "then unsubscribes.",
      message: PowerMsg.POWER_STATE_NOTIFY,
      flags: WATCH_FLAGS,
      async run(ctx, which, flags) {
        const limits = watchLimits(flags);
        const v = await protocolVersion(ctx);
        const infos = await watchTargets(which, {
          count: async () => (await protocolAttributes(ctx)).domains,
          info: (id) => domainInfo(ctx, id, v),
          resolve: (text) => domainId(ctx, text),
          offers: (d) => d.notifyChanged,
          none: "No power domain offers notifications here",
        });
        const names = new Map([...infos].map(([id, d]) => [id, d.name]));
        const notify = async (on: number) => {
          for (const [id, d] of infos) {
            await ctx.call(PowerMsg.POWER_STATE_NOTIFY, [id, on]);
            if (d.notifyRequested) {
              await ctx.call(PowerMsg.POWER_STATE_CHANGE_REQUESTED_NOTIFY, [id, on]);
            }
          }
        };
        return watchLoop(ctx, limits, notify, (e) => describeEvent(names, e));
      },
    },
  ],
};
