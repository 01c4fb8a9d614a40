/**
 * A minimal framed client for the socket benchmarks: sends one pre-framed request
 * (u32 length + message) and reads exactly one framed reply. The same client drives the
 * floor echo server and vscmi, so the two figures differ only by the server.
 * @module
 */

export class FramedClient {
  readonly #buf = new Uint8Array(64 * 1024);
  #have = 0;

  constructor(readonly conn: Deno.Conn) {}

  /** Frames every message once, up front: u32 LE length then the bytes. */
  static frame(messages: Uint8Array[]): Uint8Array[] {
    return messages.map((m) => {
      const f = new Uint8Array(4 + m.length);
      new DataView(f.buffer).setUint32(0, m.length, true);
      f.set(m, 4);
      return f;
    });
  }

  /** Sends `frame` and resolves to the length of the reply's message (without its prefix). */
  async roundTrip(frame: Uint8Array): Promise<number> {
    let off = 0;
    while (off < frame.length) {
      off += await this.conn.write(off === 0 ? frame : frame.subarray(off));
    }
    for (;;) {
      if (this.#have >= 4) {
        const n = this.#buf[0] | (this.#buf[1] << 8) | (this.#buf[2] << 16) | (this.#buf[3] << 24);
        if (this.#have >= 4 + n) {
          this.#buf.copyWithin(0, 4 + n, this.#have);
          this.#have -= 4 + n;
          return n;
        }
      }
      const got = await this.conn.read(this.#buf.subarray(this.#have));
      if (got === null) throw new Error("Server closed the connection");
      this.#have += got;
    }
  }
}

/**
 * The socket floor: a bare framed echo server (reads frames, writes each back unchanged)
 * on a Unix socket at `path`. Returns a function that stops it.
 */
export function startEchoServer(path: string): () => void {
  const listener = Deno.listen({ transport: "unix", path });
  (async () => {
    for await (const conn of listener) {
      (async () => {
        const buf = new Uint8Array(64 * 1024);
        let have = 0;
        try {
          for (;;) {
            const got = await conn.read(buf.subarray(have));
            if (got === null) break;
            have += got;
            let at = 0;
            while (have - at >= 4) {
              const n = buf[at] | (buf[at + 1] << 8) | (buf[at + 2] << 16) | (buf[at + 3] << 24);
              if (have - at < 4 + n) break;
              await conn.write(buf.subarray(at, at + 4 + n));
              at += 4 + n;
            }
            buf.copyWithin(0, at, have);
            have -= at;
          }
        } catch { /* peer went away */ }
        try {
          conn.close();
        } catch { /* already closed */ }
      })();
    }
  })().catch(() => {});
  return () => listener.close();
}
