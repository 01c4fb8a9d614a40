/**
 * State of the sensor plugin: per session, what the agent armed on each sensor (trip points,
 * notifications) and its asynchronous reads in flight; protocol-wide, the sensor models, the
 * timestamp setting of each sensor and the monitor.
 * @module
 */
import type { Ctx } from "../../mod.ts";
import type { SensorModel } from "./_model.ts";
import type { SensorMonitor } from "./_monitor.ts";

/** One trip point as an agent configured it. */
export class Trip {
  /** Event control: 0 disabled, 1 positive, 2 negative, 3 both crossings. */
  mode = 0;
  /** Threshold, in the sensor's unit and scale (compared with axis 0). */
  value = 0;
  /** Whether the last sample was above the threshold; undefined until the first one. */
  above: boolean | undefined = undefined;
}

/** What one agent armed on one sensor. */
export class Arm {
  /** SENSOR_TRIP_POINT_NOTIFY enabled. */
  tripNotify = false;
  /** SENSOR_CONTINUOUS_UPDATE_NOTIFY enabled. */
  continuous = false;
  readonly trips: Trip[];

  constructor(tripPoints: number) {
    this.trips = Array.from({ length: tripPoints }, () => new Trip());
  }

  /** The sensor must be watched for this agent: updates on, or events on and a trip set. */
  get active(): boolean {
    return this.continuous || (this.tripNotify && this.trips.some((t) => t.mode !== 0));
  }

  /** Nothing configured: the arm can be forgotten. */
  get idle(): boolean {
    return !this.continuous && !this.tripNotify && this.trips.every((t) => t.mode === 0);
  }

  /** Every trip point takes its next sample as a new baseline. */
  rebase(): void {
    for (const t of this.trips) t.above = undefined;
  }
}

/** Per-session state. */
export class SensorSession {
  /** Physical sensor id → what this agent armed on it. */
  readonly arms = new Map<number, Arm>();
  /** Asynchronous reads in flight. */
  pending = 0;

  /** The arm for `phys`, created when absent. */
  arm(phys: number, model: SensorModel): Arm {
    let a = this.arms.get(phys);
    if (!a) this.arms.set(phys, a = new Arm(model.tripPoints));
    return a;
  }

  /** Forgets the arm for `phys` when nothing is configured on it any more. */
  tidy(phys: number): void {
    if (this.arms.get(phys)?.idle) this.arms.delete(phys);
  }
}

/** Protocol-wide state. */
export interface SensorShared {
  /** Physical id → model (sparse). */
  readonly models: readonly (SensorModel | undefined)[];
  /** Physical id → readings carry timestamps (SENSOR_CONFIG_SET bit 1). */
  readonly tsOn: boolean[];
  readonly monitor: SensorMonitor;
  /** Most asynchronous reads one session may have in flight. */
  readonly maxPending: number;
  /** Sample buffer of synchronous reads; replaced when a read turns out asynchronous. */
  scratch: number[];
}

/** A sensor protocol handler context. */
export type SensorCtx = Ctx<SensorSession, SensorShared>;
