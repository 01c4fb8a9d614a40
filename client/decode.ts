/**
 * Reading reply payloads on the client side: a little-endian cursor that names the message
 * when a reply is shorter than its layout, and the error a non-SUCCESS status becomes.
 * @module
 */
import { statusName } from "../core/status.ts";

/** A reply ended before its layout did. */
export class DecodeError extends Error {
  /** "DecodeError". */
  override name = "DecodeError";
}

/** A command answered a status other than SUCCESS. */
export class StatusError extends Error {
  /** "StatusError". */
  override name = "StatusError";
  /** `what`: the message's name; `detail`: what the status means here, if known. */
  constructor(readonly what: string, readonly status: number, detail?: string) {
    super(`${what} answered ${statusName(status)}${detail ? `: ${detail}` : ""}`);
  }
}

/** A cursor over a reply's payload (the bytes after the status). */
export class Payload {
  readonly #dv: DataView;
  #at = 0;

  /**
   * A cursor at the start of `bytes`.
   *
   * @param bytes The payload after the status.
   * @param what The message's name, for errors.
   */
  constructor(readonly bytes: Uint8Array, readonly what: string) {
    this.#dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Bytes not read yet. */
  get remaining(): number {
    return this.bytes.length - this.#at;
  }

  #need(n: number): number {
    const at = this.#at;
    if (at + n > this.bytes.length) {
      throw new DecodeError(
        `${this.what} reply is too short: needs ${n} bytes at offset ${at + 4}, has ${
          this.bytes.length - at
        }`,
      );
    }
    this.#at = at + n;
    return at;
  }

  /** The next byte. */
  u8(): number {
    return this.#dv.getUint8(this.#need(1));
  }
  /** The next little-endian u32. */
  u32(): number {
    return this.#dv.getUint32(this.#need(4), true);
  }
  /** The next little-endian i32. */
  i32(): number {
    return this.#dv.getInt32(this.#need(4), true);
  }
  /** The next little-endian u64 (low word first), as a number. */
  u64(): number {
    const at = this.#need(8);
    return this.#dv.getUint32(at, true) + this.#dv.getUint32(at + 4, true) * 0x1_0000_0000;
  }
  /** A NUL-terminated ASCII string in a `size`-byte field. */
  name(size: number): string {
    const at = this.#need(size);
    let s = "";
    for (let i = at; i < at + size && this.bytes[i] !== 0; i++) {
      s += String.fromCharCode(this.bytes[i]);
    }
    return s;
  }
  /** `n` raw bytes. */
  take(n: number): Uint8Array {
    const at = this.#need(n);
    return this.bytes.subarray(at, at + n);
  }
}
