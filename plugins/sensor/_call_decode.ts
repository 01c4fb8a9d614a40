/**
 * The sensor management protocol (0x15, DEN0056 §4.7) on the agent's side: message ids,
 * unit symbols, and readers for descriptors, axes, update intervals and readings, gated on
 * the protocol version as Linux's `sensors.c` gates them (2.0 = SCMI 3.0: axes, extended
 * attributes, timestamped readings; 3.0 = SCMI 3.1: extended names).
 * @module
 */
import {
  type CallContext,
  CommonMsg,
  DecodeError,
  formatScaled,
  longName as nameGet,
  Payload,
  protocolVersion,
  s64,
  signed5,
  u64,
} from "../../client/mod.ts";
import { SensorMsg, SensorVersion } from "./msg.ts";

export { SensorEvent, SensorMsg } from "./msg.ts";

/** Protocol versions where layouts change. */
export const SENSOR_V2 = SensorVersion.V2;
export const SENSOR_V3 = SensorVersion.V3;

/** Unit symbols by sensor type (the DMTF DSP0249 table SCMI uses); 0 and 1 have none. */
const UNITS: readonly string[] = [
  "",
  "",
  "°C",
  "°F",
  "K",
  "V",
  "A",
  "W",
  "J",
  "C",
  "VA",
  "nit",
  "lm",
  "lx",
  "cd",
  "kPa",
  "psi",
  "N",
  "CFM",
  "rpm",
  "Hz",
  "s",
  "min",
  "h",
  "d",
  "wk",
  "mil",
  "in",
  "ft",
  "in³",
  "ft³",
  "m",
  "cm³",
  "m³",
  "L",
  "fl oz",
  "rad",
  "sr",
  "rev",
  "cycles",
  "×g",
  "oz",
  "lb",
  "ft·lb",
  "oz·in",
  "Gs",
  "Gb",
  "H",
  "F",
  "Ω",
  "S",
  "mol",
  "Bq",
  "ppm",
  "dB",
  "dBA",
  "dBC",
  "Gy",
  "Sv",
  "K",
  "bit",
  "B",
  "words",
  "dwords",
  "qwords",
  "%",
  "Pa",
  "counts",
  "g",
  "N·m",
  "hits",
  "misses",
  "retries",
  "overruns",
  "underruns",
  "collisions",
  "packets",
  "messages",
  "chars",
  "errors",
  "corrected errors",
  "uncorrectable errors",
  "mil²",
  "in²",
  "ft²",
  "cm²",
  "m²",
  "rad/s",
  "bpm",
  "m/s²",
  "m/s",
  "m³/s",
  "mmHg",
  "rad/s²",
];

/** The unit symbol of sensor type `type` ("" when it has none, "OEM" for 0xFF). */
export function unitOf(type: number): string {
  if (type === 0xff) return "OEM";
  return UNITS[type] ?? `type ${type}`;
}

/** A reading `value × 10^scale` with its unit: "31.5°C", "0.9V", "12 counts". */
export function showValue(value: number | bigint, scale: number, type: number): string {
  const unit = unitOf(type);
  const sep = /^[A-Za-z°%Ω×µ]/.test(unit) && unit.length <= 3 ? "" : " ";
  return `${formatScaled(value, scale)}${unit ? `${sep}${unit}` : ""}`;
}

/** Resolution `value × 10^exp` (bits 26:0 value, 31:27 signed exponent). */
export interface Resolution {
  value: number;
  exp: number;
}

/** One sensor as SENSOR_DESCRIPTION_GET (and SENSOR_NAME_GET) describe it. */
export interface SensorInfo {
  id: number;
  name: string;
  type: number;
  /** Power-of-ten exponent of the reading's unit. */
  scale: number;
  tripPoints: number;
  async: boolean;
  /** 2.0+: SENSOR_UPDATE notifications can be enabled. */
  continuous: boolean;
  /** 2.0+: readings carry a timestamp, in units of 10^timestampExp s. */
  timestamps: boolean;
  timestampExp: number;
  extendedName: boolean;
  /** Number of axes (0: a scalar sensor). */
  axes: number;
  /** 1.0: shortest update interval as `secs × 10^exp` s (secs 0: not stated). */
  interval?: { secs: number; exp: number };
  /** 2.0+ extended attributes. */
  powerUw?: number;
  resolution?: Resolution;
  min?: number | bigint;
  max?: number | bigint;
}

/** One axis as SENSOR_AXIS_DESCRIPTION_GET (and SENSOR_AXIS_NAME_GET) describe it. */
export interface AxisInfo {
  id: number;
  name: string;
  type: number;
  scale: number;
  extendedName: boolean;
  resolution?: Resolution;
  min?: number | bigint;
  max?: number | bigint;
}

/** One reading: an s64 value and, from 2.0, its u64 timestamp. */
export interface Reading {
  value: number | bigint;
  timestamp?: number | bigint;
}

