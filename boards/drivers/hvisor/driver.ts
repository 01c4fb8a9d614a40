/**
 * The hvisor driver instance: clocks, reset lines and power domains of zone0's hvisor node,
 * driven through the SCMI helper ioctls of `/dev/hvisor` (physical id = index in the node's
 * `clocks`, `resets` or `power-domains` list).
 *
 * At startup it asks the helper how many of each the node lists and reads the name, rate and
 * state of every one the board declares; a board resource beyond the counts is logged and
 * answers HARDWARE_ERROR. The kernel counts enables (CONFIG_SET on → `clk_prepare_enable`,
 * power ON → a runtime-PM get), so the driver sends transitions of its own reference only:
 * an enable it already holds, or a disable of a reference it does not hold, sends nothing.
 * Under `--dry-run` writes are logged and kept in memory; without a device (the file bridge
 * of a laptop or a test, or a dry run where `/dev/hvisor` cannot be opened) that memory starts
 * from the board's power-on state and every write is logged.
 * @module
 */
import type { Board } from "../../../core/board.ts";
import { type BoardDriver, DriverError, type HwResourceAccess } from "../../../core/driver.ts";
import type { Logger } from "../../../core/log.ts";
import { clockKind } from "../../../plugins/clock/kind.ts";
import type { ClockHw } from "../../../plugins/clock/hw.ts";
import { powerKind } from "../../../plugins/power/kind.ts";
import { type PowerHw, PowerState } from "../../../plugins/power/hw.ts";
import { resetKind } from "../../../plugins/reset/kind.ts";
import type { ResetHw } from "../../../plugins/reset/hw.ts";
import { ResetFlags } from "./abi.ts";
import type { HvisorHelper } from "./helper.ts";
import { placeholderName } from "./board_toml.ts";

/** What one driver instance is made from. */
export interface HvisorInstance {
  /** Instance name, for logs. */
  readonly name: string;
  /** The board it serves. */
  readonly board: Board;
  /** The open helper; null when there is no device (dry run only). */
  readonly helper: HvisorHelper | null;
  /** Log writes instead of making them. */
  readonly dryRun: boolean;
  /** Where startup findings and dry-run writes go. */
  readonly log?: Logger;
  /** Closes the device. */
  readonly close?: () => void;
}

type Cls = "clock" | "reset" | "power";

/** Runs `f`; a DriverError (or anything) becomes `fallback` after one log line. */
function probe<T>(log: Logger | undefined, what: string, f: () => T, fallback: T): T {
  try {
    return f();
  } catch (e) {
    log?.error(`hvisor: ${what}: ${e instanceof Error ? e.message : e}`);
    return fallback;
  }
}

