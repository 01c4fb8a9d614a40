/**
 * `vscmi call perf …`: the Performance domain management protocol (0x13, DEN0056 §4.5) from
 * the agent's side, walked the way Linux's `perf.c` does: PROTOCOL_ATTRIBUTES, then per
 * domain PERFORMANCE_DOMAIN_ATTRIBUTES, PERFORMANCE_DOMAIN_NAME_GET when flagged (3.0+) and
 * every page of PERFORMANCE_DESCRIBE_LEVELS. The platform's side is `plugins/perf/`.
 * @module
 */
import {
  type CallContext,
  type CallVerbs,
  commonCommands,
  CommonMsg,
  count,
  DecodeError,
  formatMicros,
  formatPower,
  formatRate,
  ok,
  parseU32,
  Payload,
  type PowerUnit,
  protocolVersion,
  resolveId,
  StatusError,
  table,
  UsageError,
  WATCH_FLAGS,
  watchLimits,
  watchLoop,
} from "../../client/mod.ts";
import { DomainFlag, PerfEvent, PerfMsg, V3, V4 } from "./msg.ts";

/** What PROTOCOL_ATTRIBUTES says. */
export interface PerfAttributes {
  domains: number;
  powerUnit: PowerUnit;
  statsAddress: number;
  statsLength: number;
}

/** One level of PERFORMANCE_DESCRIBE_LEVELS. */
export interface PerfLevel {
  level: number;
  /** Power cost in the protocol's power unit. */
  power: number;
  latencyUs: number;
  /** 4.0: indicative frequency, kHz (0 when not given). */
  freqKhz?: number;
  /** 4.0: the level's index, which level-indexing domains use in commands. */
  index?: number;
}

/** A domain as PERFORMANCE_DOMAIN_ATTRIBUTES (and NAME_GET) describe it. */
export interface PerfDomain {
  id: number;
  name: string;
  flags: number;
  canSetLimits: boolean;
  canSetLevel: boolean;
  limitsNotify: boolean;
  levelNotify: boolean;
  fastChannels: boolean;
  levelIndexing: boolean;
  rateLimitUs: number;
  sustainedFreqKhz: number;
  sustainedLevel: number;
}

/**
 * PROTOCOL_ATTRIBUTES. p2a: u16 num_domains, u16 flags (bit 0 power in mW, bit 1 in µW
 * (3.0+), neither: abstract), u32 statistics_address_low, u32 statistics_address_high, u32
 * statistics_len.
 */
export async function perfAttributes(ctx: CallContext): Promise<PerfAttributes> {
  const p = await ctx.call(CommonMsg.PROTOCOL_ATTRIBUTES);
  const a = p.u32();
  const flags = a >>> 16;
  const low = p.u32();
  const high = p.u32();
  return {
    domains: a & 0xffff,
    powerUnit: flags & 0x2 ? "uW" : flags & 0x1 ? "mW" : "abstract",
    statsAddress: high * 0x1_0000_0000 + low,
    statsLength: p.u32(),
  };
}

/** The protocol version the platform speaks to this agent. */
export const perfVersion = protocolVersion;

/**
 * PERFORMANCE_DOMAIN_ATTRIBUTES. a2p: u32 domain_id. p2a: u32 flags, u32 rate_limit (bits
 * 19:0 µs), u32 sustained_freq (kHz), u32 sustained_perf_level, char name[16]. With flag
 * bit 26 at 3.0+, PERFORMANCE_DOMAIN_NAME_GET (a2p: u32 domain_id; p2a: u32 flags, char
 * name[64]) gives the whole name; when that fails the short name stays, as in Linux.
 */
export async function perfDomain(ctx: CallContext, id: number, ver: number): Promise<PerfDomain> {
  const p = await ctx.call(PerfMsg.DOMAIN_ATTRIBUTES, [id]);
  const flags = p.u32();
  const rate = p.u32();
  const sustainedFreqKhz = p.u32();
  const sustainedLevel = p.u32();
  let name = p.name(16);
  if (ver >= V3 && flags & DomainFlag.EXTENDED_NAME) {
    const r = await ctx.request(PerfMsg.DOMAIN_NAME_GET, [id]);
    if (r.status === 0 && r.payload.length >= 68) {
      const q = new Payload(r.payload, "PERFORMANCE_DOMAIN_NAME_GET");
      q.u32();
      name = q.name(64);
    }
  }
  return {
    id,
    name,
    flags: flags >>> 0,
    canSetLimits: (flags & DomainFlag.SET_LIMITS) !== 0,
    canSetLevel: (flags & DomainFlag.SET_LEVEL) !== 0,
    limitsNotify: (flags & DomainFlag.LIMITS_NOTIFY) !== 0,
    levelNotify: (flags & DomainFlag.LEVEL_NOTIFY) !== 0,
    fastChannels: (flags & DomainFlag.FAST_CHANNELS) !== 0,
    levelIndexing: ver >= V4 && (flags & DomainFlag.LEVEL_INDEXING) !== 0,
    rateLimitUs: rate & 0xfffff,
    sustainedFreqKhz,
    sustainedLevel,
  };
}

