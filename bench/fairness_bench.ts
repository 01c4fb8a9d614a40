/**
 * Fairness between agents: one agent's round trips over the stream transport (one request
 * in flight at a time, the six-message mix) alone, and again while a second agent of the
 * same platform floods its own connection with pipelined requests from another thread
 * (`_flood_worker.ts`). No `rate_limit` is declared: what keeps the first agent served is
 * the platform's scheduling. The server runs on a thread of its own (`_server_worker.ts`),
 * as it is a process of its own beside its guests. Compare the p99 columns.
 *
 * Run: `deno task bench`
 * @module
 */
import { FramedClient } from "./_framed_client.ts";
import { mixMessages } from "./_mix.ts";

const dir = await Deno.makeTempDir({ prefix: "vscmi-fair-" });
const server = new Worker(new URL("./_server_worker.ts", import.meta.url), { type: "module" });
await new Promise<void>((ready) => {
  server.onmessage = () => ready();
  server.postMessage(dir);
});
const frames = FramedClient.frame(mixMessages(16));
const victim = new FramedClient(
  await Deno.connect({ transport: "unix", path: `${dir}/bench1.sock` }),
);

/** Round trips measured per entry (after the warm-up); the flood stops after its last. */
const N = 20_000;
const WARMUP = 1_000;

let flood: Worker | null = null;
let calls = 0;

/** Starts the flooding agent and resolves once its requests are arriving. */
function startFlood(): Promise<void> {
  const w = new Worker(new URL("./_flood_worker.ts", import.meta.url), { type: "module" });
  flood = w;
  const started = new Promise<void>((resolve) => {
    w.onmessage = (e) => {
      if (e.data === "flooding") resolve();
      if (e.data === "stopped") w.terminate();
    };
  });
  w.postMessage({ path: `${dir}/bench2.sock`, maxMs: 120_000 });
  return started;
}

let i = 0;
Deno.bench({
  name: "alone",
  group: "fairness (one agent's round trip)",
  baseline: true,
  n: N,
  warmup: WARMUP,
  fn: async () => void await victim.roundTrip(frames[i++ % frames.length]),
});
Deno.bench({
  name: "beside a flooding agent",
  group: "fairness (one agent's round trip)",
  n: N,
  warmup: WARMUP,
  fn: async () => {
    if (flood === null) await startFlood();
    await victim.roundTrip(frames[i++ % frames.length]);
    if (++calls === N + WARMUP) {
      flood!.postMessage("stop");
      server.terminate();
    }
  },
});
