/**
 * The forward driver's stream channel: the downstream platform on a Unix stream socket, each
 * message framed by a little-endian u32 length as vscmi's own `stream` transport frames it
 * (another vscmi, or a vendor's platform process on another domain).
 * @module
 */
import { encodeFrame, FrameSplitter } from "../../../transports/stream/framing.ts";
import type { Channel, ChannelEvents } from "./link.ts";

/** Connects to the platform listening on Unix socket `path`. */
export async function connectStream(path: string, events: ChannelEvents): Promise<Channel> {
  const conn = await Deno.connect({ transport: "unix", path });
  let closed = false;
  const split = new FrameSplitter();
  (async () => {
    const buf = new Uint8Array(64 * 1024);
    let why = "the platform closed the connection";
    try {
      for (;;) {
        const n = await conn.read(buf);
        if (n === null) break;
        for (const m of split.push(buf.subarray(0, n))) events.onMessage(m);
      }
    } catch (e) {
      why = `the connection failed: ${e instanceof Error ? e.message : e}`;
    }
    if (closed) return;
    closed = true;
    try {
      conn.close();
    } catch {
      // Already closed.
    }
    events.onClose(why);
  })();
  return {
    async send(message) {
      const frame = encodeFrame(message);
      let off = 0;
      while (off < frame.length) off += await conn.write(frame.subarray(off));
    },
    close() {
      if (closed) return;
      closed = true;
      try {
        conn.close();
      } catch {
        // Already closed.
      }
    },
  };
}
