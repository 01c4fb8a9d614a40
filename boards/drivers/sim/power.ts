/**
 * Simulated power domains. Each domain holds one SCMI power-state word and behaves like a
 * power controller: a domain cannot enter any state but OFF while its parent is not ON
 * ("denied"), cannot leave ON while a child is not OFF ("in-use"), takes `latencyUs` × time_scale to switch
 * (the new state shows only when the switch is done), and refuses a second switch while one
 * is under way ("busy"). Parents backed by another driver instance are not checked.
 * @module
 */
import { powerKind } from "../../../plugins/power/kind.ts";
import type { Board } from "../../../core/board.ts";
import type { PowerDesc } from "../../../plugins/power/kind.ts";
import { DriverError } from "../../../core/driver.ts";
import { type PowerHw, PowerState } from "../../../plugins/power/hw.ts";
import { delay, mine, record, type SimOptions } from "./_util.ts";

/** One completed switch, for tests. */
export interface SimPowerStep {
  id: number;
  state: number;
}

/** The sim's power controller: the driver interface plus what tests inspect. */
export interface SimPower extends PowerHw {
  /** Every completed switch, in order. */
  readonly history: SimPowerStep[];
}

export function createSimPower(board: Board, driver: string, opts: SimOptions): SimPower {
  const descs = new Map<number, PowerDesc>();
  const state = new Map<number, number>();
  const children = new Map<number, number[]>();
  for (const d of mine(board, powerKind, driver)) {
    descs.set(d.id, d);
    state.set(d.id, d.on ? PowerState.ON : PowerState.OFF);
  }
  for (const d of descs.values()) {
    if (d.parent === undefined || !descs.has(d.parent)) continue;
    const list = children.get(d.parent) ?? [];
    list.push(d.id);
    children.set(d.parent, list);
  }
  const pending = new Set<number>();
  const history: SimPowerStep[] = [];

  function domain(id: number): PowerDesc {
    const d = descs.get(id);
    if (!d) throw new DriverError("invalid", `sim "${driver}": no power domain ${id}`);
    return d;
  }

  function finish(id: number, s: number): void {
    pending.delete(id);
    state.set(id, s);
    record(history, { id, state: s });
  }

  return {
    history,
    getState: (id) => {
      domain(id);
      return state.get(id)!;
    },
    setState(id, s) {
      const d = domain(id);
      if (s !== PowerState.ON && s !== PowerState.OFF && !(d.states ?? []).includes(s)) {
        throw new DriverError("invalid", `power domain "${d.name}" has no state 0x${hex(s)}`);
      }
      if (pending.has(id)) throw new DriverError("busy", `power domain "${d.name}" is switching`);
      const now = state.get(id)!;
      if (s === now) return;
      if (s !== PowerState.OFF && d.parent !== undefined && descs.has(d.parent)) {
        if (state.get(d.parent) !== PowerState.ON) {
          const p = descs.get(d.parent)!;
          throw new DriverError("denied", `power domain "${d.name}": parent "${p.name}" is not on`);
        }
      }
      if (now === PowerState.ON) {
        for (const c of children.get(id) ?? []) {
          if (state.get(c) !== PowerState.OFF) {
            const name = descs.get(c)!.name;
            throw new DriverError("in-use", `power domain "${d.name}": child "${name}" is not off`);
          }
        }
      }
      const wait = delay(opts, d.latencyUs);
      if (!wait) return finish(id, s);
      pending.add(id);
      return wait.then(() => finish(id, s));
    },
  };
}

function hex(n: number): string {
  return (n >>> 0).toString(16).padStart(8, "0");
}
