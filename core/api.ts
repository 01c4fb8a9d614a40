/**
 * The version of the vscmi API (`mod.ts`), and the check that a plugin, driver or transport
 * was written for the running one. Every definition states the API major it was written for
 * (`api`); the loader refuses another major at startup, naming the manifest line.
 * @module
 */

/**
 * The version of the API this copy of vscmi implements, as semver: the major changes when a
 * definition written for the previous one may no longer work.
 */
export const API_VERSION = "1.0.0";

/**
 * The major of {@linkcode API_VERSION}: what a protocol, driver or transport definition states
 * as `api` when written for this API.
 *
 * @example
 * ```ts
 * import { API_MAJOR, API_VERSION } from "./api.ts";
 * console.assert(API_VERSION.startsWith(`${API_MAJOR}.`));
 * ```
 */
export const API_MAJOR: number = Number(API_VERSION.split(".")[0]);

/** Why a definition's `api` does not match the running API, as the parts of a problem. */
export interface ApiMismatch {
  /** What was expected, e.g. `a plugin written for vscmi API major 1 (running 1.0.0)`. */
  expected: string;
  /** What the definition states, e.g. `one written for API major 2`. */
  got: string;
}

/**
 * Compares the `api` a definition states with the running API.
 *
 * @param what What the definition is, for the message: `plugin`, `driver`, `transport`.
 * @param api The definition's `api` value, as found (it may come from another copy of the
 * API, or from JavaScript without types).
 * @returns undefined when `api` is {@linkcode API_MAJOR}; otherwise what was expected and got.
 */
export function apiMismatch(what: string, api: unknown): ApiMismatch | undefined {
  if (api === API_MAJOR) return undefined;
  return {
    expected: `a ${what} written for vscmi API major ${API_MAJOR} (running ${API_VERSION})`,
    got: api === undefined
      ? "one that states no API major (its `api` key is missing)"
      : `one written for API major ${typeof api === "string" ? `"${api}"` : String(api)}`,
  };
}

/**
 * Checks the shape of a definition's `api` when it is declared.
 *
 * @param where The definition, for the message, e.g. `Protocol "demo" (0x80)`.
 * @param api The value stated.
 * @throws {TypeError} when `api` is not a positive integer.
 */
export function checkApiField(where: string, api: unknown): void {
  if (!Number.isInteger(api) || (api as number) < 1) {
    throw new TypeError(
      `${where}: api must be the API major it was written for, e.g. ${API_MAJOR}`,
    );
  }
}
