/**
 * `vscmi call powercap …`: the Power capping and monitoring protocol (0x18, DEN0056 §4.10)
 * from the agent's side, walked the way Linux's `powercap.c` does: PROTOCOL_ATTRIBUTES, then
 * per domain POWERCAP_DOMAIN_ATTRIBUTES and POWERCAP_DOMAIN_NAME_GET when flagged, checked
 * against the rules Linux applies before it accepts a domain. The platform's side is
 * `plugins/powercap/`.
 * @module
 */
import {
  type CallContext,
  type CallVerbs,
  CommandError,
  commonCommands,
  CommonMsg,
  count,
  formatMicros,
  formatPower,
  longName,
  ok,
  parseMicros,
  parsePower,
  type PowerUnit,
  resolveId,
  StatusError,
  table,
  UsageError,
  waitDelayed,
  WATCH_FLAGS,
  watchLimits,
  watchLoop,
} from "../../client/mod.ts";
import { CapSetFlag, DomainAttr, NO_PARENT, PowercapEvent, PowercapMsg } from "./msg.ts";

/** A domain as POWERCAP_DOMAIN_ATTRIBUTES (and NAME_GET) describe it. */
export interface PowercapDomain {
  id: number;
  name: string;
  attributes: number;
  capNotify: boolean;
  measurementsNotify: boolean;
  asyncCapSet: boolean;
  capConfigurable: boolean;
  monitoring: boolean;
  paiConfigurable: boolean;
  unit: PowerUnit;
  fastChannels: boolean;
  minPai: number;
  maxPai: number;
  paiStep: number;
  minCap: number;
  maxCap: number;
  capStep: number;
  sustainablePower: number;
  accuracy: number;
  /** Parent's id, or undefined for a root domain. */
  parent?: number;
}

/** PROTOCOL_ATTRIBUTES. p2a: u32 (bits 15:0 number of domains). */
export async function powercapDomains(ctx: CallContext): Promise<number> {
  return (await ctx.call(CommonMsg.PROTOCOL_ATTRIBUTES)).u32() & 0xffff;
}

/**
 * POWERCAP_DOMAIN_ATTRIBUTES. a2p: u32 domain_id. p2a: u32 attributes, char name[16], u32
 * min_pai, u32 max_pai, u32 pai_step, u32 min_power_cap, u32 max_power_cap, u32
 * power_cap_step, u32 sustainable_power, u32 accuracy, u32 parent_id. Attribute bit 28 asks
 * for POWERCAP_DOMAIN_NAME_GET (p2a: u32 flags, char name[64]); on failure the short name
 * stays, as in Linux.
 */
export async function powercapDomain(ctx: CallContext, id: number): Promise<PowercapDomain> {
  const p = await ctx.call(PowercapMsg.POWERCAP_DOMAIN_ATTRIBUTES, [id]);
  const a = p.u32();
  let name = p.name(16);
  const [minPai, maxPai, paiStep, minCap, maxCap, capStep, sustainablePower, accuracy, parent] =
    Array.from({ length: 9 }, () => p.u32());
  if (a & DomainAttr.EXTENDED_NAME) {
    name = await longName(
      ctx,
      PowercapMsg.POWERCAP_DOMAIN_NAME_GET,
      [id],
      "POWERCAP_DOMAIN_NAME_GET",
      name,
    );
  }
  const unit = (a >>> DomainAttr.UNIT_SHIFT) & 0x3;
  return {
    id,
    name,
    attributes: a >>> 0,
    capNotify: (a & DomainAttr.CAP_CHANGE_NOTIFY) !== 0,
    measurementsNotify: (a & DomainAttr.MEASUREMENTS_NOTIFY) !== 0,
    asyncCapSet: (a & DomainAttr.ASYNC_CAP_SET) !== 0,
    capConfigurable: (a & DomainAttr.CAP_CONFIG) !== 0,
    monitoring: (a & DomainAttr.MONITORING) !== 0,
    paiConfigurable: (a & DomainAttr.PAI_CONFIG) !== 0,
    unit: unit === 2 ? "mW" : unit === 1 ? "uW" : "abstract",
    fastChannels: (a & DomainAttr.FASTCHANNELS) !== 0,
    minPai,
    maxPai,
    paiStep,
    minCap,
    maxCap,
    capStep,
    sustainablePower,
    accuracy,
    parent: parent === NO_PARENT ? undefined : parent,
  };
}

