/**
 * Minimal assertions for the test suites (the standard library's are on JSR, which this
 * project cannot reach). Deep equality goes through node:assert.
 * @module
 */
import { deepStrictEqual, rejects, throws } from "node:assert";

export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  deepStrictEqual(actual, expected, message);
}

export function assert(cond: unknown, message = "Assertion failed"): asserts cond {
  if (!cond) throw new Error(message);
}

// deno-lint-ignore no-explicit-any
type ErrorClass = new (...args: any[]) => Error;

export function assertThrows(fn: () => unknown, cls?: ErrorClass, includes?: string): Error {
  let caught: Error | undefined;
  throws(() => {
    try {
      fn();
    } catch (e) {
      caught = e as Error;
      throw e;
    }
  });
  if (cls && !(caught instanceof cls)) throw new Error(`Expected ${cls.name}, got ${caught}`);
  if (includes && !caught!.message.includes(includes)) {
    throw new Error(`Expected message to include "${includes}", got "${caught!.message}"`);
  }
  return caught!;
}

export async function assertRejects(
  fn: () => Promise<unknown>,
  cls?: ErrorClass,
  includes?: string,
): Promise<Error> {
  let caught: Error | undefined;
  await rejects(async () => {
    try {
      await fn();
    } catch (e) {
      caught = e as Error;
      throw e;
    }
  });
  if (cls && !(caught instanceof cls)) throw new Error(`Expected ${cls.name}, got ${caught}`);
  if (includes && !caught!.message.includes(includes)) {
    throw new Error(`Expected message to include "${includes}", got "${caught!.message}"`);
  }
  return caught!;
}
