/**
 * Sessions coming and going over the stream transport: each cycle connects, makes one round
 * trip (Base PROTOCOL_VERSION), disconnects, and waits until the platform has closed the
 * session. Prints the heap growth over 20,000 cycles after 1,000 warm-up ones, garbage
 * collected before and after (`--v8-flags=--expose-gc`); the bench entry times one cycle.
 *
 * Run: `deno task bench`
 * @module
 */
import { FramedClient } from "./_framed_client.ts";
import { mixMessages } from "./_mix.ts";
import { benchPlatform } from "./_bench_platform.ts";
import { streamTransport } from "../transports/stream/mod.ts";
import { transportEnv } from "../core/session_port.ts";

const { platform, agent } = await benchPlatform();
const dir = await Deno.makeTempDir({ prefix: "vscmi-sessions-" });
await streamTransport.start(transportEnv(platform, agent, { options: {}, runDir: dir }));
const path = `${dir}/${agent.name}.sock`;
const version = FramedClient.frame(mixMessages(1))[0];

/** One session: connect, one round trip, disconnect, the platform has closed it. */
async function cycle(): Promise<void> {
  const client = new FramedClient(await Deno.connect({ transport: "unix", path }));
  await client.roundTrip(version);
  client.conn.close();
  while (platform.sessions.size !== 0) await new Promise<void>((r) => setImmediate(r));
}

const CYCLES = 20_000;
const WARMUP = 1_000;
const gc = (globalThis as { gc?: () => void }).gc;
if (gc !== undefined) {
  for (let i = 0; i < WARMUP; i++) await cycle();
  gc();
  gc();
  const before = Deno.memoryUsage();
  for (let i = 0; i < CYCLES; i++) await cycle();
  gc();
  gc();
  const after = Deno.memoryUsage();
  console.log(
    `heap growth over ${CYCLES} sessions after ${WARMUP} warm-up (gc before and after): ` +
      `${((after.heapUsed - before.heapUsed) / 1e6).toFixed(3)} MB ` +
      `(${((after.heapUsed - before.heapUsed) / CYCLES).toFixed(1)} B per session); ` +
      `heap size ${(before.heapTotal / 1e6).toFixed(1)} → ${
        (after.heapTotal / 1e6).toFixed(1)
      } MB, ` +
      `resident ${(before.rss / 1e6).toFixed(1)} → ${(after.rss / 1e6).toFixed(1)} MB`,
  );
}

Deno.bench({
  name: "connect, one round trip, disconnect",
  group: "sessions (one stream session)",
  fn: cycle,
});
