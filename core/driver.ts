/**
 * Board drivers: what turns resource operations into hardware actions, and the typed errors
 * they raise. A driver is a plain object with one sub-object per resource class it backs.
 * @module
 */
import type { Board } from "./board.ts";
import type { ClockHw } from "./hw/clock.ts";
import type { ResetHw } from "./hw/reset.ts";
import type { PowerHw } from "./hw/power.ts";
import type { SystemHw } from "./hw/system.ts";
import type { SensorHw } from "./hw/sensor.ts";
import type { VoltageHw } from "./hw/voltage.ts";
import type { PerfHw } from "./hw/perf.ts";
import type { PinctrlHw } from "./hw/pinctrl.ts";
import type { PowercapHw } from "./hw/powercap.ts";
import { type OptionProblem, optionProblems, type OptionsDecl } from "./options.ts";
import { ScmiError, Status } from "./status.ts";

export type {
  ClockHw,
  PerfHw,
  PinctrlHw,
  PowercapHw,
  PowerHw,
  ResetHw,
  SensorHw,
  SystemHw,
  VoltageHw,
};

/** A running driver instance: one sub-object per resource class it backs. */
export interface BoardDriver {
  readonly name: string;
  clock?: ClockHw;
  reset?: ResetHw;
  power?: PowerHw;
  system?: SystemHw;
  sensor?: SensorHw;
  voltage?: VoltageHw;
  perf?: PerfHw;
  pinctrl?: PinctrlHw;
  powercap?: PowercapHw;
  /** Releases what the driver holds; called once at shutdown. */
  close?(): void | Promise<void>;
}

/** What a driver factory receives: its checked options and the board it serves. */
export interface DriverEnv {
  /** The instance name from the board manifest. */
  name: string;
  options: Record<string, unknown>;
  board: Board;
}

/** A driver type, as registered: help text, its options, and its factory. */
export interface DriverDef extends OptionsDecl {
  /** Type name used in `[[driver]] type = "…"`. */
  readonly name: string;
  readonly summary: string;
  /** Option name → one-line description; any other option is an error. */
  readonly options: Readonly<Record<string, string>>;
  /**
   * Checks an instance's options (only declared names reach it): throws OptionError naming
   * the option and what it expects. The board loader runs it, so `vscmi check` refuses
   * whatever `create` would be given; `create` is for opening the hardware, and its
   * failures are run-time failures.
   */
  checkOptions?(options: Readonly<Record<string, unknown>>): void;
  create(env: DriverEnv): BoardDriver | Promise<BoardDriver>;
}

/** Declares a driver type; checks the definition's shape once. */
export function defineDriver(def: DriverDef): DriverDef {
  if (!/^[a-z][a-z0-9-]*$/.test(def.name)) {
    throw new TypeError(
      `Driver name must be lower-case letters, digits and '-': got "${def.name}"`,
    );
  }
  return Object.freeze({ ...def, options: Object.freeze({ ...def.options }) });
}

/**
 * The problems of one driver instance's options: names `def` does not declare, then what
 * its `checkOptions` refuses. The board loader reports them with their location.
 */
export function driverOptionProblems(
  def: DriverDef,
  options: Readonly<Record<string, unknown>>,
): OptionProblem[] {
  const check = def.checkOptions;
  return optionProblems(`the "${def.name}" driver`, def, options, check && (() => check(options)))
    .problems;
}

/** Failures a driver reports; the dispatcher answers each with its SCMI status. */
export type DriverFault =
  | "busy"
  | "hardware"
  | "range"
  | "invalid"
  | "denied"
  | "unsupported"
  | "in-use";

const FAULT_STATUS: Record<DriverFault, Status> = {
  busy: Status.BUSY,
  hardware: Status.HARDWARE_ERROR,
  range: Status.OUT_OF_RANGE,
  invalid: Status.INVALID_PARAMETERS,
  denied: Status.DENIED,
  unsupported: Status.NOT_SUPPORTED,
  "in-use": Status.IN_USE,
};

/** A typed hardware failure, e.g. `new DriverError("busy", "PLL relocking")`. */
export class DriverError extends ScmiError {
  readonly fault: DriverFault;
  constructor(fault: DriverFault, message?: string) {
    super(FAULT_STATUS[fault], message ?? fault);
    this.name = "DriverError";
    this.fault = fault;
  }
}
