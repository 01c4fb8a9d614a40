/**
 * `vscmi call voltage …`: the Voltage domain management protocol (0x17, DEN0056 §4.9) from the
 * agent's side, walked the way Linux's `voltage.c` does: PROTOCOL_ATTRIBUTES, then per domain
 * VOLTAGE_DOMAIN_ATTRIBUTES, VOLTAGE_DOMAIN_NAME_GET when flagged (2.0+) and every page of
 * VOLTAGE_DESCRIBE_LEVELS. Levels are signed µV. The platform's side is `plugins/voltage/`.
 * @module
 */
import {
  type CallContext,
  type CallVerbs,
  CommandError,
  commonCommands,
  CommonMsg,
  count,
  DecodeError,
  formatMicrovolts,
  longName,
  ok,
  parseMicrovolts,
  protocolVersion,
  resolveId,
  StatusError,
  table,
  waitDelayed,
} from "../../client/mod.ts";
import { DomainAttr, VoltageConfig, VoltageMsg, VoltageVersion } from "./msg.ts";

/** A domain as VOLTAGE_DOMAIN_ATTRIBUTES (and NAME_GET) describe it. */
export interface VoltageDomain {
  id: number;
  name: string;
  attributes: number;
  async: boolean;
}

/** A domain's levels: a list (µV, ascending) or a segment. */
export type VoltageLevels =
  | { kind: "list"; levels: number[] }
  | { kind: "segment"; min: number; max: number; step: number };

/** PROTOCOL_ATTRIBUTES. p2a: u32 (bits 15:0 number of domains). */
export async function voltageDomains(ctx: CallContext): Promise<number> {
  return (await ctx.call(CommonMsg.PROTOCOL_ATTRIBUTES)).u32() & 0xffff;
}

/**
 * VOLTAGE_DOMAIN_ATTRIBUTES. a2p: u32 domain_id. p2a: u32 attributes (2.0+: bit 31 async
 * level set, bit 30 extended name), char name[16]. VOLTAGE_DOMAIN_NAME_GET (a2p: u32
 * domain_id; p2a: u32 flags, char name[64]) replaces a flagged name; on failure the short
 * one stays, as in Linux.
 */
export async function voltageDomain(
  ctx: CallContext,
  id: number,
  ver: number,
): Promise<VoltageDomain> {
  const p = await ctx.call(VoltageMsg.VOLTAGE_DOMAIN_ATTRIBUTES, [id]);
  const attributes = p.u32();
  let name = p.name(16);
  const v2 = ver >= VoltageVersion.V2;
  if (v2 && attributes & DomainAttr.EXTENDED_NAME) {
    name = await longName(
      ctx,
      VoltageMsg.VOLTAGE_DOMAIN_NAME_GET,
      [id],
      "VOLTAGE_DOMAIN_NAME_GET",
      name,
    );
  }
  return { id, name, attributes, async: v2 && (attributes & DomainAttr.ASYNC_LEVEL_SET) !== 0 };
}

/**
 * Every level, page by page. VOLTAGE_DESCRIBE_LEVELS a2p: u32 domain_id, u32 level_index.
 * p2a: u32 flags (bits 11:0 returned, bit 12 segment, 31:16 remaining), then s32 levels; a
 * segment is exactly one {min, max, step} triplet with nothing remaining (Linux skips the
 * domain otherwise).
 */
export async function voltageLevels(ctx: CallContext, id: number): Promise<VoltageLevels> {
  const levels: number[] = [];
  for (;;) {
    const p = await ctx.call(VoltageMsg.VOLTAGE_DESCRIBE_LEVELS, [id, levels.length]);
    const flags = p.u32();
    const n = flags & 0xfff;
    const left = flags >>> 16;
    if (flags & 0x1000) {
      if (n !== 3 || left !== 0 || levels.length !== 0) {
        throw new DecodeError(
          `VOLTAGE_DESCRIBE_LEVELS segment has ${n} levels and ${left} remaining, not 3 and 0`,
        );
      }
      return { kind: "segment", min: p.i32(), max: p.i32(), step: p.i32() };
    }
    if (n === 0 && left > 0) {
      throw new DecodeError(`VOLTAGE_DESCRIBE_LEVELS returned none with ${left} remaining`);
    }
    for (let i = 0; i < n; i++) levels.push(p.i32());
    if (left === 0) return { kind: "list", levels };
  }
}

function showLevels(l: VoltageLevels): string {
  if (l.kind === "segment") {
    return `${formatMicrovolts(l.min)} to ${formatMicrovolts(l.max)} in steps of ${
      formatMicrovolts(l.step)
    }`;
  }
  return l.levels.map(formatMicrovolts).join(", ");
}

async function domainId(ctx: CallContext, text: string): Promise<number> {
  return await resolveId(text, "voltage domain", async () => {
    const ver = await protocolVersion(ctx);
    const n = await voltageDomains(ctx);
    const names: (string | undefined)[] = [];
    for (let i = 0; i < n; i++) {
      try {
        names.push((await voltageDomain(ctx, i, ver)).name);
      } catch (e) {
        if (!(e instanceof StatusError)) throw e;
        names.push(undefined);
      }
    }
    return names;
  });
}

/** VOLTAGE_CONFIG_SET a2p: u32 domain_id, u32 config (0x7 on, 0x0 off). */
async function setConfig(ctx: CallContext, which: string, on: boolean) {
  const id = await domainId(ctx, which);
  await ctx.call(VoltageMsg.VOLTAGE_CONFIG_SET, [id, on ? VoltageConfig.ON : VoltageConfig.OFF]);
  return ok({ domain: id, on });
}

