/**
 * `vscmi call sensor …`: the Sensor management protocol (0x15, DEN0056 §4.7) from the agent's
 * side: discovery as Linux's `sensors.c` walks it, readings with their unit and scale,
 * configuration, trip points and notifications. Layouts are in `_sensor.ts`; the platform's
 * side is `plugins/sensor/`.
 * @module
 */
import {
  type CallContext,
  type CallResult,
  type CallVerbs,
  CommandError,
  commonCommands,
  count,
  type Event,
  formatMicros,
  formatScaled,
  hex32,
  jsonNumber,
  ok,
  parseChoice,
  parseMicros,
  parseU32,
  resolveId,
  signed5,
  StatusError,
  table,
  unscale,
  UsageError,
  waitDelayed,
  WATCH_FLAGS,
  watchLimits,
  watchLoop,
} from "../../client/mod.ts";
import {
  type AxisInfo,
  encodeInterval,
  type Intervals,
  type Reading,
  readReadings,
  readSample,
  SENSOR_V2,
  sensorAttributes,
  sensorAxes,
  SensorEvent,
  type SensorInfo,
  sensorInfo,
  sensorIntervals,
  sensorList,
  SensorMsg,
  sensorVersion,
  showValue,
  unitOf,
} from "./_call_decode.ts";
import { SensorConfig } from "./msg.ts";

/** SENSOR_TRIP_POINT_CONFIG event control (bits 1:0) by word. */
const TRIP_MODES: Readonly<Record<string, number>> = { off: 0, high: 1, low: 2, both: 3 };

/** SENSOR_CONFIG_SET rounding (bits 10:9) by word. */
const ROUNDING: Readonly<Record<string, number>> = { down: 0, up: 1, auto: 2 };

/** SENSOR_TRIP_POINT_EVENT trip_point_desc bit 16: the value crossed upwards. */
const ASCENDING = 0x1_0000;

async function sensorId(ctx: CallContext, text: string): Promise<number> {
  return await resolveId(text, "sensor", async () => {
    const list = await sensorList(ctx, await sensorVersion(ctx));
    const names: (string | undefined)[] = [];
    for (const s of list) names[s.id] = s.name;
    return names;
  });
}

/** The sensor `text` names, described, with the protocol version. */
async function target(ctx: CallContext, text: string) {
  const id = await sensorId(ctx, text);
  const ver = await sensorVersion(ctx);
  const s = await sensorInfo(ctx, id, ver);
  const axes = s.axes > 0 ? await sensorAxes(ctx, s, ver) : [];
  return { id, ver, s, axes };
}

/** "31.5°C at 12.345s" for one reading of `s` (or its axis `a`). */
function showReading(s: SensorInfo, r: Reading, a?: AxisInfo): string {
  const v = showValue(r.value, a?.scale ?? s.scale, a?.type ?? s.type);
  // Timestamp 0: the sensor's configuration has timestamps off.
  return s.timestamps && r.timestamp ? `${v} at ${formatScaled(r.timestamp, s.timestampExp)}s` : v;
}

function readingsJson(s: SensorInfo, rs: readonly Reading[], axes: readonly AxisInfo[]) {
  return rs.map((r, i) => {
    const a = axes[i];
    const scale = a?.scale ?? s.scale;
    return {
      ...(a ? { axis: a.id, name: a.name } : {}),
      value: jsonNumber(r.value),
      scaled: formatScaled(r.value, scale),
      unit: unitOf(a?.type ?? s.type),
      ...(s.timestamps && r.timestamp
        ? {
          timestamp: jsonNumber(r.timestamp),
          seconds: formatScaled(r.timestamp, s.timestampExp),
        }
        : {}),
    };
  });
}

/** `head` and the readings: on one line for a scalar, one line per axis otherwise. */
function showReadings(
  head: string,
  s: SensorInfo,
  rs: readonly Reading[],
  axes: readonly AxisInfo[],
): string {
  if (rs.length === 1 && axes.length <= 1) return `${head} ${showReading(s, rs[0], axes[0])}`;
  return [
    head,
    ...rs.map((r, i) => `  ${axes[i]?.name ?? `axis ${i}`}: ${showReading(s, r, axes[i])}`),
  ]
    .join("\n");
}

