/**
 * The discovery commands of the sensor protocol: SENSOR_DESCRIPTION_GET,
 * SENSOR_AXIS_DESCRIPTION_GET, SENSOR_LIST_UPDATE_INTERVALS, SENSOR_NAME_GET and
 * SENSOR_AXIS_NAME_GET. Paged replies hold as many entries as the reply has room for, and at
 * least one whenever some remain.
 * @module
 */
import { type CommandDef, type Msg, page, Status, type Writer } from "../../mod.ts";
import { writeRangeMax, writeRangeMin } from "./_codec.ts";
import type { AxisModel, SensorModel } from "./_model.ts";
import type { SensorSession, SensorShared } from "./_state.ts";
import {
  AxisAttrLow,
  IntervalsFlags,
  SensorAttrHigh,
  SensorAttrLow,
  SensorVersion,
} from "./msg.ts";

type Command = CommandDef<SensorSession, SensorShared>;

const NAME = 16;
const LONG_NAME = 64;
/** Descriptor bytes without extended attributes: id, attributes_low/high, name. */
const DESC_BASE = 28;
/** Offset of the first payload word after the status: where the count word goes. */
const COUNT_AT = 8;
/** Most descriptors one SENSOR_DESCRIPTION_GET reply can count (bits 11:0). */
const MAX_RETURNED = 0xfff;
/** 6-bit axis counts (SENSOR_AXIS_DESCRIPTION_GET, SENSOR_AXIS_NAME_GET). */
const AXIS_REMAINING_SHIFT = 26;

/** Bytes of sensor `model`'s descriptor at `version` (28, 32 or 52); 28 for a hole. */
export function descriptorSize(model: SensorModel | undefined, version: number): number {
  if (!model || version < SensorVersion.V2 || !model.ext) return DESC_BASE;
  return model.multi ? DESC_BASE + 4 : DESC_BASE + 24;
}

/** attributes_low of a descriptor, as this session sees it. */
export function attributesLow(
  model: SensorModel,
  version: number,
  canNotify: boolean,
  name: string,
): number {
  let a = model.tripPoints;
  if (model.async && canNotify) a |= SensorAttrLow.ASYNC;
  if (version >= SensorVersion.V2) {
    if (model.continuous && canNotify) a |= SensorAttrLow.CONTINUOUS_UPDATE;
    if (model.timestamps) {
      a |= SensorAttrLow.TIMESTAMP | ((model.tsExp & 0x1f) << SensorAttrLow.TIMESTAMP_EXP_SHIFT);
    }
    if (model.ext) a |= SensorAttrLow.EXTENDED_ATTRS;
  }
  if (version >= SensorVersion.V3 && name.length >= NAME) a |= SensorAttrLow.EXTENDED_NAME;
  return a >>> 0;
}

/** attributes_high of a descriptor at `version`. */
export function attributesHigh(model: SensorModel, version: number): number {
  let a = model.desc.type | ((model.desc.scale & 0x1f) << SensorAttrHigh.SCALE_SHIFT);
  if (version < SensorVersion.V2) a |= model.v1IntervalBits;
  else if (model.multi) {
    a |= (model.axes << SensorAttrHigh.AXES_SHIFT) | SensorAttrHigh.AXIS_SUPPORT;
  }
  return a >>> 0;
}

function writeDescriptor(
  w: Writer,
  vid: number,
  model: SensorModel | undefined,
  version: number,
  canNotify: boolean,
  name: string,
): void {
  w.u32(vid);
  if (!model) {
    // A sensor withdrawn from this agent: its id stays, described as type 0 with no name.
    w.u32(0);
    w.u32(0);
    w.zeros(NAME);
    return;
  }
  w.u32(attributesLow(model, version, canNotify, name));
  w.u32(attributesHigh(model, version));
  w.name(name, NAME);
  if (version < SensorVersion.V2 || !model.ext) return;
  w.u32(model.powerUw);
  if (model.multi) return;
  w.u32(model.resolution);
  writeRangeMin(w, model.min);
  writeRangeMax(w, model.max);
}

