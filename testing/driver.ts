/**
 * The board-driver conformance suite: for each resource kind a driver serves, the operations
 * of the kind's hardware contract, called on every resource of that kind the driver backs,
 * with ordinary and hostile values. A driver answers a value or fails with a status (a
 * `DriverError` or `ScmiError`); anything else it throws is a failure.
 * @module
 */
import type { Board, ResourceDesc } from "../core/board.ts";
import type { BoardDriver } from "../core/driver.ts";
import type { KindDef } from "../core/kind.ts";
import { isScmiError } from "../core/status.ts";

/**
 * The contract one resource kind's protocol asks of drivers (its `hw.ts`), as a suite walks
 * it: the operations every driver must have, and calls exercising them on one resource.
 */
export interface HwContract<H = unknown> {
  /** The kind; its `hw` class names the driver's sub-object. */
  // deno-lint-ignore no-explicit-any
  readonly kind: KindDef<any, any>;
  /** Operations every driver of the kind implements (the rest are optional). */
  readonly required: readonly string[];
  /**
   * Calls exercising the contract on resource `id`, by label. A call may check what it gets
   * (throwing a plain `Error` when the answer breaks the contract); a call failing with a
   * status is conforming.
   *
   * @param hw The driver's sub-object for the kind.
   * @param id The physical id of a resource the driver backs.
   * @param desc The resource as the board describes it.
   * @returns Label → call.
   */
  readonly calls: (
    hw: H,
    id: number,
    desc: ResourceDesc,
  ) => Readonly<Record<string, () => unknown>>;
}

/** What {@linkcode driverConformance} runs against. */
export interface DriverSuite {
  /** A running driver instance (its `create` already called). */
  readonly driver: BoardDriver;
  /** The board it serves: its resources whose `driver` is the instance's name are walked. */
  readonly board: Board;
  /** The contracts of the kinds to walk. */
  readonly contracts: readonly HwContract[];
}

/**
 * Runs the driver conformance suite as steps of the calling test, one step per contract:
 * the driver has the kind's sub-object with every required operation, and every call on
 * every resource of the kind it backs answers or fails with a status, never anything else.
 * A kind with no resource on this driver is skipped.
 *
 * @param t The calling test's context.
 * @param suite The driver instance, its board and the contracts to walk.
 */
export async function driverConformance(t: Deno.TestContext, suite: DriverSuite): Promise<void> {
  const { driver, board } = suite;
  for (const contract of suite.contracts) {
    const kind = contract.kind;
    const mine = kind.of(board).filter((d: ResourceDesc) => d.driver === driver.name);
    await t.step({
      name: `${kind.name}: the contract's operations, errors as statuses`,
      ignore: mine.length === 0,
      fn: async () => {
        const hw = kind.hw.of(driver) as Record<string, unknown> | undefined;
        if (!hw) throw new Error(`${driver.name} backs ${kind.name}s but has no "${kind.hw.name}"`);
        const missing = contract.required.filter((op) => typeof hw[op] !== "function");
        if (missing.length) throw new Error(`${kind.hw.name} lacks ${missing.join(", ")}`);
        const wrong: string[] = [];
        for (const desc of mine) {
          for (const [label, call] of Object.entries(contract.calls(hw, desc.id, desc))) {
            try {
              await call();
            } catch (e) {
              if (!isScmiError(e)) wrong.push(`${kind.name} ${desc.id} ${label}: threw ${e}`);
            }
          }
        }
        if (wrong.length) throw new Error(wrong.join("\n"));
      },
    });
  }
}

/**
 * For contract calls: the value, when it is a finite number.
 *
 * @param what The operation, for the error.
 * @param v What it answered (awaited).
 * @returns `v`.
 * @throws {Error} when `v` is not a finite number.
 */
export async function answersNumber(what: string, v: unknown): Promise<number> {
  const x = await v;
  if (typeof x !== "number" || !Number.isFinite(x)) throw new Error(`${what} answered ${x}`);
  return x;
}

/**
 * For contract calls: the value, when it is a boolean.
 *
 * @param what The operation, for the error.
 * @param v What it answered (awaited).
 * @returns `v`.
 * @throws {Error} when `v` is not a boolean.
 */
export async function answersBoolean(what: string, v: unknown): Promise<boolean> {
  const x = await v;
  if (typeof x !== "boolean") throw new Error(`${what} answered ${x}`);
  return x;
}