/**
 * What Linux would reject the domain for ("Platform reported inconsistent ..."): both ends of
 * each range non-zero; a configurable range with distinct ends and a step, a fixed one with
 * equal ends; a parent that is another of the `domains` domains.
 */
export function linuxProblems(d: PowercapDomain, domains: number): string[] {
  const out: string[] = [];
  const range = (what: string, min: number, max: number, step: number, conf: boolean) => {
    if (min === 0 || max === 0) out.push(`${what} range has a zero end`);
    else if (conf && min === max) out.push(`${what} is configurable but min = max`);
    else if (!conf && min !== max) out.push(`${what} is fixed but min ≠ max`);
    if (min !== max && step === 0) out.push(`${what} step is 0`);
  };
  range("PAI", d.minPai, d.maxPai, d.paiStep, d.paiConfigurable);
  range("cap", d.minCap, d.maxCap, d.capStep, d.capConfigurable);
  if (d.parent !== undefined && (d.parent >= domains || d.parent === d.id)) {
    out.push(`parent ${d.parent} is not another domain`);
  }
  return out;
}

async function domainId(ctx: CallContext, text: string): Promise<number> {
  return await resolveId(text, "powercap domain", async () => {
    const n = await powercapDomains(ctx);
    const names: (string | undefined)[] = [];
    for (let i = 0; i < n; i++) {
      try {
        names.push((await powercapDomain(ctx, i)).name);
      } catch (e) {
        if (!(e instanceof StatusError)) throw e;
        names.push(undefined);
      }
    }
    return names;
  });
}

async function target(ctx: CallContext, text: string) {
  const id = await domainId(ctx, text);
  return { id, d: await powercapDomain(ctx, id) };
}

function flagWords(d: PowercapDomain): string {
  const f: string[] = [];
  if (d.capConfigurable) f.push("set-cap");
  if (d.paiConfigurable) f.push("set-pai");
  if (d.asyncCapSet) f.push("async");
  if (d.monitoring) f.push("monitor");
  if (d.capNotify || d.measurementsNotify) f.push("notify");
  if (d.fastChannels) f.push("fast-channels");
  return f.join(",") || "-";
}

/** "10W" or "1W–10W step 100mW". */
function range(min: number, max: number, step: number, show: (v: number) => string): string {
  return min === max ? show(min) : `${show(min)}–${show(max)} step ${show(step)}`;
}

