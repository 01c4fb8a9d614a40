/**
 * Reset lines described by one bit each (from the board's table: reset ids need not map
 * linearly to bits): the bit set (clear, with `active_low`) holds the domain in reset. A
 * `self_clearing` bit is a pulse the hardware ends by itself: it can be pulsed, never held.
 * A pulse asserts, holds for the domain's `latency_us` on the instance's clock, and releases.
 * A set/clear pair (`deassert = { reg, bit }`) asserts by writing a one to the bit and
 * releases by writing a one to the deassert bit, each write carrying that one bit only.
 * Only the architectural cold reset (state 0) exists here; another state is NOT_SUPPORTED.
 * @module
 */
import type { Board } from "../../../core/board.ts";
import { DriverError } from "../../../core/driver.ts";
import type { TimerClock } from "../../../core/timer_clock.ts";
import { resetKind } from "../../../plugins/reset/kind.ts";
import type { ResetDesc } from "../../../plugins/reset/kind.ts";
import type { ResetHw } from "../../../plugins/reset/hw.ts";
import type { ResetSpec } from "./options.ts";
import type { Field, Window } from "./window.ts";
import { hostManagedWhy, waitUs } from "./resources.ts";

/** Latency the board reports when unknown (0x7fffffff): the pulse is then held this long. */
export const DEFAULT_HOLD_US = 10;
const UNKNOWN_LATENCY = 0x7fffffff;

interface RegReset {
  readonly desc: ResetDesc;
  readonly spec: ResetSpec;
  readonly win: Window;
  readonly field: Field;
  /** The release bit of a set/clear pair. */
  readonly clear?: Field;
}

/** The regmap resets of one instance: the driver contract plus the specs (for `access`). */
export interface RegmapResets extends ResetHw {
  specOf(id: number): ResetSpec | undefined;
}

/** The resets `specs` describes on `board`'s resets of driver `driver`. */
export function createRegmapResets(
  board: Board,
  driver: string,
  specs: Map<string, ResetSpec>,
  windows: Map<string, Window>,
  clock: TimerClock,
): RegmapResets {
  const byId = new Map<number, RegReset>();
  const mine = resetKind.of(board).filter((d) => d.driver === driver);
  for (const desc of mine) {
    const spec = specs.get(desc.name);
    if (!spec) throw new Error(`resets: no register description for reset "${desc.name}"`);
    const win = windows.get(spec.window)!;
    const writable = !spec.hostManaged;
    const field = win.field(spec.reg, spec.bit, 1, writable);
    const clear = spec.deassert && win.field(spec.deassert.reg, spec.deassert.bit, 1, writable);
    byId.set(desc.id, { desc, spec, win, field, ...(clear ? { clear } : {}) });
  }
  const names = new Set(mine.map((d) => d.name));
  for (const name of specs.keys()) {
    if (!names.has(name)) throw new Error(`resets.${name}: no reset of this driver has that name`);
  }

  function reset(id: number, state: number): RegReset {
    const r = byId.get(id);
    if (!r) throw new DriverError("invalid", `Reset ${id} is not driven by regmap "${driver}"`);
    if (state !== 0) {
      throw new DriverError("unsupported", `Reset "${r.desc.name}" has only the cold reset (0)`);
    }
    if (r.spec.hostManaged) throw new DriverError("denied", hostManagedWhy("reset", r.desc.name));
    return r;
  }

  const level = (r: RegReset, asserted: boolean) => asserted !== r.spec.activeLow ? 1 : 0;
  /** Drives the line: its bit to the level, or on a set/clear pair a one to either register. */
  const drive = (r: RegReset, asserted: boolean) => {
    if (r.clear) r.win.strobe(asserted ? r.field : r.clear);
    else r.win.set(r.field, level(r, asserted));
  };

  return {
    specOf: (id) => byId.get(id)?.spec,
    isAsserted(id) {
      const r = byId.get(id);
      if (!r) throw new DriverError("invalid", `Reset ${id} is not driven by regmap "${driver}"`);
      if (r.spec.selfClearing) return false;
      return r.win.get(r.field) === level(r, true);
    },
    setAsserted(id, asserted, state) {
      const r = reset(id, state);
      if (r.spec.selfClearing) {
        if (!asserted) return;
        throw new DriverError(
          "unsupported",
          `Reset "${r.desc.name}" clears itself: it can be pulsed, not held`,
        );
      }
      drive(r, asserted);
    },
    pulse(id, state) {
      const r = reset(id, state);
      drive(r, true);
      if (r.spec.selfClearing) return;
      const hold = r.desc.latencyUs === UNKNOWN_LATENCY ? DEFAULT_HOLD_US : r.desc.latencyUs;
      const release = () => drive(r, false);
      const waited = waitUs(clock, hold);
      if (waited === undefined) return release();
      return waited.then(release);
    },
  };
}
