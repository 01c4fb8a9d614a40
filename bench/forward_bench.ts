/**
 * The forward chain's round trip of the six-message mix: a client → vscmi mediator (the
 * bench board on the `forward` driver) → vscmi firmware (the bench board on `sim`), both on
 * the stream transport over Unix sockets, one request in flight; beside it, in the same run,
 * the stream round trip of the same mix straight to the firmware. The mix changes a rate,
 * an enable and a reset on every sixth message each, so half of it travels downstream.
 *
 * Run: `deno task bench`
 * @module
 */
import { FramedClient } from "./_framed_client.ts";
import { BENCH_CLOCKS, BENCH_RESETS, benchBoard, mixMessages } from "./_mix.ts";
import { benchPlatform } from "./_bench_platform.ts";
import { Agent } from "../core/agent.ts";
import { buildHwTable } from "../core/hw_table.ts";
import { Platform } from "../core/platform.ts";
import { transportEnv } from "../core/session_port.ts";
import { streamTransport } from "../transports/stream/mod.ts";
import { forwardDriver } from "../boards/drivers/forward/mod.ts";
import { PROTOCOLS } from "../builtins.ts";

const dir = await Deno.makeTempDir({ prefix: "vscmi-bench-forward-" });
// The firmware: bench1 is the mediator's agent, bench2 the direct client's.
const fw = await benchPlatform(2);
for (const a of fw.agents) {
  await streamTransport.start(transportEnv(fw.platform, a, { options: {}, runDir: dir }));
}

// The mediator: the same board, every resource on one forward driver reaching bench1.
const board = benchBoard();
board.drivers = [{ name: "fw", type: "forward", options: { socket: `${dir}/bench1.sock` } }];
for (const list of Object.values(board.resources)) {
  for (const r of list as { driver: string }[]) r.driver = "fw";
}
const driver = await forwardDriver.create({ name: "fw", options: board.drivers[0].options, board });
const agent = new Agent({ id: 1, name: "mediated" });
for (const p of [0x14, 0x16]) agent.grants.protocols.set(p, {});
for (let i = 0; i < BENCH_CLOCKS; i++) agent.grants.maps.clock.grant(i);
for (let i = 0; i < BENCH_RESETS; i++) agent.grants.maps.reset.grant(i);
const med = new Platform({
  board,
  hw: buildHwTable(board, new Map([["fw", driver]])),
  vendor: { vendor: "vscmi", subVendor: "mediator", implementationVersion: 1 },
  agents: [agent],
  protocols: [...PROTOCOLS],
});
med.log.sink = () => {};
await streamTransport.start(transportEnv(med, agent, { options: {}, runDir: dir }));

const frames = FramedClient.frame(mixMessages(16));
const direct = new FramedClient(
  await Deno.connect({ transport: "unix", path: `${dir}/bench2.sock` }),
);
const chain = new FramedClient(
  await Deno.connect({ transport: "unix", path: `${dir}/mediated.sock` }),
);

// Every message of the mix must succeed both ways, or the figures measure error paths.
for (const client of [direct, chain]) {
  for (const f of frames) {
    const n = await client.roundTrip(f);
    if (n < 8) throw new Error("Bench mix reply shorter than header + status");
  }
}

let i = 0;
let j = 0;
Deno.bench({
  name: "stream round trip (firmware direct)",
  group: "forward-chain round trip (one message of the mix)",
  baseline: true,
  fn: async () => void await direct.roundTrip(frames[i++ % frames.length]),
});
Deno.bench({
  name: "forward chain: mediator → firmware",
  group: "forward-chain round trip (one message of the mix)",
  fn: async () => void await chain.roundTrip(frames[j++ % frames.length]),
});
