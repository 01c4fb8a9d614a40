/**
 * Stream framing, both directions: a little-endian u32 byte length N, then N bytes of SCMI
 * message (32-bit header + payload). Shared by the server side and by clients.
 * @module
 */

/** Bytes of the length prefix. */
export const PREFIX = 4;

/** The largest N either side accepts, whatever the agent's message size (64 KiB). */
export const MAX_FRAME = 0x10000;

/** One frame around `message` (allocates; for clients and tests). */
export function encodeFrame(message: Uint8Array): Uint8Array {
  const out = new Uint8Array(PREFIX + message.length);
  new DataView(out.buffer).setUint32(0, message.length, true);
  out.set(message, PREFIX);
  return out;
}

/** Thrown by {@linkcode FrameSplitter} for a frame longer than its limit. */
export class FrameTooLarge extends RangeError {
  constructor(readonly size: number, readonly limit: number) {
    super(`Frame of ${size} bytes exceeds the ${limit}-byte limit`);
    this.name = "FrameTooLarge";
  }
}

/**
 * Splits a byte stream into frames: feed it whatever a read returned, take out every
 * complete message. Keeps a partial frame until the rest arrives. For clients and tests;
 * the server's connection loop parses in place instead.
 */
export class FrameSplitter {
  #buf = new Uint8Array(1024);
  #start = 0;
  #end = 0;

  constructor(readonly limit: number = MAX_FRAME) {}

  /** Bytes held for a frame not yet complete. */
  get pending(): number {
    return this.#end - this.#start;
  }

  /** Adds bytes; returns the messages (copies, without their prefix) now complete. */
  push(bytes: Uint8Array): Uint8Array[] {
    this.#append(bytes);
    const out: Uint8Array[] = [];
    const dv = new DataView(this.#buf.buffer);
    while (this.#end - this.#start >= PREFIX) {
      const n = dv.getUint32(this.#start, true);
      if (n > this.limit) throw new FrameTooLarge(n, this.limit);
      if (this.#end - this.#start - PREFIX < n) break;
      const at = this.#start + PREFIX;
      out.push(this.#buf.slice(at, at + n));
      this.#start = at + n;
    }
    if (this.#start === this.#end) this.#start = this.#end = 0;
    return out;
  }

  #append(bytes: Uint8Array): void {
    const held = this.#end - this.#start;
    if (this.#end + bytes.length > this.#buf.length) {
      const need = held + bytes.length;
      if (need > this.#buf.length) {
        const next = new Uint8Array(need * 2);
        next.set(this.#buf.subarray(this.#start, this.#end));
        this.#buf = next;
      } else {
        this.#buf.copyWithin(0, this.#start, this.#end);
      }
      this.#start = 0;
      this.#end = held;
    }
    this.#buf.set(bytes, this.#end);
    this.#end += bytes.length;
  }
}
