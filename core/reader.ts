/**
 * A bounds-checked, little-endian cursor over a message's parameters.
 *
 * One reader is attached to a transport's buffer and reset for each message, so the
 * per-message path creates no objects. Reading past the parameters throws
 * {@linkcode ScmiError} with PROTOCOL_ERROR, which the dispatcher answers.
 * @module
 */
import { ScmiError, Status } from "./status.ts";

const EMPTY = new Uint8Array(0);

/**
 * A bounds-checked little-endian cursor over a request's parameters. Reading past the end throws
 * `ScmiError(PROTOCOL_ERROR)`, which the dispatcher answers, so a short message never reaches a
 * handler's logic with garbage.
 */
export class Reader {
  #u8: Uint8Array = EMPTY;
  #view: DataView = new DataView(EMPTY.buffer);
  #start = 0;
  #pos = 0;
  #end = 0;

  /** Points the reader at `len` bytes of `buf` from `off`. Reuses its view for the same buffer. */
  reset(buf: Uint8Array, off: number, len: number): this {
    if (buf !== this.#u8) {
      this.#u8 = buf;
      this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    }
    if (off < 0 || len < 0 || off + len > buf.byteLength) {
      throw new RangeError(
        `Reader window ${off}+${len} lies outside a ${buf.byteLength}-byte buffer`,
      );
    }
    this.#start = off;
    this.#pos = off;
    this.#end = off + len;
    return this;
  }

  /**
   * Reads the 4-byte header at the cursor and makes what follows it the parameters (a `u32`
   * then {@linkcode narrow}, with one bounds check); -1, reading nothing, when fewer than 4
   * bytes are left.
   */
  header(): number {
    const at = this.#pos;
    if (at + 4 > this.#end) return -1;
    this.#pos = this.#start = at + 4;
    return this.#view.getUint32(at, true);
  }

  /** Makes the cursor the start of the window: what follows is the parameters. */
  narrow(): void {
    this.#start = this.#pos;
  }

  /** Bytes of parameters in this message. */
  get length(): number {
    return this.#end - this.#start;
  }
  /** Bytes not yet read. */
  get remaining(): number {
    return this.#end - this.#pos;
  }
  /** Offset of the cursor from the first parameter byte. */
  get offset(): number {
    return this.#pos - this.#start;
  }

  #need(n: number): number {
    const at = this.#pos;
    if (at + n > this.#end) {
      throw new ScmiError(Status.PROTOCOL_ERROR, "Message parameters too short");
    }
    this.#pos = at + n;
    return at;
  }

  /** Reads the next byte. */
  u8(): number {
    return this.#view.getUint8(this.#need(1));
  }
  /** Reads the next little-endian u16. */
  u16(): number {
    return this.#view.getUint16(this.#need(2), true);
  }
  /** Reads the next little-endian u32. */
  u32(): number {
    return this.#view.getUint32(this.#need(4), true);
  }
  /** Reads the next little-endian signed 32-bit integer. */
  i32(): number {
    return this.#view.getInt32(this.#need(4), true);
  }
  /** A 64-bit value as a number; exact up to 2^53, which covers every rate and level in use. */
  u64(): number {
    const at = this.#need(8);
    const lo = this.#view.getUint32(at, true);
    const hi = this.#view.getUint32(at + 4, true);
    // Most values fit 32 bits: skip the multiply so they stay small integers, unboxed.
    return hi === 0 ? lo : lo + hi * 0x1_0000_0000;
  }
  /** A u32 at `off` bytes into the parameters, without moving the cursor. */
  peekU32(off: number): number {
    const at = this.#start + off;
    if (off < 0 || at + 4 > this.#end) {
      throw new ScmiError(Status.PROTOCOL_ERROR, "Message parameters too short");
    }
    return this.#view.getUint32(at, true);
  }
  /** A view of `n` raw bytes (allocates a subarray; not for the hot path). */
  bytes(n: number): Uint8Array {
    const at = this.#need(n);
    return this.#u8.subarray(at, at + n);
  }
}
