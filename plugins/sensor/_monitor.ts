/**
 * The sensor monitor: samples the sensors some agent watches (a trip point armed with
 * notifications on, or continuous updates on) at each sensor's update interval, finds trip
 * point crossings per agent and sends SENSOR_TRIP_POINT_EVENT and SENSOR_UPDATE to the agent
 * that armed them, with its own virtual ids. Its one timer runs only while some sensor is
 * watched.
 * @module
 */
import type { Logger, Writer } from "../../mod.ts";
import type { SensorHw } from "./hw.ts";
import type { SensorClock } from "./clock.ts";
import { FIXED_INTERVAL_US, type SensorModel } from "./_model.ts";
import { enabledOf, intervalUsOf, READING_SIZE, writeReadings } from "./_sample.ts";
import type { SensorCtx } from "./_state.ts";
import { SensorEvent, TRIP_DESC_ASCENDING, TripMode } from "./msg.ts";

/** Poll period of a sensor whose driver reports no update interval, µs. */
export const DEFAULT_POLL_US = FIXED_INTERVAL_US;

/** The agent id notifications carry: the platform raised them. */
const PLATFORM_AGENT = 0;

interface Watched {
  readonly phys: number;
  readonly model: SensorModel;
  /** Sessions watching the sensor. */
  readonly readers: Set<SensorCtx>;
  /** Sample buffer, in use while `busy`. */
  readonly out: number[];
  /** Next sample, clock ms. */
  due: number;
  /** An asynchronous sample is in flight. */
  busy: boolean;
}

/**
 * Watches sensors for the sessions that armed them: one timer for the earliest sample due,
 * set only while some sensor is watched.
 */
export class SensorMonitor {
  readonly #clock: SensorClock;
  readonly #models: readonly (SensorModel | undefined)[];
  readonly #hw: readonly (SensorHw | undefined)[];
  readonly #tsOn: readonly boolean[];
  readonly #log: Logger;
  readonly #watched = new Map<number, Watched>();
  #timer: unknown = null;
  #timerAt = Infinity;

  constructor(
    clock: SensorClock,
    models: readonly (SensorModel | undefined)[],
    hw: readonly (SensorHw | undefined)[],
    tsOn: readonly boolean[],
    log: Logger,
  ) {
    this.#clock = clock;
    this.#models = models;
    this.#hw = hw;
    this.#tsOn = tsOn;
    this.#log = log;
  }

