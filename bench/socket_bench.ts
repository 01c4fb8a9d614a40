/**
 * Stream-transport round trips of the six-message mix over a Unix socket, one request in
 * flight at a time (what a synchronous SCMI agent does), next to its floor: a bare framed
 * echo server on the same kind of socket driven by the same client.
 *
 * Run: `deno task bench`
 * @module
 */
import { FramedClient, startEchoServer } from "./_framed_client.ts";
import { mixMessages } from "./_mix.ts";
import { benchPlatform } from "./_bench_platform.ts";
import { streamTransport } from "../transports/stream/mod.ts";
import { transportEnv } from "../core/session_port.ts";

const { platform, agent } = await benchPlatform();
const dir = await Deno.makeTempDir({ prefix: "vscmi-bench-" });
await streamTransport.start(transportEnv(platform, agent, { options: {}, runDir: dir }));
startEchoServer(`${dir}/echo.sock`);

const frames = FramedClient.frame(mixMessages(16));
const vscmi = new FramedClient(
  await Deno.connect({ transport: "unix", path: `${dir}/bench.sock` }),
);
const echo = new FramedClient(await Deno.connect({ transport: "unix", path: `${dir}/echo.sock` }));

// Every message of the mix must succeed over the socket too.
for (const f of frames) {
  const n = await vscmi.roundTrip(f);
  if (n < 8) throw new Error("Bench mix reply shorter than header + status");
}

let i = 0;
let j = 0;
Deno.bench({
  name: "floor: bare framed echo server (unix)",
  group: "socket round trip (one message of the mix)",
  baseline: true,
  fn: async () => void await echo.roundTrip(frames[i++ % frames.length]),
});
Deno.bench({
  name: "vscmi: stream transport + platform (unix)",
  group: "socket round trip (one message of the mix)",
  fn: async () => void await vscmi.roundTrip(frames[j++ % frames.length]),
});
