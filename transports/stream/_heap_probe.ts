/**
 * Run by `lifecycle_test.ts` in its own process, with `--v8-flags=--expose-gc`; prints one
 * JSON object with the heap growth per unit in bytes, garbage collected before and after.
 *
 * - `refused N`: keeps one connection open to a stream endpoint and makes N more connection
 *   attempts, each refused; the unit is a refused attempt.
 * - `idle N`: opens N stream connections over sockets that never deliver anything; the unit
 *   is an open, idle connection.
 * @module
 */
import { DEFAULT_FRAME_TIMEOUT_MS } from "../../core/stall_watch.ts";
import { Agent } from "../../core/agent.ts";
import { emptyBoard } from "../../core/board.ts";
import { Platform } from "../../core/platform.ts";
import { connectionLimits, StreamConnection } from "./_connection.ts";
import { streamTransport } from "./mod.ts";
import { sessionOpener, transportEnv } from "../../core/session_port.ts";

const mode = Deno.args[0];
const N = Number(Deno.args[1] ?? 80);
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

/** Heap growth per unit of `run(n)`, after a first run of 10. */
async function perUnit(run: (n: number) => Promise<void>): Promise<number> {
  await run(10);
  gc();
  gc();
  const before = Deno.memoryUsage().heapUsed;
  await run(N);
  gc();
  gc();
  return (Deno.memoryUsage().heapUsed - before) / N;
}

if (mode === "refused") {
  const runDir = await Deno.makeTempDir({ prefix: "vscmi-probe-" });
  const handle = await streamTransport.start(
    transportEnv(platform, agent, { options: {}, runDir }),
  );
  const path = `${runDir}/vm1.sock`;
  const kept = await Deno.connect({ transport: "unix", path });
  // A connection that has spoken keeps its slot: newcomers are refused, not handed it once
  // its allowed silence is over.
  await kept.write(new Uint8Array([4, 0, 0, 0, 0, 0, 0, 0]));
  await kept.read(new Uint8Array(64));
  const refused = async () => {
    const c = await Deno.connect({ transport: "unix", path });
    await c.read(new Uint8Array(8)).catch(() => null);
    c.close();
  };
  const perAttempt = await perUnit((n) => Promise.all(Array.from({ length: n }, refused)).then());
  console.log(JSON.stringify({ perUnit: perAttempt }));
  kept.close();
  await handle.close();
  await Deno.remove(runDir, { recursive: true });
} else if (mode === "idle") {
  /** A socket whose reads never complete until it is closed. */
  const silent = () => {
    let end: ((n: null) => void) | null = null;
    return {
      read: () => new Promise<null>((r) => end = r),
      write: (b: Uint8Array) => Promise.resolve(b.length),
      close: () => end?.(null),
    } as unknown as Deno.Conn;
  };
  const open: StreamConnection[] = [];
  const limits = connectionLimits(agent, 32, DEFAULT_FRAME_TIMEOUT_MS);
  const opts = { label: "probe", log: platform.log, onClosed: () => {} };
  const perConnection = await perUnit((n) => {
    for (let i = 0; i < n; i++) {
      open.push(new StreamConnection(silent(), sessionOpener(platform, agent), limits, opts));
    }
    return Promise.resolve();
  });
  console.log(JSON.stringify({ perUnit: perConnection }));
  for (const c of open) c.close();
} else {
  throw new TypeError(`unknown mode "${mode}" (refused or idle)`);
}
