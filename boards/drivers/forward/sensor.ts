/**
 * Sensors of the downstream platform, by its ids: each sample is a SENSOR_READING_GET there
 * (one reading per axis from protocol 2.0, one value before), timed by the driver's clock.
 * Enabling and update intervals stay the downstream's own.
 * @module
 */
import { sensorKind } from "../../../plugins/sensor/kind.ts";
import type { SensorHw } from "../../../plugins/sensor/hw.ts";
import { SensorMsg, SensorVersion } from "../../../plugins/sensor/msg.ts";
import type { Board } from "../../../core/board.ts";
import { CommonMsg } from "../../../core/protocol.ts";
import type { TimerClock } from "../../../core/timer_clock.ts";
import { type Payload, s64 } from "../../../client/mod.ts";
import type { Link } from "./link.ts";

/** The sensor protocol's id. */
export const SENSOR = 0x15;

/** The next signed 64-bit value of `p` (low word first), as a number (bigint beyond ±2^53). */
export function nextS64(p: Payload): number | bigint {
  const lo = p.u32();
  return s64(lo, p.u32());
}

/** The sensors of `board` that driver instance `name` backs, through `link`. */
export async function createForwardSensor(
  link: Link,
  board: Board,
  name: string,
  clock: TimerClock,
): Promise<SensorHw> {
  const axes = new Map<number, number>();
  for (const s of sensorKind.of(board).filter((s) => s.driver === name)) axes.set(s.id, s.axes);
  const version = axes.size === 0 ? 0 : (await link.call(SENSOR, CommonMsg.PROTOCOL_VERSION)).u32();
  return {
    async sample(id, out) {
      const p = await link.call(SENSOR, SensorMsg.SENSOR_READING_GET, [id, 0]);
      const n = version < SensorVersion.V2 ? 1 : axes.get(id) ?? 1;
      for (let i = 0; i < n; i++) {
        out[i] = Number(nextS64(p));
        if (version >= SensorVersion.V2) p.take(8); // The downstream's timestamp.
      }
      return Math.round(clock.now() * 1e6);
    },
  };
}
