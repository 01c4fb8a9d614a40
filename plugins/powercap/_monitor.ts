/**
 * The measurement monitor: while at least one session has asked for
 * POWERCAP_MEASUREMENTS_CHANGED, it samples every watched domain once per poll period and
 * tells each watcher when the power crosses one of its thresholds. With no watcher it keeps
 * no timer at all.
 * @module
 */
import type { Logger, Writer } from "../../mod.ts";
import type { PowercapClock } from "./_clock.ts";
import type { PowercapCtx, PowercapDomain } from "./_state.ts";
import { PowercapEvent } from "./msg.ts";

/** Where `power` falls against the thresholds: -1 below `low`, 0 inside, 1 above `high`. */
export function zoneOf(power: number, low: number, high: number): number {
  return power < low ? -1 : power > high ? 1 : 0;
}

// The notification being sent, read by the builder (no closure per notification).
let sendDomain = 0;
let sendPower = 0;

/** POWERCAP_MEASUREMENTS_CHANGED p2a: u32 agent_id (0, the platform), u32 domain_id, u32 power. */
function buildMeasurement(w: Writer): void {
  w.u32(0);
  w.u32(sendDomain);
  w.u32(sendPower);
}

/**
 * Samples the power of watched domains every `pollMs` on `clock` and sends each watching
 * session POWERCAP_MEASUREMENTS_CHANGED when a sample crosses one of its thresholds.
 */
export class MeasurementMonitor {
  readonly #clock: PowercapClock;
  readonly #pollMs: number;
  readonly #domains: readonly (PowercapDomain | undefined)[];
  readonly #log: Logger;
  /** Sessions with at least one measurement subscription. */
  readonly #watchers = new Set<PowercapCtx>();
  /** Physical ids to sample in the current tick (reused). */
  readonly #wanted = new Set<number>();
  #timer: unknown = undefined;

  constructor(
    clock: PowercapClock,
    pollMs: number,
    domains: readonly (PowercapDomain | undefined)[],
    log: Logger,
  ) {
    this.#clock = clock;
    this.#pollMs = pollMs;
    this.#domains = domains;
    this.#log = log;
  }

  /** Whether the monitor is sampling (some session watches some domain). */
  get running(): boolean {
    return this.#timer !== undefined;
  }

  /** Call after `ctx`'s measurement subscriptions changed (or its session ended). */
  update(ctx: PowercapCtx): void {
    if (ctx.state.measures.size > 0 && ctx.open) this.#watchers.add(ctx);
    else this.#watchers.delete(ctx);
    if (this.#watchers.size === 0) {
      if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
      this.#timer = undefined;
    } else if (this.#timer === undefined) {
      this.#timer = this.#clock.setTimer(this.#tick, this.#pollMs);
    }
  }

  readonly #tick = (): void => {
    this.#timer = undefined;
    const wanted = this.#wanted;
    for (const ctx of this.#watchers) {
      for (const phys of ctx.state.measures.keys()) wanted.add(phys);
    }
    for (const phys of wanted) {
      const d = this.#domains[phys];
      if (d === undefined) continue;
      let out: number | Promise<number>;
      try {
        out = d.hw.measure(phys);
      } catch (e) {
        this.#failed(d, e);
        continue;
      }
      if (out instanceof Promise) {
        out.then((p) => this.#deliver(phys, p), (e) => this.#failed(d, e));
      } else this.#deliver(phys, out);
    }
    wanted.clear();
    if (this.#watchers.size > 0) this.#timer = this.#clock.setTimer(this.#tick, this.#pollMs);
  };

  #deliver(phys: number, power: number): void {
    for (const ctx of this.#watchers) {
      const sub = ctx.state.measures.get(phys);
      if (sub === undefined) continue;
      const zone = zoneOf(power, sub.low, sub.high);
      if (zone === sub.zone) continue;
      sub.zone = zone;
      const vid = ctx.ids("powercap").toVirtual(phys);
      if (vid < 0) continue;
      sendDomain = vid;
      sendPower = power;
      ctx.notify(PowercapEvent.POWERCAP_MEASUREMENTS_CHANGED, 12, buildMeasurement);
    }
  }

  #failed(d: PowercapDomain, e: unknown): void {
    this.#log.once(
      "warn",
      `powercap:measure:${d.desc.id}`,
      `powercap: measuring "${d.desc.name}" failed: ${e}`,
    );
  }
}
