/**
 * `vscmi call reset …`: the Reset domain management protocol (0x16, DEN0056 §4.8) from the
 * agent's side; the platform's side is `mod.ts`. A domain is named by its id
 * (decimal or `0x` hex) or by its name.
 * @module
 */
import {
  type CallContext,
  type CallVerbs,
  CommandError,
  commonCommands,
  CommonMsg,
  hex32,
  longName,
  ok,
  parseU32,
  protocolVersion,
  resolveId,
  StatusError,
  table,
  UsageError,
  version as versionText,
  waitDelayed,
  walk,
  WATCH_FLAGS,
  watchLimits,
  watchLoop,
  watchTargets,
  yesNo,
} from "../../client/mod.ts";
import { ResetAttr, ResetEvent, ResetFlag, ResetMsg, ResetVersion } from "./msg.ts";

/** Latency values that mean "not known" (the specification's, and Linux's reading). */
const LATENCY_UNKNOWN = [0x7fff_ffff, 0xffff_ffff];

/** What RESET_DOMAIN_ATTRIBUTES (and the long name) tell about one domain. */
interface DomainInfo {
  id: number;
  name: string;
  /** µs; undefined when not known. */
  latencyUs?: number;
  async: boolean;
  notify: boolean;
  extendedName: boolean;
  attributes: number;
}

/** PROTOCOL_ATTRIBUTES (§4.8.2.2). p2a: u32 attributes, num_domains in 15:0. */
async function domainCount(ctx: CallContext): Promise<number> {
  return (await ctx.call(CommonMsg.PROTOCOL_ATTRIBUTES)).u32() & 0xffff;
}

/**
 * RESET_DOMAIN_ATTRIBUTES (§4.8.2.4). a2p: u32 domain_id. p2a: u32 attributes (31 async,
 * 30 notifications, 29 extended name from 3.0), u32 latency (µs), char name[16]. Then
 * RESET_DOMAIN_NAME_GET (§4.8.2.7; p2a: u32 flags, char name[64]) for a long name.
 */
async function domainInfo(ctx: CallContext, id: number, v: number): Promise<DomainInfo> {
  const p = await ctx.call(ResetMsg.RESET_DOMAIN_ATTRIBUTES, [id]);
  const a = p.u32();
  const latency = p.u32();
  let name = p.name(16);
  const extendedName = v >= ResetVersion.V3 && (a & ResetAttr.EXTENDED_NAME) !== 0;
  if (extendedName) {
    name = await longName(ctx, ResetMsg.RESET_DOMAIN_NAME_GET, [id], "RESET_DOMAIN_NAME_GET");
  }
  return {
    id,
    name,
    latencyUs: LATENCY_UNKNOWN.includes(latency) ? undefined : latency,
    async: (a & ResetAttr.ASYNC) !== 0,
    notify: (a & ResetAttr.NOTIFY) !== 0,
    extendedName,
    attributes: a,
  };
}

async function domainNames(ctx: CallContext): Promise<string[]> {
  const v = await protocolVersion(ctx);
  return walk(await domainCount(ctx), async (id) => (await domainInfo(ctx, id, v)).name);
}

function domainId(ctx: CallContext, text: string): Promise<number> {
  return resolveId(text, "reset domain", () => domainNames(ctx));
}

function latencyText(us: number | undefined): string {
  return us === undefined ? "unknown" : `${us} µs`;
}

function infoJson(i: DomainInfo): Record<string, unknown> {
  return { ...i, latencyUs: i.latencyUs ?? null };
}

/** `cold` (0) or a reset_state word: bit 31 set for IMPLEMENTATION DEFINED types. */
function parseState(text: string | boolean | undefined): number {
  if (text === undefined || text === false || text === "cold") return 0;
  if (text === true) throw new UsageError("--state needs a value");
  return parseU32(text, "--state");
}

/**
 * RESET (§4.8.2.5). a2p: u32 domain_id, u32 flags (0 autonomous, 1 explicit assert,
 * 2 async), u32 reset_state. p2a: —.
 */
async function reset(ctx: CallContext, id: number, flags: number, state: number) {
  const reply = await ctx.request(ResetMsg.RESET, [id, flags, state]);
  if (reply.status !== 0) throw new StatusError("RESET", reply.status);
  return reply;
}

