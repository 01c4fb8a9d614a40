/**
 * Simulated clocks that behave like a clock controller:
 *
 * - **Rates snap** to what the clock supports. A list clock takes the listed rate the round
 *   mode picks (down: highest at or below, up: lowest at or above, nearest: the closer one,
 *   the lower on a tie); a range clock takes `min + k·step` the same way (a range whose `max`
 *   is off the step grid tops out at the highest grid rate). A rate below the lowest or above
 *   the highest supported one fails with `DriverError("range")`.
 * - **Latency is real**: a rate change takes `latencyUs × time_scale` and an enable
 *   `enableLatencyUs × time_scale`; meanwhile the call returns a promise and the clock reads
 *   its old rate or state. At `time_scale = 0` (or zero latency) everything is synchronous.
 * - **A parent gates its children.** A clock runs while its own enable is set and its current
 *   parent runs. Turning a parent off stops every clock below it: they keep their enable bit
 *   and programmed rate (`isEnabled`, `getRate` do not change) but `isRunning` reads false.
 *   Like a gate whose ready bit never comes up without an input, enabling a clock whose parent
 *   is not running fails with `DriverError("denied")`: the driver never enables a chain by
 *   itself; the platform, which owns the clock tree, starts the parents first. A parent served
 *   by another driver instance counts as running.
 * - **Parents switch** among the declared mux inputs (or the one fixed parent); a parent not
 *   declared, or one that would make the clock its own ancestor, fails with
 *   `DriverError("invalid")`. The child keeps its programmed rate across a switch.
 * - **Extended configuration** values (`oemConfig`) are stored per type; any other type
 *   fails with `DriverError("unsupported")`.
 * @module
 */
import { clockKind } from "../../../plugins/clock/kind.ts";
import type { Board } from "../../../core/board.ts";
import type { ClockDesc } from "../../../plugins/clock/kind.ts";
import { DriverError } from "../../../core/driver.ts";
import type { ClockHw, RateRound } from "../../../plugins/clock/hw.ts";
import { delay, mine, type SimOptions } from "./_util.ts";

/** The sim's clocks: the driver interface plus what only a simulation can tell. */
export interface SimClockHw extends ClockHw {
  getParent(id: number): number;
  setParent(id: number, parent: number): void;
  getOemConfig(id: number, type: number): number;
  setOemConfig(id: number, type: number, value: number): void;
  /** Whether the clock's output runs: its enable is set and its parent runs. */
  isRunning(id: number): boolean;
}

interface SimClock {
  readonly desc: ClockDesc;
  rate: number;
  on: boolean;
  /** Current parent's physical id, or -1. */
  parent: number;
  readonly config: Map<number, number>;
  /**
   * The last `setRate` request, its round mode and what it snapped to: a guest asking again
   * for the rate it asked for last time (the common case) skips the snapping. NaN: none yet.
   */
  askedRate: number;
  askedRound: RateRound | "";
  snapped: number;
}

/** The rate `desc` runs at for a request of `rate` rounded by `round`. */
export function snapRate(desc: ClockDesc, rate: number, round: RateRound): number {
  const r = desc.rates;
  if (r.kind === "list") {
    const list = r.rates;
    if (!(rate >= list[0] && rate <= list[list.length - 1])) throw outOfRange(desc, rate);
    let hi = 0;
    while (list[hi] < rate) hi++;
    if (list[hi] === rate || round === "up") return list[hi];
    const lo = list[hi - 1];
    if (round === "down") return lo;
    return rate - lo <= list[hi] - rate ? lo : list[hi];
  }
  if (!(rate >= r.min && rate <= r.max)) throw outOfRange(desc, rate);
  if (!(r.step > 0)) return rate;
  const top = Math.floor((r.max - r.min) / r.step);
  const k = (rate - r.min) / r.step;
  let n: number;
  switch (round) {
    case "down":
      n = Math.floor(k);
      break;
    case "up":
      n = Math.ceil(k);
      break;
    case "nearest":
      n = k - Math.floor(k) <= 0.5 ? Math.floor(k) : Math.ceil(k);
      break;
    default:
      throw new TypeError(`Unknown round mode ${round satisfies never}`);
  }
  return r.min + Math.min(n, top) * r.step;
}

