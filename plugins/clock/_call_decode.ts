/**
 * The Clock management protocol (0x14, DEN0056 §4.6) from the agent's side: one function per
 * command that sends it and decodes the reply the way Linux's
 * `clock.c` reads it (fields gated on the protocol's major version, paged lists checked
 * against the totals the first page announced). The platform's side is `plugins/clock/`.
 * @module
 */
import {
  type CallContext,
  CommonMsg,
  DecodeError,
  longName,
  protocolVersion,
  walk,
} from "../../client/mod.ts";
import { ClockAttr as Attr, ClockMsg, ClockVersion } from "./msg.ts";

export { ClockEvent, ClockMsg, RateFlag } from "./msg.ts";

/** Specification names by id, common commands included. */

/** Major version 2 and 3 of the protocol, as full version words. */
export const V2 = ClockVersion.V2;
export const V3 = ClockVersion.V3;

/** PROTOCOL_VERSION: `(major << 16) | minor`. */
export const clockVersion = protocolVersion;

/** PROTOCOL_ATTRIBUTES (§4.6.2.3). p2a: u32 num_clocks 15:0 | max_async_req 23:16. */
export async function clockProtocolAttributes(
  ctx: CallContext,
): Promise<{ clocks: number; maxAsync: number }> {
  const a = (await ctx.call(CommonMsg.PROTOCOL_ATTRIBUTES)).u32();
  return { clocks: a & 0xffff, maxAsync: (a >>> 16) & 0xff };
}

/** What CLOCK_ATTRIBUTES (and CLOCK_NAME_GET for a long name) tell about one clock. */
export interface ClockInfo {
  id: number;
  name: string;
  /** This agent's view: it enabled the clock. */
  enabled: boolean;
  /** 2.0+: worst-case enable latency, µs; absent when not reported (0 or before 2.0). */
  enableLatencyUs?: number;
  notifyRateChanged: boolean;
  notifyRateChangeRequested: boolean;
  extendedName: boolean;
  /** 3.0+: CLOCK_POSSIBLE_PARENTS_GET lists parents. */
  parents: boolean;
  /** 3.0+: the clock has extended configuration types. */
  extendedConfig: boolean;
  /** 3.0+: rights are restricted; CLOCK_GET_PERMISSIONS says which. */
  restricted: boolean;
  attributes: number;
}

/**
 * CLOCK_ATTRIBUTES (§4.6.2.5). a2p: u32 clock_id. p2a: u32 attributes, char name[16], from
 * 2.0 u32 clock_enable_latency. Then, as Linux does, CLOCK_NAME_GET (§4.6.2.11; a2p: u32
 * clock_id; p2a: u32 flags, char name[64]) when bit 29 says the name is longer.
 */
export async function clockInfo(ctx: CallContext, id: number, version: number): Promise<ClockInfo> {
  const p = await ctx.call(ClockMsg.CLOCK_ATTRIBUTES, [id]);
  const a = p.u32();
  let name = p.name(16);
  const v2 = version >= V2;
  const v3 = version >= V3;
  const latency = v2 ? p.u32() : 0;
  const extendedName = v2 && (a & Attr.EXTENDED_NAME) !== 0;
  if (extendedName) {
    name = await longName(ctx, ClockMsg.CLOCK_NAME_GET, [id], "CLOCK_NAME_GET");
  }
  return {
    id,
    name,
    enabled: (a & Attr.ENABLED) !== 0,
    enableLatencyUs: latency === 0 ? undefined : latency,
    notifyRateChanged: v2 && (a & Attr.RATE_CHANGED_NOTIFY) !== 0,
    notifyRateChangeRequested: v2 && (a & Attr.RATE_CHANGE_REQUESTED_NOTIFY) !== 0,
    extendedName,
    parents: v3 && (a & Attr.PARENTS) !== 0,
    extendedConfig: v3 && (a & Attr.EXTENDED_CONFIG) !== 0,
    restricted: v3 && (a & Attr.RESTRICTED) !== 0,
    attributes: a,
  };
}

/** Every clock's name by id. */
export async function clockNames(ctx: CallContext): Promise<string[]> {
  const v = await clockVersion(ctx);
  const { clocks } = await clockProtocolAttributes(ctx);
  return walk(clocks, async (id) => (await clockInfo(ctx, id, v)).name);
}

/** A clock's rates: a list (ascending, as the platform sends them) or a range. */
export type Rates =
  | { kind: "list"; rates: number[] }
  | { kind: "range"; min: number; max: number; step: number };

/**
 * CLOCK_DESCRIBE_RATES (§4.6.2.6), every page. a2p: u32 clock_id, u32 rate_index.
 * p2a: u32 num_rates_flags (returned 11:0, range 12, remaining 31:16), rates as u64.
 * A range is one reply of exactly 3 values and nothing remaining; a list is asked from
 * index 0 on until nothing remains, each page checked against the first page's total.
 */
