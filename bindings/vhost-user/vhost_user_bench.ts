/**
 * vhost-user round trip: a guest (a Worker blocking in `poll()` on its call eventfd) posts
 * one command of the six-message mix on the cmdq, kicks, and waits for the call; vscmi's
 * back-end wakes through its poll Worker, dispatches on the main thread, completes the
 * chain and writes the call eventfd. One command in flight at a time, as Linux's SCMI client
 * mostly does.
 *
 * Beside it, measured in the same run:
 * - floor: a bare eventfd ping-pong through the same native-call layer and the same wait
 *   path (the poll Worker hands the kick to the main thread, which writes the call eventfd);
 * - worker echo: the same ping-pong answered by a Worker blocking in `read()` itself, i.e.
 *   what the kernel and FFI cost with no hand-over to the main thread (not a design option:
 *   the platform lives on the main thread).
 *
 * Each iteration is BATCH round trips. Run: `deno task bench` (needs --allow-ffi).
 * @module
 */
import { benchPlatform } from "../../bench/_bench_platform.ts";
import { mixMessages } from "../../bench/_mix.ts";
import { vhostUserTransport } from "../../transports/vhost-user/mod.ts";
import { EventFd, signalFd } from "../native/eventfd.ts";
import { Reactor } from "../native/poll.ts";
import { bufferBase, Frontend, ringLayout, startUp, TestGuestMemory } from "./_frontend.ts";
import type { BenchSetup } from "./_bench_frontend.ts";
import { transportEnv } from "../../core/session_port.ts";

const BATCH = 200;
const RING = 256;

const { platform, agent } = await benchPlatform();

const dir = await Deno.makeTempDir({ prefix: "vscmi-vubench-" });
const handle = await vhostUserTransport.start(
  transportEnv(platform, agent, { options: { path: `${dir}/bench.sock` }, runDir: dir }),
);
const mem = new TestGuestMemory(4 << 20);
const fe = await Frontend.connect(`${dir}/bench.sock`);
const rings = await startUp(fe, mem, RING);

// The mix, written once into guest memory: request i at 0x200·i, its response 0x100 after.
const requests = mixMessages(16).map((m, i) => {
  const gpa = bufferBase(0) + 0x200 * i;
  mem.bytes.set(m, gpa - mem.gpa);
  return { gpa, len: m.length, rsp: gpa + 0x100 };
});

function guest(s: BenchSetup): Promise<Worker> {
  const w = new Worker(new URL("./_bench_frontend.ts", import.meta.url), { type: "module" });
  return new Promise((resolve) => {
    w.onmessage = () => resolve(w);
    w.postMessage({ setup: s });
  });
}

function batch(w: Worker): Promise<{ ms: number; status: number }> {
  return new Promise((resolve) => {
    w.onmessage = (e) => resolve(e.data);
    w.postMessage({ n: BATCH });
  });
}

const vscmiGuest = await guest({
  kick: rings[0].kick.fd,
  call: rings[0].call.fd,
  memFd: mem.fd,
  memSize: mem.size,
  ring: ringLayout(0, RING),
  requests,
});
{
  const r = await batch(vscmiGuest);
  if (r.status !== 0) throw new Error(`The mix must succeed, got status ${r.status}`);
}

// Floor: the same wait path, no vhost-user, no SCMI.
const reactor = Reactor.acquire();
const pingKick = new EventFd();
const pingCall = new EventFd();
reactor.add(pingKick.fd, () => {
  pingKick.drain();
  signalFd(pingCall.fd);
});
const floorGuest = await guest({ kick: pingKick.fd, call: pingCall.fd });

// Worker echo: no main thread at all.
const echoKick = new EventFd();
const echoCall = new EventFd();
const echo = new Worker(
  URL.createObjectURL(
    new Blob([
      `import { libc } from "${new URL("./libc.ts", import.meta.url)}";
       self.onmessage = (e) => {
         const { kick, call } = e.data;
         const l = libc();
         const b = new Uint8Array(new ArrayBuffer(8));
         const one = new Uint8Array(new ArrayBuffer(8)); one[0] = 1;
         const pfd = new Uint8Array(new ArrayBuffer(8));
         new DataView(pfd.buffer).setInt32(0, kick, true);
         new DataView(pfd.buffer).setInt16(4, 1, true);
         for (;;) { l.poll(pfd, 1n, -1); if (l.read(kick, b, 8n) === 8n) l.write(call, one, 8n); }
       };`,
    ], { type: "text/javascript" }),
  ),
  { type: "module" },
);
echo.postMessage({ kick: echoKick.fd, call: echoCall.fd });
const echoGuest = await guest({ kick: echoKick.fd, call: echoCall.fd });

Deno.bench({
  name: `floor: eventfd ping-pong via poll Worker → main thread (×${BATCH})`,
  group: "vhost-user round trip",
  baseline: true,
  async fn() {
    await batch(floorGuest);
  },
});

Deno.bench({
  name: `vscmi: six-message mix through vhost-user rings (×${BATCH})`,
  group: "vhost-user round trip",
  async fn() {
    await batch(vscmiGuest);
  },
});

Deno.bench({
  name: `reference: eventfd ping-pong answered by a blocking Worker (×${BATCH})`,
  group: "vhost-user round trip",
  async fn() {
    await batch(echoGuest);
  },
});

globalThis.addEventListener("unload", () => {
  for (const w of [vscmiGuest, floorGuest, echoGuest, echo]) w.terminate();
  reactor.remove(pingKick.fd);
  Reactor.release();
  fe.close();
  void handle.close();
});
