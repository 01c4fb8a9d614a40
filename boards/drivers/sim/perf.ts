/**
 * Simulated performance domains. Each domain runs at one of its declared levels, holds the
 * limits it was given and refuses levels outside them; a transition takes the target level's
 * `latencyUs` × `time_scale` (a real asynchronous wait when that is above zero), and the
 * transitions of one domain happen one after the other, in request order.
 * @module
 */
import { perfKind } from "../../../plugins/perf/kind.ts";
import type { Board } from "../../../core/board.ts";
import type { PerfDesc } from "../../../plugins/perf/kind.ts";
import { DriverError } from "../../../core/driver.ts";
import type { PerfHw } from "../../../plugins/perf/hw.ts";
import { delay, mine, type SimOptions } from "./_util.ts";

interface SimDomain {
  readonly desc: PerfDesc;
  /** Level value it runs at now. */
  level: number;
  /** Limits it holds, level values. */
  min: number;
  max: number;
  /** The transition in progress, if any; the next one waits for it. */
  busy: Promise<number> | null;
}

/** Index of the declared level `v`, or -1. */
function indexOf(d: SimDomain, v: number): number {
  const levels = d.desc.levels;
  for (let i = 0; i < levels.length; i++) if (levels[i].level === v) return i;
  return -1;
}

/** Index of the declared level inside the limits nearest to `v` (the lower one on a tie), or -1. */
function nearest(d: SimDomain, v: number): number {
  const levels = d.desc.levels;
  let best = -1;
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i].level;
    if (l < d.min || l > d.max) continue;
    if (best < 0 || Math.abs(l - v) < Math.abs(levels[best].level - v)) best = i;
  }
  return best;
}

/** The sim driver's `perf` class: every domain of `board` that names driver instance `driver`. */
export function createSimPerf(board: Board, driver: string, opts: SimOptions): PerfHw {
  const domains = new Map<number, SimDomain>();
  for (const desc of mine(board, perfKind, driver)) {
    const levels = desc.levels;
    if (levels.length === 0) {
      throw new TypeError(`sim driver "${driver}": perf "${desc.name}" declares no level`);
    }
    domains.set(desc.id, {
      desc,
      level: desc.level,
      min: levels[0].level,
      max: levels[levels.length - 1].level,
      busy: null,
    });
  }

  function domain(id: number): SimDomain {
    const d = domains.get(id);
    if (!d) throw new RangeError(`sim driver "${driver}": no perf domain ${id}`);
    return d;
  }

  /** Marks `out` as the domain's transition in progress when it is one. */
  function track(d: SimDomain, out: number | Promise<number>): number | Promise<number> {
    if (!(out instanceof Promise)) return out;
    d.busy = out;
    const idle = () => {
      if (d.busy === out) d.busy = null;
    };
    out.then(idle, idle);
    return out;
  }

  /** Runs `op` after the transition in progress (refused or not). */
  function after(d: SimDomain, op: () => number | Promise<number>): Promise<number> {
    return track(d, d.busy!.then(op, op)) as Promise<number>;
  }

  /** Moves `d` to declared level `i`, waiting for its transition latency. */
  function moveTo(d: SimDomain, i: number): number | Promise<number> {
    const target = d.desc.levels[i].level;
    if (target === d.level) return target;
    const wait = delay(opts, d.desc.levels[i].latencyUs);
    if (wait === undefined) return d.level = target;
    return wait.then(() => d.level = target);
  }

  function setLevel(d: SimDomain, level: number): number | Promise<number> {
    if (level < d.min || level > d.max) {
      throw new DriverError("range", `Level ${level} is outside the limits ${d.min}–${d.max}`);
    }
    let i = indexOf(d, level);
    if (i < 0 && d.desc.approximate) i = nearest(d, level);
    if (i < 0) throw new DriverError("range", `Level ${level} is not one the domain supports`);
    return moveTo(d, i);
  }

  function setLimits(d: SimDomain, min: number, max: number): number | Promise<number> {
    if (min > max) throw new DriverError("invalid", `Limits ${min}–${max} are reversed`);
    const levels = d.desc.levels;
    let lo = 0;
    while (lo < levels.length && levels[lo].level < min) lo++;
    let hi = levels.length - 1;
    while (hi >= 0 && levels[hi].level > max) hi--;
    if (lo > hi) throw new DriverError("range", `No level lies within ${min}–${max}`);
    d.min = min;
    d.max = max;
    if (d.level > max) return moveTo(d, hi);
    if (d.level < min) return moveTo(d, lo);
    return d.level;
  }

  return {
    getLevel: (id) => domain(id).level,
    setLevel(id, level) {
      const d = domain(id);
      if (d.busy === null) return track(d, setLevel(d, level));
      return after(d, () => setLevel(d, level));
    },
    setLimits(id, min, max) {
      const d = domain(id);
      if (d.busy === null) return track(d, setLimits(d, min, max));
      return after(d, () => setLimits(d, min, max));
    },
  };
}
