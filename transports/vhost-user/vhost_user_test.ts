/**
 * The vhost-user transport end to end inside one process: `examples/qemu-vhost-user` served
 * with `startServer`, a front-end written in the test suite (memfd guest memory, eventfds)
 * posting SCMI commands on the cmdq and buffers on the eventq. Expected bytes are written
 * from the SCMI layouts (DEN0056 §4.2 Base, §4.8 Reset) and the virtio rule that the used
 * length is the reply's byte count.
 */
import { assert, assertEquals, assertThrows } from "../../core/_assert_test.ts";
import { until } from "../../core/_wait_test.ts";
import { Logger } from "../../core/log.ts";
import { loadDeployment } from "../../server/manifest/mod.ts";
import { type Server, startServer } from "../../server/serve.ts";
import {
  bufferBase,
  DriverRing,
  Frontend,
  P,
  RingFds,
  ringLayout,
  startUp,
  TestGuestMemory,
} from "../../bindings/vhost-user/_frontend.ts";
import { Req } from "../../bindings/vhost-user/protocol.ts";
import { checkVhostUserOptions, vhostUserTransport } from "./mod.ts";
import { isOptionError } from "../../core/options.ts";
import { checkTransportOptions } from "../../core/transport.ts";
import { BUILTINS } from "../../builtins.ts";

const MANIFEST = new URL("../../examples/qemu-vhost-user/vscmi.toml", import.meta.url).pathname;

/** SCMI header: message id 7:0, type 9:8, protocol 17:10, token 27:18. */
function hdr(msg: number, proto: number, token: number, type = 0): number {
  return (msg | (type << 8) | (proto << 10) | (token << 18)) >>> 0;
}

interface Guest {
  server: Server;
  dir: string;
  mem: TestGuestMemory;
  fe: Frontend;
  fds: RingFds[];
  cmdq: DriverRing;
  eventq: DriverRing;
  logs: string[];
  close(): Promise<void>;
}

