/**
 * SCMI status codes (DEN0056 §4.1.4) and the error type protocol code throws to answer one.
 * @module
 */

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

/**
 * Thrown by protocol or driver code anywhere below a handler; the dispatcher answers the
 * message with `status` (a 4-byte payload) and keeps serving.
 */
export class ScmiError extends Error {
  readonly status: Status;
  constructor(status: Status, message?: string) {
    super(message ?? statusName(status));
    this.name = "ScmiError";
    this.status = status;
  }
}