export const powercapCall: CallVerbs = {
  summary: "Power capping: caps, averaging intervals, measurements",
  commands: [
    ...commonCommands(),
    {
      name: "list",
      summary: "Every domain with its cap and interval ranges, as Linux discovers them",
      help: "PROTOCOL_ATTRIBUTES, then per domain POWERCAP_DOMAIN_ATTRIBUTES and the extended\n" +
        "name. A domain Linux would reject as inconsistent is flagged with the reason.",
      message: CommonMsg.PROTOCOL_ATTRIBUTES,
      async run(ctx) {
        const n = await powercapDomains(ctx);
        const rows = [["ID", "NAME", "CAP", "PAI", "PARENT", "FLAGS"]];
        const json: unknown[] = [];
        const notes: string[] = [];
        for (let id = 0; id < n; id++) {
          let d: PowercapDomain;
          try {
            d = await powercapDomain(ctx, id);
          } catch (e) {
            if (!(e instanceof StatusError)) throw e;
            rows.push([String(id), `(${e.message})`]);
            continue;
          }
          const problems = linuxProblems(d, n);
          for (const p of problems) notes.push(`domain ${id}: Linux would reject it: ${p}`);
          rows.push([
            String(id),
            d.name,
            range(d.minCap, d.maxCap, d.capStep, (v) => formatPower(v, d.unit)),
            range(d.minPai, d.maxPai, d.paiStep, formatMicros),
            d.parent === undefined ? "-" : String(d.parent),
            flagWords(d),
          ]);
          json.push({ ...d, problems });
        }
        return {
          text: [count(n, "domain"), ...(n ? [table(rows)] : []), ...notes].join("\n"),
          json: { domains: json },
        };
      },
    },
    {
      name: "get",
      args: "DOMAIN",
      arity: [1, 1],
      summary: "The cap in force (POWERCAP_CAP_GET)",
      help: "a2p: u32 domain_id. p2a: u32 power_cap in the domain's unit (0: no cap, 2.0).",
      message: PowercapMsg.POWERCAP_CAP_GET,
      async run(ctx, [which]) {
        const { id, d } = await target(ctx, which);
        const cap = (await ctx.call(PowercapMsg.POWERCAP_CAP_GET, [id])).u32();
        return {
          text: `${d.name}: ${cap === 0 ? "no cap" : formatPower(cap, d.unit)}`,
          json: { domain: id, cap, unit: d.unit },
        };
      },
    },
    {
      name: "set",
      args: "DOMAIN CAP",
      arity: [2, 2],
      summary: "Ask for a cap, e.g. 5W (POWERCAP_CAP_SET)",
      help: "a2p: u32 domain_id, u32 flags (bit 1 async, bit 0 no delayed response), u32\n" +
        "power_cap. CAP is in the domain's unit, or has a unit (5W, 500mW); 0 asks for no\n" +
        "cap (2.0). With --async the reply comes at once and POWERCAP_CAP_SET_COMPLETE\n" +
        "(u32 status, u32 domain_id, u32 power_cap) follows with the same token. vscmi\n" +
        "withdraws an agent's cap when its connection closes: --wait MS holds it longer.",
      message: PowercapMsg.POWERCAP_CAP_SET,
      flags: { async: { type: "boolean", help: "Ask for an asynchronous change" } },
      async run(ctx, [which, capText], flags) {
        const { id, d } = await target(ctx, which);
        const cap = parsePower(capText, d.unit, "CAP");
        const async = flags.async === true;
        if (!async) {
          await ctx.call(PowercapMsg.POWERCAP_CAP_SET, [id, 0, cap]);
          return ok({ domain: id, cap });
        }
        const r = await ctx.request(PowercapMsg.POWERCAP_CAP_SET, [id, CapSetFlag.ASYNC, cap]);
        if (r.status !== 0) throw new StatusError("POWERCAP_CAP_SET", r.status);
        const done = await waitDelayed(ctx, r, "POWERCAP_CAP_SET_COMPLETE");
        if (done.status !== 0) throw new StatusError("POWERCAP_CAP_SET_COMPLETE", done.status);
        const got = done.payload.u32();
        const now = done.payload.u32();
        if (got !== id) {
          throw new CommandError(`POWERCAP_CAP_SET_COMPLETE names domain ${got}, not ${id}`);
        }
        return {
          text: `ok: cap in force ${formatPower(now, d.unit)} (completed asynchronously)`,
          json: { ok: true, domain: id, cap: now, async: true },
        };
      },
    },
    {
      name: "pai",
      args: "DOMAIN [PAI]",
      arity: [1, 2],
      summary: "Read or set the power averaging interval (POWERCAP_PAI_GET/SET)",
      help: "POWERCAP_PAI_GET p2a: u32 pai (µs). POWERCAP_PAI_SET a2p: u32 domain_id, u32 flags\n" +
        "(0), u32 pai. PAI is µs or has a unit: 10ms, 1s.",
      message: PowercapMsg.POWERCAP_PAI_GET,
      async run(ctx, [which, paiText]) {
        const pai = paiText === undefined ? undefined : parseMicros(paiText, "PAI");
        const id = await domainId(ctx, which);
        if (pai !== undefined) {
          await ctx.call(PowercapMsg.POWERCAP_PAI_SET, [id, 0, pai]);
          return ok({ domain: id, pai });
        }
        const now = (await ctx.call(PowercapMsg.POWERCAP_PAI_GET, [id])).u32();
        return { text: formatMicros(now), json: { domain: id, pai: now } };
      },
    },
    {
      name: "measure",
      args: "DOMAIN",
      arity: [1, 1],
      summary: "The power drawn, averaged over the interval (POWERCAP_MEASUREMENTS_GET)",
      help: "a2p: u32 domain_id. p2a: u32 power, u32 pai (µs).",
      message: PowercapMsg.POWERCAP_MEASUREMENTS_GET,
      async run(ctx, [which]) {
        const { id, d } = await target(ctx, which);
        const p = await ctx.call(PowercapMsg.POWERCAP_MEASUREMENTS_GET, [id]);
        const power = p.u32();
        const pai = p.u32();
        return {
          text: `${d.name}: ${formatPower(power, d.unit)} averaged over ${formatMicros(pai)}`,
          json: { domain: id, power, pai, unit: d.unit },
        };
      },
    },
    {
      name: "watch",
      args: "DOMAIN",
      arity: [1, 1],
      summary: "Print cap changes and power threshold crossings of a domain",
      help: "POWERCAP_CAP_NOTIFY (a2p: u32 domain_id, u32 notify_enable) and, for monitored\n" +
        "domains, POWERCAP_MEASUREMENTS_NOTIFY (also u32 power_thresh_low, u32\n" +
        "power_thresh_high: --low and --high, by default both at the power measured when\n" +
        "the watch starts). Prints POWERCAP_CAP_CHANGED (agent_id, domain_id, power_cap,\n" +
        "pai) and POWERCAP_MEASUREMENTS_CHANGED (agent_id, domain_id, power) until --count,\n" +
        "--duration or Ctrl-C.",
      message: PowercapMsg.POWERCAP_CAP_NOTIFY,
      flags: {
        low: { type: "string", help: "Lower power threshold, e.g. 2W" },
        high: { type: "string", help: "Upper power threshold, e.g. 6W" },
        ...WATCH_FLAGS,
      },
      async run(ctx, [which], flags) {
        const limits = watchLimits(flags);
        const { id, d } = await target(ctx, which);
        const text = (k: string) => typeof flags[k] === "string" ? flags[k] as string : undefined;
        const measure = d.monitoring && d.measurementsNotify;
        if (!measure && (text("low") !== undefined || text("high") !== undefined)) {
          throw new UsageError(`Domain ${id} ("${d.name}") sends no measurement notifications`);
        }
        let low = 0;
        let high = 0;
        if (measure) {
          const now = text("low") === undefined || text("high") === undefined
            ? (await ctx.call(PowercapMsg.POWERCAP_MEASUREMENTS_GET, [id])).u32()
            : 0;
          low = text("low") === undefined ? now : parsePower(text("low")!, d.unit, "--low");
          high = text("high") === undefined ? now : parsePower(text("high")!, d.unit, "--high");
          if (low > high) throw new UsageError("--low must not be above --high");
        }
        const notify = async (on: number) => {
          await ctx.call(PowercapMsg.POWERCAP_CAP_NOTIFY, [id, on]);
          if (measure) {
            await ctx.call(PowercapMsg.POWERCAP_MEASUREMENTS_NOTIFY, [id, on, low, high]);
          }
        };
        if (measure) {
          ctx.print?.({
            text: `watching ${d.name}: thresholds ${formatPower(low, d.unit)} – ${
              formatPower(high, d.unit)
            }`,
            json: { watching: id, low, high },
          });
        }
        return watchLoop(ctx, limits, notify, (e) => {
          const agent = e.payload.u32();
          if (e.payload.u32() !== id) return undefined;
          if (e.id === PowercapEvent.POWERCAP_CAP_CHANGED) {
            const cap = e.payload.u32();
            const pai = e.payload.u32();
            return {
              text: `cap ${cap === 0 ? "none" : formatPower(cap, d.unit)}, interval ${
                formatMicros(pai)
              } (agent ${agent})`,
              json: { event: "cap", agent, domain: id, cap, pai },
            };
          }
          if (e.id === PowercapEvent.POWERCAP_MEASUREMENTS_CHANGED) {
            const power = e.payload.u32();
            const where = power < low ? "below" : power > high ? "above" : "back within";
            return {
              text: `power ${formatPower(power, d.unit)}, ${where} the thresholds (agent ${agent})`,
              json: { event: "power", agent, domain: id, power },
            };
          }
          return { text: `event ${e.id}`, json: { event: e.id, agent, domain: id } };
        });
      },
    },
  ],
};
