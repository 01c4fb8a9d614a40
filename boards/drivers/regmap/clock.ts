/**
 * Clocks described by register fields:
 *
 * - **gate** (one bit, `active_low` when 1 gates the clock, as on Rockchip): `isEnabled`
 *   reads it, `setEnabled` writes it. A clock without a gate has no enable of its own: it
 *   reads enabled and switching it is a no-op (its output follows its parent).
 * - **mux** (a field selecting among the board's `parents`, in their order, or at the field
 *   values `values` lists): `getParent`/`setParent`.
 * - **div** (a field whose value gives the divisor: `plus_one` value + 1, `pow2` 2^value,
 *   `exact` the value (0 is not a divisor), or a table of { value, div }): the rate is the
 *   parent's rate divided, rounded up as Linux's clock framework computes it.
 * - **rate** (no field): a fixed oscillator or a PLL vscmi does not program.
 *
 * A clock with neither mux nor divider passes a rate request to its parent (as Linux's
 * CLK_SET_RATE_PARENT).
 *
 * Rates are read back through the chain (mux → parent's rate → divider), never cached, so
 * they always show what the registers hold. `setRate` chooses among every parent the mux
 * offers and every divisor the field can hold, rounded as asked (down, up, nearest),
 * preferring the current parent; when the choice differs from what the registers hold it
 * writes mux and divider together (one write per register).
 * @module
 */
import type { Board } from "../../../core/board.ts";
import { DriverError } from "../../../core/driver.ts";
import { clockKind } from "../../../plugins/clock/kind.ts";
import type { ClockDesc } from "../../../plugins/clock/kind.ts";
import type { ClockHw, RateRound } from "../../../plugins/clock/hw.ts";
import type { ClockSpec } from "./options.ts";
import type { Field, Window } from "./window.ts";
import { hostManagedWhy } from "./resources.ts";

interface RegClock {
  readonly desc: ClockDesc;
  readonly spec: ClockSpec;
  readonly win: Window;
  readonly gate?: { field: Field; activeLow: boolean };
  /** The mux field and, per board parent (by position), its field value. */
  readonly mux?: { field: Field; values: number[] };
  /** The divider field and the divisor of each field value (undefined: reserved). */
  readonly div?: { field: Field; divisors: (number | undefined)[] };
}

/** The divisor of each value of a `width`-bit divider field. */
function divisors(spec: NonNullable<ClockSpec["div"]>): (number | undefined)[] {
  const n = 2 ** spec.width;
  const out: (number | undefined)[] = new Array(n).fill(undefined);
  if (spec.table) {
    for (const e of spec.table) out[e.value] = e.div;
    return out;
  }
  for (let v = 0; v < n; v++) {
    if (spec.formula === "plus_one") out[v] = v + 1;
    else if (spec.formula === "pow2") out[v] = 2 ** v;
    else out[v] = v === 0 ? undefined : v;
  }
  return out;
}

/** The regmap clocks of one instance: the driver contract plus the specs (for `access`). */
export interface RegmapClocks extends ClockHw {
  getParent(id: number): number;
  setParent(id: number, parent: number): void;
  /** The spec behind physical clock `id`, if this instance drives it. */
  specOf(id: number): ClockSpec | undefined;
}

/**
 * The clocks `specs` describes on `board`'s clocks of driver `driver`. Throws Error for a
 * board clock without a description, a mux with fewer field values than the board's parents,
 * or a description naming no clock of this driver.
 */
