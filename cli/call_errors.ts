/**
 * Which errors of `vscmi call` are runtime failures (exit 1) rather than usage errors.
 * Kept apart from `call.ts` so `main.ts` can tell without loading the command.
 * @module
 */
import { ClientError, DecodeError, StatusError } from "../client/mod.ts";

/** A status other than SUCCESS, a lost connection or timeout, or a reply too short. */
export function isCallFailure(e: unknown): e is Error {
  return e instanceof StatusError || e instanceof ClientError || e instanceof DecodeError;
}
