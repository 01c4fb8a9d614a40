/**
 * Board drivers: what turns resource operations into hardware actions, and the typed errors
 * they raise. A driver is a plain object with one sub-object per resource class it backs.
 * @module
 */
import { checkApiField } from "./api.ts";
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
import { brand, brandedInstance, hasBrand } from "./brand.ts";
import { isScmiError, ScmiError, Status } from "./status.ts";

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

/** A driver type, as registered: help text, option names, and its factory. */
export interface DriverDef {
  /**
   * The vscmi API major this driver was written for (`API_MAJOR` when written
   * against this API). A driver type stating another major is refused at startup.
   */
  readonly api: number;
  /** Type name used in `[[driver]] type = "…"`. */
  readonly name: string;
  readonly summary: string;
  /** Option name → one-line description; any other option is an error. */
  readonly options: Readonly<Record<string, string>>;
  create(env: DriverEnv): BoardDriver | Promise<BoardDriver>;
}

/** Declares a driver type; checks the definition's shape once. */
export function defineDriver(def: DriverDef): DriverDef {
  checkApiField(`Driver "${def.name}"`, def.api);
  if (!/^[a-z][a-z0-9-]*$/.test(def.name)) {
    throw new TypeError(
      `Driver name must be lower-case letters, digits and '-': got "${def.name}"`,
    );
  }
  return Object.freeze({ ...def, options: Object.freeze({ ...def.options }) });
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

const DRIVER_BRAND = Symbol.for("vscmi.DriverError");

/**
 * Whether `e` is a {@linkcode DriverError} from any copy of the vscmi API (brand
 * `Symbol.for("vscmi.DriverError")`), so its `fault` can be read.
 *
 * @param e A caught value.
 * @returns true when `e` is an ScmiError that also carries the DriverError brand.
 */
export function isDriverError(e: unknown): e is DriverError {
  return isScmiError(e) && hasBrand(e, DRIVER_BRAND);
}

/**
 * A typed hardware failure a driver throws; the dispatcher answers it with the status of its
 * {@linkcode DriverFault} (e.g. `busy` → BUSY). Recognised by {@linkcode isDriverError} across
 * copies of the API.
 *
 * @example A PLL that cannot take a new rate yet
 * ```ts
 * import { DriverError, isDriverError } from "./driver.ts";
 * import { Status } from "./status.ts";
 * const e = new DriverError("busy", "PLL relocking");
 * console.assert(isDriverError(e) && e.status === Status.BUSY && e.fault === "busy");
 * ```
 */
export class DriverError extends ScmiError {
  /** The kind of failure, which decides the status. */
  readonly fault: DriverFault;
  /**
   * @param fault The kind of failure.
   * @param message What went wrong, for logs (default: the fault's name).
   */
  constructor(fault: DriverFault, message?: string) {
    super(FAULT_STATUS[fault], message ?? fault);
    this.name = "DriverError";
    this.fault = fault;
  }

  /** `e instanceof DriverError`: true for a DriverError from any copy of the API. */
  static override [Symbol.hasInstance](e: unknown): boolean {
    return brandedInstance(this, DriverError, isDriverError, e);
  }
}
brand(DriverError, DRIVER_BRAND);
