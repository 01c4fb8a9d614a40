/**
 * Run by `lifecycle_test.ts` in its own process, with `--v8-flags=--expose-gc`: keeps one
 * connection open to a stream endpoint, makes `N` more connection attempts (each refused),
 * and prints the heap growth per refused attempt in bytes, with garbage collected before
 * and after.
 * @module
 */
import { Agent } from "../../core/agent.ts";
import { emptyBoard } from "../../core/board.ts";
import { Platform } from "../../core/platform.ts";
import { streamTransport } from "./mod.ts";

const N = Number(Deno.args[0] ?? 80);
const gc = (globalThis as { gc?: () => void }).gc!;
const agent = new Agent({ id: 1, name: "vm1" });
agent.grants.protocols.delete(0x10);
const platform = new Platform({
  board: emptyBoard(),
  hw: { system: undefined } as never,
  vendor: { vendor: "vscmi", subVendor: "test", implementationVersion: 1 },
  agents: [agent],
  protocols: [],
});
platform.log.sink = () => {};
const runDir = await Deno.makeTempDir({ prefix: "vscmi-probe-" });
const handle = await streamTransport.start({
  platform,
  agent,
  options: {},
  runDir,
  log: platform.log,
});
const path = `${runDir}/vm1.sock`;
const kept = await Deno.connect({ transport: "unix", path });

/** One refused attempt: the server closes it, the client reads EOF. */
async function refused(): Promise<void> {
  const c = await Deno.connect({ transport: "unix", path });
  await c.read(new Uint8Array(8)).catch(() => null);
  c.close();
}
async function attempts(n: number): Promise<void> {
  await Promise.all(Array.from({ length: n }, refused));
}

await attempts(10);
gc();
gc();
const before = Deno.memoryUsage().heapUsed;
await attempts(N);
gc();
gc();
console.log(JSON.stringify({ perAttempt: (Deno.memoryUsage().heapUsed - before) / N }));
kept.close();
await handle.close();
await Deno.remove(runDir, { recursive: true });
