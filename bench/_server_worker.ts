/**
 * The server of the fairness benchmark, on its own thread as it is its own process in a
 * deployment: the bench platform with two agents, each on a stream endpoint in the run
 * directory it is given. Message in: the run directory; out: `"ready"` once both listen.
 * @module
 */
/// <reference lib="deno.worker" />
import { benchPlatform } from "./_bench_platform.ts";
import { streamTransport } from "../transports/stream/mod.ts";
import { transportEnv } from "../core/session_port.ts";

self.onmessage = async (e: MessageEvent<string>) => {
  const runDir = e.data;
  const { platform, agents } = await benchPlatform(2);
  for (const agent of agents) {
    await streamTransport.start(transportEnv(platform, agent, { options: {}, runDir }));
  }
  self.postMessage("ready");
};
