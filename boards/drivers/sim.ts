/**
 * The `sim` board driver: a simulated SoC that keeps every resource's state in memory and
 * behaves like hardware (rates snap to what a clock supports, a disabled parent gates its
 * children, latencies are real delays). One module per resource class under `sim/`.
 * @module
 */
import { defineDriver } from "../../core/driver.ts";
import { OptionError } from "../../core/options.ts";
import { createSimClock } from "./sim/clock.ts";
import { createSimReset } from "./sim/reset.ts";
import { createSimPower } from "./sim/power.ts";
import { createSimSystem } from "./sim/system.ts";
import { createSimSensor } from "./sim/sensor.ts";
import { createSimVoltage } from "./sim/voltage.ts";
import { createSimPerf } from "./sim/perf.ts";
import { createSimPinctrl } from "./sim/pinctrl.ts";
import { createSimPowercap } from "./sim/powercap.ts";
import type { Board } from "../../core/board.ts";
import type { BoardDriver } from "../../core/driver.ts";
import type { SimOptions } from "./sim/_util.ts";

export const simDriver = defineDriver({
  api: 1,
  name: "sim",
  summary: "Simulated SoC: every resource class, state kept in memory",
  options: {
    time_scale: "Multiplies every declared latency; 0 makes every operation immediate (default 1)",
  },
  checkOptions: simOptions,
  create({ name, options, board }) {
    return createSim(board, name, simOptions(options));
  },
});

/** A sim driver instance serving `board` as `name`; tests pass their own clock in `opts`. */
export function createSim(board: Board, name: string, opts: SimOptions): BoardDriver {
  return {
    name,
    clock: createSimClock(board, name, opts),
    reset: createSimReset(board, name, opts),
    power: createSimPower(board, name, opts),
    system: createSimSystem(board, name, opts),
    sensor: createSimSensor(board, name, opts),
    voltage: createSimVoltage(board, name, opts),
    perf: createSimPerf(board, name, opts),
    pinctrl: createSimPinctrl(board, name, opts),
    powercap: createSimPowercap(board, name, opts),
  };
}

/** The sim driver's options, checked: throws OptionError naming the option. */
function simOptions(options: Readonly<Record<string, unknown>>): SimOptions {
  const ts = options.time_scale ?? 1;
  if (typeof ts !== "number" || !(ts >= 0) || !Number.isFinite(ts)) {
    throw new OptionError("time_scale", "a number ≥ 0", ts);
  }
  return { timeScale: ts };
}
