/**
 * Power domains described by a request bit and a status bit: switching writes the request
 * (`active_low`: 0 requests on, as Rockchip's power-gate bits) and polls the status every
 * `poll_us` on the instance's clock until it reports the new state, failing with
 * HARDWARE_ERROR after `timeout_us`. Only ON and OFF exist here. A domain whose board parent
 * is off cannot come on (DENIED); one with a child on cannot go off (IN_USE).
 * @module
 */
import type { Board } from "../../../core/board.ts";
import { DriverError } from "../../../core/driver.ts";
import type { TimerClock } from "../../../core/timer_clock.ts";
import { powerKind } from "../../../plugins/power/kind.ts";
import type { PowerDesc } from "../../../plugins/power/kind.ts";
import { type PowerHw, PowerState } from "../../../plugins/power/hw.ts";
import type { PowerSpec } from "./options.ts";
import type { Field, Window } from "./window.ts";
import { hostManagedWhy } from "./resources.ts";

interface RegPower {
  readonly desc: PowerDesc;
  readonly spec: PowerSpec;
  readonly win: Window;
  readonly req: Field;
  readonly status: Field;
}

/** The regmap power domains of one instance: the contract plus the specs (for `access`). */
export interface RegmapPower extends PowerHw {
  specOf(id: number): PowerSpec | undefined;
}

/** The power domains `specs` describes on `board`'s domains of driver `driver`. */
export function createRegmapPower(
  board: Board,
  driver: string,
  specs: Map<string, PowerSpec>,
  windows: Map<string, Window>,
  clock: TimerClock,
): RegmapPower {
  const byId = new Map<number, RegPower>();
  const mine = powerKind.of(board).filter((d) => d.driver === driver);
  for (const desc of mine) {
    const spec = specs.get(desc.name);
    if (!spec) {
      throw new Error(`power_domains: no register description for power domain "${desc.name}"`);
    }
    const win = windows.get(spec.window)!;
    byId.set(desc.id, {
      desc,
      spec,
      win,
      req: win.field(spec.req.reg, spec.req.bit, 1, !spec.hostManaged),
      status: win.field(spec.status.reg, spec.status.bit, 1, false),
    });
  }
  const names = new Set(mine.map((d) => d.name));
  for (const name of specs.keys()) {
    if (!names.has(name)) {
      throw new Error(`power_domains.${name}: no power domain of this driver has that name`);
    }
  }

  function domain(id: number): RegPower {
    const p = byId.get(id);
    if (!p) {
      throw new DriverError("invalid", `Power domain ${id} is not driven by regmap "${driver}"`);
    }
    return p;
  }

  const isOn = (p: RegPower) => (p.win.get(p.status) === 1) !== p.spec.status.activeLow;
  const stateOf = (id: number) => {
    const p = byId.get(id);
    return p === undefined ? PowerState.ON : isOn(p) ? PowerState.ON : PowerState.OFF;
  };

  /** Polls until `p` reports `on`, or rejects once `timeoutUs` have passed on the clock. */
  function settle(p: RegPower, on: boolean): void | Promise<void> {
    if (isOn(p) === on) return;
    const deadline = clock.now() + p.spec.timeoutUs / 1000;
    return new Promise((resolve, reject) => {
      const poll = () => {
        if (isOn(p) === on) return resolve();
        if (clock.now() >= deadline) {
          return reject(
            new DriverError(
              "hardware",
              `Power domain "${p.desc.name}" did not report ${
                on ? "on" : "off"
              } within ${p.spec.timeoutUs} µs`,
            ),
          );
        }
        clock.setTimer(poll, Math.min(p.spec.pollUs / 1000, Math.max(0, deadline - clock.now())));
      };
      clock.setTimer(poll, p.spec.pollUs / 1000);
    });
  }

  return {
    specOf: (id) => byId.get(id)?.spec,
    getState: (id) => isOn(domain(id)) ? PowerState.ON : PowerState.OFF,
    setState(id, state) {
      const p = domain(id);
      if (state !== PowerState.ON && state !== PowerState.OFF) {
        throw new DriverError("invalid", `Power domain "${p.desc.name}" has only ON and OFF`);
      }
      const on = state === PowerState.ON;
      if (p.spec.hostManaged) {
        throw new DriverError("denied", hostManagedWhy("power domain", p.desc.name));
      }
      if (on && p.desc.parent !== undefined && stateOf(p.desc.parent) !== PowerState.ON) {
        throw new DriverError("denied", `Power domain "${p.desc.name}": its parent is off`);
      }
      if (!on) {
        for (const c of byId.values()) {
          if (c.desc.parent === id && isOn(c)) {
            throw new DriverError(
              "in-use",
              `Power domain "${p.desc.name}": "${c.desc.name}" below it is on`,
            );
          }
        }
      }
      p.win.set(p.req, on !== p.spec.req.activeLow ? 1 : 0);
      return settle(p, on);
    },
  };
}
