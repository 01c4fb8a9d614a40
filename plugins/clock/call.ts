/**
 * `vscmi call clock …`: the Clock management protocol (0x14, DEN0056 §4.6) from the agent's
 * side. Layouts are given with each request function in `_clock.ts`; the platform's side is
 * `plugins/clock/`. A clock is named by its id (decimal or `0x` hex) or by its name.
 * @module
 */
import {
  type CallContext,
  type CallVerbs,
  CommandError,
  commonCommands,
  CommonMsg,
  DecodeError,
  formatRate,
  hex32,
  ok,
  parseRate,
  parseU32,
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
import {
  clockInfo,
  ClockMsg,
  clockNames,
  clockProtocolAttributes,
  clockVersion,
  configGet,
  configSet,
  describeRates,
  parentGet,
  permissionsGet,
  possibleParents,
  RateFlag,
  rateGet,
  V2,
  V3,
} from "./_call_decode.ts";
import {
  describeEvent,
  infoJson,
  type Listed,
  parentText,
  ratesJson,
  ratesText,
  walkOne,
} from "./_call_show.ts";

/** A clock argument: id or name. */
function clockId(ctx: CallContext, text: string): Promise<number> {
  return resolveId(text, "clock", () => clockNames(ctx));
}

/** Refuses a 3.0 command on an older platform before sending it. */
async function needV3(ctx: CallContext, what: string): Promise<number> {
  const v = await clockVersion(ctx);
  if (v < V3) {
    throw new CommandError(
      `${what} needs clock protocol 3.0; the platform speaks ${versionText(v)} to this agent`,
    );
  }
  return v;
}

const ROUND = { down: 0, up: RateFlag.ROUND_UP, auto: RateFlag.ROUND_AUTO } as const;

/** Extended configuration types by name (§4.6.2.9): 0x80–0xFF are OEM-defined. */
const CONFIG_TYPE: Readonly<Record<string, number>> = { none: 0, "duty-cycle": 1, phase: 2 };

function parseConfigType(text: string | undefined): number {
  if (text === undefined) return 0;
  const named = CONFIG_TYPE[text];
  if (named !== undefined) return named;
  const v = parseU32(text, "--type");
  if (v > 0xff || (v >= 3 && v < 0x80)) {
    throw new UsageError(
      `--type must be none, duty-cycle, phase or an OEM type 0x80–0xff, got "${text}"`,
    );
  }
  return v;
}

export const clockCall: CallVerbs = {
  summary: "Clock management: rates, enables, parents, notifications",
  commands: [
    ...commonCommands(),
    {
      name: "attributes",
      summary: "Number of clocks and asynchronous requests allowed (PROTOCOL_ATTRIBUTES)",
      message: CommonMsg.PROTOCOL_ATTRIBUTES,
      async run(ctx) {
        const a = await clockProtocolAttributes(ctx);
        return {
          text: table([["clocks", String(a.clocks)], ["max async requests", String(a.maxAsync)]]),
          json: a,
        };
      },
    },
    {
      name: "list",
      summary: "Every clock with its state, rate, supported rates and parent",
      help: "Walks the protocol as Linux does at probe: PROTOCOL_VERSION, PROTOCOL_ATTRIBUTES,\n" +
        "then per clock CLOCK_ATTRIBUTES, CLOCK_NAME_GET (long names), the possible parents\n" +
        "and permissions (3.0), CLOCK_DESCRIBE_RATES (every page), CLOCK_RATE_GET and\n" +
        "CLOCK_PARENT_GET. `enabled` is this agent's own vote.",
      message: ClockMsg.CLOCK_ATTRIBUTES,
      async run(ctx) {
        const v = await clockVersion(ctx);
        const { clocks, maxAsync } = await clockProtocolAttributes(ctx);
        const all: Listed[] = await walk(clocks, (id) => walkOne(ctx, id, v));
        const names = all.map((l) => l.info.name);
        const rows = [["ID", "NAME", "ENABLED", "RATE", "RATES", "PARENT"]];
        for (const l of all) {
          rows.push([
            String(l.info.id),
            l.info.name,
            l.info.enabled ? "on" : "off",
            formatRate(l.rate),
            ratesText(l.rates),
            parentText(l, names),
          ]);
        }
        return {
          text: clocks === 0 ? "(no clocks)" : table(rows),
          json: {
            version: versionText(v),
            maxAsyncRequests: maxAsync,
            clocks: all.map((l) => ({
              ...infoJson(l.info),
              rate: l.rate,
              rates: ratesJson(l.rates),
              possibleParents: l.parents,
              parent: l.parent,
              permissions: l.permissions ?? null,
            })),
          },
        };
      },
    },
    {
      name: "info",
      args: "CLOCK",
      arity: [1, 1],
      summary: "A clock's attributes (CLOCK_ATTRIBUTES, CLOCK_NAME_GET)",
      message: ClockMsg.CLOCK_ATTRIBUTES,
      async run(ctx, [which]) {
        const id = await clockId(ctx, which);
        const i = await clockInfo(ctx, id, await clockVersion(ctx));
        return {
          text: table([
            ["id", String(i.id)],
            ["name", i.name],
            ["enabled", yesNo(i.enabled)],
            [
              "enable latency",
              i.enableLatencyUs === undefined ? "unknown" : `${i.enableLatencyUs} µs`,
            ],
            ["rate notifications", yesNo(i.notifyRateChanged)],
            ["rate request notifications", yesNo(i.notifyRateChangeRequested)],
            ["parents", yesNo(i.parents)],
            ["extended configuration", yesNo(i.extendedConfig)],
            ["restricted", yesNo(i.restricted)],
            ["attributes", hex32(i.attributes)],
          ]),
          json: infoJson(i),
        };
      },
    },
    {
      name: "rates",
      args: "CLOCK",
      arity: [1, 1],
      summary: "Rates a clock supports (CLOCK_DESCRIBE_RATES, every page)",
      message: ClockMsg.CLOCK_DESCRIBE_RATES,
      async run(ctx, [which]) {
        const id = await clockId(ctx, which);
        const r = await describeRates(ctx, id);
        return {
          text: r.kind === "list" ? r.rates.map(formatRate).join("\n") : ratesText(r),
          json: { id, ...(ratesJson(r) as object) },
        };
      },
    },
    {
      name: "get-rate",
      args: "CLOCK",
      arity: [1, 1],
      summary: "The rate a clock is programmed to (CLOCK_RATE_GET)",
      message: ClockMsg.CLOCK_RATE_GET,
      async run(ctx, [which]) {
        const id = await clockId(ctx, which);
        const rate = await rateGet(ctx, id);
        return { text: `${formatRate(rate)} (${rate} Hz)`, json: { id, rate } };
      },
    },
    {
      name: "set-rate",
      args: "CLOCK RATE",
      arity: [2, 2],
      summary: "Change a clock's rate (CLOCK_RATE_SET)",
      help: "RATE is in Hz (24000000, 0x16e3600) or with a unit (24MHz, 32.768kHz, 1.2GHz).\n" +
        "a2p: u32 flags (0 async, 1 no delayed response, 2 round up, 3 round auto), u32\n" +
        "clock_id, u32 rate_low, u32 rate_high. A rate the clock does not have is rounded\n" +
        "down unless --round says otherwise. With --async the platform answers at once and\n" +
        "reports completion in CLOCK_RATE_SET_COMPLETE (delayed response: u32 status, u32\n" +
        "clock_id, u64 rate), which this command waits for and prints.",
      message: ClockMsg.CLOCK_RATE_SET,
      flags: {
        async: { type: "boolean", help: "Ask for an asynchronous change and wait for its end" },
        "no-delayed": { type: "boolean", help: "With --async: ask for no delayed response" },
        round: { type: "string", help: "Rounding of a rate the clock lacks: down, up or auto" },
      },
      async run(ctx, [which, rateText], flags) {
        const rate = parseRate(rateText);
        const roundName = typeof flags.round === "string" ? flags.round : "down";
        if (!(roundName in ROUND)) {
          throw new UsageError(`--round must be down, up or auto, got "${roundName}"`);
        }
        const isAsync = flags.async === true;
        const noDelayed = flags["no-delayed"] === true;
        if (noDelayed && !isAsync) throw new UsageError("--no-delayed goes with --async");
        const id = await clockId(ctx, which);
        const f = ROUND[roundName as keyof typeof ROUND] | (isAsync ? RateFlag.ASYNC : 0) |
          (noDelayed ? RateFlag.IGNORE_DELAYED_RESPONSE : 0);
        const words = [f, id, rate % 0x1_0000_0000, Math.floor(rate / 0x1_0000_0000)];
        const reply = await ctx.request(ClockMsg.CLOCK_RATE_SET, words);
        if (reply.status !== 0) throw new StatusError("CLOCK_RATE_SET", reply.status);
        if (isAsync && noDelayed) {
          return ok(
            { id, requested: rate, async: true },
            `accepted: ${formatRate(rate)} requested, no delayed response asked for`,
          );
        }
        if (isAsync) {
          const d = await waitDelayed(ctx, reply, "CLOCK_RATE_SET_COMPLETE");
          if (d.status !== 0) throw new StatusError("CLOCK_RATE_SET_COMPLETE", d.status);
          const got = d.payload.u32();
          const done = d.payload.u64();
          if (got !== id) {
            throw new DecodeError(`CLOCK_RATE_SET_COMPLETE names clock ${got}, not ${id}`);
          }
          return ok(
            { id, requested: rate, rate: done, async: true },
            `done: ${formatRate(done)} (${done} Hz), asynchronously`,
          );
        }
        const now = await rateGet(ctx, id);
        return ok({ id, requested: rate, rate: now }, `done: ${formatRate(now)} (${now} Hz)`);
      },
    },
    {
      name: "enable",
      args: "CLOCK",
      arity: [1, 1],
      summary: "Vote to enable a clock (CLOCK_CONFIG_SET)",
      help: "The clock runs while any agent (or the platform) keeps it enabled. A vote lasts as\n" +
        "long as the connection: until this command ends, or --wait MS after the reply.",
      message: ClockMsg.CLOCK_CONFIG_SET,
      async run(ctx, [which]) {
        const id = await clockId(ctx, which);
        await configSet(ctx, id, true, await clockVersion(ctx));
        return ok({ id, enabled: true }, "enabled");
      },
    },
    {
      name: "disable",
      args: "CLOCK",
      arity: [1, 1],
      summary: "Withdraw this agent's enable vote (CLOCK_CONFIG_SET)",
      message: ClockMsg.CLOCK_CONFIG_SET,
      async run(ctx, [which]) {
        const id = await clockId(ctx, which);
        await configSet(ctx, id, false, await clockVersion(ctx));
        return ok({ id, enabled: false }, "disabled");
      },
    },
    {
      name: "config",
      args: "CLOCK",
      arity: [1, 1],
      summary: "A clock's state and extended configuration (CLOCK_CONFIG_GET, 3.0)",
      help: "--type reads an extended configuration value: duty-cycle, phase or an OEM type\n" +
        "0x80–0xff (none by default).",
      message: ClockMsg.CLOCK_CONFIG_GET,
      flags: { type: { type: "string", help: "Extended configuration type to read" } },
      async run(ctx, [which], flags) {
        const type = parseConfigType(typeof flags.type === "string" ? flags.type : undefined);
        await needV3(ctx, "CLOCK_CONFIG_GET");
        const id = await clockId(ctx, which);
        const c = await configGet(ctx, id, type);
        const rows = [["enabled", yesNo(c.enabled)]];
        if (type !== 0) rows.push([`type ${flags.type}`, `${c.value} (${hex32(c.value)})`]);
        return {
          text: table(rows),
          json: type === 0
            ? { id, enabled: c.enabled }
            : { id, enabled: c.enabled, type, value: c.value },
        };
      },
    },
    {
      name: "parents",
      args: "CLOCK",
      arity: [1, 1],
      summary: "Clocks this one can be switched to (CLOCK_POSSIBLE_PARENTS_GET, 3.0)",
      message: ClockMsg.CLOCK_POSSIBLE_PARENTS_GET,
      async run(ctx, [which]) {
        const v = await needV3(ctx, "CLOCK_POSSIBLE_PARENTS_GET");
        const id = await clockId(ctx, which);
        const ids = await possibleParents(ctx, id);
        const parents = [];
        for (const p of ids) parents.push({ id: p, name: (await clockInfo(ctx, p, v)).name });
        return {
          text: table(parents.map((p) => [String(p.id), p.name])),
          json: { id, parents },
        };
      },
    },
    {
      name: "parent",
      args: "CLOCK [PARENT]",
      arity: [1, 2],
      summary: "Show a clock's parent, or switch it (CLOCK_PARENT_GET / _SET, 3.0)",
      help: "PARENT is one of the clocks `parents CLOCK` lists, by id or name. a2p of\n" +
        "CLOCK_PARENT_SET: u32 clock_id, u32 parent_clock_id.",
      message: ClockMsg.CLOCK_PARENT_GET,
      async run(ctx, [which, to]) {
        const v = await needV3(ctx, "CLOCK_PARENT_GET");
        const id = await clockId(ctx, which);
        if (to !== undefined) {
          const p = await clockId(ctx, to);
          await ctx.call(ClockMsg.CLOCK_PARENT_SET, [id, p]);
        }
        const parent = await parentGet(ctx, id);
        const name = (await clockInfo(ctx, parent, v)).name;
        return {
          text: `${to === undefined ? "" : "switched: "}${parent} ${name}`,
          json: { id, parent, name, ...(to === undefined ? {} : { ok: true }) },
        };
      },
    },
    {
      name: "permissions",
      args: "CLOCK",
      arity: [1, 1],
      summary: "What this agent may control on a clock (CLOCK_GET_PERMISSIONS, 3.0)",
      message: ClockMsg.CLOCK_GET_PERMISSIONS,
      async run(ctx, [which]) {
        await needV3(ctx, "CLOCK_GET_PERMISSIONS");
        const id = await clockId(ctx, which);
        const p = await permissionsGet(ctx, id);
        const word = (b: boolean) => (b ? "allowed" : "denied");
        return {
          text: table([["state", word(p.state)], ["parent", word(p.parent)], [
            "rate",
            word(p.rate),
          ]]),
          json: { id, ...p },
        };
      },
    },
    {
      name: "watch",
      args: "[CLOCK…]",
      arity: [0, 64],
      summary: "Print rate notifications as they arrive (CLOCK_RATE_NOTIFY, 2.0)",
      help: "Subscribes to CLOCK_RATE_CHANGED and CLOCK_RATE_CHANGE_REQUESTED for the clocks\n" +
        "given (default: every clock that offers them), prints each notification (u32\n" +
        "agent_id, u32 clock_id, u64 rate) until Ctrl-C, --count or --duration, then\n" +
        "unsubscribes.",
      message: ClockMsg.CLOCK_RATE_NOTIFY,
      flags: WATCH_FLAGS,
      async run(ctx, which, flags) {
        const limits = watchLimits(flags);
        const v = await clockVersion(ctx);
        if (v < V2) {
          throw new CommandError(
            `Rate notifications need clock protocol 2.0; the platform speaks ${versionText(v)}`,
          );
        }
        const targets = await watchTargets(which, {
          count: async () => (await clockProtocolAttributes(ctx)).clocks,
          info: (id) => clockInfo(ctx, id, v),
          resolve: (text) => clockId(ctx, text),
          offers: (i) => i.notifyRateChanged || i.notifyRateChangeRequested,
          none: "No clock offers rate notifications here",
        });
        const names = new Map([...targets].map(([id, i]) => [id, i.name]));
        const notify = async (on: number) => {
          for (const id of names.keys()) {
            await ctx.call(ClockMsg.CLOCK_RATE_NOTIFY, [id, on]);
            await ctx.call(ClockMsg.CLOCK_RATE_CHANGE_REQUESTED_NOTIFY, [id, on]);
          }
        };
        return watchLoop(ctx, limits, notify, (e) => describeEvent(names, e));
      },
    },
  ],
};
