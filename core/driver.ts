/**
 * Board drivers: what turns resource operations into hardware actions, and the typed errors
 * they raise. A driver is a plain object with one sub-object per resource class it backs.
 * @module
 */
import { checkApiField } from "./api.ts";
import type { Board } from "./board.ts";
import type { HwAccess } from "./hw_root.ts";
import type { Importer } from "./importer.ts";
import type { Logger } from "./log.ts";
import { brand, brandedInstance, hasBrand } from "./brand.ts";
import { type OptionProblem, optionProblems, type OptionsDecl } from "./options.ts";
import { isScmiError, ScmiError, Status } from "./status.ts";

/**
 * A running driver instance: one sub-object per driver class it backs, keyed by class name
 * (`clock`, `system`, …), each implementing the contract the protocol that owns the
 * class declares (read it typed through the class: `clockKind.hw.of(driver)`).
 */
export interface BoardDriver {
  /** Instance name from the board manifest, for logs. */
  readonly name: string;
  /** Releases what the driver holds; called once at shutdown. */
  close?(): void | Promise<void>;
  /**
   * Whether this instance can read and write resource `id` (physical) of driver class `cls`
   * on the hardware it opened, for `vscmi check`'s per-resource report; `why` says what
   * stops a write (a read-only sysfs file, a kernel without debugfs clock writes). Absent:
   * the driver can read and write everything it backs.
   */
  access?(cls: string, id: number): HwResourceAccess;
  /** Sub-objects by driver class name. */
  [cls: string]: unknown;
}

/** What a driver can do to one resource on the hardware it opened. */
export interface HwResourceAccess {
  /** Whether its state can be read. */
  readonly read: boolean;
  /** Whether it can be changed. */
  readonly write: boolean;
  /** Why it cannot be read or changed, as a sentence an integrator can act on. */
  readonly why?: string;
}

/**
 * What a driver factory receives: its checked options, the board it serves, where hardware
 * paths are opened (`hwRoot`, see `core/hw_root.ts`) and whether writes are only logged.
 */
export interface DriverEnv extends Partial<HwAccess> {
  /** The instance name from the board manifest. */
  name: string;
  /**
   * Options from the board manifest's `options` table, already checked against the declared names.
   */
  options: Record<string, unknown>;
  /** The whole board, for the physical ids and power-on state of the resources it backs. */
  board: Board;
  /** Where the driver logs (dry-run writes, one-time warnings); absent in unit tests. */
  log?: Logger;
}

/** A driver type, as registered: help text, its options, and its factory. */
export interface DriverDef extends OptionsDecl {
  /**
   * The vscmi API major this driver was written for (`API_MAJOR` when written
   * against this API). A driver type stating another major is refused at startup.
   */
  readonly api: number;
  /** Type name used in `[[driver]] type = "…"`. */
  readonly name: string;
  /** One line for `vscmi check` and error messages. */
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
  /**
   * Creates one instance for a `[[driver]]` table, opening the hardware; its failures are
   * run-time failures.
   */
  create(env: DriverEnv): BoardDriver | Promise<BoardDriver>;
  /** How `vscmi discover` writes a board manifest for this driver type, when it can. */
  readonly discover?: DriverDiscovery;
  /** Configuration formats `vscmi import` converts into deployments for this driver. */
  readonly importers?: readonly Importer[];
}

/** What a driver type's discovery receives from `vscmi discover`. */
export interface DiscoverEnv extends HwAccess {
  /**
   * The argument of the discovery's flag (`vscmi discover --forward SOCKET` gives
   * `SOCKET`); undefined for a discovery without a flag (the host's own interfaces).
   */
  readonly source?: string;
  /** Where progress and warnings go. */
  readonly log: Logger;
  /**
   * `vscmi discover --record DIR`: also copy every file the discovery reads into DIR (see
   * {@linkcode DriverDiscovery.records}); absent when not asked.
   */
  readonly record?: string;
}

/**
 * A driver type's discovery: it looks at what the hardware (or the platform behind it)
 * shows and writes a board manifest whose `[[driver]]` is of this type.
 */
export interface DriverDiscovery {
  /**
   * The `vscmi discover` option selecting this discovery, taking a SOURCE argument
   * (`"forward"` → `--forward SOURCE`); absent for the discovery that reads the host.
   */
  readonly flag?: string;
  /** One line for `vscmi discover --help`. */
  readonly summary: string;
  /**
   * Whether `run` honours `record` (copies what it reads into a tree, for a bug report or a
   * test fixture); `vscmi discover --record` refuses a discovery that does not.
   */
  readonly records?: boolean;
  /**
   * Discovers and returns the board manifest as TOML text, every resource the driver cannot
   * write marked as such; throws Error with a sentence saying what could not be read.
   */
  run(env: DiscoverEnv): Promise<string>;
}

/**
 * Declares a driver type; checks the definition's shape once and freezes it.
 *
 * @param def The driver type: its api major, name, summary, options and factory.
 * @returns The same definition, frozen, to list in the registry.
 * @throws {TypeError} when the name is not lower-case letters, digits and '-', or `api` is not
 * a positive integer.
 *
 * @example A driver type backing reset domains
 * ```ts
 * import { API_MAJOR } from "./api.ts";
 * import { defineDriver } from "./driver.ts";
 * const resets = new Map<number, boolean>();
 * export const demoDriver = defineDriver({
 *   api: API_MAJOR,
 *   name: "demo",
 *   summary: "reset lines kept in memory",
 *   options: {},
 *   create: ({ name }) => ({
 *     name,
 *     reset: {
 *       isAsserted: (id: number) => resets.get(id) ?? false,
 *       setAsserted: (id: number, asserted: boolean) => void resets.set(id, asserted),
 *       pulse: (id: number) => void resets.set(id, false),
 *     },
 *   }),
 * });
 * ```
 */
export function defineDriver(def: DriverDef): DriverDef {
  checkApiField(`Driver "${def.name}"`, def.api);
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
   * Makes the error for `fault`; its status follows from the fault.
   *
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