export const resetCall: CallVerbs = {
  summary: "Reset domains: pulse, assert, de-assert, notifications",
  commands: [
    ...commonCommands(),
    {
      name: "list",
      summary: "Every reset domain with its latency and what it supports",
      help: "Walks the protocol as Linux does at probe: PROTOCOL_VERSION, PROTOCOL_ATTRIBUTES,\n" +
        "then RESET_DOMAIN_ATTRIBUTES per domain and RESET_DOMAIN_NAME_GET for long names.",
      message: ResetMsg.RESET_DOMAIN_ATTRIBUTES,
      async run(ctx) {
        const v = await protocolVersion(ctx);
        const n = await domainCount(ctx);
        const all = await walk(n, (id) => domainInfo(ctx, id, v));
        const rows = [["ID", "NAME", "LATENCY", "ASYNC", "NOTIFY"]];
        for (const d of all) {
          rows.push([
            String(d.id),
            d.name,
            latencyText(d.latencyUs),
            yesNo(d.async),
            yesNo(d.notify),
          ]);
        }
        return {
          text: n === 0 ? "(no reset domains)" : table(rows),
          json: { version: versionText(v), domains: all.map(infoJson) },
        };
      },
    },
    {
      name: "info",
      args: "DOMAIN",
      arity: [1, 1],
      summary: "A domain's attributes (RESET_DOMAIN_ATTRIBUTES, RESET_DOMAIN_NAME_GET)",
      message: ResetMsg.RESET_DOMAIN_ATTRIBUTES,
      async run(ctx, [which]) {
        const id = await domainId(ctx, which);
        const d = await domainInfo(ctx, id, await protocolVersion(ctx));
        return {
          text: table([
            ["id", String(d.id)],
            ["name", d.name],
            ["latency", latencyText(d.latencyUs)],
            ["asynchronous reset", yesNo(d.async)],
            ["notifications", yesNo(d.notify)],
            ["attributes", hex32(d.attributes)],
          ]),
          json: infoJson(d),
        };
      },
    },
    {
      name: "pulse",
      args: "DOMAIN",
      arity: [1, 1],
      summary: "Reset a domain: assert, hold, release (autonomous RESET)",
      help: "--state is the reset_state word: cold (0, the default) or a number (bit 31 set\n" +
        "for the domain's IMPLEMENTATION DEFINED states). With --async the platform\n" +
        "answers at once and reports the end in RESET_COMPLETE (delayed response: u32\n" +
        "status, u32 domain_id), which this command waits for.",
      message: ResetMsg.RESET,
      flags: {
        async: { type: "boolean", help: "Asynchronous reset; wait for RESET_COMPLETE" },
        state: { type: "string", help: "Reset state: cold or a number (default cold)" },
      },
      async run(ctx, [which], flags) {
        const state = parseState(flags.state);
        const isAsync = flags.async === true;
        const id = await domainId(ctx, which);
        const reply = await reset(
          ctx,
          id,
          ResetFlag.AUTONOMOUS | (isAsync ? ResetFlag.ASYNC : 0),
          state,
        );
        if (!isAsync) return ok({ id, state }, "reset done");
        const d = await waitDelayed(ctx, reply, "RESET_COMPLETE");
        if (d.status !== 0) throw new StatusError("RESET_COMPLETE", d.status);
        const got = d.payload.u32();
        if (got !== id) {
          throw new CommandError(`RESET_COMPLETE names domain ${got}, not ${id}`);
        }
        return ok({ id, state, async: true }, "reset done, asynchronously");
      },
    },
    {
      name: "assert",
      args: "DOMAIN",
      arity: [1, 1],
      summary: "Hold a domain in reset (RESET, explicit assert)",
      help: "The domain stays in reset while any agent holds it asserted. A hold lasts as long\n" +
        "as the connection: until this command ends, or --wait MS after the reply.",
      message: ResetMsg.RESET,
      async run(ctx, [which]) {
        const id = await domainId(ctx, which);
        await reset(ctx, id, ResetFlag.EXPLICIT_ASSERT, 0);
        return ok({ id, asserted: true }, "asserted");
      },
    },
    {
      name: "deassert",
      args: "DOMAIN",
      arity: [1, 1],
      summary: "Release this agent's hold on a domain (RESET, de-assert)",
      message: ResetMsg.RESET,
      async run(ctx, [which]) {
        const id = await domainId(ctx, which);
        await reset(ctx, id, 0, 0);
        return ok({ id, asserted: false }, "de-asserted");
      },
    },
    {
      name: "watch",
      args: "[DOMAIN…]",
      arity: [0, 64],
      summary: "Print RESET_ISSUED notifications as they arrive (RESET_NOTIFY)",
      help: "Subscribes to RESET_ISSUED (u32 agent_id, u32 domain_id, u32 reset_state) for the\n" +
        "domains given (default: every domain that offers it), prints each until Ctrl-C,\n" +
        "--count or --duration, then unsubscribes. Resets this agent issues itself are not\n" +
        "reported to it.",
      message: ResetMsg.RESET_NOTIFY,
      flags: WATCH_FLAGS,
      async run(ctx, which, flags) {
        const limits = watchLimits(flags);
        const v = await protocolVersion(ctx);
        const targets = await watchTargets(which, {
          count: () => domainCount(ctx),
          info: (id) => domainInfo(ctx, id, v),
          resolve: (text) => domainId(ctx, text),
          offers: (d) => d.notify,
          none: "No reset domain offers notifications here",
        });
        const notify = async (on: number) => {
          for (const id of targets.keys()) await ctx.call(ResetMsg.RESET_NOTIFY, [id, on]);
        };
        return watchLoop(ctx, limits, notify, (e) => {
          if (e.id !== ResetEvent.RESET_ISSUED) return undefined;
          const agent = e.payload.u32();
          const domain = e.payload.u32();
          const state = e.payload.u32();
          const name = targets.get(domain)?.name;
          if (name === undefined) return undefined;
          return {
            text: `RESET_ISSUED domain ${domain} (${name}) state ${hex32(state)} by agent ${agent}`,
            json: { event: "RESET_ISSUED", domain, name, state, agent },
          };
        });
      },
    },
  ],
};
