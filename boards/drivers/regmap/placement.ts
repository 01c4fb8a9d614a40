/**
 * Where a resource's register fields sit: each checked against its window (a register on a
 * word boundary inside it, a writable field in the lower half of a write-masked register) and
 * each writable bit claimed by one resource only.
 * @module
 */
import { OptionError } from "../../../core/options.ts";
import type { BitSpec, FieldSpec, WindowSpec } from "./options.ts";

/** Which resource declares each writable bit of each register, so no bit has two. */
export class BitOwners {
  readonly #owner = new Map<string, string>();

  claim(window: string, reg: number, mask: number, who: string): string | undefined {
    for (let b = 0; b < 32; b++) {
      if (((mask >>> b) & 1) === 0) continue;
      const key = `${window}:${reg}:${b}`;
      const had = this.#owner.get(key);
      if (had !== undefined && had !== who) return had;
    }
    for (let b = 0; b < 32; b++) {
      if (((mask >>> b) & 1) !== 0) this.#owner.set(`${window}:${reg}:${b}`, who);
    }
    return undefined;
  }
}

/** Places one resource's fields in its window, checking each against the window's bounds. */
export class Placer {
  readonly owners = new BitOwners();

  constructor(readonly windows: Map<string, WindowSpec>) {}

  /**
   * Where resource `name` of option `option` sits: its window (`window`, or the only one),
   * and `bit`/`field` placing each of its fields there. Throws OptionError at the key that
   * is wrong.
   */

  at(option: string, name: string, window: string | undefined) {
    let w: WindowSpec | undefined;
    if (window === undefined) {
      if (this.windows.size !== 1) {
        throw new OptionError(
          option,
          `a window key naming one of ${[...this.windows.keys()].join(", ")}`,
          undefined,
          [name, "window"],
        );
      }
      w = [...this.windows.values()][0];
    } else {
      w = this.windows.get(window);
      if (!w) {
        throw new OptionError(
          option,
          `the name of a window (${[...this.windows.keys()].join(", ")})`,
          window,
          [name, "window"],
        );
      }
    }
    const win = w;
    const who = `${option}.${name}`;
    const check = (
      at: (string | number)[],
      reg: number,
      shift: number,
      width: number,
      writable: boolean,
    ) => {
      if (reg % 4 !== 0 || reg + 4 > win.size) {
        throw new OptionError(
          option,
          `a register offset on a 4-byte boundary inside window "${win.name}" (size 0x${
            win.size.toString(16)
          })`,
          reg,
          [name, ...at, "reg"],
        );
      }
      const top = win.writeMask && writable ? 16 : 32;
      if (shift + width > top) {
        const what = top === 16
          ? `a field within bits 0–15 (window "${win.name}" is write-masked: bits 16–31 enable the write)`
          : "a field within bits 0–31";
        throw new OptionError(option, what, shift, [name, ...at, width === 1 ? "bit" : "shift"]);
      }
      if (!writable) return;
      const mask = (((2 ** width) - 1) * 2 ** shift) >>> 0;
      const other = this.owners.claim(win.name, reg, mask, who);
      if (other !== undefined) {
        throw new OptionError(
          option,
          `bits no other resource writes (${other} declares them)`,
          reg,
          [name, ...at, "reg"],
        );
      }
    };
    return {
      window: win,
      bit(
        at: (string | number)[],
        b: { reg: number; bit: number; active_low?: boolean },
        writable: boolean,
      ): BitSpec {
        check(at, b.reg, b.bit, 1, writable);
        return { reg: b.reg, bit: b.bit, activeLow: b.active_low ?? false };
      },
      field(at: (string | number)[], f: FieldSpec): FieldSpec {
        check(at, f.reg, f.shift, f.width, true);
        return { reg: f.reg, shift: f.shift, width: f.width };
      },
    };
  }
}
