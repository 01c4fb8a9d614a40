/**
 * SENSOR_READING_GET, synchronous and asynchronous, and its delayed response
 * SENSOR_READING_COMPLETE.
 * @module
 */
import { type CommandDef, headerToken, Status, type Writer } from "../../mod.ts";
import { sensorKind } from "./kind.ts";
import { writeS64 } from "./_codec.ts";
import type { SensorModel } from "./_model.ts";
import { enabledOf, READING_SIZE, writeReadings } from "./_sample.ts";
import type { SensorCtx, SensorSession, SensorShared } from "./_state.ts";
import { MAX_AXES, READ_ASYNC, SensorMsg, SensorVersion } from "./msg.ts";

type Command = CommandDef<SensorSession, SensorShared>;

/** The reading as 1.0 has it (s64 value of axis 0), or the per-axis readings of 2.0+. */
function writeSample(
  w: Writer,
  model: SensorModel,
  version: number,
  values: readonly number[],
  tsNs: number,
  tsOn: boolean,
): void {
  if (version < SensorVersion.V2) writeS64(w, values[0]);
  else writeReadings(w, model, values, tsNs, tsOn);
}

/** Payload bytes of the reading at `version`. */
function sampleSize(model: SensorModel, version: number): number {
  return version < SensorVersion.V2 ? 8 : model.axes * READING_SIZE;
}

/**
 * SENSOR_READING_COMPLETE (delayed response, message 0x6, the command's token), sent one
 * timer tick after the sample at the earliest so it always follows the reply. p2a: i32
 * status, u32 sensor_id, then at 1.0 s64 value, from 2.0 the per-axis readings.
 */
function completeLater(
  ctx: SensorCtx,
  token: number,
  vid: number,
  model: SensorModel,
  sample: number | Promise<number>,
  out: number[],
): void {
  const version = ctx.version;
  const send = (status: number, tsNs: number) =>
    setTimeout(() => {
      ctx.state.pending--;
      if (!ctx.open) return;
      const tsOn = ctx.shared.tsOn[model.desc.id];
      const size = 4 + sampleSize(model, version);
      const ok = ctx.delayed(SensorMsg.SENSOR_READING_GET, token, status, size, (w) => {
        w.u32(vid);
        writeSample(w, model, version, out, tsNs, tsOn);
      });
      if (!ok) {
        ctx.log.once(
          "warn",
          `sensor:dropped:${ctx.agent.name}`,
          `Agent "${ctx.agent.name}": SENSOR_READING_COMPLETE for sensor ${vid} was not queued`,
        );
      }
    }, 0);
  if (sample instanceof Promise) {
    sample.then(
      (ts) => send(Status.SUCCESS, ts),
      (e) => send(ctx.fault("SENSOR_READING_GET", e), 0),
    );
  } else send(Status.SUCCESS, sample);
}

/**
 * SENSOR_READING_GET (DEN0056 §4.7). a2p: u32 sensor_id, u32 flags (bit 0 asynchronous,
 * bits 31:1 reserved). p2a, synchronous: at 1.0 s64 value; from 2.0 per axis (one for a
 * scalar sensor) s64 value and u64 timestamp. Asynchronous: an empty reply, then
 * SENSOR_READING_COMPLETE. INVALID_PARAMETERS for reserved flags; NOT_SUPPORTED for an
 * asynchronous read of a sensor that has none (or a session without a platform→agent
 * channel); BUSY past the session's asynchronous reads in flight; HARDWARE_ERROR for a
 * disabled sensor.
 */
export const readingGet: Command = {
  name: "SENSOR_READING_GET",
  params: 8,
  resource: "sensor",
  a2p: "sensor_id flags",
  run(ctx, m) {
    const phys = m.res;
    const shared = ctx.shared;
    const model = shared.models[phys]!;
    m.r.u32();
    const flags = m.r.u32();
    if ((flags & ~READ_ASYNC) !== 0) return Status.INVALID_PARAMETERS;
    const hw = sensorKind.hwOf(ctx.hw)[phys]!;
    if (!enabledOf(hw, phys)) return Status.HARDWARE_ERROR;
    if (flags & READ_ASYNC) {
      if (!model.async || !ctx.canNotify) return Status.NOT_SUPPORTED;
      if (ctx.state.pending >= shared.maxPending) return Status.BUSY;
      const out = new Array<number>(model.axes).fill(0);
      const sample = hw.sample(phys, out);
      ctx.state.pending++;
      completeLater(ctx, headerToken(m.header), m.vid, model, sample, out);
      return;
    }
    const out = shared.scratch;
    const sample = hw.sample(phys, out);
    const version = ctx.version;
    if (!(sample instanceof Promise)) {
      writeSample(m.w, model, version, out, sample, shared.tsOn[phys]);
      return;
    }
    // The driver keeps `out` until it settles: later reads get a buffer of their own.
    shared.scratch = new Array<number>(MAX_AXES).fill(0);
    return sample.then((ts) => writeSample(m.w, model, version, out, ts, shared.tsOn[phys]));
  },
};
