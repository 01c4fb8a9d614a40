/**
 * Which driver object backs each physical resource, resolved once at startup into arrays
 * indexed by physical id.
 * @module
 */
import { type Board, RESOURCE_KINDS, type ResourceKind } from "./board.ts";
import type {
  BoardDriver,
  ClockHw,
  PerfHw,
  PinctrlHw,
  PowercapHw,
  PowerHw,
  ResetHw,
  SensorHw,
  SystemHw,
  VoltageHw,
} from "./driver.ts";

/** The driver contract behind each resource kind. */
export interface HwByKind {
  /** Clocks. */
  clock: ClockHw;
  /** Reset domains. */
  reset: ResetHw;
  /** Power domains. */
  power: PowerHw;
  /** Performance domains. */
  perf: PerfHw;
  /** Sensors. */
  sensor: SensorHw;
  /** Voltage domains. */
  voltage: VoltageHw;
  /** Pins. */
  pin: PinctrlHw;
  /** Pin groups. */
  group: PinctrlHw;
  /** Pin functions (served by the same pin-control contract). */
  function: PinctrlHw;
  /** Power-capping domains. */
  powercap: PowercapHw;
}

/** The driver sub-object that serves each resource kind. */
export const HW_CLASS = {
  clock: "clock",
  reset: "reset",
  power: "power",
  perf: "perf",
  sensor: "sensor",
  voltage: "voltage",
  pin: "pinctrl",
  group: "pinctrl",
  function: "pinctrl",
  powercap: "powercap",
} as const satisfies Record<ResourceKind, keyof BoardDriver>;

/**
 * The driver contract serving each physical resource, by kind and physical id (undefined where the
 * board has no such resource), plus the system driver. Built once at startup; handlers reach it as
 * `ctx.hw`.
 */
export type HwTable = { [K in ResourceKind]: (HwByKind[K] | undefined)[] } & {
  /** The driver that acts on the whole system, if the board has one. */
  system: SystemHw | undefined;
};

/**
 * Resolves every resource's driver. Throws TypeError naming the resource when its driver is
 * not declared or does not implement the resource's class.
 */
export function buildHwTable(board: Board, drivers: ReadonlyMap<string, BoardDriver>): HwTable {
  const table = { system: undefined } as HwTable;
  for (const kind of RESOURCE_KINDS) {
    const arr: unknown[] = [];
    for (const res of board[kind]) {
      const drv = drivers.get(res.driver);
      if (!drv) {
        throw new TypeError(`${kind} "${res.name}": driver "${res.driver}" is not declared`);
      }
      const hw = drv[HW_CLASS[kind]];
      if (!hw) {
        throw new TypeError(
          `${kind} "${res.name}": driver "${res.driver}" does not drive ${HW_CLASS[kind]}`,
        );
      }
      arr[res.id] = hw;
    }
    (table as Record<string, unknown>)[kind] = arr;
  }
  for (const drv of drivers.values()) {
    if (drv.system) {
      table.system = drv.system;
      break;
    }
  }
  return table;
}