export const voltageCall: CallVerbs = {
  summary: "Voltage domains: levels, on/off",
  commands: [
    ...commonCommands(),
    {
      name: "list",
      summary: "Every domain with its levels, as Linux discovers them",
      help: "PROTOCOL_ATTRIBUTES, then per domain VOLTAGE_DOMAIN_ATTRIBUTES, the extended\n" +
        "name (2.0+) and every page of VOLTAGE_DESCRIBE_LEVELS.",
      message: CommonMsg.PROTOCOL_ATTRIBUTES,
      async run(ctx) {
        const ver = await protocolVersion(ctx);
        const n = await voltageDomains(ctx);
        const rows = [["ID", "NAME", "LEVELS", "FLAGS"]];
        const json: unknown[] = [];
        for (let id = 0; id < n; id++) {
          let d: VoltageDomain;
          try {
            d = await voltageDomain(ctx, id, ver);
          } catch (e) {
            if (!(e instanceof StatusError)) throw e;
            rows.push([String(id), `(${e.message})`]);
            continue;
          }
          const levels = await voltageLevels(ctx, id);
          rows.push([String(id), d.name, showLevels(levels), d.async ? "async" : "-"]);
          json.push({ ...d, levels });
        }
        return {
          text: n ? `${count(n, "domain")}\n${table(rows)}` : count(n, "domain"),
          json: { version: ver, domains: json },
        };
      },
    },
    {
      name: "levels",
      args: "DOMAIN",
      arity: [1, 1],
      summary: "The levels a domain supports",
      help: "DOMAIN is an id or a name. Pages through VOLTAGE_DESCRIBE_LEVELS.",
      message: VoltageMsg.VOLTAGE_DESCRIBE_LEVELS,
      async run(ctx, [which]) {
        const id = await domainId(ctx, which);
        const levels = await voltageLevels(ctx, id);
        return { text: showLevels(levels), json: { domain: id, ...levels } };
      },
    },
    {
      name: "get",
      args: "DOMAIN",
      arity: [1, 1],
      summary: "The level and on/off state (VOLTAGE_LEVEL_GET, VOLTAGE_CONFIG_GET)",
      help: "VOLTAGE_LEVEL_GET p2a: s32 voltage_level (µV). VOLTAGE_CONFIG_GET p2a: u32\n" +
        "config (bits 3:0: 0x7 on, 0x0 off, bit 3 IMPLEMENTATION DEFINED modes).",
      message: VoltageMsg.VOLTAGE_LEVEL_GET,
      async run(ctx, [which]) {
        const id = await domainId(ctx, which);
        const uv = (await ctx.call(VoltageMsg.VOLTAGE_LEVEL_GET, [id])).i32();
        const config = (await ctx.call(VoltageMsg.VOLTAGE_CONFIG_GET, [id])).u32();
        const mode = config & 0xf;
        const state = mode === VoltageConfig.ON
          ? "on"
          : mode === VoltageConfig.OFF
          ? "off"
          : mode & 0x8
          ? `implementation-defined mode ${mode & 0x7}`
          : `reserved mode ${mode}`;
        return {
          text: `${formatMicrovolts(uv)}, ${state}`,
          json: { domain: id, uv, on: mode === VoltageConfig.ON, config },
        };
      },
    },
    {
      name: "set",
      args: "DOMAIN LEVEL",
      arity: [2, 2],
      summary: "Ask for a level, e.g. 900mV (VOLTAGE_LEVEL_SET)",
      help: "a2p: u32 domain_id, u32 flags (bit 0 async, 2.0+), s32 voltage_level (µV). LEVEL\n" +
        "is µV or has a unit: 900mV, 1.8V. With --async the reply comes at once and\n" +
        "VOLTAGE_LEVEL_SET_COMPLETE (u32 status, u32 domain_id, s32 level) follows with the\n" +
        "same token.",
      message: VoltageMsg.VOLTAGE_LEVEL_SET,
      flags: { async: { type: "boolean", help: "Ask for an asynchronous change" } },
      async run(ctx, [which, levelText], flags) {
        const uv = parseMicrovolts(levelText, "LEVEL");
        const id = await domainId(ctx, which);
        const async = flags.async === true;
        if (!async) {
          await ctx.call(VoltageMsg.VOLTAGE_LEVEL_SET, [id, 0, uv >>> 0]);
          return ok({ domain: id, uv });
        }
        const r = await ctx.request(VoltageMsg.VOLTAGE_LEVEL_SET, [id, 1, uv >>> 0]);
        if (r.status !== 0) throw new StatusError("VOLTAGE_LEVEL_SET", r.status);
        const d = await waitDelayed(ctx, r, "VOLTAGE_LEVEL_SET_COMPLETE");
        if (d.status !== 0) throw new StatusError("VOLTAGE_LEVEL_SET_COMPLETE", d.status);
        const got = d.payload.u32();
        const level = d.payload.i32();
        if (got !== id) {
          throw new CommandError(`VOLTAGE_LEVEL_SET_COMPLETE names domain ${got}, not ${id}`);
        }
        return {
          text: `ok: ${formatMicrovolts(level)} (completed asynchronously)`,
          json: { ok: true, domain: id, uv: level, async: true },
        };
      },
    },
    {
      name: "on",
      args: "DOMAIN",
      arity: [1, 1],
      summary: "Switch a domain on (VOLTAGE_CONFIG_SET 0x7)",
      message: VoltageMsg.VOLTAGE_CONFIG_SET,
      run: (ctx, [which]) => setConfig(ctx, which, true),
    },
    {
      name: "off",
      args: "DOMAIN",
      arity: [1, 1],
      summary: "Switch a domain off (VOLTAGE_CONFIG_SET 0x0)",
      message: VoltageMsg.VOLTAGE_CONFIG_SET,
      run: (ctx, [which]) => setConfig(ctx, which, false),
    },
  ],
};
