/**
 * Newline-delimited text over a connection, bounded: a line longer than the limit is not
 * buffered — it is reported once as overlong and skipped up to its newline, so a peer can
 * neither grow memory without bound nor desynchronise the stream.
 * @module
 */

/** Anything bytes can be read from (a `Deno.Conn`). */
export interface ByteSource {
  read(p: Uint8Array): Promise<number | null>;
}

/** Anything bytes can be written to (a `Deno.Conn`). */
export interface ByteSink {
  write(p: Uint8Array): Promise<number>;
}

/** One item read: a whole line (newline removed), or the notice that one was too long. */
export type LineItem =
  | { kind: "line"; text: string }
  | { kind: "overlong" }
  | { kind: "invalid"; detail: string };

/** Reads bounded lines from `conn` until it ends. */
export class LineReader {
  readonly #conn: ByteSource;
  readonly #max: number;
  readonly #chunk = new Uint8Array(16 * 1024);
  readonly #decoder = new TextDecoder("utf-8", { fatal: true });
  /** Bytes of the current line so far. */
  #buf: Uint8Array;
  #len = 0;
  /** Skipping the rest of an overlong line. */
  #skipping = false;
  /** Items found in the last chunk and not returned yet. */
  readonly #ready: LineItem[] = [];

  constructor(conn: ByteSource, max: number) {
    this.#conn = conn;
    this.#max = max;
    this.#buf = new Uint8Array(Math.min(max + 1, 4096));
  }

  /** The next item, or null at the end of the stream (a last line without newline counts). */
  async next(): Promise<LineItem | null> {
    for (;;) {
      const item = this.#ready.shift();
      if (item !== undefined) return item;
      const n = await this.#conn.read(this.#chunk);
      if (n === null) {
        if (this.#len > 0 && !this.#skipping) {
          const last = this.#finish();
          this.#len = 0;
          return last;
        }
        return null;
      }
      this.#feed(this.#chunk.subarray(0, n));
    }
  }

  #feed(bytes: Uint8Array): void {
    let start = 0;
    while (start < bytes.length) {
      const nl = bytes.indexOf(0x0a, start);
      const end = nl < 0 ? bytes.length : nl;
      if (!this.#skipping) {
        if (this.#len + (end - start) > this.#max) {
          this.#skipping = true;
          this.#len = 0;
          this.#ready.push({ kind: "overlong" });
        } else {
          this.#append(bytes.subarray(start, end));
        }
      }
      if (nl < 0) return;
      if (this.#skipping) this.#skipping = false;
      else this.#ready.push(this.#finish());
      this.#len = 0;
      start = nl + 1;
    }
  }

  #append(part: Uint8Array): void {
    const need = this.#len + part.length;
    if (need > this.#buf.length) {
      const grown = new Uint8Array(Math.min(Math.max(need, this.#buf.length * 2), this.#max + 1));
      grown.set(this.#buf.subarray(0, this.#len));
      this.#buf = grown;
    }
    this.#buf.set(part, this.#len);
    this.#len = need;
  }

  #finish(): LineItem {
    let end = this.#len;
    if (end > 0 && this.#buf[end - 1] === 0x0d) end--; // tolerate CRLF
    try {
      return { kind: "line", text: this.#decoder.decode(this.#buf.subarray(0, end)) };
    } catch {
      return { kind: "invalid", detail: "the line is not UTF-8" };
    }
  }
}

/** Writes all of `bytes` to `conn`. */
export async function writeAll(conn: ByteSink, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += await conn.write(bytes.subarray(off));
}
