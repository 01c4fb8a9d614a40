/**
 * Round-trip latency of the stream transport on a Unix socket, beside its floor: a bare
 * framed echo server on the same kind of socket, driven by the same client. One request in
 * flight at a time (what a synchronous SCMI agent does).
 *
 * Run: `deno bench -A transports/stream/stream_bench.ts`
 * @module
 */
import { FramedClient, startEchoServer } from "../../bench/_framed_client.ts";
import { Agent } from "../../core/agent.ts";
import { emptyBoard } from "../../core/board.ts";
import { encodeHeader } from "../../core/header.ts";
import { Platform } from "../../core/platform.ts";
import { defineProtocol } from "../../core/protocol.ts";
import { streamTransport } from "./mod.ts";

const demo = defineProtocol({
  id: 0x80,
  name: "demo",
  versions: [0x10000],
  commands: { 0x1: { name: "PROTOCOL_ATTRIBUTES", params: 0, run: (_c, m) => m.w.u32(0) } },
});

const dir = await Deno.makeTempDir({ prefix: "vscmi-bench-" });
const agent = new Agent({ id: 1, name: "vm1" });
agent.grants.protocols.delete(0x10);
agent.grants.protocols.set(0x80, {});
const platform = new Platform({
  board: emptyBoard(),
  hw: { system: undefined } as never,
  vendor: { vendor: "vscmi", subVendor: "bench", implementationVersion: 1 },
  agents: [agent],
  protocols: [demo],
});
platform.log.sink = () => {};
const handle = await streamTransport.start({
  platform,
  agent,
  options: {},
  runDir: dir,
  log: platform.log,
});
const stopEcho = startEchoServer(`${dir}/echo.sock`);

const request = new Uint8Array(4);
new DataView(request.buffer).setUint32(0, encodeHeader(0x0, 0, 0x80, 1), true);
const [frame] = FramedClient.frame([request]);
const vscmi = new FramedClient(await Deno.connect({ transport: "unix", path: `${dir}/vm1.sock` }));
const echo = new FramedClient(await Deno.connect({ transport: "unix", path: `${dir}/echo.sock` }));

Deno.bench({
  name: "echo floor (unix)",
  group: "round trip",
  baseline: true,
  fn: async () => void await echo.roundTrip(frame),
});
Deno.bench({
  name: "stream transport PROTOCOL_VERSION (unix)",
  group: "round trip",
  fn: async () => void await vscmi.roundTrip(frame),
});

globalThis.addEventListener("unload", () => {
  vscmi.conn.close();
  echo.conn.close();
  stopEcho();
  void handle.close();
  Deno.removeSync(dir, { recursive: true });
});
