/**
 * The bench's guest, in a Worker so it may block: it rings a kick eventfd, blocks in
 * `poll()` on the call eventfd, and counts round trips — either bare ping-pongs or SCMI
 * commands it posts on the cmdq through memory shared with the back-end (a memfd).
 * @module
 */
import { C, libc } from "../native/libc.ts";
import { DriverRing, TestGuestMemory } from "./_frontend.ts";

/** Setup message. */
export interface BenchSetup {
  kick: number;
  call: number;
  /** SCMI mode: guest memory and ring, and the requests already written in it. */
  memFd?: number;
  memSize?: number;
  ring?: { size: number; desc: number; avail: number; used: number };
  requests?: { gpa: number; len: number; rsp: number }[];
}

// deno-lint-ignore no-explicit-any
const scope = self as any;
let setup: BenchSetup;
let mem: TestGuestMemory | null = null;
let ring: DriverRing | null = null;
let next = 0;
const one = new Uint8Array(new ArrayBuffer(8));
one[0] = 1;
const sink = new Uint8Array(new ArrayBuffer(8));
const pfd = new Uint8Array(new ArrayBuffer(8));

function roundTrip(): void {
  const l = libc();
  if (ring !== null) {
    const reqs = setup.requests!;
    const r = reqs[next++ % reqs.length];
    ring.add([{ gpa: r.gpa, len: r.len, write: false }, { gpa: r.rsp, len: 136, write: true }]);
  }
  l.write(setup.kick, one, 8n);
  for (;;) {
    l.poll(pfd, 1n, 1000);
    if (l.read(setup.call, sink, 8n) === 8n) break;
  }
  if (ring !== null && ring.takeUsed().length !== 1) throw new Error("Expected one used buffer");
}

scope.onmessage = (e: MessageEvent) => {
  const m = e.data;
  if (m.setup) {
    setup = m.setup as BenchSetup;
    const dv = new DataView(pfd.buffer);
    dv.setInt32(0, setup.call, true);
    dv.setInt16(4, C.POLLIN, true);
    if (setup.memFd !== undefined) {
      mem = new TestGuestMemory(setup.memSize!, undefined, setup.memFd);
      // A fresh ring: the main thread only set it up, nothing was posted yet.
      ring = new DriverRing(mem, setup.ring!);
    }
    scope.postMessage({ ready: true });
    return;
  }
  const t0 = performance.now();
  for (let i = 0; i < m.n; i++) roundTrip();
  const status = ring === null ? 0 : mem!.dv.getInt32(
    setup.requests![(next - 1) % setup.requests!.length].rsp - mem!.gpa + 4,
    true,
  );
  scope.postMessage({ ms: performance.now() - t0, status });
};