/**
 * Every level of domain `id`, page by page. PERFORMANCE_DESCRIBE_LEVELS a2p: u32 domain_id,
 * u32 level_index. p2a: u32 num_levels (bits 11:0 returned, 31:16 remaining), then per
 * level u32 performance_level, u32 power_cost, u16 transition_latency_us, u16 reserved, and
 * at 4.0 u32 indicative_frequency (kHz), u32 level_index.
 */
export async function perfLevels(ctx: CallContext, id: number, ver: number): Promise<PerfLevel[]> {
  const out: PerfLevel[] = [];
  let total = -1;
  for (;;) {
    const p = await ctx.call(PerfMsg.DESCRIBE_LEVELS, [id, out.length]);
    const head = p.u32();
    const n = head & 0xfff;
    const left = head >>> 16;
    if (total < 0) total = n + left;
    if (n === 0 || out.length + n > total) {
      throw new DecodeError(
        `PERFORMANCE_DESCRIBE_LEVELS returned ${n} levels at index ${out.length} of ${total}`,
      );
    }
    for (let i = 0; i < n; i++) {
      const level = p.u32();
      const power = p.u32();
      const lat = p.u32();
      const l: PerfLevel = { level, power, latencyUs: lat & 0xffff };
      if (ver >= V4) {
        l.freqKhz = p.u32();
        l.index = p.u32();
      }
      out.push(l);
    }
    if (left === 0) return out;
  }
}

/** Hz per level unit as Linux derives it (sustained kHz × 1000 / sustained level), or 0. */
export function hzPerLevel(d: PerfDomain): number {
  if (d.sustainedFreqKhz === 0 || d.sustainedLevel === 0) return 0;
  return (d.sustainedFreqKhz * 1000) / d.sustainedLevel;
}

/** The frequency of `l` in Hz: 4.0's indicative frequency, else the level × Linux's factor. */
function freqHz(d: PerfDomain, l: PerfLevel): number {
  if (l.freqKhz) return l.freqKhz * 1000;
  return Math.round(l.level * hzPerLevel(d));
}

async function domainId(ctx: CallContext, text: string): Promise<number> {
  return await resolveId(text, "performance domain", async () => {
    const ver = await perfVersion(ctx);
    const { domains } = await perfAttributes(ctx);
    const names: (string | undefined)[] = [];
    for (let i = 0; i < domains; i++) {
      try {
        names.push((await perfDomain(ctx, i, ver)).name);
      } catch (e) {
        if (!(e instanceof StatusError)) throw e;
        names.push(undefined);
      }
    }
    return names;
  });
}

/** Version, the domain and (when needed) its levels: what reading a level back needs. */
async function describe(ctx: CallContext, text: string, levels: boolean) {
  const id = await domainId(ctx, text);
  const ver = await perfVersion(ctx);
  const d = await perfDomain(ctx, id, ver);
  return { id, ver, d, levels: levels ? await perfLevels(ctx, id, ver) : [] };
}

/** A level as people read it: "1200 (1.2GHz)"; in level-indexing mode "index 4: 1200 …". */
function showLevel(d: PerfDomain, levels: readonly PerfLevel[], v: number): string {
  if (d.levelIndexing) {
    const l = levels.find((x) => x.index === v) ?? levels[v];
    return l
      ? `index ${v}: ${showLevel({ ...d, levelIndexing: false }, [], l.level)}`
      : `index ${v}`;
  }
  const hz = Math.round(v * hzPerLevel(d));
  return hz > 0 ? `${v} (${formatRate(hz)})` : String(v);
}