/**
 * SENSOR_DESCRIPTION_GET (DEN0056 §4.7). a2p: u32 desc_index. p2a: u32 num_sensor_flags (bits
 * 11:0 descriptors returned, 31:16 remaining), then descriptors from virtual id desc_index:
 * u32 sensor_id, u32 attributes_low, u32 attributes_high, char name[16], and from 2.0 when
 * the sensor has extended attributes u32 sensor_power, plus for a scalar sensor u32
 * resolution, s64 min_range, s64 max_range. INVALID_PARAMETERS past the last sensor.
 */
export const descriptionGet: Command = {
  name: "SENSOR_DESCRIPTION_GET",
  params: 4,
  a2p: "desc_index",
  run(ctx, m) {
    const ids = ctx.ids("sensor");
    const total = ids.count;
    const start = m.r.u32();
    // An agent that sees no sensor still gets its (empty) first page.
    if (start > total || (start === total && total > 0)) return Status.INVALID_PARAMETERS;
    const w = m.w;
    const models = ctx.shared.models;
    const version = ctx.version;
    const canNotify = ctx.canNotify;
    w.u32(0);
    let n = 0;
    for (let v = start; v < total && n < MAX_RETURNED; v++) {
      const phys = ids.v2p[v];
      const model = phys >= 0 ? models[phys] : undefined;
      if (n > 0 && descriptorSize(model, version) > w.room) break;
      const name = model ? ids.names[v] ?? model.desc.name : "";
      writeDescriptor(w, v, model, version, canNotify, name);
      n++;
    }
    w.patchU32(COUNT_AT, (n | ((total - start - n) << 16)) >>> 0);
  },
};

/**
 * The axis_desc_index of an a2p `u32 sensor_id, u32 axis_desc_index` for sensor `model`, or
 * the status to answer: NOT_SUPPORTED for a sensor without axes, INVALID_PARAMETERS past
 * its last axis.
 */
function axisIndex(model: SensorModel, m: Msg): number {
  m.r.u32();
  const start = m.r.u32();
  if (!model.multi) return Status.NOT_SUPPORTED;
  if (start >= model.axisModels.length) return Status.INVALID_PARAMETERS;
  return start;
}

function axisSize(a: AxisModel): number {
  return a.ext ? DESC_BASE + 20 : DESC_BASE;
}

/**
 * SENSOR_AXIS_DESCRIPTION_GET (DEN0056 §4.7, 2.0+). a2p: u32 sensor_id, u32 axis_desc_index.
 * p2a: u32 num_axis_flags (bits 5:0 returned, 31:26 remaining), then axis descriptors:
 * u32 axis_id, u32 attributes_low, u32 attributes_high, char name[16], and with extended
 * attributes u32 resolution, s64 min_range, s64 max_range. NOT_SUPPORTED for a sensor
 * without axes, INVALID_PARAMETERS past the last axis.
 */
export const axisDescriptionGet: Command = {
  name: "SENSOR_AXIS_DESCRIPTION_GET",
  params: 8,
  resource: "sensor",
  since: SensorVersion.V2,
  a2p: "sensor_id axis_desc_index",
  run(ctx, m) {
    const model = ctx.shared.models[m.res]!;
    const start = axisIndex(model, m);
    if (start < 0) return start as Status;
    const axes = model.axisModels;
    const w = m.w;
    const v3 = ctx.version >= SensorVersion.V3;
    w.u32(0);
    let n = 0;
    for (let i = start; i < axes.length; i++) {
      const a = axes[i];
      if (n > 0 && axisSize(a) > w.room) break;
      w.u32(i);
      let low = a.ext ? AxisAttrLow.EXTENDED_ATTRS : 0;
      if (v3 && a.name.length >= NAME) low |= AxisAttrLow.EXTENDED_NAME;
      w.u32(low);
      w.u32(a.type | ((a.scale & 0x1f) << SensorAttrHigh.SCALE_SHIFT));
      w.name(a.name, NAME);
      if (a.ext) {
        w.u32(a.resolution);
        writeRangeMin(w, a.min);
        writeRangeMax(w, a.max);
      }
      n++;
    }
    w.patchU32(COUNT_AT, (n | ((axes.length - start - n) << AXIS_REMAINING_SHIFT)) >>> 0);
  },
};

