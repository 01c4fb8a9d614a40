/**
 * Simulated pin controller: every pin keeps a value per configuration type and the function
 * it carries; groups act on their pins.
 *
 * The model:
 * - A pin has every standard configuration type (1–20) plus the OEM types its board entry
 *   gives (`PinDesc.config`), each starting at the board's value (0 unless given). Writing
 *   {@linkcode PinConfig.DEFAULT} puts every value back to the power-on one.
 * - The bias types (bus hold, disable, high impedance, pull up, pull default, pull down) are
 *   alternatives, as are the drive types (open drain, open source, push-pull): writing one
 *   sets it to the value written and the others of its family to 0.
 * - {@linkcode PinConfig.INPUT_VALUE} is read-only: it reads the output value while the
 *   output is enabled (`OUTPUT_MODE` 1), otherwise the level the outside world drives
 *   (the board's `INPUT_VALUE`, changed by `setInputLevel`). Writing it is "invalid", as
 *   is a value other than 0 or 1 for `INPUT_MODE`, `OUTPUT_MODE` and `OUTPUT_VALUE`.
 * - A group's configuration is written to each of its pins. A group has the configuration
 *   types all its pins have, and reads as its **first pin** (board order): the pins agree
 *   after any write through the group; when they were written one by one and differ, the
 *   first pin's value is the answer.
 * - Functions: a function fits a group the board lists for it; a pin-only function
 *   (`FunctionDesc.pins`) fits exactly its pins; a pin also takes a function that fits one
 *   of the groups it belongs to. Selecting on a group selects on each of its pins; a group
 *   reads a function only while every pin of it carries that function, otherwise none.
 * @module
 */
import { pinKind } from "../../../plugins/pinctrl/kind.ts";
import { functionKind, groupKind } from "../../../plugins/pinctrl/kind.ts";
import type { Board } from "../../../core/board.ts";
import type { FunctionDesc, PinDesc } from "../../../plugins/pinctrl/kind.ts";
import { DriverError } from "../../../core/driver.ts";
import {
  isPinConfigType,
  NO_FUNCTION,
  PIN_CONFIG_LAST_STANDARD,
  PinConfig,
  type PinctrlHw,
  type PinTarget,
} from "../../../plugins/pinctrl/hw.ts";
import { mine, type SimOptions } from "./_util.ts";

/** A pin's state as tests inspect it. */
export interface SimPinState {
  /** Physical id of the function it carries, or -1. */
  fn: number;
  /** Configuration type → current value, every type the pin has. */
  config: Record<number, number>;
}

/** The sim's pin controller: the driver interface plus what tests inspect and drive. */
export interface SimPinctrlHw extends PinctrlHw {
  /** A copy of pin `id`'s state. */
  pinState(id: number): SimPinState;
  /** The level the outside world drives on pin `id` (what INPUT_VALUE reads while not output). */
  setInputLevel(id: number, level: 0 | 1): void;
}

const BIAS: readonly number[] = [1, 2, 3, 4, 5, 6];
const DRIVE: readonly number[] = [7, 8, 9];
const BOOLEAN: readonly number[] = [
  PinConfig.INPUT_MODE,
  PinConfig.OUTPUT_MODE,
  PinConfig.OUTPUT_VALUE,
];

interface Pin {
  readonly desc: PinDesc;
  readonly power: Uint32Array;
  readonly values: Uint32Array;
  fn: number;
  /** The pin as a target of its own. */
  readonly unit: Unit;
}

/** What a command acts on: its pins, and the configuration types it has. */
interface Unit {
  readonly pins: readonly Pin[];
  /** Configuration types, ascending. */
  readonly types: readonly number[];
  /** Type → 1 when the target has it. */
  readonly has: Uint8Array;
}

interface Fn {
  readonly desc: FunctionDesc;
  /** Groups it fits (empty for a pin-only function). */
  readonly groups: ReadonlySet<number>;
  /** Pins it fits on their own. */
  readonly pins: ReadonlySet<number>;
}

function family(type: number): readonly number[] | undefined {
  if (type >= 1 && type <= 6) return BIAS;
  if (type >= 7 && type <= 9) return DRIVE;
  return undefined;
}

function hex(n: number): string {
  return `0x${(n >>> 0).toString(16)}`;
}

