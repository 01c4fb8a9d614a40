/**
 * Register windows: aligned 32-bit reads and writes of one mapped range of `/dev/mem` (or a
 * UIO device, or a file standing in for either), each bounds-checked to the window.
 *
 * Writes go through fields only, and a field exists only for bits a resource declares
 * ({@linkcode Window.field}): the single store path checks that a write changes no bit
 * outside the window's declared writable bits, so a write touching a bit nothing declares
 * cannot happen. On a write-masked window (Rockchip: bits 31:16 of a write enable bits 15:0)
 * a field write enables exactly the field's bits and nothing is read first; elsewhere it is a
 * read-modify-write of the field's bits.
 * @module
 */
import { DriverError } from "../../../core/driver.ts";
import type { Logger } from "../../../core/log.ts";
import type { WindowSpec } from "./options.ts";

/** A declared run of bits in one register of a window. */
export interface Field {
  readonly reg: number;
  readonly shift: number;
  readonly width: number;
  /** The field's bits in place. */
  readonly mask: number;
}

/** Where a window's words live: a shared mapping of the device, or memory (dry run, tests). */
export interface WordStore {
  /** The window's words, index = offset / 4. */
  readonly words: Uint32Array;
  /** Releases the mapping; the words must not be used afterwards. */
  close(): void;
  /** Why the words can only be read (the device opened read-only); absent: writable. */
  readonly readOnly?: string;
}

const hex = (n: number, pad = 8) => "0x" + (n >>> 0).toString(16).padStart(pad, "0");

/** One register window of a regmap instance. */
export class Window {
  readonly #words: Uint32Array;
  /** Declared writable bits per register offset. */
  readonly #writable = new Map<number, number>();
  readonly #store: WordStore;

  /**
   * @param spec where the window sits and whether it is write-masked
   * @param store its words
   * @param dryRun log each write; `store` is then a copy of the device's words, which keeps it
   * @param log where dry-run writes are logged
   * @param owner the driver instance's name, for log lines
   */
  constructor(
    readonly spec: WindowSpec,
    store: WordStore,
    readonly dryRun = false,
    readonly log?: Logger,
    readonly owner = "",
  ) {
    if (store.words.length * 4 < spec.size) {
      throw new RangeError(
        `Window "${spec.name}": ${spec.size} bytes asked, ${store.words.length * 4} mapped`,
      );
    }
    this.#store = store;
    this.#words = store.words;
  }

  /**
   * Declares a field of `width` bits from `shift` in register `reg` and returns it; a
   * writable field's bits join the window's writable bits. Throws RangeError for a register
   * outside the window or off a 4-byte boundary, or bits past the register (the lower 16 on
   * a write-masked window).
   */
  field(reg: number, shift: number, width: number, writable: boolean): Field {
    this.#offset(reg);
    const top = this.spec.writeMask && writable ? 16 : 32;
    if (!(width >= 1 && shift >= 0 && shift + width <= top)) {
      throw new RangeError(
        `Window "${this.spec.name}": bits ${shift}+${width} do not fit ${hex(reg, 3)}`,
      );
    }
    const mask = ((2 ** width - 1) * 2 ** shift) >>> 0;
    if (writable) this.#writable.set(reg, ((this.#writable.get(reg) ?? 0) | mask) >>> 0);
    return Object.freeze({ reg, shift, width, mask });
  }

  /** The value of field `f`. */
  get(f: Field): number {
    return ((this.read(f.reg) & f.mask) >>> 0) / 2 ** f.shift;
  }

  /**
   * Sets field `f` to `value`. Throws RangeError for a value the field cannot hold, or a
   * field the window was not told is writable.
   */
  set(f: Field, value: number): void {
    this.setMany([[f, value]]);
  }