export async function describeRates(ctx: CallContext, id: number): Promise<Rates> {
  const rates: number[] = [];
  let total = -1;
  for (;;) {
    const p = await ctx.call(ClockMsg.CLOCK_DESCRIBE_RATES, [id, rates.length]);
    const flags = p.u32();
    const returned = flags & 0xfff;
    const remaining = flags >>> 16;
    if ((flags & 0x1000) !== 0) {
      if (returned !== 3 || remaining !== 0 || rates.length !== 0) {
        throw new DecodeError(
          `CLOCK_DESCRIBE_RATES of clock ${id}: a range must be 3 rates with none remaining, got ${returned} and ${remaining}`,
        );
      }
      return { kind: "range", min: p.u64(), max: p.u64(), step: p.u64() };
    }
    if (total < 0) total = returned + remaining;
    if (returned === 0 || returned > total - rates.length) {
      throw new DecodeError(
        `CLOCK_DESCRIBE_RATES of clock ${id} from index ${rates.length}: ${returned} rates returned with ${
          total - rates.length
        } left to list`,
      );
    }
    for (let i = 0; i < returned; i++) rates.push(p.u64());
    if (remaining === 0 || rates.length >= total) return { kind: "list", rates };
  }
}

/** CLOCK_RATE_GET (§4.6.2.8). a2p: u32 clock_id. p2a: u32 rate_low, u32 rate_high. */
export async function rateGet(ctx: CallContext, id: number): Promise<number> {
  return (await ctx.call(ClockMsg.CLOCK_RATE_GET, [id])).u64();
}

/**
 * CLOCK_POSSIBLE_PARENTS_GET (§4.6.2.14, 3.0+), every page. a2p: u32 clock_id, u32
 * skip_parents. p2a: u32 num_parent_flags (returned 7:0, remaining 31:24), u32 ids[].
 */
export async function possibleParents(ctx: CallContext, id: number): Promise<number[]> {
  const ids: number[] = [];
  let total = -1;
  for (;;) {
    const p = await ctx.call(ClockMsg.CLOCK_POSSIBLE_PARENTS_GET, [id, ids.length]);
    const flags = p.u32();
    const returned = flags & 0xff;
    const remaining = flags >>> 24;
    if (total < 0) total = returned + remaining;
    if (returned === 0 || returned > total - ids.length) {
      throw new DecodeError(
        `CLOCK_POSSIBLE_PARENTS_GET of clock ${id} skipping ${ids.length}: ${returned} parents returned with ${
          total - ids.length
        } left to list`,
      );
    }
    for (let i = 0; i < returned; i++) ids.push(p.u32());
    if (remaining === 0 || ids.length >= total) return ids;
  }
}

/** CLOCK_PARENT_GET (§4.6.2.16, 3.0+). a2p: u32 clock_id. p2a: u32 parent_clock_id. */
export async function parentGet(ctx: CallContext, id: number): Promise<number> {
  return (await ctx.call(ClockMsg.CLOCK_PARENT_GET, [id])).u32();
}

/** CLOCK_GET_PERMISSIONS bits (§4.6.2.17): what this agent may control. */
export interface ClockPermissions {
  state: boolean;
  parent: boolean;
  rate: boolean;
}

/** CLOCK_GET_PERMISSIONS (3.0+). a2p: u32 clock_id. p2a: u32 permissions (31 state, 30 parent, 29 rate). */
export async function permissionsGet(ctx: CallContext, id: number): Promise<ClockPermissions> {
  const p = (await ctx.call(ClockMsg.CLOCK_GET_PERMISSIONS, [id])).u32();
  return {
    state: (p & 0x8000_0000) !== 0,
    parent: (p & 0x4000_0000) !== 0,
    rate: (p & 0x2000_0000) !== 0,
  };
}

/**
 * CLOCK_CONFIG_SET (§4.6.2.9) enabling or disabling, as Linux sends it: before 3.0
 * a2p: u32 clock_id, u32 attributes (bit 0 enable); from 3.0 a third word,
 * extended_config_val 0, with attributes 1:0 = the state and no extended type.
 */
export async function configSet(
  ctx: CallContext,
  id: number,
  enable: boolean,
  version: number,
): Promise<void> {
  const state = enable ? 1 : 0;
  await ctx.call(ClockMsg.CLOCK_CONFIG_SET, version >= V3 ? [id, state, 0] : [id, state]);
}

/**
 * CLOCK_CONFIG_GET (§4.6.2.10, 3.0+). a2p: u32 clock_id, u32 flags (7:0 extended type).
 * p2a: u32 attributes, u32 config (bit 0 enabled), u32 extended_config_val.
 */
export async function configGet(
  ctx: CallContext,
  id: number,
  type: number,
): Promise<{ enabled: boolean; value: number }> {
  const p = await ctx.call(ClockMsg.CLOCK_CONFIG_GET, [id, type]);
  p.u32();
  const config = p.u32();
  return { enabled: (config & 1) !== 0, value: p.u32() };
}
