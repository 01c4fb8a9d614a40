/**
 * The vhost-user back-end against a front-end written here (memfd guest memory, eventfds,
 * descriptors passed with sendmsg), with a recording device model: every request type,
 * malformed messages, ring misuse, and the server going on after a dropped connection.
 */
import { assert, assertEquals } from "../../core/_assert_test.ts";
import { Logger } from "../../core/log.ts";
import { PROTOCOL_FEATURES } from "./backend.ts";
import type { BackendDevice, RingConfig } from "./device.ts";
import type { MappedRegion } from "./mem_table.ts";
import {
  Frontend,
  GUEST_BASE,
  NEED_REPLY,
  P,
  readable,
  RingFds,
  ringLayout,
  startUp,
  TestGuestMemory,
} from "./_frontend.ts";
import { bit, FeatureBit, ProtocolBit, Req } from "./protocol.ts";
import { type EndpointOptions, VhostUserEndpoint } from "./server.ts";
import { ManualClock } from "../../core/timer_clock.ts";
import { turn, until } from "../../core/_wait_test.ts";

const VERSION_1 = bit(FeatureBit.VERSION_1);
const P2A = bit(FeatureBit.SCMI_P2A_CHANNELS);
const PROTO = bit(FeatureBit.PROTOCOL_FEATURES);

/** A device model that records what the back-end asks of it. */
class RecordingDevice implements BackendDevice {
  readonly features = VERSION_1 | P2A;
  readonly queues = 2;
  readonly events: string[] = [];
  negotiated = -1n;
  regions: readonly MappedRegion[] = [];
  readonly rings = new Map<number, { cfg: RingConfig; signal: () => void }>();
  /** What stopQueue answers per ring. */
  readonly next = new Map<number, number>();

  setFeatures(f: bigint): void {
    this.negotiated = f;
    this.events.push(`features ${f.toString(16)}`);
  }
  setMemory(regions: readonly MappedRegion[]): void {
    this.regions = regions;
    this.events.push(`memory ${regions.length}`);
  }
  startQueue(index: number, cfg: RingConfig, signal: () => void): void {
    this.rings.set(index, { cfg, signal });
    this.events.push(`start ${index}`);
  }
  stopQueue(index: number): number {
    this.rings.delete(index);
    this.events.push(`stop ${index}`);
    return this.next.get(index) ?? 0;
  }
  kick(index: number): void {
    this.events.push(`kick ${index}`);
  }
  reset(how: "end" | "close" = "end"): void {
    this.events.push(`reset ${how}`);
  }
}

interface Setup {
  dir: string;
  path: string;
  ep: VhostUserEndpoint;
  devices: RecordingDevice[];
  logs: string[];
  close(): Promise<void>;
}

