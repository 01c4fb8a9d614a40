/**
 * How `vscmi call clock` learns and shows clocks: the probe walk of one clock as Linux's
 * clock driver makes it, rates and attributes as text and JSON, and the rate notifications
 * (CLOCK_RATE_CHANGED, CLOCK_RATE_CHANGE_REQUESTED; DEN0056 §4.6.3) as lines.
 * @module
 */
import { Status } from "../../mod.ts";
import {
  type CallContext,
  type CallResult,
  type Event,
  formatRate,
  Payload,
  StatusError,
} from "../../client/mod.ts";
import {
  ClockEvent,
  type ClockInfo,
  clockInfo,
  ClockMsg,
  describeRates,
  permissionsGet,
  possibleParents,
  rateGet,
  type Rates,
} from "./_call_decode.ts";

/** "24MHz, 48MHz" or "600MHz–2.4GHz step 24MHz". */
export function ratesText(r: Rates): string {
  return r.kind === "list"
    ? r.rates.map(formatRate).join(", ")
    : `${formatRate(r.min)}–${formatRate(r.max)} step ${formatRate(r.step)}`;
}

/** Rates for `--json`: exact Hz. */
export function ratesJson(r: Rates): unknown {
  return r.kind === "list" ? { kind: "list", rates: r.rates } : r;
}

export function infoJson(i: ClockInfo): Record<string, unknown> {
  return {
    id: i.id,
    name: i.name,
    enabled: i.enabled,
    enableLatencyUs: i.enableLatencyUs ?? null,
    notifications: {
      rateChanged: i.notifyRateChanged,
      rateChangeRequested: i.notifyRateChangeRequested,
    },
    extendedName: i.extendedName,
    parents: i.parents,
    extendedConfig: i.extendedConfig,
    restricted: i.restricted,
    attributes: i.attributes,
  };
}

/** One clock as `clock list` learns it. */
export interface Listed {
  info: ClockInfo;
  rates: Rates;
  rate: number;
  parents: number[];
  /** Current parent's id; null without parent support, -1 when hidden from the agent. */
  parent: number | null;
  permissions?: { state: boolean; parent: boolean; rate: boolean };
}

/**
 * The probe walk of Linux's clock driver for one clock: CLOCK_ATTRIBUTES, CLOCK_NAME_GET
 * (long names), CLOCK_POSSIBLE_PARENTS_GET (3.0, bit 28), CLOCK_GET_PERMISSIONS (3.0,
 * bit 1), CLOCK_DESCRIBE_RATES, then what the clock framework reads at registration:
 * CLOCK_RATE_GET and CLOCK_PARENT_GET.
 */
export async function walkOne(ctx: CallContext, id: number, v: number): Promise<Listed> {
  const info = await clockInfo(ctx, id, v);
  const parents = info.parents ? await possibleParents(ctx, id) : [];
  const permissions = info.restricted ? await permissionsGet(ctx, id) : undefined;
  const rates = await describeRates(ctx, id);
  const rate = await rateGet(ctx, id);
  let parent: number | null = null;
  if (info.parents) {
    // NOT_FOUND: the current parent is a clock this agent does not see.
    const r = await ctx.request(ClockMsg.CLOCK_PARENT_GET, [id]);
    if (r.status === 0) parent = new Payload(r.payload, "CLOCK_PARENT_GET").u32();
    else if (r.status === Status.NOT_FOUND) parent = -1;
    else throw new StatusError("CLOCK_PARENT_GET", r.status);
  }
  return { info, rates, rate, parents, parent, permissions };
}

export function parentText(l: Listed, names: readonly string[]): string {
  if (l.parent === null) return "-";
  if (l.parent < 0) return "(hidden)";
  return names[l.parent] ?? String(l.parent);
}

/** The clock notifications as text and JSON; undefined for clocks not watched. */
export function describeEvent(
  names: ReadonlyMap<number, string>,
  e: Event,
): CallResult | undefined {
  const event = e.id === ClockEvent.CLOCK_RATE_CHANGED
    ? "CLOCK_RATE_CHANGED"
    : e.id === ClockEvent.CLOCK_RATE_CHANGE_REQUESTED
    ? "CLOCK_RATE_CHANGE_REQUESTED"
    : undefined;
  if (event === undefined) return undefined;
  // p2a (16 bytes): u32 agent_id, u32 clock_id, u32 rate_low, u32 rate_high.
  const agent = e.payload.u32();
  const clock = e.payload.u32();
  const rate = e.payload.u64();
  const name = names.get(clock);
  if (name === undefined) return undefined;
  return {
    text: `${event} clock ${clock} (${name}) ${formatRate(rate)} by agent ${agent}`,
    json: { event, clock, name, rate, agent },
  };
}