/** Builds the pins and groups that sim instance `driver` backs, at their power-on state. */
export function createSimPinctrl(board: Board, driver: string, _opts: SimOptions): SimPinctrlHw {
  const where = `sim driver "${driver}"`;
  const pins = new Map<number, Pin>();
  for (const desc of mine(board, pinKind, driver)) pins.set(desc.id, makePin(desc, where));
  const groups = new Map<number, Unit>();
  for (const g of mine(board, groupKind, driver)) {
    const members = g.pins.map((id) => {
      const p = pins.get(id);
      if (p === undefined) {
        throw new TypeError(`${where}: group "${g.name}" has pin ${id}, which it does not drive`);
      }
      return p;
    });
    const has = new Uint8Array(256);
    const types: number[] = [];
    for (let t = 0; t < 256; t++) {
      if (members.length > 0 && members.every((p) => p.unit.has[t] === 1)) {
        has[t] = 1;
        types.push(t);
      }
    }
    groups.set(g.id, { pins: members, types: Object.freeze(types), has });
  }
  const fns = new Map<number, Fn>();
  for (const f of functionKind.of(board)) {
    const pinOnly = (f.pins?.length ?? 0) > 0;
    const fitPins = new Set<number>(f.pins ?? []);
    if (!pinOnly) {
      for (const gid of f.groups) {
        for (const p of groupKind.of(board).find((g) => g.id === gid)?.pins ?? []) fitPins.add(p);
      }
    }
    fns.set(f.id, { desc: f, groups: new Set(pinOnly ? [] : f.groups), pins: fitPins });
  }
  for (const p of pins.values()) {
    const fn = p.desc.function;
    if (fn === undefined) continue;
    if (!fns.get(fn)?.pins.has(p.desc.id)) {
      throw new TypeError(
        `${where}: pin "${p.desc.name}" starts with function ${fn}, which does not fit it`,
      );
    }
    p.fn = fn;
  }

  function pin(id: number): Pin {
    const p = pins.get(id);
    if (p === undefined) throw new DriverError("invalid", `Pin ${id} is not driven by "${driver}"`);
    return p;
  }
  function unit(target: PinTarget, id: number): Unit {
    if (target === "pin") return pin(id).unit;
    const g = groups.get(id);
    if (g === undefined) {
      throw new DriverError("invalid", `Group ${id} is not driven by "${driver}"`);
    }
    return g;
  }

  function read(p: Pin, type: number): number {
    if (type === PinConfig.INPUT_VALUE && p.values[PinConfig.OUTPUT_MODE] === 1) {
      return p.values[PinConfig.OUTPUT_VALUE];
    }
    return p.values[type];
  }

  function write(p: Pin, type: number, value: number): void {
    if (type === PinConfig.DEFAULT) {
      p.values.set(p.power);
      return;
    }
    const fam = family(type);
    if (fam !== undefined) { for (const t of fam) p.values[t] = 0; }
    p.values[type] = value;
  }

  function check(has: Uint8Array, type: number, value: number): void {
    if (type === PinConfig.DEFAULT) return;
    if (!isPinConfigType(type) || has[type] !== 1) {
      throw new DriverError("unsupported", `No configuration type ${type} here`);
    }
    if (type === PinConfig.INPUT_VALUE) {
      throw new DriverError("invalid", "INPUT_VALUE is read-only");
    }
    if (BOOLEAN.includes(type) && value > 1) {
      throw new DriverError(
        "invalid",
        `Configuration type ${type} takes 0 or 1, got ${hex(value)}`,
      );
    }
  }

  function fits(target: PinTarget, id: number, fn: number): boolean {
    if (fn === NO_FUNCTION) return true;
    const f = fns.get(fn);
    if (f === undefined) return false;
    return target === "pin" ? f.pins.has(id) : f.groups.has(id);
  }

  return {
    configTypes(target, id) {
      return unit(target, id).types;
    },
    getConfig(target, id, type) {
      const u = unit(target, id);
      if (type < 0 || type > 0xff || u.has[type] !== 1) {
        throw new DriverError("unsupported", `No configuration type ${type} here`);
      }
      return read(u.pins[0], type);
    },
    setConfigs(target, id, pairs, count) {
      const u = unit(target, id);
      for (let i = 0; i < count; i++) check(u.has, pairs[2 * i], pairs[2 * i + 1]);
      for (const p of u.pins) {
        for (let i = 0; i < count; i++) write(p, pairs[2 * i], pairs[2 * i + 1] >>> 0);
      }
    },
    getFunction(target, id) {
      const ps = unit(target, id).pins;
      const fn = ps[0].fn;
      for (const p of ps) if (p.fn !== fn) return NO_FUNCTION;
      return fn;
    },
    setFunction(target, id, fn) {
      const u = unit(target, id);
      if (!fits(target, id, fn)) {
        throw new DriverError("invalid", `Function ${fn} does not fit ${target} ${id}`);
      }
      for (const p of u.pins) p.fn = fn;
    },
    pinState(id) {
      const p = pin(id);
      const config: Record<number, number> = {};
      for (const t of p.unit.types) config[t] = read(p, t);
      return { fn: p.fn, config };
    },
    setInputLevel(id, level) {
      pin(id).values[PinConfig.INPUT_VALUE] = level;
    },
  };
}

function makePin(desc: PinDesc, where: string): Pin {
  const has = new Uint8Array(256);
  const power = new Uint32Array(256);
  for (let t = 1; t <= PIN_CONFIG_LAST_STANDARD; t++) has[t] = 1;
  for (const [key, value] of Object.entries(desc.config ?? {})) {
    const t = Number(key);
    if (!Number.isInteger(t) || t === PinConfig.DEFAULT || !isPinConfigType(t)) {
      throw new TypeError(
        `${where}: pin "${desc.name}" has configuration type ${key}, which is reserved`,
      );
    }
    if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
      throw new TypeError(
        `${where}: pin "${desc.name}" configuration ${t} must be a u32, got ${value}`,
      );
    }
    has[t] = 1;
    power[t] = value;
  }
  const types: number[] = [];
  for (let t = 0; t < 256; t++) if (has[t] === 1) types.push(t);
  const p: { -readonly [K in keyof Pin]: Pin[K] } = {
    desc,
    power,
    values: power.slice(),
    fn: NO_FUNCTION,
    unit: undefined as unknown as Unit,
  };
  p.unit = { pins: [p], types: Object.freeze(types), has };
  return p;
}
