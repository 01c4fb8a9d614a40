/**
 * SCMI status codes (DEN0056 §4.1.4) and the error type protocol code throws to answer one.
 * @module
 */
import { brand, brandedInstance, hasBrand } from "./brand.ts";

/** Every status an SCMI reply can carry, by its specification name. */
export const Status = {
  SUCCESS: 0,
  NOT_SUPPORTED: -1,
  INVALID_PARAMETERS: -2,
  DENIED: -3,
  NOT_FOUND: -4,
  OUT_OF_RANGE: -5,
  BUSY: -6,
  COMMS_ERROR: -7,
  GENERIC_ERROR: -8,
  HARDWARE_ERROR: -9,
  PROTOCOL_ERROR: -10,
  IN_USE: -11,
} as const;

/** One of the values of {@linkcode Status}. */
export type Status = typeof Status[keyof typeof Status];

const NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(Status).map(([name, value]) => [value, name]),
);

/** The specification name of a status, or `STATUS(<n>)` for a value SCMI does not define. */
export function statusName(status: number): string {
  return NAMES.get(status) ?? `STATUS(${status})`;
}

const SCMI_BRAND = Symbol.for("vscmi.ScmiError");

/**
 * Whether `e` is an {@linkcode ScmiError} from any copy of the vscmi API: recognised by the
 * brand `Symbol.for("vscmi.ScmiError")` and a numeric `status`, not by its class, so an error
 * thrown by a plugin that imports its own copy of `mod.ts` still answers its status.
 *
 * @param e A caught value.
 * @returns true when `e` carries the ScmiError brand and a status.
 *
 * @example Answering what a failure carries
 * ```ts
 * import { isScmiError, ScmiError, Status } from "./status.ts";
 * const e: unknown = new ScmiError(Status.NOT_FOUND);
 * console.assert(isScmiError(e) && e.status === Status.NOT_FOUND);
 * console.assert(!isScmiError(new Error("bug")));
 * ```
 */
export function isScmiError(e: unknown): e is ScmiError {
  return hasBrand(e, SCMI_BRAND) && typeof (e as { status?: unknown }).status === "number";
}

/**
 * Thrown by protocol or driver code anywhere below a handler; the dispatcher answers the
 * message with `status` (a 4-byte payload) and keeps serving. Recognised by
 * {@linkcode isScmiError} (a brand), so `instanceof ScmiError` also holds for an error made by
 * another copy of the API.
 *
 * @example A handler refusing an id it does not know
 * ```ts
 * import { ScmiError, Status } from "./status.ts";
 * function lookup(table: readonly string[], id: number): string {
 *   const name = table[id];
 *   if (name === undefined) throw new ScmiError(Status.NOT_FOUND, `no entry ${id}`);
 *   return name;
 * }
 * console.assert(lookup(["a"], 0) === "a");
 * ```
 */
export class ScmiError extends Error {
  /** The status the reply carries. */
  readonly status: Status;
  /**
   * Makes the error that answers `status`.
   *
   * @param status The status to answer; GENERIC_ERROR only for a failure with no better
   * status.
   * @param message What went wrong, for logs (default: the status name).
   */
  constructor(status: Status, message?: string) {
    super(message ?? statusName(status));
    this.name = "ScmiError";
    this.status = status;
  }

  /** `e instanceof ScmiError`: true for an ScmiError from any copy of the API. */
  static override [Symbol.hasInstance](e: unknown): boolean {
    return brandedInstance(this, ScmiError, isScmiError, e);
  }
}
brand(ScmiError, SCMI_BRAND);