  /** Sensors being watched, by physical id. */
  get watching(): number[] {
    return [...this.#watched.keys()];
  }

  /** Whether the timer is set. */
  get running(): boolean {
    return this.#timer !== null;
  }

  /** Takes note that what `ctx` armed on `phys` changed. */
  update(ctx: SensorCtx, phys: number): void {
    const active = ctx.state.arms.get(phys)?.active ?? false;
    let w = this.#watched.get(phys);
    if (active) {
      if (!w) {
        const model = this.#models[phys]!;
        w = {
          phys,
          model,
          readers: new Set(),
          out: new Array(model.axes).fill(0),
          due: this.#clock.now() + this.#periodMs(model),
          busy: false,
        };
        this.#watched.set(phys, w);
      }
      w.readers.add(ctx);
    } else if (w) {
      w.readers.delete(ctx);
      if (w.readers.size === 0) this.#watched.delete(phys);
    }
    this.#schedule();
  }

  /** Forgets everything `ctx` watched (its session closed). */
  drop(ctx: SensorCtx): void {
    for (const [phys, w] of this.#watched) {
      w.readers.delete(ctx);
      if (w.readers.size === 0) this.#watched.delete(phys);
    }
    this.#schedule();
  }

  /** The sensor's update interval or enable changed: sample it one new period from now. */
  retime(phys: number): void {
    const w = this.#watched.get(phys);
    if (!w) return;
    w.due = this.#clock.now() + this.#periodMs(w.model);
    this.#schedule();
  }

  #periodMs(model: SensorModel): number {
    const us = intervalUsOf(this.#hw[model.desc.id]!, model);
    return Math.max(1, (us > 0 ? us : DEFAULT_POLL_US) / 1000);
  }

  #schedule(): void {
    let next = Infinity;
    for (const w of this.#watched.values()) if (w.due < next) next = w.due;
    if (next === this.#timerAt && this.#timer !== null) return;
    if (this.#timer !== null) this.#clock.clearTimer(this.#timer);
    this.#timer = null;
    this.#timerAt = Infinity;
    if (next === Infinity) return;
    this.#timerAt = next;
    this.#timer = this.#clock.setTimer(() => this.#tick(), Math.max(0, next - this.#clock.now()));
  }

  #tick(): void {
    this.#timer = null;
    this.#timerAt = Infinity;
    const now = this.#clock.now();
    for (const w of [...this.#watched.values()]) {
      if (w.due > now) continue;
      w.due = now + this.#periodMs(w.model);
      if (!w.busy) this.#sample(w);
    }
    this.#schedule();
  }

  #sample(w: Watched): void {
    const hw = this.#hw[w.phys]!;
    if (!enabledOf(hw, w.phys)) return;
    let r: number | Promise<number>;
    try {
      r = hw.sample(w.phys, w.out);
    } catch (e) {
      this.#failed(w, e);
      return;
    }
    if (!(r instanceof Promise)) {
      this.#deliver(w, r);
      return;
    }
    w.busy = true;
    r.then((ts) => {
      w.busy = false;
      this.#deliver(w, ts);
    }, (e) => {
      w.busy = false;
      this.#failed(w, e);
    });
  }

  #failed(w: Watched, e: unknown): void {
    this.#log.once(
      "warn",
      `sensor:monitor:${w.phys}`,
      `sensor: sampling "${w.model.desc.name}" for notifications failed: ${
        e instanceof Error ? e.message : String(e)
      }`,
    );
  }

  /** Evaluates one sample for every session watching the sensor. */
  #deliver(w: Watched, tsNs: number): void {
    const value = w.out[0];
    for (const ctx of w.readers) {
      const arm = ctx.state.arms.get(w.phys);
      if (!arm || !ctx.open) continue;
      const vid = ctx.ids("sensor").toVirtual(w.phys);
      if (vid < 0) continue;
      if (arm.tripNotify) {
        for (let i = 0; i < arm.trips.length; i++) {
          const t = arm.trips[i];
          if (t.mode === TripMode.DISABLED) continue;
          const above = value > t.value;
          const was = t.above;
          t.above = above;
          if (was === undefined || was === above) continue;
          if ((t.mode & (above ? TripMode.POSITIVE : TripMode.NEGATIVE)) === 0) continue;
          const desc = i | (above ? TRIP_DESC_ASCENDING : 0);
          this.#send(ctx, SensorEvent.SENSOR_TRIP_POINT_EVENT, 12, (out) => {
            out.u32(PLATFORM_AGENT);
            out.u32(vid);
            out.u32(desc);
          });
        }
      }
      if (arm.continuous) {
        const model = w.model;
        const tsOn = this.#tsOn[w.phys];
        this.#send(ctx, SensorEvent.SENSOR_UPDATE, 8 + model.axes * READING_SIZE, (out) => {
          out.u32(PLATFORM_AGENT);
          out.u32(vid);
          writeReadings(out, model, w.out, tsNs, tsOn);
        });
      }
    }
  }

  #send(ctx: SensorCtx, event: number, size: number, build: (w: Writer) => void): void {
    if (!ctx.notify(event, size, build)) {
      this.#log.once(
        "warn",
        `sensor:dropped:${ctx.agent.name}`,
        `Agent "${ctx.agent.name}": a sensor notification was dropped (queue full)`,
      );
    }
  }
}
