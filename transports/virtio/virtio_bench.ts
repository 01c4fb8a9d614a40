/**
 * cmdq processing per message through an in-memory guest: the driver offers a prepared
 * Base PROTOCOL_VERSION chain and kicks, the device pops it, dispatches it and publishes the
 * 12-byte reply. Beside it, the floor: the same message through `Platform.dispatch` over
 * plain buffers (no rings). Also prints the heap growth per message over a million messages
 * with garbage collection forced before and after (`--v8-flags=--expose-gc`).
 *
 * Run: `deno bench -A --v8-flags=--expose-gc transports/virtio/virtio_bench.ts`
 * @module
 */
import { heapGrowthPerCall } from "../../bench/_heap.ts";
import { Agent } from "../../core/agent.ts";
import { emptyBoard } from "../../core/board.ts";
import { encodeHeader } from "../../core/header.ts";
import { Msg } from "../../core/msg.ts";
import { Platform } from "../../core/platform.ts";
import { defineProtocol } from "../../core/protocol.ts";
import { GuestQueue, GuestRam, words } from "./_driver_test.ts";
import { FeatureBit, featureMask, ScmiQueue } from "./features.ts";
import { VirtioScmiDevice } from "./scmi_device.ts";
import { sessionOpener } from "../../core/session_port.ts";

/**
 * The transport is measured, not a protocol: PROTOCOL_VERSION of 0x10, which the core answers
 * from the definition's versions.
 */
const versionOnly = defineProtocol({
  api: 1,
  id: 0x10,
  name: "base",
  versions: [0x20001],
  commands: { 0x1: { name: "PROTOCOL_ATTRIBUTES", params: 0, run: (_c, m) => m.w.u32(0) } },
});

const agent = new Agent({ id: 1, name: "vm1" });
const platform = new Platform({
  board: emptyBoard(),
  hw: { system: undefined } as never,
  vendor: { vendor: "vscmi", subVendor: "bench", implementationVersion: 1 },
  agents: [agent],
  protocols: [versionOnly],
});
platform.log.sink = () => {};
const VERSION = words([encodeHeader(0x0, 0, 0x10, 1)]);

/** A guest whose cmdq holds `n` prepared PROTOCOL_VERSION chains, and its device. */
function rig(n: number, indirect: boolean) {
  const ram = new GuestRam(1 << 20);
  const cmd = new GuestQueue(ram, 256);
  let features = featureMask(FeatureBit.VERSION_1) | featureMask(FeatureBit.SCMI_P2A_CHANNELS);
  if (indirect) features |= featureMask(FeatureBit.RING_INDIRECT_DESC);
  let signals = 0;
  const dev = new VirtioScmiDevice(sessionOpener(platform, agent), {
    log: platform.log,
    signal: () => void signals++,
  });
  dev.setFeatures(features);
  dev.attachQueue(ScmiQueue.CMDQ, cmd.device(dev.negotiated));
  dev.start();
  const heads: number[] = [];
  for (let i = 0; i < n; i++) {
    heads.push(cmd.add([{ write: false, len: 4, data: VERSION }, { write: true, len: 12 }], {
      indirect,
    }));
  }
  const reply = cmd.partAddr(heads[0], 1);
  cmd.publish();
  dev.processCmdq();
  // The first reply must be the real one, or the figures measure an error path.
  const got = [...ram.read(reply, 12)];
  const want = [...words([encodeHeader(0x0, 0, 0x10, 1), 0, 0x20001])];
  if (cmd.usedIdx !== n || got.join() !== want.join()) {
    throw new Error(`Bench guest got a wrong reply: ${got}`);
  }
  /** Offers every chain again, kicks, and checks the used index moved by `n`. */
  return () => {
    const before = cmd.usedIdx;
    for (let i = 0; i < n; i++) cmd.offer(heads[i]);
    cmd.publish();
    dev.processCmdq();
    if (((cmd.usedIdx - before) & 0xffff) !== n) throw new Error("Bench guest lost a reply");
    return signals;
  };
}

const one = rig(1, false);
const oneIndirect = rig(1, true);
/** As many chains as one fair turn serves (`core/scheduler.ts`): one kick, all answered at once. */
const TURN = platform.scheduler.quota;
const batch = rig(TURN, false);

const session = platform.openSession(agent, { p2a: false });
const m = new Msg();
const out = new Uint8Array(136);
function floor(): number {
  m.r.reset(VERSION, 0, 4);
  m.w.reset(out, 0, 12);
  return platform.dispatch(session, m) as number;
}

const MILLION = 1_000_000;
console.log(
  `heap growth per message over ${MILLION} messages (gc before and after): ` +
    `cmdq ${heapGrowthPerCall(one, MILLION).toFixed(3)} B, ` +
    `cmdq indirect ${heapGrowthPerCall(oneIndirect, MILLION).toFixed(3)} B, ` +
    `${TURN} per kick ${(heapGrowthPerCall(batch, MILLION / TURN) / TURN).toFixed(3)} B, ` +
    `floor ${heapGrowthPerCall(floor, MILLION).toFixed(3)} B`,
);

Deno.bench({
  name: "floor: Platform.dispatch over plain buffers",
  group: "Base PROTOCOL_VERSION",
  baseline: true,
  fn: () => void floor(),
});
Deno.bench({
  name: "cmdq: one chain per kick ([readable, writable])",
  group: "Base PROTOCOL_VERSION",
  fn: () => void one(),
});
Deno.bench({
  name: "cmdq: one chain per kick (indirect table, as Linux with INDIRECT_DESC)",
  group: "Base PROTOCOL_VERSION",
  fn: () => void oneIndirect(),
});
Deno.bench({
  name: `cmdq: ${TURN} chains per kick, one turn (time is for ${TURN} messages)`,
  group: "Base PROTOCOL_VERSION",
  fn: () => void batch(),
});