function outOfRange(desc: ClockDesc, rate: number): DriverError {
  return new DriverError("range", `Clock "${desc.name}" cannot run at ${rate} Hz`);
}

/** Creates the clocks of sim instance `driver`. */
export function createSimClock(board: Board, driver: string, opts: SimOptions): SimClockHw {
  const clocks = new Map<number, SimClock>();
  /** The same clocks indexed by physical id: what every operation reads, cheaper than `get`. */
  const byId: (SimClock | undefined)[] = [];
  for (const desc of mine(board, clockKind, driver)) {
    const c: SimClock = {
      desc,
      rate: desc.rate,
      on: desc.enabled,
      parent: desc.parent ?? -1,
      config: new Map((desc.oemConfig ?? []).map((c) => [c.type, c.value])),
      askedRate: NaN,
      askedRound: "",
      snapped: NaN,
    };
    clocks.set(desc.id, c);
    byId[desc.id] = c;
  }
  for (const c of clocks.values()) {
    if (ancestorOf(c.desc.id, c.parent)) {
      throw new TypeError(`Clock "${c.desc.name}": its parent chain loops back to it`);
    }
  }

  function clock(id: number): SimClock {
    const c = byId[id];
    if (c === undefined) throw new TypeError(`Clock ${id} is not driven by sim "${driver}"`);
    return c;
  }

  /** Whether `id` is `from` or one of `from`'s ancestors. */
  function ancestorOf(id: number, from: number): boolean {
    for (let p = from, hops = 0; p >= 0 && hops <= clocks.size; hops++) {
      if (p === id) return true;
      p = clocks.get(p)?.parent ?? -1;
    }
    return false;
  }

  function running(c: SimClock): boolean {
    for (let cur: SimClock | undefined = c; cur !== undefined; cur = clocks.get(cur.parent)) {
      if (!cur.on) return false;
    }
    return true;
  }

  return {
    getRate: (id) => clock(id).rate,
    setRate(id, rate, round) {
      const c = clock(id);
      let target = c.snapped;
      if (rate !== c.askedRate || round !== c.askedRound) {
        // Throws for a rate out of range, which is then not remembered.
        target = snapRate(c.desc, rate, round);
        c.askedRate = rate;
        c.askedRound = round;
        c.snapped = target;
      }
      const wait = delay(opts, c.desc.latencyUs);
      if (wait === undefined) return c.rate = target;
      return wait.then(() => c.rate = target);
    },
    isEnabled: (id) => clock(id).on,
    setEnabled(id, on) {
      const c = clock(id);
      if (!on || c.on) {
        c.on = on;
        return;
      }
      const parent = clocks.get(c.parent);
      if (parent !== undefined && !running(parent)) {
        throw new DriverError(
          "denied",
          `Clock "${c.desc.name}" cannot start: its parent "${parent.desc.name}" is not running`,
        );
      }
      const wait = delay(opts, c.desc.enableLatencyUs ?? 0);
      if (wait === undefined) {
        c.on = true;
        return;
      }
      return wait.then(() => void (c.on = true));
    },
    getParent: (id) => clock(id).parent,
    setParent(id, parent) {
      const c = clock(id);
      const { parents } = c.desc;
      const allowed = parents.length > 0 ? parents.includes(parent) : parent === c.desc.parent;
      if (!allowed) {
        throw new DriverError("invalid", `Clock "${c.desc.name}" cannot take clock ${parent}`);
      }
      if (ancestorOf(id, parent)) {
        throw new DriverError("invalid", `Clock ${parent} is fed by clock "${c.desc.name}"`);
      }
      c.parent = parent;
    },
    getOemConfig(id, type) {
      const v = clock(id).config.get(type);
      if (v === undefined) throw new DriverError("unsupported", `No configuration type ${type}`);
      return v;
    },
    setOemConfig(id, type, value) {
      const c = clock(id);
      if (!c.config.has(type)) {
        throw new DriverError("unsupported", `No configuration type ${type}`);
      }
      c.config.set(type, value >>> 0);
    },
    isRunning: (id) => running(clock(id)),
  };
}
