/**
 * A pause that ends only after the runtime has polled its sockets: a read is started on one
 * end of a private socket pair, a byte is written on the other, and the read can complete
 * only through the runtime's I/O poll — which takes in, in the same poll, whatever input
 * other connections have waiting. Used by the scheduler between rounds (`core/scheduler.ts`).
 * @module
 */
import { join } from "node:path";

export interface IoPause {
  /** Resolves once the runtime has polled for I/O (at once after {@linkcode close}). */
  pause(): Promise<void>;
  close(): void;
}

/**
 * Opens a socket pair through a Unix socket in a private temporary directory; the directory
 * is gone on return.
 */
export async function openIoPause(): Promise<IoPause> {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-pause-" });
  const path = join(dir, "pause.sock");
  let a: Deno.Conn;
  let b: Deno.Conn;
  try {
    const listener = Deno.listen({ transport: "unix", path });
    try {
      const accepted = listener.accept();
      a = await Deno.connect({ transport: "unix", path });
      b = await accepted;
    } finally {
      listener.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  const one = new Uint8Array(1);
  const sink = new Uint8Array(64);
  let closed = false;
  return {
    async pause() {
      if (closed) return;
      try {
        const got = b.read(sink);
        await a.write(one);
        await got;
      } catch {
        // Closed under the pause: it ends all the same.
      }
    },
    close() {
      if (closed) return;
      closed = true;
      a.close();
      b.close();
    },
  };
}