function flagWords(s: SensorInfo): string {
  const f: string[] = [];
  if (s.async) f.push("async");
  if (s.continuous) f.push("continuous");
  if (s.timestamps) f.push("timestamps");
  return f.join(",") || "-";
}

function showIntervals(iv: Intervals): string {
  if (iv.kind === "segment") {
    return `${formatMicros(iv.min)} to ${formatMicros(iv.max)} in steps of ${
      formatMicros(iv.step)
    }`;
  }
  return iv.us.length ? iv.us.map(formatMicros).join(", ") : "(none)";
}

/** A trip point value given in the sensor's unit ("70", "70.5") or, with --raw, raw. */
function tripValue(text: string, s: SensorInfo, raw: boolean): bigint {
  const v = raw
    ? (/^[+-]?\d+$/.test(text.trim()) ? BigInt(text.trim()) : undefined)
    : unscale(text, s.scale);
  if (v === undefined || v < -(2n ** 63n) || v >= 2n ** 63n) {
    throw new UsageError(
      raw
        ? `VALUE must be a signed 64-bit integer, got "${text}"`
        : `VALUE must be a number in ${unitOf(s.type) || "the sensor's unit"} with at most ${
          Math.max(0, -s.scale)
        } decimals (the sensor's scale is 10^${s.scale}), got "${text}"`,
    );
  }
  return v;
}

/** Decodes a sensor notification for sensor `id`; undefined for another sensor's. */
function describeEvent(
  e: Event,
  id: number,
  s: SensorInfo,
  axes: readonly AxisInfo[],
): CallResult | undefined {
  const agent = e.payload.u32();
  if (e.payload.u32() !== id) return undefined;
  if (e.id === SensorEvent.SENSOR_TRIP_POINT_EVENT) {
    const desc = e.payload.u32();
    const trip = desc & 0xff;
    const up = (desc & ASCENDING) !== 0;
    return {
      text: `trip point ${trip} crossed ${up ? "upwards" : "downwards"} (agent ${agent})`,
      json: { event: "trip", agent, sensor: id, trip, direction: up ? "up" : "down" },
    };
  }
  if (e.id === SensorEvent.SENSOR_UPDATE) {
    const rs = readReadings(e.payload, Math.max(1, s.axes));
    return {
      text: showReadings("update", s, rs, axes),
      json: { event: "update", agent, sensor: id, readings: readingsJson(s, rs, axes) },
    };
  }
  return { text: `event ${e.id}`, json: { event: e.id, agent, sensor: id } };
}