/** What PROTOCOL_ATTRIBUTES says: u16 num_sensors, u8 max_pending_async_requests. */
export async function sensorAttributes(
  ctx: CallContext,
): Promise<{ sensors: number; maxPending: number; regAddress: number; regLength: number }> {
  const p = await ctx.call(CommonMsg.PROTOCOL_ATTRIBUTES);
  const a = p.u32();
  const low = p.u32();
  const high = p.u32();
  return {
    sensors: a & 0xffff,
    maxPending: (a >>> 16) & 0xff,
    regAddress: high * 0x1_0000_0000 + low,
    regLength: p.u32(),
  };
}

/** PROTOCOL_VERSION: `(major << 16) | minor`. */
export const sensorVersion = protocolVersion;

function resolution(word: number): Resolution {
  return { value: word & 0x7ff_ffff, exp: signed5(word >>> 27) };
}

/**
 * One descriptor: u32 sensor_id, u32 attributes_low, u32 attributes_high, char name[16];
 * from 2.0 with attributes_low bit 8 also u32 sensor_power (µW), and for a scalar sensor u32
 * resolution, s64 min_range, s64 max_range.
 */
export function readDescriptor(p: Payload, ver: number): SensorInfo {
  const id = p.u32();
  const low = p.u32();
  const high = p.u32();
  const name = p.name(16);
  const v2 = ver >= SENSOR_V2;
  const axes = v2 && high & 0x100 ? (high >>> 16) & 0x3f : 0;
  const s: SensorInfo = {
    id,
    name,
    type: high & 0xff,
    scale: signed5(high >>> 11),
    tripPoints: low & 0xff,
    async: (low & 0x8000_0000) !== 0,
    continuous: v2 && (low & 0x4000_0000) !== 0,
    timestamps: v2 && (low & 0x200) !== 0,
    timestampExp: signed5(low >>> 10),
    extendedName: ver >= SENSOR_V3 && (low & 0x2000_0000) !== 0,
    axes,
  };
  if (!v2) {
    s.interval = { secs: high >>> 27, exp: signed5(high >>> 22) };
  } else if (low & 0x100) {
    s.powerUw = p.u32();
    if (axes === 0) {
      s.resolution = resolution(p.u32());
      s.min = s64(p.u32(), p.u32());
      s.max = s64(p.u32(), p.u32());
    }
  }
  return s;
}

/** Replaces the short name with SENSOR_NAME_GET's (u32 flags, char name[64]) when flagged. */
async function longName(ctx: CallContext, s: SensorInfo): Promise<void> {
  if (!s.extendedName) return;
  s.name = await nameGet(ctx, SensorMsg.SENSOR_NAME_GET, [s.id], "SENSOR_NAME_GET", s.name);
}

/**
 * Every sensor, page by page from desc_index 0. SENSOR_DESCRIPTION_GET p2a: u32
 * num_sensor_flags (bits 11:0 returned, 31:16 remaining), then descriptors.
 */
export async function sensorList(ctx: CallContext, ver: number): Promise<SensorInfo[]> {
  const out: SensorInfo[] = [];
  let total = -1;
  for (;;) {
    const p = await ctx.call(SensorMsg.SENSOR_DESCRIPTION_GET, [out.length]);
    const head = p.u32();
    const n = head & 0xfff;
    const left = head >>> 16;
    if (total < 0) total = n + left;
    if (out.length + n > total || (n === 0 && left > 0)) {
      throw new DecodeError(
        `SENSOR_DESCRIPTION_GET returned ${n} descriptors at index ${out.length} of ${total}`,
      );
    }
    for (let i = 0; i < n; i++) out.push(readDescriptor(p, ver));
    if (left === 0) break;
  }
  for (const s of out) await longName(ctx, s);
  return out;
}

/** Sensor `id`'s descriptor: the first of SENSOR_DESCRIPTION_GET from desc_index `id`. */
export async function sensorInfo(ctx: CallContext, id: number, ver: number): Promise<SensorInfo> {
  const p = await ctx.call(SensorMsg.SENSOR_DESCRIPTION_GET, [id]);
  if ((p.u32() & 0xfff) === 0) {
    throw new DecodeError(`SENSOR_DESCRIPTION_GET from index ${id} returned no descriptor`);
  }
  const s = readDescriptor(p, ver);
  if (s.id !== id) {
    throw new DecodeError(`SENSOR_DESCRIPTION_GET from index ${id} described sensor ${s.id}`);
  }
  await longName(ctx, s);
  return s;
}

/**
 * Every axis of sensor `s`, page by page. SENSOR_AXIS_DESCRIPTION_GET a2p: u32 sensor_id,
 * u32 axis_desc_index. p2a: u32 num_axis_flags (bits 5:0 returned, 31:26 remaining), then
 * per axis u32 axis_id, u32 attributes_low (bit 9 extended name, bit 8 extended attributes),
 * u32 attributes_high (bits 15:11 scale, 7:0 type), char name[16], and with extended
 * attributes u32 resolution, s64 min_range, s64 max_range. Extended names come from
 * SENSOR_AXIS_NAME_GET (3.0+; p2a: u32 num_axis_flags, then {u32 axis_id, char name[64]}).
 */