/**
 * SENSOR_LIST_UPDATE_INTERVALS (DEN0056 §4.7, 2.0+). a2p: u32 sensor_id, u32 index. p2a: u32
 * num_intervals_flags (bits 11:0 returned, bit 12 segment format, 31:16 remaining), then
 * u32 intervals (bits 20:5 seconds multiplier, 4:0 signed power-of-ten exponent): from
 * `index` of the list, or the (lowest, highest, step) segment, which only index 0 returns.
 * A sensor that declares no intervals lists its one fixed interval. INVALID_PARAMETERS past
 * the end.
 */
export const listUpdateIntervals: Command = {
  name: "SENSOR_LIST_UPDATE_INTERVALS",
  params: 8,
  resource: "sensor",
  since: SensorVersion.V2,
  a2p: "sensor_id index",
  run(ctx, m) {
    const model = ctx.shared.models[m.res]!;
    m.r.u32();
    const start = m.r.u32();
    const words = model.intervalWords;
    const w = m.w;
    switch (model.intervals.kind) {
      case "segment":
        if (start !== 0) return Status.INVALID_PARAMETERS;
        w.u32(3 | IntervalsFlags.SEGMENT);
        for (let i = 0; i < 3; i++) w.u32(words[i]);
        return;
      case "list": {
        if (start >= words.length) return Status.INVALID_PARAMETERS;
        const n = page(words.length, start, 4, w, 4, IntervalsFlags.RETURNED_MASK);
        const rest = words.length - start - n;
        w.u32((n | (rest << IntervalsFlags.REMAINING_SHIFT)) >>> 0);
        for (let i = start; i < start + n; i++) w.u32(words[i]);
        return;
      }
    }
  },
};

/**
 * SENSOR_NAME_GET (DEN0056 §4.7, 3.0+). a2p: u32 sensor_id. p2a: u32 flags (0), char name[64],
 * the sensor's whole name as this agent sees it.
 */
export const nameGet: Command = {
  name: "SENSOR_NAME_GET",
  params: 4,
  resource: "sensor",
  since: SensorVersion.V3,
  a2p: "sensor_id",
  run(ctx, m) {
    const model = ctx.shared.models[m.res]!;
    m.w.u32(0);
    m.w.name(ctx.ids("sensor").names[m.vid] ?? model.desc.name, LONG_NAME);
  },
};

/**
 * SENSOR_AXIS_NAME_GET (DEN0056 §4.7, 3.0+). a2p: u32 sensor_id, u32 axis_desc_index. p2a: u32
 * num_axis_flags (bits 5:0 returned, 31:26 remaining), then {u32 axis_id, char name[64]} for
 * every axis from axis_desc_index. NOT_SUPPORTED for a sensor without axes,
 * INVALID_PARAMETERS past the last axis.
 */
export const axisNameGet: Command = {
  name: "SENSOR_AXIS_NAME_GET",
  params: 8,
  resource: "sensor",
  since: SensorVersion.V3,
  a2p: "sensor_id axis_desc_index",
  run(ctx, m) {
    const model = ctx.shared.models[m.res]!;
    const start = axisIndex(model, m);
    if (start < 0) return start as Status;
    const axes = model.axisModels;
    const w = m.w;
    const n = page(axes.length, start, 4 + LONG_NAME, w);
    w.u32((n | ((axes.length - start - n) << AXIS_REMAINING_SHIFT)) >>> 0);
    for (let i = start; i < start + n; i++) {
      w.u32(i);
      w.name(axes[i].name, LONG_NAME);
    }
  },
};