async function serve(extra: Partial<EndpointOptions> = {}): Promise<Setup> {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-vu-" });
  const path = `${dir}/vm.sock`;
  const logs: string[] = [];
  const log = new Logger();
  log.level = "debug";
  log.sink = (_l, line) => logs.push(line);
  const devices: RecordingDevice[] = [];
  const ep = await VhostUserEndpoint.start({
    path,
    mode: "server",
    agent: "vm1",
    log,
    createDevice: () => {
      const d = new RecordingDevice();
      devices.push(d);
      return d;
    },
    ...extra,
  });
  return {
    dir,
    path,
    ep,
    devices,
    logs,
    async close() {
      await ep.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

const XEN = bit(ProtocolBit.XEN_MMAP);

/** The test guest's memory as one foreign region of domain 5. */
function xenRegion(mem: TestGuestMemory, over: Partial<{ flags: number; domid: number }> = {}) {
  return { gpa: mem.gpa, size: mem.size, uva: mem.uva(mem.gpa), flags: 1, domid: 5, ...over };
}

/** Waits for the back-end to reach `cond` (see `until`). */
const settle = (cond: () => boolean) => until(cond, "the back-end");

Deno.test("GET_FEATURES → VERSION_1 | P2A_CHANNELS | PROTOCOL_FEATURES; protocol features MQ, REPLY_ACK, RESET_DEVICE (and XEN_MMAP for a Xen front-end only)", async () => {
  for (const xen of [false, true]) {
    const s = await serve({ xen });
    const fe = await Frontend.connect(s.path);
    try {
      assertEquals(await fe.getU64(Req.GET_FEATURES), VERSION_1 | P2A | PROTO);
      assertEquals(
        await fe.getU64(Req.GET_PROTOCOL_FEATURES),
        bit(ProtocolBit.MQ) | bit(ProtocolBit.REPLY_ACK) | bit(ProtocolBit.RESET_DEVICE) |
          (xen ? XEN : 0n),
      );
    } finally {
      fe.close();
      await s.close();
    }
  }
  assertEquals(PROTOCOL_FEATURES, 0b10_0000_0000_1001n);
});

Deno.test("QEMU outside Xen acknowledging every offered bit → plain regions served (XEN_MMAP never offered)", async () => {
  const s = await serve();
  const mem = new TestGuestMemory();
  const fe = await Frontend.connect(s.path);
  try {
    // QEMU 10 sets every protocol bit it knows of those offered, XEN_MMAP among them.
    fe.send(Req.SET_PROTOCOL_FEATURES, P.u64(await fe.getU64(Req.GET_PROTOCOL_FEATURES)));
    fe.send(
      Req.SET_MEM_TABLE,
      P.memTable([{ gpa: mem.gpa, size: mem.size, uva: mem.uva(mem.gpa) }]),
      [mem.fd],
    );
    assertEquals(await fe.getU64(Req.GET_FEATURES), VERSION_1 | P2A | PROTO, "still connected");
  } finally {
    fe.close();
    await s.close();
    mem.close();
  }
});

Deno.test("QEMU start-up sequence → memory mapped, rings translated to guest-physical, started", async () => {
  const s = await serve();
  const mem = new TestGuestMemory();
  const fe = await Frontend.connect(s.path);
  try {
    const rings = await startUp(fe, mem, 16);
    const d = s.devices[0];
    assertEquals(d.negotiated, VERSION_1 | P2A);
    assertEquals(d.regions.length, 1);
    assertEquals(d.regions[0].gpa, GUEST_BASE);
    // The back-end's mapping shares the memfd with ours.
    mem.bytes[0x1234] = 0x5a;
    assertEquals(d.regions[0].bytes[0x1234], 0x5a);
    const l0 = ringLayout(0, 16);
    assertEquals(d.rings.get(0)!.cfg, {
      size: 16,
      desc: l0.desc,
      avail: l0.avail,
      used: l0.used,
      base: 0,
    });
    assertEquals(d.events.filter((e) => e.startsWith("start")), ["start 0", "start 1"]);
    // A kick reaches the device; signal() writes the call eventfd.
    rings[0].ring();
    await settle(() => d.events.filter((e) => e === "kick 0").length >= 2);
    d.rings.get(0)!.signal();
    assertEquals(await rings[0].waitCall(), 1);
    rings.forEach((r) => r.close());
  } finally {
    fe.close();
    await s.close();
    mem.close();
  }
});

Deno.test("Xen front-end (XEN_MMAP acknowledged) → 40-byte foreign region mapped through the privcmd ioctl, rings started", async () => {
  const calls: { fd: number; request: bigint; head: number[]; frames: number }[] = [];
  const s = await serve({
    xen: true,
    xenIoctl: (fd, request, arg) => {
      const dv = new DataView(arg.buffer, arg.byteOffset);
      calls.push({ fd, request, head: [...arg.subarray(0, 8)], frames: dv.getUint32(0, true) });
      return 0;
    },
  });
  const mem = new TestGuestMemory();
  const fe = await Frontend.connect(s.path);
  try {
    const rings = await startUp(fe, mem, 16, { flags: 1, domid: 5 });
    const d = s.devices[0];
    assertEquals(calls.length, 1);
    assertEquals(calls[0].request, 0x205004n);
    // 256 frames (1 MiB) of domain 5.
    assertEquals(calls[0].head, [0, 1, 0, 0, 5, 0, 0, 0]);
    assertEquals(d.regions.length, 1);
    assertEquals(d.regions[0].gpa, GUEST_BASE);
    assertEquals(d.regions[0].size, mem.size);
    // The memfd standing in for privcmd: the back-end sees the guest's bytes.
    mem.bytes[0x2345] = 0x6b;
    assertEquals(d.regions[0].bytes[0x2345], 0x6b);
    assertEquals(d.rings.get(0)!.cfg.desc, ringLayout(0, 16).desc);
    assertEquals(d.events.filter((e) => e.startsWith("start")), ["start 0", "start 1"]);
    // The log says which domain is behind the socket.
    assert(
      s.logs.includes('Agent "vm1": vhost-user memory of Xen domain 5 mapped'),
      s.logs.join("\n"),
    );
    rings.forEach((r) => r.close());
  } finally {
    fe.close();
    await s.close();
    mem.close();
  }
});

Deno.test("GET_VRING_BASE → ring stopped, next index answered; all stopped → device reset", async () => {
  const s = await serve();
  const mem = new TestGuestMemory();
  const fe = await Frontend.connect(s.path);
  try {
    const rings = await startUp(fe, mem);
    const d = s.devices[0];
    d.next.set(0, 7);
    fe.send(Req.GET_VRING_BASE, P.state(0, 0));
    const r = await fe.reply();
    assertEquals([r.request, r.flags, r.payload.getUint32(0, true), r.payload.getUint32(4, true)], [
      Req.GET_VRING_BASE,
      0x5,
      0,
      7,
    ]);
    assert(!d.events.some((e) => e.startsWith("reset")), "reset while the eventq still runs");
    fe.send(Req.GET_VRING_BASE, P.state(1, 0));
    await fe.reply();
    // Every ring stopped (guest reset or reboot): an explicit end of the session.
    assertEquals(d.events.slice(-3), ["stop 0", "stop 1", "reset end"]);
    // A kick on the stopped ring is not delivered (its eventfd was let go).
    rings[0].ring();
    await turn();
    assertEquals(d.events.at(-1), "reset end");
    // Guest reboot: the rings come back with a new table at the saved base.
    fe.send(
      Req.SET_MEM_TABLE,
      P.memTable([{ gpa: mem.gpa, size: mem.size, uva: mem.uva(mem.gpa) }]),
      [mem.fd],
      NEED_REPLY,
    );
    await fe.reply();
    const l = ringLayout(0, 8);
    fe.send(Req.SET_VRING_BASE, P.state(0, 7));
    fe.send(Req.SET_VRING_ADDR, P.addr(0, mem.uva(l.desc), mem.uva(l.used), mem.uva(l.avail)));
    const fds = new RingFds();
    fe.send(Req.SET_VRING_KICK, P.u64(0), [fds.kick.fd]);
    fe.send(Req.SET_VRING_ENABLE, P.state(0, 1), [], NEED_REPLY);
    await fe.reply();
    assertEquals(d.rings.get(0)!.cfg.base, 7);
    rings.forEach((r) => r.close());
    fds.close();
  } finally {
    fe.close();
    await s.close();
    mem.close();
  }
});

Deno.test("SET_VRING_ENABLE(0) holds a ring; kicks before set-up are ignored with one log line", async () => {
  const s = await serve();
  const fe = await Frontend.connect(s.path);
  const fds = new RingFds();
  try {
    await fe.getU64(Req.GET_FEATURES);
    fe.send(Req.SET_FEATURES, P.u64(VERSION_1 | PROTO));
    fe.send(Req.SET_VRING_KICK, P.u64(0), [fds.kick.fd]);
    fds.ring();
    fds.ring();
    await settle(() => s.logs.some((l) => l.includes("kicked before it was set up")));
    fds.ring();
    await settle(() => !readable(fds.kick.fd)); // the back-end drains the kick eventfd
    assertEquals(s.logs.filter((l) => l.includes("kicked before")).length, 1);
    assertEquals(s.devices[0].events.filter((e) => e.startsWith("kick")), []);
    assert(s.ep.connection !== null, "the connection stays up");
  } finally {
    fds.close();
    fe.close();
    await s.close();
  }
});

Deno.test("RESET_OWNER and RESET_DEVICE → rings stopped, device reset, features cleared", async () => {
  for (const req of [Req.RESET_OWNER, Req.RESET_DEVICE]) {
    const s = await serve();
    const mem = new TestGuestMemory();
    const fe = await Frontend.connect(s.path);
    try {
      const rings = await startUp(fe, mem);
      fe.send(req, undefined, [], NEED_REPLY);
      assertEquals((await fe.reply()).payload.getBigUint64(0, true), 0n);
      const d = s.devices[0];
      assertEquals(d.events.slice(-3), ["stop 0", "stop 1", "reset end"]);
      rings.forEach((r) => r.close());
    } finally {
      fe.close();
      await s.close();
      mem.close();
    }
  }
});

/** Each entry: a malformed exchange and the text the log line must contain. */
const MALFORMED: [string, (fe: Frontend, mem: TestGuestMemory) => void, string][] = [
  ["unknown request 99", (fe) => fe.send(99), "unsupported request 99"],
  ["SET_LOG_BASE (not offered)", (fe) => fe.send(Req.SET_LOG_BASE, P.u64(0)), "SET_LOG_BASE"],
  ["GET_FEATURES with a payload", (fe) => fe.send(Req.GET_FEATURES, P.u64(0)), "expected 0"],
  ["SET_FEATURES with 4 bytes", (fe) => fe.send(Req.SET_FEATURES, new Uint8Array(4)), "expected 8"],
  [
    "SET_FEATURES with a bit not offered",
    (fe) => fe.send(Req.SET_FEATURES, P.u64(1n << 35n)),
    "not offered",
  ],
  ["version 2 header", (fe) => fe.send(Req.GET_FEATURES, undefined, [], 2), "version 2"],
  [
    "payload size above the limit",
    (fe) => fe.send(Req.SET_OWNER, new Uint8Array(400)),
    "400-byte payload (at most 328)",
  ],
  [
    "SET_MEM_TABLE without its descriptor",
    (fe, mem) =>
      fe.send(Req.SET_MEM_TABLE, P.memTable([{ gpa: mem.gpa, size: mem.size, uva: 0n }])),
    "0 file descriptors",
  ],
  [
    "SET_MEM_TABLE with 9 regions",
    (fe) => {
      const t = new Uint8Array(8 + 32 * 8);
      new DataView(t.buffer).setUint32(0, 9, true);
      fe.send(Req.SET_MEM_TABLE, t);
    },
    "9 regions",
  ],
  [
    "SET_MEM_TABLE larger than the file",
    (fe, mem) =>
      fe.send(
        Req.SET_MEM_TABLE,
        P.memTable([{ gpa: mem.gpa, size: 1 << 30, uva: 0n }]),
        [mem.fd],
      ),
    "Cannot map region 0",
  ],
  [
    "SET_VRING_KICK without a descriptor nor NOFD",
    (fe) => fe.send(Req.SET_VRING_KICK, P.u64(0)),
    "expected 1",
  ],
  [
    "SET_VRING_KICK with NOFD (polling)",
    (fe) => fe.send(Req.SET_VRING_KICK, P.u64(0x100)),
    "polled ring",
  ],
  ["SET_VRING_NUM for ring 2", (fe) => fe.send(Req.SET_VRING_NUM, P.state(2, 8)), "ring 2"],
  ["SET_VRING_NUM 3", (fe) => fe.send(Req.SET_VRING_NUM, P.state(0, 3)), "power of 2"],
  [
    "SET_OWNER with a descriptor",
    (fe, mem) => fe.send(Req.SET_OWNER, undefined, [mem.fd]),
    "came with 1",
  ],
  [
    "ring addresses outside the shared memory",
    (fe, mem) => {
      fe.send(
        Req.SET_MEM_TABLE,
        P.memTable([{ gpa: mem.gpa, size: mem.size, uva: mem.uva(mem.gpa) }]),
        [mem.fd],
      );
      fe.send(Req.SET_VRING_NUM, P.state(0, 8));
      fe.send(Req.SET_VRING_ADDR, P.addr(0, mem.uva(mem.gpa + mem.size), 0n, 0n));
    },
    "not inside the shared memory",
  ],
  [
    "GET_QUEUE_NUM before MQ was negotiated",
    (fe) => fe.send(Req.GET_QUEUE_NUM),
    "protocol feature",
  ],
  [
    "Xen regions (40 bytes) without XEN_MMAP negotiated",
    (fe, mem) => fe.send(Req.SET_MEM_TABLE, P.memTableXen([xenRegion(mem)]), [mem.fd]),
    "carries 48 bytes (expected 40)",
  ],
  [
    "XEN_MMAP negotiated, plain 32-byte regions",
    (fe, mem) => {
      fe.send(Req.SET_PROTOCOL_FEATURES, P.u64(XEN));
      fe.send(
        Req.SET_MEM_TABLE,
        P.memTable([{ gpa: mem.gpa, size: mem.size, uva: mem.uva(mem.gpa) }]),
        [mem.fd],
      );
    },
    "1 Xen regions carries 40 bytes (expected 48)",
  ],
  [
    "a Xen region of reserved domain 0x7ff0 (DOMID_SELF)",
    (fe, mem) => {
      fe.send(Req.SET_PROTOCOL_FEATURES, P.u64(XEN));
      fe.send(Req.SET_MEM_TABLE, P.memTableXen([xenRegion(mem, { domid: 0x7ff0 })]), [mem.fd]);
    },
    "Cannot map region 0 (1048576 bytes at guest-physical 0x40000000): Xen domain 32752 is not a guest's",
  ],
  [
    "a grant region to be mapped on demand (xen-vhost-frontend's 0x2 | 0x8)",
    (fe, mem) => {
      fe.send(Req.SET_PROTOCOL_FEATURES, P.u64(XEN));
      fe.send(Req.SET_MEM_TABLE, P.memTableXen([xenRegion(mem, { flags: 0xa })]), [mem.fd]);
    },
    "Xen mmap flags 0xa ask for mapping on demand only",
  ],
  [
    "a foreign region whose descriptor is no privcmd (the native ioctl on a memfd)",
    (fe, mem) => {
      fe.send(Req.SET_PROTOCOL_FEATURES, P.u64(XEN));
      fe.send(Req.SET_MEM_TABLE, P.memTableXen([xenRegion(mem)]), [mem.fd]);
    },
    "Xen domain 5: foreign mapping of 256 pages refused: Inappropriate ioctl for device",
  ],
];

for (const [name, act, text] of MALFORMED) {
  Deno.test(`${name} → connection dropped with a log line; the server serves the next one`, async () => {
    const s = await serve({ xen: true });
    const mem = new TestGuestMemory();
    const fe = await Frontend.connect(s.path);
    try {
      act(fe, mem);
      assert(await fe.closedByPeer(), "the back-end should drop the connection");
      const line = s.logs.find((l) => l.includes("vhost-user connection dropped"));
      assert(line !== undefined, `no log line in ${JSON.stringify(s.logs)}`);
      assert(line.includes('Agent "vm1"'), line);
      assert(line.includes(text), `"${line}" should mention "${text}"`);
      await settle(() => s.ep.connection === null);
      const fe2 = await Frontend.connect(s.path);
      assertEquals(await fe2.getU64(Req.GET_FEATURES), VERSION_1 | P2A | PROTO);
      fe2.close();
    } finally {
      fe.close();
      await s.close();
      mem.close();
    }
  });
}

Deno.test("a second front-end while one is connected → refused, logged once; the first keeps working", async () => {
  const s = await serve();
  const fe = await Frontend.connect(s.path);
  try {
    await fe.getU64(Req.GET_FEATURES);
    for (let i = 0; i < 3; i++) {
      const again = await Frontend.connect(s.path);
      assert(await again.closedByPeer(), "second connection refused");
      again.close();
    }
    assertEquals(
      s.logs.filter((l) => l.includes("refused a second vhost-user connection")).length,
      1,
    );
    assertEquals(await fe.getU64(Req.GET_FEATURES), VERSION_1 | P2A | PROTO);
  } finally {
    fe.close();
    await s.close();
  }
});

Deno.test("a message left incomplete → dropped when due, logged with agent and socket; the next front-end is served", async () => {
  const clock = new ManualClock();
  const s = await serve({ clock, frameTimeoutMs: 300 });
  const fe = await Frontend.connect(s.path);
  try {
    // A whole GET_FEATURES, then 7 of the next header's 12 bytes, in one write. When the
    // reply is here the back-end has read the partial header too.
    const half = new Uint8Array(12 + 7);
    new DataView(half.buffer).setUint32(0, Req.GET_FEATURES, true);
    new DataView(half.buffer).setUint32(4, 1, true);
    fe.sock.send(half);
    assertEquals((await fe.reply()).request, Req.GET_FEATURES);
    clock.advance(299);
    assert(s.ep.connection !== null);
    clock.advance(1);
    assertEquals(s.ep.connection, null);
    assert(await fe.closedByPeer());
    const line = s.logs.find((l) => l.includes("stayed incomplete"));
    assertEquals(
      line,
      `Agent "vm1": vhost-user connection dropped: a message stayed incomplete for 300 ms on ${s.path}`,
    );
    const fe2 = await Frontend.connect(s.path);
    assertEquals(await fe2.getU64(Req.GET_FEATURES), VERSION_1 | P2A | PROTO);
    fe2.close();
  } finally {
    fe.close();
    await s.close();
  }
});

Deno.test("a front-end silent since it connected → yields to the next one after the timeout; one that spoke keeps the slot", async () => {
  const clock = new ManualClock();
  const s = await serve({ clock, frameTimeoutMs: 300 });
  const silent = await Frontend.connect(s.path);
  try {
    await settle(() => s.ep.connection !== null);
    clock.advance(300);
    const qemu = await Frontend.connect(s.path);
    assertEquals(await qemu.getU64(Req.GET_FEATURES), VERSION_1 | P2A | PROTO);
    assert(await silent.closedByPeer(), "the silent connection gave way");
    assert(s.logs.some((l) => l.includes("it sent nothing in 300 ms")), s.logs.join("\n"));
    clock.advance(100 * 300);
    const third = await Frontend.connect(s.path);
    assert(await third.closedByPeer(), "a front-end that spoke keeps its slot");
    third.close();
    assertEquals(await qemu.getU64(Req.GET_FEATURES), VERSION_1 | P2A | PROTO);
    qemu.close();
  } finally {
    silent.close();
    await s.close();
  }
});

Deno.test("front-end disconnect → device reset as a closed channel (grace applies), memory unmapped, next connection gets a new device", async () => {
  const s = await serve();
  const mem = new TestGuestMemory();
  const fe = await Frontend.connect(s.path);
  try {
    const rings = await startUp(fe, mem);
    fe.close();
    await settle(() => s.ep.connection === null);
    assertEquals(s.devices[0].events.slice(-3), ["stop 0", "stop 1", "reset close"]);
    assert(s.logs.some((l) => l.includes("front-end disconnected")));
    const fe2 = await Frontend.connect(s.path);
    await startUp(fe2, mem).then((r) => r.forEach((x) => x.close()));
    assertEquals(s.devices.length, 2);
    fe2.close();
    rings.forEach((r) => r.close());
  } finally {
    await s.close();
    mem.close();
  }
});

Deno.test("client mode → connects to the front-end's socket and reconnects after it goes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-vu-" });
  const path = `${dir}/qemu.sock`;
  const { listenUnix, acceptUnix } = await import("../native/socket.ts");
  const { closeFd } = await import("../native/libc.ts");
  const lfd = listenUnix(path);
  const log = new Logger();
  log.sink = () => {};
  const ep = await VhostUserEndpoint.start({
    path,
    mode: "client",
    agent: "vm1",
    log,
    reconnectMs: 10,
    createDevice: () => new RecordingDevice(),
  });
  try {
    const accept = async () => {
      let fd = -1;
      await settle(() => (fd = acceptUnix(lfd)) >= 0);
      return new Frontend(fd);
    };
    const fe = await accept();
    assertEquals(await fe.getU64(Req.GET_FEATURES), VERSION_1 | P2A | PROTO);
    fe.close();
    const again = await accept();
    assertEquals(await again.getU64(Req.GET_FEATURES), VERSION_1 | P2A | PROTO);
    assertEquals(ep.connections, 2);
    again.close();
  } finally {
    await ep.close();
    closeFd(lfd);
    await Deno.remove(dir, { recursive: true });
  }
});