  /**
   * Sets several fields, one write per register: fields sharing a register (a mux and a
   * divider in one CLKSEL word) change together. Throws RangeError as {@linkcode set} does,
   * before anything is written, and DriverError("denied") when the window is read-only.
   */
  setMany(changes: readonly (readonly [Field, number])[]): void {
    const ro = this.#store.readOnly;
    if (ro !== undefined) throw new DriverError("denied", `Window "${this.spec.name}": ${ro}`);
    const byReg = new Map<number, { mask: number; bits: number }>();
    for (const [f, value] of changes) {
      if (!Number.isInteger(value) || value < 0 || value >= 2 ** f.width) {
        throw new RangeError(`Window "${this.spec.name}": ${value} does not fit ${f.width} bits`);
      }
      const w = byReg.get(f.reg) ?? { mask: 0, bits: 0 };
      w.mask = (w.mask | f.mask) >>> 0;
      w.bits = ((w.bits & ~f.mask) | (value * 2 ** f.shift)) >>> 0;
      byReg.set(f.reg, w);
    }
    for (const [reg, { mask, bits }] of byReg) {
      if (this.spec.writeMask) this.#write(reg, ((mask << 16) | bits) >>> 0, mask);
      else this.#write(reg, ((this.read(reg) & ~mask) | bits) >>> 0, mask);
    }
  }

  /**
   * Writes a one to field `f`'s bits and nothing else (zeros elsewhere, nothing read first):
   * a write-one-to-set or write-one-to-clear register, where writing back another bit's one
   * would act on it. Throws as {@linkcode setMany} does.
   */
  strobe(f: Field): void {
    const ro = this.#store.readOnly;
    if (ro !== undefined) throw new DriverError("denied", `Window "${this.spec.name}": ${ro}`);
    this.#write(f.reg, this.spec.writeMask ? ((f.mask << 16) | f.mask) >>> 0 : f.mask, f.mask);
  }

  /** The 32-bit word at offset `reg` (bounds-checked, aligned). */
  read(reg: number): number {
    return this.#words[this.#offset(reg) / 4];
  }

  /** Why the window can only be read, or undefined when it can be written. */
  get readOnly(): string | undefined {
    return this.#store.readOnly;
  }

  /** Writable bits declared at `reg` (tests, `vscmi check`). */
  writableAt(reg: number): number {
    return this.#writable.get(reg) ?? 0;
  }

  /** Releases the mapping. */
  close(): void {
    this.#store.close();
  }

  /**
   * The one store path: `word` goes to `reg` only when the bits it changes (`touched`, and
   * on a write-masked window the enables in its upper half) are all declared writable.
   */
  #write(reg: number, word: number, touched: number): void {
    const allowed = this.#writable.get(reg) ?? 0;
    const enables = this.spec.writeMask ? word >>> 16 : 0;
    const lowOutside = this.spec.writeMask ? (word & 0xffff & ~enables) : 0;
    if ((touched & ~allowed) !== 0 || (enables & ~allowed) !== 0 || lowOutside !== 0) {
      throw new RangeError(
        `Window "${this.spec.name}": write of ${hex(word)} at ${
          hex(reg, 3)
        } reaches undeclared bits`,
      );
    }
    if (this.dryRun) {
      // The store is then a copy of the device's words: the write is logged and kept there.
      this.log?.info(
        `dry run: regmap "${this.owner}" would write ${hex(word)} to ${
          hex(this.spec.base + reg, 9)
        } (${this.spec.name} + ${hex(reg, 3)})`,
      );
    }
    this.#words[this.#offset(reg) / 4] = word;
  }

  #offset(reg: number): number {
    if (!Number.isInteger(reg) || reg < 0 || reg % 4 !== 0 || reg + 4 > this.spec.size) {
      throw new RangeError(`Window "${this.spec.name}": no aligned register at offset ${reg}`);
    }
    return reg;
  }
}

/** Words held in memory: what a dry run writes to, and unit tests read. */
export function memoryStore(size: number, from?: Uint32Array): WordStore {
  const words = new Uint32Array(size / 4);
  if (from) words.set(from.subarray(0, words.length));
  return { words, close() {} };
}
