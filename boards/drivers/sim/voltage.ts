/**
 * Simulated voltage domains (regulators): an output level and an on/off switch per domain.
 * The output takes only the levels the board declares (a list entry, or a point of the
 * segment), anything else is `DriverError("range")`. A level change takes the domain's
 * `latencyUs` × time_scale to settle and the new level reads back only once it has; a change
 * requested while another settles supersedes it (the earlier one resolves without effect).
 * On/off switches are immediate. Every completed change is recorded for tests.
 * @module
 */
import { voltageKind } from "../../../plugins/voltage/kind.ts";
import type { Board } from "../../../core/board.ts";
import type { VoltageDesc } from "../../../plugins/voltage/kind.ts";
import { DriverError } from "../../../core/driver.ts";
import type { VoltageHw } from "../../../plugins/voltage/hw.ts";
import { delay, mine, type SimOptions } from "./_util.ts";

/** One completed hardware change. */
export type SimVoltageStep =
  | { id: number; level: number }
  | { id: number; on: boolean };

/** The sim's regulators: the driver interface plus what tests inspect. */
export interface SimVoltage extends VoltageHw {
  /** Every completed change, oldest first. */
  readonly history: SimVoltageStep[];
}

interface Output {
  readonly desc: VoltageDesc;
  level: number;
  on: boolean;
  /** Bumped by every level request; a settling change applies only if still the latest. */
  seq: number;
}

/** Whether `uv` is a level domain `d` declares. */
export function declaresLevel(d: VoltageDesc, uv: number): boolean {
  const l = d.levels;
  if (l.kind === "list") return l.levels.includes(uv);
  if (uv < l.min || uv > l.max) return false;
  return l.step === 0 ? uv === l.min : (uv - l.min) % l.step === 0;
}

/** Builds the outputs of the domains that sim instance `driver` backs, at power-on state. */
export function createSimVoltage(board: Board, driver: string, opts: SimOptions): SimVoltage {
  const outs = new Map<number, Output>();
  for (const desc of mine(board, voltageKind, driver)) {
    outs.set(desc.id, { desc, level: desc.level, on: desc.on, seq: 0 });
  }
  const history: SimVoltageStep[] = [];

  function out(id: number): Output {
    const o = outs.get(id);
    if (!o) throw new DriverError("invalid", `Voltage domain ${id} is not driven by "${driver}"`);
    return o;
  }

  return {
    history,
    getLevel: (id) => out(id).level,
    setLevel(id, uv) {
      const o = out(id);
      if (!declaresLevel(o.desc, uv)) {
        throw new DriverError("range", `Voltage domain "${o.desc.name}" has no level ${uv} µV`);
      }
      const seq = ++o.seq;
      const settle = () => {
        if (seq !== o.seq) return;
        o.level = uv;
        history.push({ id, level: uv });
      };
      const wait = delay(opts, o.desc.latencyUs ?? 0);
      if (!wait) return settle();
      return wait.then(settle);
    },
    isOn: (id) => out(id).on,
    setOn(id, on) {
      const o = out(id);
      if (o.on === on) return;
      o.on = on;
      history.push({ id, on });
    },
  };
}