async function boot(agent = "vm1"): Promise<Guest> {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-vut-" });
  const logs: string[] = [];
  const log = new Logger();
  log.sink = (_l, line) => logs.push(line);
  const server = await startServer(await loadDeployment(MANIFEST, BUILTINS), { runDir: dir, log });
  const mem = new TestGuestMemory();
  const fe = await Frontend.connect(`${dir}/${agent}.sock`);
  const fds = await startUp(fe, mem, 8);
  return {
    server,
    dir,
    mem,
    fe,
    fds,
    cmdq: new DriverRing(mem, ringLayout(0, 8)),
    eventq: new DriverRing(mem, ringLayout(1, 8)),
    logs,
    async close() {
      fe.close();
      await server.close();
      fds.forEach((f) => f.close());
      mem.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** Writes `words` as a request at `at`, posts [request, 136-byte response], kicks. */
function command(g: Guest, words: number[], slot: number): { req: number; rsp: number } {
  const req = bufferBase(0) + 0x200 * slot;
  const rsp = req + 0x100;
  words.forEach((w, i) => g.mem.dv.setUint32(req - g.mem.gpa + 4 * i, w, true));
  g.mem.bytes.fill(0xee, rsp - g.mem.gpa, rsp - g.mem.gpa + 136);
  g.cmdq.add([{ gpa: req, len: 4 * words.length, write: false }, {
    gpa: rsp,
    len: 136,
    write: true,
  }]);
  g.fds[0].ring();
  return { req, rsp };
}

function words(g: Guest, gpa: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => g.mem.dv.getUint32(gpa - g.mem.gpa + 4 * i, true));
}

Deno.test("Base PROTOCOL_VERSION through the rings → 12-byte reply, used length 12, call signalled", async () => {
  const g = await boot();
  try {
    const { rsp } = command(g, [hdr(0x0, 0x10, 5)], 0);
    await g.fds[0].waitCall();
    assertEquals(g.cmdq.takeUsed(), [{ id: 0, len: 12 }]);
    assertEquals(words(g, rsp, 3), [hdr(0x0, 0x10, 5), 0, 0x0002_0001]);
    // Nothing past the used length was written.
    assertEquals(g.mem.bytes[rsp - g.mem.gpa + 12], 0xee);
  } finally {
    await g.close();
  }
});

Deno.test("BASE_DISCOVER_VENDOR and an unknown protocol → vendor name; NOT_SUPPORTED in 8 bytes", async () => {
  const g = await boot();
  try {
    const a = command(g, [hdr(0x3, 0x10, 1)], 0);
    const b = command(g, [hdr(0x0, 0x42, 2)], 1);
    await g.fds[0].waitCall();
    let used = g.cmdq.takeUsed();
    if (used.length < 2) {
      await g.fds[0].waitCall();
      used = used.concat(g.cmdq.takeUsed());
    }
    assertEquals(used, [{ id: 0, len: 24 }, { id: 2, len: 8 }]);
    // "vscmi" NUL-padded to 16 bytes.
    // "vscmi": bytes 76 73 63 6d 69, then NULs; as little-endian words 0x6d637376, 0x69.
    assertEquals(words(g, a.rsp, 6), [hdr(0x3, 0x10, 1), 0, 0x6d63_7376, 0x69, 0, 0]);
    assertEquals(words(g, b.rsp, 2), [hdr(0x0, 0x42, 2), 0xffff_ffff]);
  } finally {
    await g.close();
  }
});

Deno.test("async RESET on gpu_rst → 8-byte reply on the cmdq, RESET_COMPLETE on the eventq", async () => {
  const g = await boot();
  try {
    // Post two eventq buffers of 136 bytes, as Linux does, and tell the device.
    const ev = bufferBase(1);
    g.eventq.add([{ gpa: ev, len: 136, write: true }]);
    g.eventq.add([{ gpa: ev + 0x100, len: 136, write: true }]);
    g.fds[1].ring();
    // vm1's reset ids: 0 uart0_rst, 1 i2c0_rst, 2 gpu_rst (async). flags: autonomous | async.
    const { rsp } = command(g, [hdr(0x4, 0x16, 9), 2, 0b101, 0], 0);
    await g.fds[0].waitCall();
    assertEquals(g.cmdq.takeUsed(), [{ id: 0, len: 8 }]);
    assertEquals(words(g, rsp, 2), [hdr(0x4, 0x16, 9), 0]);
    await g.fds[1].waitCall();
    assertEquals(g.eventq.takeUsed(), [{ id: 0, len: 12 }]);
    // Delayed response: same message id and token, type 2; status, domain id.
    assertEquals(words(g, ev, 3), [hdr(0x4, 0x16, 9, 2), 0, 2]);
  } finally {
    await g.close();
  }
});

Deno.test("guest reboot (GET_VRING_BASE, new table, rings again) → the next command is served", async () => {
  const g = await boot();
  try {
    command(g, [hdr(0x0, 0x10, 1)], 0);
    await g.fds[0].waitCall();
    g.cmdq.takeUsed();
    const sessions = () => [...g.server.platform.sessions].filter((s) => s.agent.name === "vm1");
    assertEquals(sessions().length, 1);
    for (const i of [0, 1]) {
      g.fe.send(Req.GET_VRING_BASE, P.state(i, 0));
      const r = await g.fe.reply();
      assertEquals(r.payload.getUint32(4, true), i === 0 ? 1 : 0);
    }
    // Every ring stopped: the agent's session has ended.
    assertEquals(sessions().length, 0);
    const l = ringLayout(0, 8);
    g.fe.send(Req.SET_VRING_BASE, P.state(0, 1));
    g.fe.send(
      Req.SET_VRING_ADDR,
      P.addr(0, g.mem.uva(l.desc), g.mem.uva(l.used), g.mem.uva(l.avail)),
    );
    const kick = new RingFds();
    g.fe.send(Req.SET_VRING_KICK, P.u64(0), [kick.kick.fd]);
    g.fe.send(Req.SET_VRING_CALL, P.u64(0), [kick.call.fd]);
    g.fe.send(Req.SET_VRING_ENABLE, P.state(0, 1), [], 0x9);
    await g.fe.reply();
    assertEquals(sessions().length, 1);
    const { rsp } = command(g, [hdr(0x0, 0x10, 2)], 1);
    kick.ring();
    await kick.waitCall();
    assertEquals(g.cmdq.takeUsed(), [{ id: 2, len: 12 }]);
    assertEquals(words(g, rsp, 3), [hdr(0x0, 0x10, 2), 0, 0x0002_0001]);
    kick.close();
  } finally {
    await g.close();
  }
});

Deno.test("front-end disconnect → the agent's session ends, vm2 keeps being served", async () => {
  const g = await boot();
  const mem2 = new TestGuestMemory();
  let fe2: Frontend | null = null;
  try {
    fe2 = await Frontend.connect(`${g.dir}/vm2.sock`);
    const fds2 = await startUp(fe2, mem2, 8);
    const byAgent = (n: string) =>
      [...g.server.platform.sessions].filter((s) => s.agent.name === n).length;
    assertEquals([byAgent("vm1"), byAgent("vm2")], [1, 1]);
    g.fe.close();
    await until(() => byAgent("vm1") === 0, "vm1's session to end");
    assertEquals([byAgent("vm1"), byAgent("vm2")], [0, 1]);
    // vm2 sees its own clocks: CLOCK PROTOCOL_ATTRIBUTES → 6 clocks.
    const ring = new DriverRing(mem2, ringLayout(0, 8));
    const req = bufferBase(0);
    mem2.dv.setUint32(req - mem2.gpa, hdr(0x1, 0x14, 3), true);
    ring.add([{ gpa: req, len: 4, write: false }, { gpa: req + 0x100, len: 136, write: true }]);
    fds2[0].ring();
    await fds2[0].waitCall();
    assertEquals(ring.takeUsed(), [{ id: 0, len: 12 }]);
    assertEquals(mem2.dv.getUint32(req + 0x100 - mem2.gpa + 8, true) & 0xffff, 6);
    fds2.forEach((f) => f.close());
  } finally {
    fe2?.close();
    await g.close();
    mem2.close();
  }
});

Deno.test("vhost-user options → defaults, relative paths kept for the run dir, bad ones refused", () => {
  assertEquals(checkVhostUserOptions("vm1", {}), {
    path: "vm1.sock",
    mode: "server",
    reconnectMs: 1000,
    frameTimeoutMs: 2000,
    xen: false,
  });
  assertEquals(
    checkVhostUserOptions("vm1", {
      path: "q/x.sock",
      mode: "client",
      reconnect_ms: 50n,
      frame_timeout_ms: 300,
      xen: true,
    }),
    { path: "q/x.sock", mode: "client", reconnectMs: 50, frameTimeoutMs: 300, xen: true },
  );
  const bad: [Record<string, unknown>, string][] = [
    [{ mode: "both" }, "mode"],
    [{ reconnect_ms: 5 }, "reconnect_ms"],
    [{ path: "" }, "path"],
    [{ path: `/${"x".repeat(120)}.sock` }, "path"],
    [{ frame_timeout_ms: 0 }, "frame_timeout_ms"],
    [{ frame_timeout_ms: 60_001 }, "frame_timeout_ms"],
    [{ xen: "yes" }, "xen"],
  ];
  for (const [options, option] of bad) {
    let threw: unknown;
    try {
      checkVhostUserOptions("vm1", options);
    } catch (e) {
      threw = e;
    }
    assert(isOptionError(threw), `options ${JSON.stringify(options)} should be refused`);
    assertEquals(threw.option, option);
  }
  // Names no option declares are the shared declaration's to refuse.
  assertThrows(
    () => checkTransportOptions(vhostUserTransport, { socket: "x" }, "vm1"),
    TypeError,
    'Agent "vm1": "vhost-user" transport: socket: Expected an option of the "vhost-user" ' +
      'transport ("path", "mode", "reconnect_ms", "frame_timeout_ms", "xen"), got "socket"',
  );
  assertEquals(
    checkTransportOptions(vhostUserTransport, { mode: "client", path: "q.sock" }, "vm1"),
    {},
    "in client mode vscmi listens on nothing",
  );
  assertEquals(checkTransportOptions(vhostUserTransport, {}, "vm1"), {
    listens: [{ address: "unix:vm1.sock", option: undefined }],
  });
});
