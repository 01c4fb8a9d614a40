/**
 * The stream transport's wire as an agent speaks it, for the transport conformance suite:
 * little-endian u32 length, then the message, over the agent's Unix socket.
 * @module
 */
import { encodeFrame, FrameSplitter } from "../../transports/stream/framing.ts";
import type { WireAdapter, WireConnection } from "../../testing/mod.ts";

/** A connection that can also write raw bytes. */
export class StreamWire implements WireConnection {
  readonly #frames = new FrameSplitter();
  readonly #buf = new Uint8Array(0x1_0000);
  #closed = false;

  constructor(readonly conn: Deno.Conn) {}

  /** Writes `bytes` as they are, no framing. */
  async raw(bytes: Uint8Array): Promise<void> {
    for (let at = 0; at < bytes.length;) at += await this.conn.write(bytes.subarray(at));
  }

  /** Sends one frame and reads frames until one arrives. */
  async request(message: Uint8Array): Promise<Uint8Array> {
    await this.raw(encodeFrame(message));
    return await this.frame();
  }

  /** The next frame from the transport. */
  async frame(): Promise<Uint8Array> {
    for (;;) {
      const n = await this.conn.read(this.#buf);
      if (n === null) throw new Error("the transport closed the connection");
      const [first] = this.#frames.push(this.#buf.subarray(0, n));
      if (first) return first;
    }
  }

  /** Waits until the transport closes the connection (reads to end of stream). */
  async closedByPeer(): Promise<void> {
    try {
      while (await this.conn.read(this.#buf) !== null) { /* drain */ }
    } catch { /* reset by peer: closed too */ }
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      try {
        this.conn.close();
      } catch { /* already closed by the peer */ }
    }
    return Promise.resolve();
  }
}

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}

/** The stream transport's wire adapter, on a socket in the suite's run directory. */
export const streamWire: WireAdapter<StreamWire> = {
  options: () => ({ path: "vm1.sock" }),
  connect: async (handle) =>
    new StreamWire(
      await Deno.connect({ transport: "unix", path: handle.address.replace(/^unix:/, "") }),
    ),
  hostile: {
    // A length prefix of 4 GiB: refused, the connection closed.
    "length prefix of 4 GiB": async (c) => {
      await c.raw(u32(0xffff_ffff));
      await c.closedByPeer();
    },
    // A frame shorter than a header: dropped, the connection still answers.
    "a 2-byte message, then a request": async (c) => {
      await c.raw(encodeFrame(new Uint8Array(2)));
      await c.raw(encodeFrame(new Uint8Array(0)));
      const reply = await c.request(new Uint8Array(8));
      if (reply.length !== 8) throw new Error(`a reply of ${reply.length} bytes after junk`);
    },
    // Half a frame, then the agent goes.
    "half a frame, then gone": (c) => c.raw(encodeFrame(new Uint8Array(8)).subarray(0, 6)),
  },
};
