/**
 * In-process dispatch of Performance messages through the whole platform with the immediate
 * sim driver: PERF_LEVEL_SET (alternating levels, so the hardware really moves), LEVEL_GET,
 * LIMITS_GET, DOMAIN_ATTRIBUTES and a full DESCRIBE_LEVELS page, each on its own and as a
 * mix. Prints the heap growth per message of the mix (`--v8-flags=--expose-gc`): the path
 * without subscribers is meant to allocate nothing.
 *
 * Run: `deno bench -A --v8-flags=--expose-gc plugins/perf/perf_bench.ts`
 * @module
 */
import { perfKind } from "./kind.ts";
import { Agent } from "../../core/agent.ts";
import { buildHwTable } from "../../core/hw_table.ts";
import { encodeHeader } from "../../core/header.ts";
import { Msg } from "../../core/msg.ts";
import { Platform } from "../../core/platform.ts";
import { simDriver } from "../../boards/drivers/sim.ts";
import { heapGrowthPerCall } from "../../bench/_heap.ts";
import { perfBoard } from "../../tests/vectors/perf/fixture.ts";
import { perfProtocol } from "./mod.ts";
import { PerfMsg } from "./msg.ts";

const board = perfBoard();
board.resources.perf = perfKind.of(board).filter((d) => d.driver === "sim");
const driver = await simDriver.create({ name: "sim", options: { time_scale: 0 }, board });
const agent = new Agent({ id: 1, name: "bench" });
agent.grants.protocols.delete(0x10);
agent.grants.protocols.set(0x13, {});
agent.grants.maps.perf.grant(0);
agent.grants.maps.perf.grant(1);
const platform = new Platform({
  board,
  hw: buildHwTable(board, new Map([["sim", driver]])),
  vendor: { vendor: "vscmi", subVendor: "bench", implementationVersion: 1 },
  agents: [agent],
  protocols: [perfProtocol],
});
const session = platform.openSession(agent, { p2a: true });

function request(words: number[]): Uint8Array {
  const req = new Uint8Array(words.length * 4);
  words.forEach((w, i) => new DataView(req.buffer).setUint32(i * 4, w >>> 0, true));
  return req;
}
const h = (msg: number) => encodeHeader(msg, 0, 0x13, 1);
const LEVEL_SET_A = request([h(PerfMsg.LEVEL_SET), 0, 600]);
const LEVEL_SET_B = request([h(PerfMsg.LEVEL_SET), 0, 400]);
const LEVEL_GET = request([h(PerfMsg.LEVEL_GET), 0]);
const LIMITS_GET = request([h(PerfMsg.LIMITS_GET), 1]);
const DOMAIN_ATTRIBUTES = request([h(PerfMsg.DOMAIN_ATTRIBUTES), 1]);
const DESCRIBE_LEVELS = request([h(PerfMsg.DESCRIBE_LEVELS), 0, 0]);
const MIX = [LEVEL_SET_A, LEVEL_GET, LIMITS_GET, LEVEL_SET_B, DOMAIN_ATTRIBUTES, DESCRIBE_LEVELS];

const out = new Uint8Array(8 + 128);
const outView = new DataView(out.buffer);
const m = new Msg();

function one(req: Uint8Array): number {
  m.r.reset(req, 0, req.length);
  m.w.reset(out, 0, out.length);
  return platform.dispatch(session, m) as number;
}

for (const req of MIX) {
  const n = one(req);
  if (typeof n !== "number" || n < 8 || outView.getInt32(4, true) !== 0) {
    throw new Error("Every benchmark message must succeed synchronously");
  }
}

let k = 0;
const mixOne = () => one(MIX[k++ % MIX.length]);
let flip = 0;

Deno.bench("perf mix (6 messages, one per iteration)", { baseline: true }, () => {
  mixOne();
});
Deno.bench("PERF_LEVEL_SET, alternating 600/400", () => {
  one(flip++ & 1 ? LEVEL_SET_B : LEVEL_SET_A);
});
Deno.bench("PERF_LEVEL_GET", () => {
  one(LEVEL_GET);
});
Deno.bench("PERF_DOMAIN_ATTRIBUTES", () => {
  one(DOMAIN_ATTRIBUTES);
});
Deno.bench("PERF_DESCRIBE_LEVELS (4 levels)", () => {
  one(DESCRIBE_LEVELS);
});

const growth = heapGrowthPerCall(mixOne, 1_000_000);
console.log(`perf mix: heap growth ${growth.toFixed(3)} bytes per message over 1e6 messages`);
