/**
 * Which driver object backs each physical resource, resolved once at startup into arrays
 * indexed by physical id, for every kind in play.
 * @module
 */
import type { Board } from "./board.ts";
import type { BoardDriver } from "./driver.ts";
import { kindNamed } from "./kind.ts";

/**
 * The driver contract serving each physical resource, by kind and physical id (undefined where
 * the board has no such resource), and the whole-board drivers. Built once at startup;
 * handlers reach it as `ctx.hw`, typed through their kind (`clockKind.hwOf(ctx.hw)`).
 */
export interface HwTable {
  /** Kind name → driver contract by physical id. */
  readonly kinds: Readonly<Record<string, readonly unknown[]>>;
  /**
   * The same arrays by each kind's slot (`KindDef.slot`): what handlers reach per message,
   * an array read instead of a property looked up by a string key.
   */
  readonly bySlot: readonly (readonly unknown[] | undefined)[];
  /**
   * The sub-object `cls` of the first declared driver that has one: a whole-board driver
   * class (e.g. what acts on the whole system).
   *
   * @param cls A driver class name.
   * @returns That sub-object, or undefined when no driver has one.
   */
  whole(cls: string): unknown;
}

/**
 * Resolves every resource's driver. Throws TypeError naming the resource when its driver is
 * not declared or does not implement the resource's class.
 */
export function buildHwTable(board: Board, drivers: ReadonlyMap<string, BoardDriver>): HwTable {
  const kinds: Record<string, unknown[]> = {};
  const bySlot: (unknown[] | undefined)[] = [];
  for (const [kind, list] of Object.entries(board.resources)) {
    const cls = hwClassOf(kind);
    const arr: unknown[] = [];
    for (const res of list) {
      const drv = drivers.get(res.driver);
      if (!drv) {
        throw new TypeError(`${kind} "${res.name}": driver "${res.driver}" is not declared`);
      }
      const hw = drv[cls];
      if (!hw) {
        throw new TypeError(`${kind} "${res.name}": driver "${res.driver}" does not drive ${cls}`);
      }
      arr[res.id] = hw;
    }
    kinds[kind] = arr;
    const slot = kindNamed(kind)?.slot;
    if (slot !== undefined) {
      while (bySlot.length <= slot) bySlot.push(undefined);
      bySlot[slot] = arr;
    }
  }
  const wholes = new Map<string, unknown>();
  return {
    kinds,
    bySlot,
    whole(cls: string): unknown {
      if (wholes.has(cls)) return wholes.get(cls);
      let found: unknown;
      for (const drv of drivers.values()) {
        if (drv[cls] !== undefined) {
          found = drv[cls];
          break;
        }
      }
      wholes.set(cls, found);
      return found;
    },
  };
}

/** The driver sub-object that serves `kind` (its name when the kind is not defined). */
export function hwClassOf(kind: string): string {
  return kindNamed(kind)?.hw.name ?? kind;
}

/**
 * `table` as one protocol's handlers see it: only the driver contracts of `kinds` (the kinds
 * the protocol carries); another kind's drivers read as none. Whole-board classes stay.
 */
export function narrowHwTable(table: HwTable, kinds: readonly string[]): HwTable {
  const own: Record<string, readonly unknown[]> = {};
  const bySlot: (readonly unknown[] | undefined)[] = [];
  for (const name of kinds) {
    const arr = table.kinds[name];
    if (arr === undefined) continue;
    own[name] = arr;
    const slot = kindNamed(name)?.slot;
    if (slot === undefined) continue;
    while (bySlot.length <= slot) bySlot.push(undefined);
    bySlot[slot] = arr;
  }
  return { kinds: own, bySlot, whole: (cls) => table.whole(cls) };
}
