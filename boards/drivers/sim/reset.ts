/**
 * Simulated reset domains: one reset line per domain, held or released. A pulse asserts the
 * line, holds it for the domain's declared latency (scaled by `time_scale`, really waited
 * for) and releases it. IMPLEMENTATION DEFINED reset states are accepted only when the
 * board declares them for the domain. Every hardware action is recorded so tests can check
 * what the platform asked of the hardware.
 * @module
 */
import { resetKind } from "../../../plugins/reset/kind.ts";
import type { Board } from "../../../core/board.ts";
import type { ResetDesc } from "../../../plugins/reset/kind.ts";
import { DriverError } from "../../../core/driver.ts";
import { type ResetHw, ResetState } from "../../../plugins/reset/hw.ts";
import { delay, mine, NumberHistory, type SimOptions } from "./_util.ts";

/** Latency value a board uses when the reset time is unknown; the sim then waits no time. */
const LATENCY_UNKNOWN = 0x7fff_ffff;

/** One hardware action of the simulated reset controller. */
export interface SimResetEvent {
  /** Physical domain id. */
  id: number;
  /** `pulse` is recorded when the cycle starts; its end is the line going low. */
  action: "assert" | "deassert" | "pulse";
  /** The reset state the action used. */
  state: number;
}

/** `SimResetEvent.action` by its code in the history ring. */
const ACTIONS = ["assert", "deassert", "pulse"] as const;
const ASSERT = 0;
const DEASSERT = 1;
const PULSE = 2;

function toEvent(id: number, action: number, state: number): SimResetEvent {
  return { id, action: ACTIONS[action], state };
}

/** The sim's reset controller: the driver interface plus what tests inspect. */
export interface SimResetHw extends ResetHw {
  /** Every action so far, oldest first (the newest ones, bounded: see `_util.ts`). */
  readonly history: readonly SimResetEvent[];
  /** How many reset cycles domain `id` has started. */
  pulses(id: number): number;
}

interface Line {
  readonly desc: ResetDesc;
  asserted: boolean;
  /** A pulse is holding the line; another action now is a contract breach. */
  pulsing: boolean;
  pulses: number;
}

/** Builds the reset lines of the domains that sim instance `driver` backs, all released. */
export function createSimReset(board: Board, driver: string, opts: SimOptions): SimResetHw {
  // Indexed by physical id: an array read is cheaper than a Map lookup per operation.
  const lines: (Line | undefined)[] = [];
  for (const desc of mine(board, resetKind, driver)) {
    lines[desc.id] = { desc, asserted: false, pulsing: false, pulses: 0 };
  }
  // Numbers in a ring: a pulse on the per-message path records without allocating.
  const history = new NumberHistory();

  function line(id: number, state: number): Line {
    const l = lines[id];
    // The usual case first and small; the refusals are built out of line.
    if (l !== undefined && !l.pulsing && state === ResetState.COLD) return l;
    return refuse(id, l, state);
  }

  /** `line`'s other cases: a line for an IMPLEMENTATION DEFINED state it has, or the error. */
  function refuse(id: number, l: Line | undefined, state: number): Line {
    if (l === undefined) {
      throw new DriverError("invalid", `Reset ${id} is not driven by "${driver}"`);
    }
    if (l.pulsing) throw new DriverError("busy", `Reset "${l.desc.name}" is in a reset cycle`);
    if (state === ResetState.COLD) return l;
    if ((state & ResetState.IMPL_DEFINED) === 0) {
      throw new DriverError(
        "invalid",
        `Reset state 0x${hex(state)} is a reserved architectural type`,
      );
    }
    if (!l.desc.states?.includes(state)) {
      throw new DriverError(
        "unsupported",
        `Reset "${l.desc.name}" has no reset state 0x${hex(state)}`,
      );
    }
    return l;
  }

  return {
    get history(): readonly SimResetEvent[] {
      return history.map(toEvent);
    },
    pulses: (id) => lines[id]?.pulses ?? 0,
    isAsserted(id) {
      const l = lines[id];
      if (l === undefined) {
        throw new DriverError("invalid", `Reset ${id} is not driven by "${driver}"`);
      }
      return l.asserted;
    },
    setAsserted(id, asserted, state) {
      const l = line(id, state);
      l.asserted = asserted;
      history.push(id, asserted ? ASSERT : DEASSERT, state);
    },
    pulse(id, state) {
      const l = line(id, state);
      l.pulses++;
      l.asserted = true;
      history.push(id, PULSE, state);
      const us = l.desc.latencyUs >= LATENCY_UNKNOWN ? 0 : l.desc.latencyUs;
      const wait = delay(opts, us);
      if (wait === undefined) {
        l.asserted = false;
        return;
      }
      l.pulsing = true;
      return wait.then(() => {
        l.pulsing = false;
        l.asserted = false;
      });
    },
  };
}

function hex(n: number): string {
  return (n >>> 0).toString(16);
}
