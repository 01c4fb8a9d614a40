/**
 * A flooding agent, run as a Worker so it has its own thread as a guest has its own vCPU:
 * it connects to the Unix socket it is given, keeps writing the benchmark mix as fast as the
 * socket takes it, and reads and throws away the replies. Bounded: it stops when told
 * (`"stop"`) or after `maxMs`, whichever comes first, and says `"stopped"`.
 *
 * Messages in: `{ path, maxMs }` to start, `"stop"`. Out: `"flooding"` once the first
 * batch is written, `"stopped"`.
 * @module
 */
/// <reference lib="deno.worker" />
import { FramedClient } from "./_framed_client.ts";
import { mixMessages } from "./_mix.ts";

let stop = false;

self.onmessage = async (e: MessageEvent<{ path: string; maxMs: number } | "stop">) => {
  if (e.data === "stop") {
    stop = true;
    return;
  }
  const { path, maxMs } = e.data;
  const conn = await Deno.connect({ transport: "unix", path });
  const frames = FramedClient.frame(mixMessages(16));
  const batch = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
  let at = 0;
  for (const f of frames) {
    batch.set(f, at);
    at += f.length;
  }
  const deadline = Date.now() + maxMs;
  const drain = (async () => {
    const sink = new Uint8Array(64 * 1024);
    try {
      while ((await conn.read(sink)) !== null);
    } catch { /* closed below */ }
  })();
  let first = true;
  try {
    while (!stop && Date.now() < deadline) {
      for (let off = 0; off < batch.length;) off += await conn.write(batch.subarray(off));
      if (first) self.postMessage("flooding");
      first = false;
    }
  } catch { /* the server went away */ }
  conn.close();
  await drain;
  self.postMessage("stopped");
  self.close();
};