export function createRegmapClocks(
  board: Board,
  driver: string,
  specs: Map<string, ClockSpec>,
  windows: Map<string, Window>,
): RegmapClocks {
  const byId = new Map<number, RegClock>();
  const allDescs = new Map(clockKind.of(board).map((d) => [d.id, d]));
  const mine = clockKind.of(board).filter((d) => d.driver === driver);
  for (const desc of mine) {
    const spec = specs.get(desc.name);
    if (!spec) throw new Error(`clocks: no register description for clock "${desc.name}"`);
    const win = windows.get(spec.window)!;
    const c: {
      -readonly [K in keyof RegClock]: RegClock[K];
    } = { desc, spec, win };
    if (spec.gate) {
      c.gate = {
        field: win.field(spec.gate.reg, spec.gate.bit, 1, !spec.hostManaged),
        activeLow: spec.gate.activeLow,
      };
    }
    if (spec.mux) {
      const values = spec.mux.values ?? desc.parents.map((_, i) => i);
      if (values.length !== desc.parents.length || values.some((v) => v >= 2 ** spec.mux!.width)) {
        throw new Error(
          `clocks.${desc.name}.mux: ${desc.parents.length} parents on the board need as many field values that fit ${spec.mux.width} bits`,
        );
      }
      c.mux = {
        field: win.field(spec.mux.reg, spec.mux.shift, spec.mux.width, !spec.hostManaged),
        values,
      };
    }
    if (spec.div) {
      c.div = {
        field: win.field(spec.div.reg, spec.div.shift, spec.div.width, !spec.hostManaged),
        divisors: divisors(spec.div),
      };
    }
    byId.set(desc.id, c);
  }
  const names = new Set(mine.map((d) => d.name));
  for (const name of specs.keys()) {
    if (!names.has(name)) throw new Error(`clocks.${name}: no clock of this driver has that name`);
  }

  function clock(id: number): RegClock {
    const c = byId.get(id);
    if (!c) throw new DriverError("invalid", `Clock ${id} is not driven by regmap "${driver}"`);
    return c;
  }

  function writable(c: RegClock): void {
    if (c.spec.hostManaged) throw new DriverError("denied", hostManagedWhy("clock", c.desc.name));
  }

  /**
   * `c`'s parent as the mux holds it. A mux value no declared parent has reads -1 (the
   * platform then knows no parent) or, with `strict`, fails with HARDWARE_ERROR: a rate
   * cannot be computed from it.
   */
  function parentOf(c: RegClock, strict = false): number {
    if (!c.mux) return c.desc.parent ?? (c.desc.parents.length === 1 ? c.desc.parents[0] : -1);
    const v = c.win.get(c.mux.field);
    const i = c.mux.values.indexOf(v);
    if (i >= 0) return c.desc.parents[i];
    if (!strict) return -1;
    throw new DriverError(
      "hardware",
      `Clock "${c.desc.name}": mux field holds ${v}, which selects no declared parent`,
    );
  }

  /** The rate of physical clock `id`: read through this driver's registers, or the board's. */
  function rateOfId(id: number, hops = 0): number {
    const c = byId.get(id);
    if (!c) return allDescs.get(id)?.rate ?? 0;
    if (hops > byId.size) {
      throw new DriverError("hardware", `Clock "${c.desc.name}": parent chain loops`);
    }
    return rateOf(c, parentOf(c, true), hops);
  }

  /** The rate `c` runs at from `parent` with its divider as the registers hold it. */
  function rateOf(c: RegClock, parent: number, hops = 0): number {
    if (c.spec.rate !== undefined) return c.spec.rate;
    const from = parent >= 0 ? rateOfId(parent, hops + 1) : c.desc.rate;
    if (!c.div) return from;
    const v = c.win.get(c.div.field);
    const d = c.div.divisors[v];
    if (d === undefined) {
      throw new DriverError(
        "hardware",
        `Clock "${c.desc.name}": divider field holds ${v}, a reserved value`,
      );
    }
    return Math.ceil(from / d);
  }

  function better(round: RateRound, want: number, a: number, b: number): boolean {
    // Whether candidate rate `a` beats `b` (strictly) for request `want`.
    if (round === "down") return a <= want && (b > want || a > b);
    if (round === "up") return a >= want && (b < want || a < b);
    const da = Math.abs(a - want), db = Math.abs(b - want);
    return da < db || (da === db && a < b);
  }

  return {
    specOf: (id) => byId.get(id)?.spec,
    getRate: (id) => rateOfId(clock(id).desc.id),
    setRate(id, rate, round) {
      const c = clock(id);
      const current = parentOf(c);
      if (!c.mux && !c.div && c.spec.rate === undefined && byId.has(current)) {
        // A gate passes its parent's rate through: the request goes to the parent.
        return this.setRate(current, rate, round);
      }
      const parents = c.mux ? c.desc.parents.map((p, i) => ({ p, i })) : [{ p: current, i: -1 }];
      // Current parent first: it wins ties.
      parents.sort((a, b) => (a.p === current ? -1 : 0) - (b.p === current ? -1 : 0));
      let best: { rate: number; mux: number; div: number } | undefined;
      for (const { p, i } of parents) {
        const from = c.spec.rate ?? (p >= 0 ? rateOfId(p) : c.desc.rate);
        const options = c.div
          ? c.div.divisors.flatMap((d, v) => d === undefined ? [] : [{ r: Math.ceil(from / d), v }])
          : [{ r: from, v: -1 }];
        for (const { r, v } of options) {
          const ok = round === "down" ? r <= rate : round === "up" ? r >= rate : true;
          if (!ok) continue;
          if (!best || better(round, rate, r, best.rate)) best = { rate: r, mux: i, div: v };
        }
      }
      if (!best) {
        throw new DriverError(
          "range",
          `Clock "${c.desc.name}" cannot run at ${rate} Hz (rounding ${round})`,
        );
      }
      const changesMux = c.mux && best.mux >= 0 &&
        c.win.get(c.mux.field) !== c.mux.values[best.mux];
      const changesDiv = c.div && best.div >= 0 && c.win.get(c.div.field) !== best.div;
      if (changesMux || changesDiv) writable(c);
      if (changesMux || changesDiv) {
        // The whole choice is written, mux and divider together, so the register holds it
        // even where writes are not merged into the old value (a file standing in for it).
        const changes: [Field, number][] = [];
        if (c.mux && best.mux >= 0) changes.push([c.mux.field, c.mux.values[best.mux]]);
        if (c.div && best.div >= 0) changes.push([c.div.field, best.div]);
        c.win.setMany(changes);
      }
      return rateOfId(c.desc.id);
    },
    isEnabled(id) {
      const c = clock(id);
      if (!c.gate) return true;
      return (c.win.get(c.gate.field) === 1) !== c.gate.activeLow;
    },
    setEnabled(id, on) {
      const c = clock(id);
      if (!c.gate) return;
      const bit = on !== c.gate.activeLow ? 1 : 0;
      if (c.win.get(c.gate.field) === bit) return;
      writable(c);
      c.win.set(c.gate.field, bit);
    },
    getParent: (id) => parentOf(clock(id)),
    setParent(id, parent) {
      const c = clock(id);
      const i = c.desc.parents.indexOf(parent);
      if (!c.mux) {
        if (parent === parentOf(c)) return;
        throw new DriverError("invalid", `Clock "${c.desc.name}" has no mux: its parent is fixed`);
      }
      if (i < 0) {
        throw new DriverError(
          "invalid",
          `Clock "${c.desc.name}" cannot take clock ${parent} as parent`,
        );
      }
      if (c.win.get(c.mux.field) === c.mux.values[i]) return;
      writable(c);
      c.win.set(c.mux.field, c.mux.values[i]);
    },
  };
}
