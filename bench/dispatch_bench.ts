/**
 * In-process dispatch of the six-message mix through the whole platform (header decode,
 * grant table, plugin handler, sim driver), next to its floor: a bare switch over a
 * DataView answering the same mix. Also prints heap growth per message over a million
 * messages with garbage collection forced before and after (`--v8-flags=--expose-gc`).
 *
 * Run: `deno task bench`
 * @module
 */
import { Msg } from "../core/msg.ts";
import { mixMessages, packMix } from "./_mix.ts";
import { floorDispatch } from "./_floor.ts";
import { heapGrowthPerCall } from "./_heap.ts";
import { benchPlatform } from "./_bench_platform.ts";

const { platform, agent } = await benchPlatform();
const session = platform.openSession(agent, { p2a: true });

const mix = packMix(mixMessages(16));
const N = mix.offsets.length;
const out = new Uint8Array(8 + 128);
const m = new Msg();
let i = 0;

function vscmiOne(): number {
  const k = i++ % N;
  m.r.reset(mix.buf, mix.offsets[k], mix.lengths[k]);
  m.w.reset(out, 0, out.length);
  return platform.dispatch(session, m) as number;
}

const reqView = new DataView(mix.buf.buffer);
const outView = new DataView(out.buffer);
let j = 0;
function floorOne(): number {
  const k = j++ % N;
  return floorDispatch(reqView, mix.offsets[k], outView, out);
}

// Every message of the mix must succeed, or the figures below measure error paths.
for (let k = 0; k < N; k++) {
  const n = vscmiOne();
  const status = new DataView(out.buffer).getInt32(4, true);
  if (n < 8 || status !== 0) {
    throw new Error(
      `Bench mix message ${k % 6} answered status ${status}: the bench would measure an error path`,
    );
  }
}

const MILLION = 1_000_000;
const grow = heapGrowthPerCall(vscmiOne, MILLION);
const growFloor = heapGrowthPerCall(floorOne, MILLION);
console.log(
  `heap growth per message over ${MILLION} messages (gc before and after): ` +
    `vscmi ${grow.toFixed(3)} B, floor ${growFloor.toFixed(3)} B`,
);

Deno.bench({
  name: "floor: bare switch over a DataView",
  group: "dispatch (one message of the mix)",
  baseline: true,
  fn: () => void floorOne(),
});
Deno.bench({
  name: "vscmi: platform.dispatch",
  group: "dispatch (one message of the mix)",
  fn: () => void vscmiOne(),
});
