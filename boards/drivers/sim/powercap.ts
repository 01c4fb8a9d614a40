/**
 * Simulated power-capping domains: a cap, a power averaging interval (PAI) and a load whose
 * power the cap clips. The controller takes only what the board declares: a cap from
 * `minCap` to `maxCap` on `capStep` (or 0, capping disabled, when the domain `canDisable`),
 * a PAI from `minPai` to `maxPai` on `paiStep`; anything else is `DriverError("range")`. A
 * new cap takes the domain's `latencyUs` × time_scale to apply, and a cap requested while
 * another is being applied supersedes it.
 *
 * The load is deterministic (`PowercapDesc.load`): it would draw a triangle wave from
 * `load.min` to `load.max` and back over `load.periodMs`, starting at `load.min` when the
 * driver is created; the domain draws that, clipped to its cap. `measure` answers the average
 * over the last PAI (eight evenly spaced samples), so a test with a manual clock knows exactly
 * what it reads.
 * @module
 */
import { powercapKind } from "../../../plugins/powercap/kind.ts";
import type { Board } from "../../../core/board.ts";
import type { PowercapDesc, PowercapLoad } from "../../../plugins/powercap/kind.ts";
import { DriverError } from "../../../core/driver.ts";
import type { PowercapHw } from "../../../plugins/powercap/hw.ts";
import { delay, mine, record, simNow, type SimOptions } from "./_util.ts";

/** Milliseconds of a clock that never goes back; the load model's time. */
export type SimNow = () => number;

/** Samples averaged over one PAI. */
const SAMPLES = 8;

/** The sim's power controllers: the driver interface plus what tests inspect. */
export interface SimPowercap extends PowercapHw {
  /** Every cap and PAI that took effect, oldest first. */
  readonly history: ({ id: number; cap: number } | { id: number; pai: number })[];
  /** What the load would draw at time `t` (ms) with no cap. */
  demand(id: number, t: number): number;
  /** The sim answers at once. */
  measure(id: number): number;
}

interface Controller {
  readonly desc: PowercapDesc;
  readonly load: PowercapLoad;
  cap: number;
  pai: number;
  seq: number;
}

/** The load a domain declares, or the default: half of `minCap` up to `maxCap` over 10 s. */
export function loadOf(d: PowercapDesc): PowercapLoad {
  return d.load ?? { min: Math.floor(d.minCap / 2), max: d.maxCap, periodMs: 10_000 };
}

function onStep(v: number, min: number, max: number, step: number): boolean {
  if (v < min || v > max) return false;
  return step === 0 ? v === min : (v - min) % step === 0;
}

/**
 * Builds the controllers of the domains that sim instance `driver` backs, at their power-on
 * cap and PAI. `now` is the load model's clock (default the sim's clock).
 */
export function createSimPowercap(
  board: Board,
  driver: string,
  opts: SimOptions,
  now: SimNow = simNow(opts),
): SimPowercap {
  const t0 = now();
  const ctls = new Map<number, Controller>();
  for (const desc of mine(board, powercapKind, driver)) {
    ctls.set(desc.id, { desc, load: loadOf(desc), cap: desc.cap, pai: desc.pai, seq: 0 });
  }
  const history: SimPowercap["history"] = [];

  function ctl(id: number): Controller {
    const c = ctls.get(id);
    if (!c) throw new DriverError("invalid", `Powercap domain ${id} is not driven by "${driver}"`);
    return c;
  }

  function demandAt(c: Controller, t: number): number {
    const { min, max, periodMs } = c.load;
    if (periodMs <= 0 || max <= min) return min;
    const phase = (((t - t0) % periodMs) + periodMs) % periodMs / periodMs;
    const up = phase < 0.5 ? phase * 2 : 2 - phase * 2;
    return min + (max - min) * up;
  }

  return {
    history,
    demand: (id, t) => demandAt(ctl(id), t),
    getCap: (id) => ctl(id).cap,
    setCap(id, cap) {
      const c = ctl(id);
      const d = c.desc;
      const ok = cap === 0 ? d.canDisable === true : onStep(cap, d.minCap, d.maxCap, d.capStep);
      if (!ok) throw new DriverError("range", `Powercap domain "${d.name}" cannot cap at ${cap}`);
      const seq = ++c.seq;
      const apply = () => {
        if (seq !== c.seq) return;
        c.cap = cap;
        record(history, { id, cap });
      };
      const wait = delay(opts, d.latencyUs ?? 0);
      if (!wait) return apply();
      return wait.then(apply);
    },
    getPai: (id) => ctl(id).pai,
    setPai(id, us) {
      const c = ctl(id);
      const d = c.desc;
      if (!onStep(us, d.minPai, d.maxPai, d.paiStep)) {
        throw new DriverError("range", `Powercap domain "${d.name}" cannot average over ${us} µs`);
      }
      c.pai = us;
      record(history, { id, pai: us });
    },
    measure(id) {
      const c = ctl(id);
      const t = now();
      const span = c.pai / 1000;
      let sum = 0;
      for (let i = 0; i < SAMPLES; i++) {
        const v = demandAt(c, t - span + (span * (i + 1)) / SAMPLES);
        sum += c.cap > 0 && v > c.cap ? c.cap : v;
      }
      return Math.round(sum / SAMPLES);
    },
  };
}
