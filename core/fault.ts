/**
 * What a failure answers: an {@linkcode ScmiError} (a `DriverError` included), from this or
 * any other copy of the API (recognised by its brand), carries its status; anything else is a
 * bug, logged once per `key` and answered GENERIC_ERROR. Shared by the dispatcher and by
 * handlers that finish work after their reply (delayed responses).
 * @module
 */
import type { Logger } from "./log.ts";
import { isScmiError, Status } from "./status.ts";

/** The status `e` answers; logs `what failed: …` once per `key` when `e` is a bug. */
export function faultStatus(log: Logger, key: string, what: string, e: unknown): number {
  if (isScmiError(e)) return e.status;
  log.once(
    "error",
    key,
    `${what} failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`,
  );
  return Status.GENERIC_ERROR;
}