export const sensorCall: CallVerbs = {
  summary: "Sensors: readings, configuration, trip points, notifications",
  commands: [
    ...commonCommands(),
    {
      name: "list",
      summary: "Every sensor with its unit, trip points and axes",
      help: "PROTOCOL_ATTRIBUTES, every page of SENSOR_DESCRIPTION_GET, SENSOR_NAME_GET for\n" +
        "long names (3.0+) and SENSOR_AXIS_DESCRIPTION_GET for sensors with axes (2.0+).",
      message: SensorMsg.SENSOR_DESCRIPTION_GET,
      async run(ctx) {
        const ver = await sensorVersion(ctx);
        const attrs = await sensorAttributes(ctx);
        const list = await sensorList(ctx, ver);
        const rows = [["ID", "NAME", "UNIT", "SCALE", "TRIPS", "AXES", "FLAGS"]];
        const json: unknown[] = [];
        for (const s of list) {
          const axes = s.axes > 0 ? await sensorAxes(ctx, s, ver) : [];
          rows.push([
            String(s.id),
            s.name,
            unitOf(s.type) || `type ${s.type}`,
            `10^${s.scale}`,
            String(s.tripPoints),
            axes.length ? axes.map((a) => a.name).join(",") : "-",
            flagWords(s),
          ]);
          json.push({
            ...s,
            min: s.min === undefined ? undefined : jsonNumber(s.min),
            max: s.max === undefined ? undefined : jsonNumber(s.max),
            unit: unitOf(s.type),
            axes: axes.map((a) => ({
              ...a,
              min: a.min === undefined ? undefined : jsonNumber(a.min),
              max: a.max === undefined ? undefined : jsonNumber(a.max),
            })),
          });
        }
        return {
          text: `${count(list.length, "sensor")}, up to ${attrs.maxPending} asynchronous reads${
            list.length ? `\n${table(rows)}` : ""
          }`,
          json: { version: ver, maxPending: attrs.maxPending, sensors: json },
        };
      },
    },
    {
      name: "read",
      args: "SENSOR",
      arity: [1, 1],
      summary: "Read a sensor: value with unit and scale, per axis, with timestamps",
      help: "SENSOR_READING_GET (a2p: u32 sensor_id, u32 flags bit 0 async). p2a at 1.0: s64\n" +
        "value; from 2.0 per axis (one for a scalar sensor) s64 value, u64 timestamp. With\n" +
        "--async the reply is empty and SENSOR_READING_COMPLETE (u32 status, u32 sensor_id,\n" +
        "readings) follows with the same token.",
      message: SensorMsg.SENSOR_READING_GET,
      flags: { async: { type: "boolean", help: "Ask for an asynchronous reading" } },
      async run(ctx, [which], flags) {
        const { id, ver, s, axes } = await target(ctx, which);
        const async = flags.async === true;
        let rs: Reading[];
        if (async) {
          const r = await ctx.request(SensorMsg.SENSOR_READING_GET, [id, 1]);
          if (r.status !== 0) throw new StatusError("SENSOR_READING_GET", r.status);
          const d = await waitDelayed(ctx, r, "SENSOR_READING_COMPLETE");
          if (d.status !== 0) throw new StatusError("SENSOR_READING_COMPLETE", d.status);
          const got = d.payload.u32();
          if (got !== id) {
            throw new CommandError(`SENSOR_READING_COMPLETE names sensor ${got}, not ${id}`);
          }
          rs = readSample(d.payload, s, ver);
        } else {
          rs = readSample(await ctx.call(SensorMsg.SENSOR_READING_GET, [id, 0]), s, ver);
        }
        return {
          text: showReadings(`${s.name}:`, s, rs, axes),
          json: { sensor: id, name: s.name, async, readings: readingsJson(s, rs, axes) },
        };
      },
    },
    {
      name: "config",
      args: "SENSOR [enable|disable]",
      arity: [1, 2],
      summary: "Show or change enable, update interval and timestamps (2.0+)",
      help: "Without changes: SENSOR_CONFIG_GET (p2a: u32 sensor_config: bits 31:16 interval\n" +
        "multiplier, 15:11 its exponent, bit 1 timestamps, bit 0 enabled). With enable,\n" +
        "disable, --interval or --timestamps: SENSOR_CONFIG_SET, keeping what is not given.\n" +
        "INTERVAL is µs or has a unit (100ms, 1s); --round picks a supported interval.",
      flags: {
        interval: { type: "string", help: "Update interval, e.g. 100ms" },
        round: { type: "string", help: "down, up or auto (default) to a supported interval" },
        timestamps: { type: "string", help: "on or off" },
      },
      message: SensorMsg.SENSOR_CONFIG_GET,
      async run(ctx, [which, action], flags) {
        const enable = action === undefined
          ? undefined
          : parseChoice(action, "enable", "disable", "The action");
        const str = (k: string) => typeof flags[k] === "string" ? flags[k] as string : undefined;
        const interval = str("interval") === undefined
          ? undefined
          : parseMicros(str("interval")!, "--interval");
        const roundText = str("round") ?? "auto";
        const round = ROUNDING[roundText];
        if (round === undefined) {
          throw new UsageError(`--round must be down, up or auto, got "${roundText}"`);
        }
        const ts = str("timestamps") === undefined
          ? undefined
          : parseChoice(str("timestamps")!, "on", "off", "--timestamps");
        const id = await sensorId(ctx, which);
        const cfg = (await ctx.call(SensorMsg.SENSOR_CONFIG_GET, [id])).u32();
        if (enable !== undefined || interval !== undefined || ts !== undefined) {
          let word = cfg & (SensorConfig.ENABLED | SensorConfig.TIMESTAMP);
          if (enable !== undefined) word = enable ? word | 1 : word & ~1;
          if (ts !== undefined) word = ts ? word | 2 : word & ~2;
          if (interval !== undefined) {
            const e = encodeInterval(interval);
            if (e === undefined || e.secs === 0) {
              throw new UsageError(
                `--interval ${interval} µs cannot be written as a 16-bit multiple of a power of ten`,
              );
            }
            word |= (e.secs << SensorConfig.INTERVAL_SECS_SHIFT) |
              ((e.exp & 0x1f) << SensorConfig.INTERVAL_EXP_SHIFT) |
              (round << SensorConfig.ROUND_SHIFT);
          }
          await ctx.call(SensorMsg.SENSOR_CONFIG_SET, [id, word >>> 0]);
          return ok({ sensor: id, config: word >>> 0 });
        }
        const secs = cfg >>> SensorConfig.INTERVAL_SECS_SHIFT;
        const us = secs * 10 ** (signed5(cfg >>> SensorConfig.INTERVAL_EXP_SHIFT) + 6);
        const out = {
          sensor: id,
          enabled: (cfg & SensorConfig.ENABLED) !== 0,
          timestamps: (cfg & SensorConfig.TIMESTAMP) !== 0,
          intervalUs: us,
          raw: cfg,
        };
        return {
          text: table([
            ["enabled", out.enabled ? "yes" : "no"],
            ["timestamps", out.timestamps ? "on" : "off"],
            ["interval", us ? formatMicros(us) : "(none)"],
            ["config", hex32(cfg)],
          ]),
          json: out,
        };
      },
    },
    {
      name: "intervals",
      args: "SENSOR",
      arity: [1, 1],
      summary: "The update intervals a sensor supports (2.0+)",
      help: "Pages through SENSOR_LIST_UPDATE_INTERVALS; a segment is (lowest, highest, step).",
      message: SensorMsg.SENSOR_LIST_UPDATE_INTERVALS,
      async run(ctx, [which]) {
        const id = await sensorId(ctx, which);
        const iv = await sensorIntervals(ctx, id);
        return { text: showIntervals(iv), json: { sensor: id, ...iv } };
      },
    },
    {
      name: "axes",
      args: "SENSOR",
      arity: [1, 1],
      summary: "The axes of a multi-axis sensor (2.0+)",
      help: "SENSOR_AXIS_DESCRIPTION_GET pages, and SENSOR_AXIS_NAME_GET for long names.",
      message: SensorMsg.SENSOR_AXIS_DESCRIPTION_GET,
      async run(ctx, [which]) {
        const { id, s, axes } = await target(ctx, which);
        if (axes.length === 0) {
          return { text: `${s.name}: a scalar sensor, no axes`, json: { sensor: id, axes: [] } };
        }
        const rows = [["AXIS", "NAME", "UNIT", "SCALE"]];
        for (const a of axes) {
          rows.push([String(a.id), a.name, unitOf(a.type) || `type ${a.type}`, `10^${a.scale}`]);
        }
        return {
          text: table(rows),
          json: {
            sensor: id,
            axes: axes.map((a) => ({
              ...a,
              min: a.min === undefined ? undefined : jsonNumber(a.min),
              max: a.max === undefined ? undefined : jsonNumber(a.max),
            })),
          },
        };
      },
    },
    {
      name: "trip",
      args: "SENSOR TRIP high|low|both|off [VALUE]",
      arity: [3, 4],
      summary: "Arm a trip point and print its events",
      help: "SENSOR_TRIP_POINT_CONFIG (a2p: u32 sensor_id, u32 trip_point_ev_ctrl: bits 11:4\n" +
        "trip id, 1:0 mode; s64 value), then SENSOR_TRIP_POINT_NOTIFY and the events until\n" +
        "--count, --duration or Ctrl-C. high fires when the value rises past VALUE, low when\n" +
        "it falls past it. VALUE is in the sensor's unit (70.5 for 70.5°C); --raw takes the\n" +
        "raw integer. Trip points belong to this connection: they end with the command.",
      message: SensorMsg.SENSOR_TRIP_POINT_CONFIG,
      flags: {
        raw: { type: "boolean", help: "VALUE is the raw reading, not scaled" },
        ...WATCH_FLAGS,
      },
      async run(ctx, [which, tripText, modeText, valueText], flags) {
        const trip = parseU32(tripText, "TRIP");
        if (trip > 0xff) throw new UsageError(`TRIP must be 0–255, got "${tripText}"`);
        const mode = TRIP_MODES[modeText];
        if (mode === undefined) {
          throw new UsageError(`The mode must be high, low, both or off, got "${modeText}"`);
        }
        if (valueText === undefined && mode !== 0) {
          throw new UsageError(`sensor trip ${modeText} needs a VALUE`);
        }
        const limits = watchLimits(flags);
        const { id, s, axes } = await target(ctx, which);
        const v = valueText === undefined ? 0n : tripValue(valueText, s, flags.raw === true);
        const bits = BigInt.asUintN(64, v);
        await ctx.call(SensorMsg.SENSOR_TRIP_POINT_CONFIG, [
          id,
          ((trip << 4) | mode) >>> 0,
          Number(bits & 0xffff_ffffn),
          Number(bits >> 32n),
        ]);
        if (mode === 0) return ok({ sensor: id, trip, mode: "off" });
        ctx.print?.({
          text: `trip point ${trip} armed at ${showValue(v, s.scale, s.type)} (${modeText})`,
          json: { armed: true, sensor: id, trip, mode: modeText, value: jsonNumber(v) },
        });
        const notify = async (on: number) => {
          await ctx.call(SensorMsg.SENSOR_TRIP_POINT_NOTIFY, [id, on]);
        };
        return watchLoop(ctx, limits, notify, (e) => describeEvent(e, id, s, axes));
      },
    },
    {
      name: "watch",
      args: "SENSOR",
      arity: [1, 1],
      summary: "Print trip point events and continuous updates of a sensor",
      help: "Enables SENSOR_TRIP_POINT_NOTIFY (sensors with trip points) and\n" +
        "SENSOR_CONTINUOUS_UPDATE_NOTIFY (sensors that offer it), prints\n" +
        "SENSOR_TRIP_POINT_EVENT (agent_id, sensor_id, trip_point_desc) and SENSOR_UPDATE\n" +
        "(agent_id, sensor_id, readings) until --count, --duration or Ctrl-C.",
      message: SensorMsg.SENSOR_CONTINUOUS_UPDATE_NOTIFY,
      flags: WATCH_FLAGS,
      async run(ctx, [which], flags) {
        const limits = watchLimits(flags);
        const { id, ver, s, axes } = await target(ctx, which);
        const trips = s.tripPoints > 0;
        const updates = s.continuous && ver >= SENSOR_V2;
        if (!trips && !updates) {
          throw new CommandError(
            `Sensor ${id} ("${s.name}") has no trip points and no continuous updates to watch`,
          );
        }
        const notify = async (on: number) => {
          if (trips) await ctx.call(SensorMsg.SENSOR_TRIP_POINT_NOTIFY, [id, on]);
          if (updates) await ctx.call(SensorMsg.SENSOR_CONTINUOUS_UPDATE_NOTIFY, [id, on]);
        };
        return watchLoop(ctx, limits, notify, (e) => describeEvent(e, id, s, axes));
      },
    },
  ],
};