export async function sensorAxes(
  ctx: CallContext,
  s: SensorInfo,
  ver: number,
): Promise<AxisInfo[]> {
  const out: AxisInfo[] = [];
  while (out.length < s.axes) {
    const p = await ctx.call(SensorMsg.SENSOR_AXIS_DESCRIPTION_GET, [s.id, out.length]);
    const head = p.u32();
    const n = head & 0x3f;
    const left = head >>> 26;
    if (n === 0 || out.length + n > s.axes) {
      throw new DecodeError(
        `SENSOR_AXIS_DESCRIPTION_GET returned ${n} axes at index ${out.length} of ${s.axes}`,
      );
    }
    for (let i = 0; i < n; i++) {
      const id = p.u32();
      const low = p.u32();
      const high = p.u32();
      const a: AxisInfo = {
        id,
        name: p.name(16),
        type: high & 0xff,
        scale: signed5(high >>> 11),
        extendedName: ver >= SENSOR_V3 && (low & 0x200) !== 0,
      };
      if (low & 0x100) {
        a.resolution = resolution(p.u32());
        a.min = s64(p.u32(), p.u32());
        a.max = s64(p.u32(), p.u32());
      }
      out.push(a);
    }
    if (left === 0) break;
  }
  if (out.some((a) => a.extendedName)) {
    let at = 0;
    while (at < out.length) {
      const r = await ctx.request(SensorMsg.SENSOR_AXIS_NAME_GET, [s.id, at]);
      if (r.status !== 0) break;
      const p = new Payload(r.payload, "SENSOR_AXIS_NAME_GET");
      const n = p.u32() & 0x3f;
      if (n === 0) break;
      for (let i = 0; i < n; i++) {
        const id = p.u32();
        const name = p.name(64);
        const a = out.find((x) => x.id === id);
        if (a?.extendedName) a.name = name;
      }
      at += n;
    }
  }
  return out;
}

/** Update intervals: a list (µs), or a segment. */
export type Intervals =
  | { kind: "list"; us: number[] }
  | { kind: "segment"; min: number; max: number; step: number };

/** An interval word (bits 20:5 seconds multiplier, 4:0 signed exponent) in µs. */
export function intervalUs(word: number): number {
  return ((word >>> 5) & 0xffff) * 10 ** (signed5(word) + 6);
}

/**
 * Every update interval of sensor `id`. SENSOR_LIST_UPDATE_INTERVALS a2p: u32 sensor_id,
 * u32 index. p2a: u32 num_intervals_flags (bits 11:0 returned, bit 12 segment, 31:16
 * remaining), then interval words; a segment is exactly one (low, high, step) triplet.
 */
export async function sensorIntervals(ctx: CallContext, id: number): Promise<Intervals> {
  const us: number[] = [];
  for (;;) {
    const p = await ctx.call(SensorMsg.SENSOR_LIST_UPDATE_INTERVALS, [id, us.length]);
    const head = p.u32();
    const n = head & 0xfff;
    const left = head >>> 16;
    if (head & 0x1000) {
      if (n !== 3 || left !== 0 || us.length !== 0) {
        throw new DecodeError(
          `SENSOR_LIST_UPDATE_INTERVALS segment has ${n} words and ${left} remaining, not 3 and 0`,
        );
      }
      const [min, max, step] = [p.u32(), p.u32(), p.u32()].map(intervalUs);
      return { kind: "segment", min, max, step };
    }
    if (n === 0 && left > 0) {
      throw new DecodeError(`SENSOR_LIST_UPDATE_INTERVALS returned none with ${left} remaining`);
    }
    for (let i = 0; i < n; i++) us.push(intervalUs(p.u32()));
    if (left === 0) return { kind: "list", us };
  }
}

/** `n` readings of 16 bytes: s64 value, u64 timestamp (2.0+ layout). */
export function readReadings(p: Payload, n: number): Reading[] {
  const out: Reading[] = [];
  for (let i = 0; i < n; i++) {
    const value = s64(p.u32(), p.u32());
    out.push({ value, timestamp: u64(p.u32(), p.u32()) });
  }
  return out;
}

/** A sample's readings at `ver`: one s64 at 1.0, else one reading per axis (1 if scalar). */
export function readSample(p: Payload, s: SensorInfo, ver: number): Reading[] {
  if (ver < SENSOR_V2) return [{ value: s64(p.u32(), p.u32()) }];
  return readReadings(p, Math.max(1, s.axes));
}

/** An update interval as `secs × 10^exp` seconds in 16 + 5 bits, or undefined. */
export function encodeInterval(us: number): { secs: number; exp: number } | undefined {
  if (us === 0) return { secs: 0, exp: 0 };
  let secs = us;
  let exp = -6;
  while (secs % 10 === 0 && exp < 15) {
    secs /= 10;
    exp++;
  }
  return secs <= 0xffff ? { secs, exp } : undefined;
}
