/**
 * The response builder: writes the reply's status and payload into the transport's buffer,
 * tracks how many bytes were written and refuses to write past the capacity.
 *
 * Layout of what it produces, from `offset` in the buffer: the 32-bit header, the 32-bit
 * status, then the payload. `length` is always header + status + payload actually written;
 * a non-zero status makes the reply exactly 8 bytes (header + status).
 * @module
 */
import { brand, brandedInstance, hasBrand } from "./brand.ts";
import { isScmiError, ScmiError, Status } from "./status.ts";

const EMPTY = new Uint8Array(0);

const CAPACITY_BRAND = Symbol.for("vscmi.CapacityError");

/**
 * Whether `e` is a {@linkcode CapacityError} from any copy of the vscmi API (brand
 * `Symbol.for("vscmi.CapacityError")`).
 *
 * @param e A caught value.
 * @returns true when `e` is an ScmiError that also carries the CapacityError brand.
 */
export function isCapacityError(e: unknown): e is CapacityError {
  return isScmiError(e) && hasBrand(e, CAPACITY_BRAND);
}

/**
 * Thrown by {@linkcode Writer} when a reply does not fit the room the transport and agent
 * allow; the dispatcher answers COMMS_ERROR and logs the command once. Recognised by
 * {@linkcode isCapacityError} across copies of the API.
 */
export class CapacityError extends ScmiError {
  /**
   * Makes the error for a write of `need` bytes with `room` left.
   *
   * @param need Bytes the write needed.
   * @param room Bytes that were left.
   */
  constructor(need: number, room: number) {
    super(Status.COMMS_ERROR, `Reply does not fit: needs ${need} more bytes, ${room} left`);
    this.name = "CapacityError";
  }

  /** `e instanceof CapacityError`: true for a CapacityError from any copy of the API. */
  static override [Symbol.hasInstance](e: unknown): boolean {
    return brandedInstance(this, CapacityError, isCapacityError, e);
  }
}
brand(CapacityError, CAPACITY_BRAND);

/**
 * `s` encoded once for a fixed `size`-byte field (a multiple of 4) exactly as
 * {@linkcode Writer.name} writes it, as little-endian 32-bit words for
 * {@linkcode Writer.words}: a name known at startup then costs one store per word.
 */