function levelJson(d: PerfDomain, levels: readonly PerfLevel[], v: number) {
  if (d.levelIndexing) {
    const l = levels.find((x) => x.index === v) ?? levels[v];
    return { index: v, level: l?.level, hz: l ? freqHz(d, l) : undefined };
  }
  const hz = Math.round(v * hzPerLevel(d));
  return { level: v, hz: hz > 0 ? hz : undefined };
}

function flagWords(d: PerfDomain): string {
  const f: string[] = [];
  if (d.canSetLevel) f.push("set-level");
  if (d.canSetLimits) f.push("set-limits");
  if (d.levelNotify || d.limitsNotify) f.push("notify");
  if (d.levelIndexing) f.push("level-indexing");
  if (d.fastChannels) f.push("fast-channels");
  return f.join(",") || "-";
}

export const perfCall: CallVerbs = {
  summary: "Performance domains: levels, limits, notifications",
  commands: [
    ...commonCommands(),
    {
      name: "list",
      summary: "Every domain with its levels, as Linux discovers them",
      help: "PROTOCOL_ATTRIBUTES, then per domain PERFORMANCE_DOMAIN_ATTRIBUTES, the extended\n" +
        "name (3.0+) and every page of PERFORMANCE_DESCRIBE_LEVELS. Frequencies come from\n" +
        "4.0's indicative frequency, else from sustained_freq / sustained_perf_level.",
      message: CommonMsg.PROTOCOL_ATTRIBUTES,
      async run(ctx) {
        const ver = await perfVersion(ctx);
        const attrs = await perfAttributes(ctx);
        const rows: string[][] = [["ID", "NAME", "LEVELS", "SUSTAINED", "RATE LIMIT", "ACCESS"]];
        const json: unknown[] = [];
        for (let id = 0; id < attrs.domains; id++) {
          let d: PerfDomain;
          try {
            d = await perfDomain(ctx, id, ver);
          } catch (e) {
            if (!(e instanceof StatusError)) throw e;
            rows.push([String(id), `(${e.message})`]);
            continue;
          }
          const levels = await perfLevels(ctx, id, ver);
          const lo = levels[0]?.level;
          const hi = levels[levels.length - 1]?.level;
          rows.push([
            String(id),
            d.name,
            levels.length ? `${lo}–${hi} (${levels.length})` : "none",
            showLevel({ ...d, levelIndexing: false }, levels, d.sustainedLevel),
            formatMicros(d.rateLimitUs),
            flagWords(d),
          ]);
          json.push({ ...d, levels });
        }
        return {
          text: `${count(attrs.domains, "domain")}, power in ${
            attrs.powerUnit === "abstract" ? "abstract units" : attrs.powerUnit
          }${attrs.domains ? `\n${table(rows)}` : ""}`,
          json: { ...attrs, version: ver, domains: json },
        };
      },
    },
    {
      name: "levels",
      args: "DOMAIN",
      arity: [1, 1],
      summary: "The levels of a domain with frequency, power cost and latency",
      help: "DOMAIN is an id or a name. Pages through PERFORMANCE_DESCRIBE_LEVELS.",
      message: PerfMsg.DESCRIBE_LEVELS,
      async run(ctx, [which]) {
        const { d, levels } = await describe(ctx, which, true);
        const { powerUnit } = await perfAttributes(ctx);
        const rows = [[
          "LEVEL",
          "FREQUENCY",
          "POWER",
          "LATENCY",
          ...(d.levelIndexing ? ["INDEX"] : []),
        ]];
        for (const l of levels) {
          const hz = freqHz(d, l);
          rows.push([
            String(l.level),
            hz > 0 ? formatRate(hz) : "-",
            formatPower(l.power, powerUnit),
            formatMicros(l.latencyUs),
            ...(d.levelIndexing ? [String(l.index ?? "")] : []),
          ]);
        }
        return {
          text: `${d.name}: ${count(levels.length, "level")}\n${table(rows)}`,
          json: { domain: d.id, name: d.name, powerUnit, levels },
        };
      },
    },
    {
      name: "get",
      args: "DOMAIN",
      arity: [1, 1],
      summary: "The current level (PERFORMANCE_LEVEL_GET)",
      help: "a2p: u32 domain_id. p2a: u32 performance_level (an index in level-indexing mode).",
      message: PerfMsg.LEVEL_GET,
      async run(ctx, [which]) {
        const { id, d, levels } = await describe(ctx, which, true);
        const v = (await ctx.call(PerfMsg.LEVEL_GET, [id])).u32();
        return {
          text: `${d.name}: ${showLevel(d, levels, v)}`,
          json: { domain: id, name: d.name, ...levelJson(d, levels, v) },
        };
      },
    },
    {
      name: "set",
      args: "DOMAIN LEVEL",
      arity: [2, 2],
      summary: "Ask for a level (PERFORMANCE_LEVEL_SET)",
      help: "a2p: u32 domain_id, u32 performance_level. LEVEL is a level value from `perf\n" +
        "levels`, or the level's index when the domain uses level-indexing mode.",
      message: PerfMsg.LEVEL_SET,
      async run(ctx, [which, levelText]) {
        const level = parseU32(levelText, "Level");
        const id = await domainId(ctx, which);
        await ctx.call(PerfMsg.LEVEL_SET, [id, level]);
        return ok({ domain: id, level });
      },
    },
    {
      name: "limits",
      args: "DOMAIN [MIN MAX]",
      arity: [1, 3],
      summary: "Read the limits, or set them (PERFORMANCE_LIMITS_GET/SET)",
      help: "Without MIN and MAX: PERFORMANCE_LIMITS_GET (a2p: u32 domain_id; p2a: u32\n" +
        "range_max, u32 range_min). With both: PERFORMANCE_LIMITS_SET (a2p: u32 domain_id,\n" +
        "u32 range_max, u32 range_min). From 3.0 a limit of 0 leaves that limit as it is,\n" +
        "except in level-indexing mode, where 0 is the lowest level's index.",
      async run(ctx, [which, minText, maxText]) {
        if (minText !== undefined && maxText === undefined) {
          throw new UsageError("perf limits needs both MIN and MAX, or neither");
        }
        if (minText !== undefined) {
          const min = parseU32(minText, "MIN");
          const max = parseU32(maxText, "MAX");
          const id = await domainId(ctx, which);
          await ctx.call(PerfMsg.LIMITS_SET, [id, max, min]);
          return ok({ domain: id, min, max });
        }
        const { id, d, levels } = await describe(ctx, which, true);
        const p = await ctx.call(PerfMsg.LIMITS_GET, [id]);
        const max = p.u32();
        const min = p.u32();
        return {
          text: `${d.name}: ${showLevel(d, levels, min)} – ${showLevel(d, levels, max)}`,
          json: { domain: id, name: d.name, min, max },
        };
      },
    },
    {
      name: "watch",
      args: "DOMAIN",
      arity: [1, 1],
      summary: "Print level and limit changes of a domain as they happen",
      help: "Sends PERFORMANCE_NOTIFY_LEVEL and PERFORMANCE_NOTIFY_LIMITS (a2p: u32 domain_id,\n" +
        "u32 notify_enable), prints PERFORMANCE_LEVEL_CHANGED (agent_id, domain_id, level)\n" +
        "and PERFORMANCE_LIMITS_CHANGED (agent_id, domain_id, range_max, range_min) until\n" +
        "--count, --duration or Ctrl-C, then unsubscribes. agent_id 0 is the platform.",
      message: PerfMsg.NOTIFY_LEVEL,
      flags: WATCH_FLAGS,
      async run(ctx, [which], flags) {
        const limits = watchLimits(flags);
        const { id, d, levels } = await describe(ctx, which, true);
        const notify = async (on: number) => {
          await ctx.call(PerfMsg.NOTIFY_LEVEL, [id, on]);
          await ctx.call(PerfMsg.NOTIFY_LIMITS, [id, on]);
        };
        return watchLoop(ctx, limits, notify, (e) => {
          const agent = e.payload.u32();
          if (e.payload.u32() !== id) return undefined;
          if (e.id === PerfEvent.LEVEL_CHANGED) {
            const v = e.payload.u32();
            return {
              text: `level ${showLevel(d, levels, v)} (agent ${agent})`,
              json: { event: "level", agent, domain: id, ...levelJson(d, levels, v) },
            };
          }
          if (e.id === PerfEvent.LIMITS_CHANGED) {
            const max = e.payload.u32();
            const min = e.payload.u32();
            return {
              text: `limits ${showLevel(d, levels, min)} – ${
                showLevel(d, levels, max)
              } (agent ${agent})`,
              json: { event: "limits", agent, domain: id, min, max },
            };
          }
          return { text: `event ${e.id}`, json: { event: e.id, agent, domain: id } };
        });
      },
    },
  ],
};
