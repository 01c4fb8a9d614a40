/**
 * Performance protocol discovery: protocol and domain attributes, the level list, extended
 * names, and the answer to fast-channel queries (vscmi's transports have none).
 * @module
 */
import { type Msg, type Outcome, page, Right, Status } from "../../mod.ts";
import { domainName, indexed, type PerfCtx, type PerfDomain } from "./_state.ts";
import {
  DomainFlag,
  LEVEL_ENTRY_V1,
  LEVEL_ENTRY_V4,
  LEVELS_HEAD,
  LONG_NAME,
  PowerUnit,
  RATE_LIMIT_MASK,
  SHORT_NAME,
  V3,
  V4,
} from "./msg.ts";

/** PROTOCOL_ATTRIBUTES power-unit flags for this session's version. */
function powerFlags(ctx: PerfCtx): number {
  switch (ctx.shared.powerUnit) {
    case "mW":
      return PowerUnit.MILLIWATT;
    case "uW":
      // Before 3.0 there is no µW unit: costs go out in mW (see `powerCost`).
      return ctx.version >= V3 ? PowerUnit.MICROWATT : PowerUnit.MILLIWATT;
    case "abstract":
      return 0;
  }
}

/** A level's power cost in the unit this session was told. */
function powerCost(ctx: PerfCtx, power: number): number {
  return ctx.shared.powerUnit === "uW" && ctx.version < V3 ? Math.round(power / 1000) : power;
}

/**
 * PROTOCOL_ATTRIBUTES (0x1): DEN0056 §4.5.
 * a2p: —. p2a: u16 num_domains (the agent's view, holes included), u16 flags (bit 0 mW,
 * bit 1 µW from 3.0), u32 statistics_address_low, u32 statistics_address_high,
 * u32 statistics_len — vscmi keeps no statistics area, so all three are 0.
 */
export function protocolAttributes(ctx: PerfCtx, m: Msg): Outcome {
  m.w.u16(ctx.ids("perf").count);
  m.w.u16(powerFlags(ctx));
  m.w.u32(0);
  m.w.u32(0);
  m.w.u32(0);
}

/** Whether the name does not fit the 16-byte field (NUL included). */
function longName(name: string): boolean {
  return name.length > SHORT_NAME - 1;
}

/**
 * PERF_DOMAIN_ATTRIBUTES (0x3): DEN0056 §4.5 PERFORMANCE_DOMAIN_ATTRIBUTES.
 * a2p: u32 domain_id. p2a: u32 flags, u32 rate_limit_us (bits 19:0), u32 sustained_freq_khz,
 * u32 sustained_perf_level, char name[16].
 * flags: 31 set limits and 30 set level (the agent holds WRITE), 29/28 limits/level
 * notifications (the session has a platform→agent channel), 27 fast channels (never), 26
 * extended name (3.0+, name longer than 15), 25 level-indexing mode (4.0+).
 * sustained_perf_level is the level value, in level-indexing mode too.
 */
export function domainAttributes(ctx: PerfCtx, m: Msg): Outcome {
  const d = ctx.shared.domains[m.res]!;
  const name = domainName(ctx, m.vid, d);
  let flags = 0;
  if ((ctx.ids("perf").rights[m.vid] & Right.WRITE) !== 0) {
    flags |= DomainFlag.SET_LIMITS | DomainFlag.SET_LEVEL;
  }
  if (ctx.canNotify) flags |= DomainFlag.LIMITS_NOTIFY | DomainFlag.LEVEL_NOTIFY;
  if (ctx.version >= V3 && longName(name)) flags |= DomainFlag.EXTENDED_NAME;
  if (indexed(ctx, d)) flags |= DomainFlag.LEVEL_INDEXING;
  m.w.u32(flags);
  m.w.u32(d.desc.rateLimitUs & RATE_LIMIT_MASK);
  m.w.u32(d.desc.sustainedFreqKhz);
  m.w.u32(d.desc.sustainedLevel);
  m.w.name(name, SHORT_NAME);
}

/** Writes level `i` of `d` as one DESCRIBE_LEVELS entry of this session's layout. */
function writeLevel(ctx: PerfCtx, m: Msg, d: PerfDomain, i: number): void {
  const l = d.desc.levels[i];
  m.w.u32(l.level);
  m.w.u32(powerCost(ctx, l.power));
  m.w.u16(Math.min(l.latencyUs, 0xffff));
  m.w.u16(0);
  if (ctx.version >= V4) {
    m.w.u32(l.freqKhz);
    m.w.u32(i);
  }
}

/**
 * PERF_DESCRIBE_LEVELS (0x4): DEN0056 §4.5 PERFORMANCE_DESCRIBE_LEVELS.
 * a2p: u32 domain_id, u32 level_index (levels to skip).
 * p2a: u16 num_levels (returned), u16 num_remaining, then per level: u32 performance_level,
 * u32 power_cost, u16 transition latency µs, u16 reserved; from 4.0 also u32
 * indicative_frequency kHz, u32 level_index. Ascending; as many as fit the agent's message
 * size, at least one. A level_index past the last level is INVALID_PARAMETERS.
 */
export function describeLevels(ctx: PerfCtx, m: Msg): Outcome {
  m.r.u32();
  const start = m.r.u32();
  const d = ctx.shared.domains[m.res]!;
  const total = d.desc.levels.length;
  if (start >= total) return Status.INVALID_PARAMETERS;
  const size = ctx.version >= V4 ? LEVEL_ENTRY_V4 : LEVEL_ENTRY_V1;
  const n = page(total, start, size, m.w, LEVELS_HEAD);
  m.w.u16(n);
  m.w.u16(total - start - n);
  for (let i = start; i < start + n; i++) writeLevel(ctx, m, d, i);
}

/**
 * PERF_DESCRIBE_FASTCHANNEL (0x0B, 2.0+): DEN0056 §4.5 PERFORMANCE_DESCRIBE_FASTCHANNEL.
 * a2p: u32 domain_id, u32 message_id. vscmi offers no fast channel (its transports cannot
 * carry one, and the domain attributes never set bit 27): NOT_FOUND for a message this
 * session does not have (as PROTOCOL_MESSAGE_ATTRIBUTES would say), NOT_SUPPORTED otherwise.
 */
export function describeFastchannel(ctx: PerfCtx, m: Msg): Outcome {
  m.r.u32();
  const id = m.r.u32();
  return !ctx.hasCommand(id) ? Status.NOT_FOUND : Status.NOT_SUPPORTED;
}

/**
 * PERF_DOMAIN_NAME_GET (0x0C, 3.0+): DEN0056 §4.5 PERFORMANCE_DOMAIN_NAME_GET.
 * a2p: u32 domain_id. p2a: u32 flags (0), char name[64] (NUL-terminated, NUL-padded).
 */
export function domainNameGet(ctx: PerfCtx, m: Msg): Outcome {
  const d = ctx.shared.domains[m.res]!;
  m.w.u32(0);
  m.w.name(domainName(ctx, m.vid, d), LONG_NAME);
}