export function encodeName(s: string, size: number): Uint32Array {
  if (size % 4 !== 0) throw new RangeError(`Name field size ${size} is not a multiple of 4`);
  const u8 = new Uint8Array(size);
  new Writer().reset(u8, 0, size).name(s, size);
  const view = new DataView(u8.buffer);
  const out = new Uint32Array(size / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getUint32(i * 4, true);
  return out;
}

/**
 * The reply builder over the transport's buffer: writes the header, the status and the payload in
 * place, tracks the length, and throws {@linkcode CapacityError} rather than write past the room
 * the transport and the agent allow.
 */
export class Writer {
  #u8: Uint8Array = EMPTY;
  #view: DataView = new DataView(EMPTY.buffer);
  #base = 0;
  #pos = 0;
  #limit = 0;

  /**
   * Points the writer at `buf` from `off`, allowing at most `capacity` bytes
   * (header and status included). Reuses its view for the same buffer.
   */
  reset(buf: Uint8Array, off: number, capacity: number): this {
    if (buf !== this.#u8) {
      this.#u8 = buf;
      this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    }
    if (off < 0 || capacity < 0 || off + capacity > buf.byteLength) {
      throw new RangeError(
        `Writer window ${off}+${capacity} lies outside a ${buf.byteLength}-byte buffer`,
      );
    }
    this.#base = off;
    this.#pos = off;
    this.#limit = off + capacity;
    return this;
  }

  /** The buffer being written. */
  get buffer(): Uint8Array {
    return this.#u8;
  }
  /** Bytes written so far, header and status included. */
  get length(): number {
    return this.#pos - this.#base;
  }
  /** Total bytes this reply may hold. */
  get capacity(): number {
    return this.#limit - this.#base;
  }
  /** Bytes that may still be written. */
  get room(): number {
    return this.#limit - this.#pos;
  }

  /** Lower the capacity (the agent's message-size limit); never raises it. */
  limit(capacity: number): void {
    const end = this.#base + capacity;
    if (end < this.#limit) this.#limit = Math.max(end, this.#pos);
  }

  #take(n: number): number {
    const at = this.#pos;
    if (at + n > this.#limit) throw new CapacityError(n, this.#limit - at);
    this.#pos = at + n;
    return at;
  }

  /** Starts a reply: header then SUCCESS. Needs 8 bytes of capacity. */
  begin(header: number): void {
    const at = this.#base;
    if (at + 8 > this.#limit) {
      // Too small: word by word, so the error says what the first missing word needed.
      this.#pos = at;
      this.u32(header);
      this.u32(0);
      return;
    }
    // One bounds check for both words: the first message bytes of every reply.
    const view = this.#view;
    view.setUint32(at, header >>> 0, true);
    view.setInt32(at + 4, 0, true);
    this.#pos = at + 8;
  }

  /** Ends the reply with `status`: the reply becomes header + status, 8 bytes. */
  status(status: number): void {
    this.#view.setInt32(this.#base + 4, status, true);
    this.#pos = this.#base + 8;
  }

  /** Appends a byte. */
  u8(v: number): void {
    this.#view.setUint8(this.#take(1), v);
  }
  /** Appends a little-endian u16. */
  u16(v: number): void {
    this.#view.setUint16(this.#take(2), v, true);
  }
  /** Appends a little-endian u32 (`v` taken modulo 2^32). */
  u32(v: number): void {
    this.#view.setUint32(this.#take(4), v >>> 0, true);
  }
  /** Appends a little-endian signed 32-bit integer. */
  i32(v: number): void {
    this.#view.setInt32(this.#take(4), v | 0, true);
  }
  /** A non-negative integer up to 2^53 as a little-endian u64. */
  u64(v: number): void {
    const at = this.#take(8);
    this.#view.setUint32(at, v >>> 0, true);
    this.#view.setUint32(at + 4, Math.floor(v / 0x1_0000_0000) >>> 0, true);
  }
  /** A signed integer as a little-endian two's-complement s64. */
  i64(v: number): void {
    const at = this.#take(8);
    this.#view.setUint32(at, v >>> 0, true);
    this.#view.setInt32(at + 4, Math.floor(v / 0x1_0000_0000) | 0, true);
  }
  /**
   * A NUL-terminated ASCII string in a fixed `size`-byte field, NUL-padded. Longer strings
   * are cut to `size - 1` characters so the field always ends in NUL.
   */
  name(s: string, size: number): void {
    const at = this.#take(size);
    const n = Math.min(s.length, size - 1);
    let i = 0;
    for (; i < n; i++) this.#u8[at + i] = s.charCodeAt(i) & 0x7f;
    for (; i < size; i++) this.#u8[at + i] = 0;
  }
  /** Little-endian 32-bit words, e.g. a name from {@linkcode encodeName}. */
  words(ws: Uint32Array): void {
    const n = ws.length;
    const at = this.#take(n * 4);
    const view = this.#view;
    for (let i = 0; i < n; i++) view.setUint32(at + i * 4, ws[i], true);
  }
  /** Zero bytes, e.g. padding to a 4-byte boundary. */
  zeros(n: number): void {
    const at = this.#take(n);
    this.#u8.fill(0, at, at + n);
  }
  /** Overwrites a u32 already written, `off` bytes from the start of the reply. */
  patchU32(off: number, v: number): void {
    if (off < 0 || this.#base + off + 4 > this.#pos) {
      throw new RangeError(`Cannot patch offset ${off}`);
    }
    this.#view.setUint32(this.#base + off, v >>> 0, true);
  }
}
