/**
 * hvisor file bridge round trips, for `deno task bench`, beside the vhost-user round trip of
 * the same run (`bindings/vhost-user/vhost_user_bench.ts`). vscmi's virtio-mmio transport
 * serves the bench platform's agent on this thread; a Worker plays hvisor's EL2 and zone 1's
 * guest (`tests/hvisor/_bench_guest.ts`), its vCPU spinning on `cfg_flags` as a real one does.
 *
 * - config access: one trapped register read — req_list entry, 0x01 on el2.sock when vscmi
 *   asked for a wake-up, vscmi's answer through cfg_values/cfg_flags;
 * - six-message mix: one command of the mix on the cmdq, QueueNotify, vscmi's completion
 *   (res_list entry, 0x02 on el2.sock), and the interrupt handled as Linux does
 *   (InterruptStatus read and InterruptACK write, two more trapped accesses, then the used
 *   buffer taken).
 *
 * Floors, measured in the same run through the same files and socket: a bare responder on
 * this thread that answers each queued access at once (no register model), and answers a
 * QueueNotify with a res_list entry and 0x02 (no queue, no SCMI).
 *
 * It sits in `bench/` so that it runs before the vhost-user bench in one `deno task bench`:
 * placed after it, vscmi's file bridge here stopped receiving wake-ups once that bench's
 * unload handler had released the shared poll reactor — an open bug, in the reactor's
 * release or in that bench's teardown, not found yet.
 *
 * Each iteration is BATCH round trips. Run: `deno task bench` (needs --allow-ffi).
 * @module
 */
import { benchPlatform } from "./_bench_platform.ts";
import { transportEnv } from "../core/session_port.ts";
import { virtioMmioTransport } from "../transports/virtio-mmio/mod.ts";
import { Layout, mapFile } from "../tests/hvisor/_bridge.ts";
import { ZONES } from "../tests/hvisor/_deploy.ts";

const BATCH = 200;
const Z1 = ZONES[0];

function guestWorker(): Worker {
  return new Worker(new URL("../tests/hvisor/_bench_guest.ts", import.meta.url), {
    type: "module",
  });
}

function ask(w: Worker, m: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    w.onmessage = (e) => e.data.error ? reject(new Error(e.data.error)) : resolve();
    w.postMessage(m);
  });
}

const root = await Deno.makeTempDir({ prefix: "vscmi-hvbench-" });

// vscmi's side.
const { platform, agent } = await benchPlatform();
const vscmiDir = `${root}/vscmi`;
await Deno.mkdir(vscmiDir);
const vscmiGuest = guestWorker();
await ask(vscmiGuest, { dir: vscmiDir });
const handle = await virtioMmioTransport.start(transportEnv(platform, agent, {
  options: {
    device: `file:${vscmiDir}`,
    zone: Z1.zone,
    base: Z1.base,
    size: 0x200,
    irq: Z1.irq,
    vendor: Z1.vendor,
    memory: [{
      zone0_ipa: Z1.region.zone0Ipa,
      zonex_ipa: Z1.region.zonexIpa,
      size: Z1.region.size,
    }],
  },
  runDir: root,
}));
await ask(vscmiGuest, { probe: true });
// Warm both sides up (the first few hundred round trips run before V8 has optimised the
// paths), and the mix must succeed.
await ask(vscmiGuest, { kind: "config", n: 10 * BATCH });
await ask(vscmiGuest, { kind: "mix", n: 10 * BATCH });

// The floor: a bare responder on the same files and socket.
const floorDir = `${root}/floor`;
await Deno.mkdir(floorDir);
const floorGuest = guestWorker();
await ask(floorGuest, { dir: floorDir });
const page = mapFile(`${floorDir}/bridge`, 4096);
const dv = new DataView(page.bytes.buffer);
const i32 = new Int32Array(page.bytes.buffer, 0, Layout.SIZE / 4);
const flags = new BigInt64Array(page.bytes.buffer, Layout.CFG_FLAGS, Layout.SLOTS);
const floorConn = await Deno.connect({ transport: "unix", path: `${floorDir}/el2.sock` });
const FINISH = new Uint8Array([0x02]);
async function respond(): Promise<void> {
  const buf = new Uint8Array(64);
  for (;;) {
    page.bytes[Layout.NEED_WAKEUP] = 1;
    Atomics.add(i32, 0, 0); // full barrier before reading req_rear again
    if (Atomics.load(i32, 0) === Atomics.load(i32, 1)) {
      if (await floorConn.read(buf) === null) return;
    }
    page.bytes[Layout.NEED_WAKEUP] = 0;
    let front = Atomics.load(i32, 0);
    const rear = Atomics.load(i32, 1);
    while (front !== rear) {
      const o = Layout.REQ_LIST + Layout.REQ_BYTES * front;
      const cpu = Number(dv.getBigUint64(o, true));
      front = (front + 1) & (Layout.SLOTS - 1);
      Atomics.store(i32, 0, front);
      if (dv.getUint8(o + 37)) {
        const r = Atomics.load(i32, 3);
        dv.setUint32(Layout.RES_LIST + 8 * r, Z1.zone, true);
        dv.setUint32(Layout.RES_LIST + 8 * r + 4, Z1.irq, true);
        Atomics.store(i32, 3, (r + 1) & (Layout.SLOTS - 1));
        await floorConn.write(FINISH);
      } else {
        dv.setBigUint64(Layout.CFG_VALUES + 8 * cpu, 0xfn, true);
        Atomics.add(flags, cpu, 1n);
      }
    }
  }
}
const responder = respond().catch(() => {});
await ask(floorGuest, { kind: "config", n: 10 * BATCH });
await ask(floorGuest, { kind: "notify", n: 10 * BATCH });

Deno.bench({
  name: `floor: bare bridge answer, one register read (×${BATCH})`,
  group: "hvisor file bridge: config access",
  baseline: true,
  async fn() {
    await ask(floorGuest, { kind: "config", n: BATCH });
  },
});

Deno.bench({
  name: `vscmi: one register read through the register model (×${BATCH})`,
  group: "hvisor file bridge: config access",
  async fn() {
    await ask(vscmiGuest, { kind: "config", n: BATCH });
  },
});

Deno.bench({
  name: `floor: bare QueueNotify → res_list + 0x02 (×${BATCH})`,
  group: "hvisor file bridge: notify → interrupt",
  baseline: true,
  async fn() {
    await ask(floorGuest, { kind: "notify", n: BATCH });
  },
});

Deno.bench({
  name: `vscmi: six-message mix, notify → interrupt → used (×${BATCH})`,
  group: "hvisor file bridge: notify → interrupt",
  async fn() {
    await ask(vscmiGuest, { kind: "mix", n: BATCH });
  },
});

globalThis.addEventListener("unload", () => {
  vscmiGuest.terminate();
  floorGuest.terminate();
  floorConn.close();
  void responder;
  void handle.close();
  page.unmap();
  Deno.removeSync(root, { recursive: true });
});