/** A driver instance for `inst`: discovery at startup, then the three hardware classes. */
export function createHvisorDriver(inst: HvisorInstance): BoardDriver {
  const { helper, dryRun, log, board } = inst;
  /** The helper writes and live reads go to; null in a dry run. */
  const dev = dryRun ? null : helper;
  const clocks = clockKind.of(board);
  const resets = resetKind.of(board);
  const powers = powerKind.of(board);

  // Discovery: the node's counts, then each declared resource's name and state.
  const count: Record<Cls, number> = helper
    ? {
      clock: probe(log, "clock GET_COUNT", () => helper.clockCount(), 0),
      reset: probe(log, "reset GET_COUNT", () => helper.resetCount(), 0),
      power: probe(log, "power GET_COUNT", () => helper.powerCount(), 0),
    }
    : { clock: Infinity, reset: Infinity, power: Infinity };
  const noun: Record<Cls, string> = { clock: "clocks", reset: "resets", power: "power-domains" };
  const missing = (cls: Cls, id: number) =>
    id >= count[cls]
      ? `zone0's hvisor node lists ${count[cls]} ${noun[cls]}, so it has no index ${id}`
      : undefined;
  for (const [cls, list] of [["clock", clocks], ["reset", resets], ["power", powers]] as const) {
    for (const d of list) {
      const why = missing(cls, d.id);
      if (why) log?.error(`hvisor: board ${cls} "${d.name}" (${d.id}): ${why}`);
    }
  }
  const rate = new Map<number, number>();
  const on = new Map<number, boolean>();
  const clockHeld = new Set<number>();
  for (const d of clocks) {
    if (helper && !missing("clock", d.id)) {
      const kname = probe(log, `clock ${d.id} NAME_GET`, () => helper.clockName(d.id), "");
      if (kname && kname !== d.name && d.name !== placeholderName("clock", d.id)) {
        log?.warn(`hvisor: board clock "${d.name}" (${d.id}) is "${kname}" in the kernel`);
      }
      rate.set(d.id, probe(log, `clock ${d.id} RATE_GET`, () => helper.rateGet(d.id), d.rate));
      on.set(d.id, probe(log, `clock ${d.id} CONFIG_GET`, () => helper.configGet(d.id), false));
    } else {
      rate.set(d.id, d.rate);
      on.set(d.id, d.enabled);
    }
  }
  const asserted = new Map<number, boolean>();
  const pstate = new Map<number, number>();
  const powerHeld = new Set<number>();
  for (const d of powers) {
    const boardState = d.on ? PowerState.ON : PowerState.OFF;
    pstate.set(
      d.id,
      helper && !missing("power", d.id)
        ? probe(log, `power ${d.id} STATE_GET`, () => helper.powerGet(d.id), boardState)
        : boardState,
    );
  }
  log?.info(
    helper
      ? `hvisor: zone0's hvisor node lists ${count.clock} clocks, ${count.reset} resets, ${count.power} power domains${
        dryRun ? " (dry run: writes are logged, not made)" : ""
      }`
      : "hvisor: no SCMI helper (a file bridge, or a dry run without the device): resources " +
        "kept in memory from the board's power-on state, writes logged",
  );

  const check = (cls: Cls, id: number) => {
    const why = missing(cls, id);
    if (why) throw new DriverError("hardware", `${cls} ${id}: ${why}`);
  };
  const mode = helper ? "dry run" : "in memory";
  const dry = (line: string) => log?.info(`hvisor: ${mode}: ${line}`);

  const clock: ClockHw = {
    getRate(id) {
      check("clock", id);
      return dev ? dev.rateGet(id) : rate.get(id) ?? 0;
    },
    setRate(id, hz) {
      check("clock", id);
      if (!dev) {
        dry(`clock ${id} RATE_SET ${hz} Hz`);
        rate.set(id, hz);
        return hz;
      }
      dev.rateSet(id, hz);
      return dev.rateGet(id);
    },
    isEnabled(id) {
      if (missing("clock", id)) return false;
      if (clockHeld.has(id)) return true;
      if (!dev) return on.get(id) ?? false;
      return probe(log, `clock ${id} CONFIG_GET`, () => dev.configGet(id), on.get(id) ?? false);
    },
    setEnabled(id, enable) {
      check("clock", id);
      if (clockHeld.has(id) === enable) return;
      if (dev) dev.configSet(id, enable);
      else dry(`clock ${id} CONFIG_SET ${enable ? "on" : "off"}`);
      if (enable) clockHeld.add(id);
      else clockHeld.delete(id);
      on.set(id, enable);
    },
  };

  const reset: ResetHw = {
    isAsserted: (id) => asserted.get(id) ?? false,
    setAsserted(id, a, state) {
      check("reset", id);
      if (state !== 0) {
        throw new DriverError("unsupported", `reset ${id}: state 0x${state.toString(16)}`);
      }
      const flags = a ? ResetFlags.ASSERT : ResetFlags.DEASSERT;
      if (dev) dev.reset(id, flags, state);
      else dry(`reset ${id} RESET flags ${flags}`);
      asserted.set(id, a);
    },
    pulse(id, state) {
      check("reset", id);
      if (state !== 0) {
        throw new DriverError("unsupported", `reset ${id}: state 0x${state.toString(16)}`);
      }
      if (dev) dev.reset(id, ResetFlags.RESET, state);
      else dry(`reset ${id} RESET flags ${ResetFlags.RESET}`);
      asserted.set(id, false);
    },
  };

  const power: PowerHw = {
    getState(id) {
      if (missing("power", id)) return PowerState.OFF;
      if (!dev) return pstate.get(id) ?? PowerState.OFF;
      return probe(log, `power ${id} STATE_GET`, () => dev.powerGet(id), pstate.get(id) ?? 0);
    },
    setState(id, state) {
      check("power", id);
      if (state !== PowerState.ON && state !== PowerState.OFF) {
        throw new DriverError(
          "unsupported",
          `power ${id}: only ON and OFF, not 0x${state.toString(16)}`,
        );
      }
      const want = state === PowerState.ON;
      if (powerHeld.has(id) === want) return;
      if (dev) dev.powerSet(id, state);
      else dry(`power ${id} STATE_SET 0x${state.toString(16)}`);
      if (want) powerHeld.add(id);
      else powerHeld.delete(id);
      pstate.set(id, state);
    },
  };

  return {
    name: inst.name,
    clock,
    reset,
    power,
    access(cls: string, id: number): HwResourceAccess {
      const why = cls === "clock" || cls === "reset" || cls === "power"
        ? missing(cls, id)
        : `the hvisor driver backs clocks, resets and power domains, not ${cls}`;
      if (why) return { read: false, write: false, why };
      if (!dev) {
        const why = helper
          ? "dry run: writes are logged, not made"
          : "no SCMI helper (file bridge or dry run): the state is kept in memory";
        return { read: helper !== null, write: false, why };
      }
      return { read: true, write: true };
    },
    close: () => inst.close?.(),
  };
}
