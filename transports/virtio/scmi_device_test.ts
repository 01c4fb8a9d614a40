/**
 * The virtio-scmi device against an in-memory guest laid out like Linux's driver: Base
 * commands through the real plugin (expected bytes written by hand from the Base layouts),
 * and a small demo protocol for blocking handlers, notifications and delayed responses.
 */
import { assert, assertEquals } from "../../core/_assert_test.ts";
import { ManualClock } from "../../core/timer_clock.ts";
import { Agent } from "../../core/agent.ts";
import { emptyBoard } from "../../core/board.ts";
import { encodeHeader, headerToken } from "../../core/header.ts";
import { Platform } from "../../core/platform.ts";
import { defineProtocol } from "../../core/protocol.ts";
import { fixture, hex } from "../../tests/harness.ts";
import { FeatureBit, featureMask, ScmiQueue } from "./features.ts";
import { GuestQueue, GuestRam, type Part, words } from "./_driver_test.ts";
import { DELAYED_HOLD_MAX_MS, VirtioScmiDevice } from "./scmi_device.ts";
import { sessionOpener } from "../../core/session_port.ts";
import { turn } from "../../core/_wait_test.ts";

const P2A = featureMask(FeatureBit.SCMI_P2A_CHANNELS);
const VERSION_1 = featureMask(FeatureBit.VERSION_1);
const INDIRECT = featureMask(FeatureBit.RING_INDIRECT_DESC);
const EVENT_IDX = featureMask(FeatureBit.RING_EVENT_IDX);

/** A guest with a cmdq and an eventq of `size` entries, and a started device. */
function guest(platform: Platform, agent: Agent, features: bigint, size = 16) {
  const ram = new GuestRam(1 << 20);
  const cmd = new GuestQueue(ram, size);
  const evt = new GuestQueue(ram, size);
  const signals: { queue: number; cmdUsed: number; evtUsed: number }[] = [];
  /** Times the hold of delayed responses: it moves only when a test advances it. */
  const clock = new ManualClock();
  const dev = new VirtioScmiDevice(sessionOpener(platform, agent), {
    log: platform.log,
    signal: (queue) => signals.push({ queue, cmdUsed: cmd.usedIdx, evtUsed: evt.usedIdx }),
    clock,
  });
  const kept = dev.setFeatures(features);
  dev.attachQueue(ScmiQueue.CMDQ, cmd.device(kept));
  dev.attachQueue(ScmiQueue.EVENTQ, evt.device(kept));
  dev.start();
  /** Sends one command as Linux does: [request, response of `room` bytes]. */
  const send = (request: Uint8Array, room = 136, opts: { indirect?: boolean } = {}) => {
    const head = cmd.add([{ write: false, len: request.length, data: request }, {
      write: true,
      len: room,
    }], opts);
    cmd.publish();
    return head;
  };
  /** The used elements since last asked, with the reply bytes of each. */
  const replies = (q = cmd, part = 1) =>
    q.takeUsed().map(({ id, len }) => ({
      id,
      len,
      bytes: ram.read(q.partAddr(id, part), len),
    }));
  return { ram, cmd, evt, dev, signals, send, replies, clock };
}

/** Base over the real plugin: agent vm1 sees power, clock and reset besides Base. */
async function base(features = VERSION_1 | P2A, size = 16) {
  const fx = await fixture({
    agents: [{ name: "vm1", protocols: { 0x11: undefined, 0x14: undefined, 0x16: undefined } }],
  });
  fx.platform.closeSession(fx.session("vm1"));
  return { fx, ...guest(fx.platform, fx.platform.agent("vm1")!, features, size) };
}

Deno.test("features offered: VERSION_1, P2A_CHANNELS, INDIRECT_DESC, EVENT_IDX", async () => {
  const { dev, fx } = await base();
  assertEquals(dev.features, 0x1_3000_0001n);
  // Bit 30 (vhost-user's PROTOCOL_FEATURES) and SHARED_MEMORY are not the device's.
  assertEquals(dev.setFeatures(0x1_7000_0003n), 0x1_3000_0001n);
  assert(fx.logs.some((l) => l.includes("does not offer (0x40000002)")));
});

Deno.test("Base PROTOCOL_VERSION → SUCCESS 0x20001 in 12 bytes, used length 12", async () => {
  const { send, dev, replies, signals } = await base();
  const head = send(hex("00 40 04 00"), 12);
  dev.processCmdq();
  assertEquals(replies(), [{
    id: head,
    len: 12,
    bytes: hex("00 40 04 00 | 00 00 00 00 | 01 00 02 00"),
  }]);
  assertEquals(signals.map((s) => s.queue), [0]);
});

Deno.test("BASE_DISCOVER_LIST_PROTOCOLS in a 136-byte buffer → used length 16, ids 11 14 16", async () => {
  const { send, dev, replies } = await base();
  const head = send(hex("06 40 08 00 | 00 00 00 00"));
  dev.processCmdq();
  assertEquals(replies(), [{
    id: head,
    len: 16,
    bytes: hex("06 40 08 00 | 00 00 00 00 | 03 00 00 00 | 11 14 16 00"),
  }]);
});

Deno.test("unknown protocol 0x99 → NOT_SUPPORTED, used length 8", async () => {
  const { send, dev, replies } = await base();
  const head = send(hex("00 64 0e 00"));
  dev.processCmdq();
  assertEquals(replies(), [{ id: head, len: 8, bytes: hex("00 64 0e 00 | ff ff ff ff") }]);
});

Deno.test("BASE_DISCOVER_VENDOR into a 12-byte response buffer → COMMS_ERROR, used length 8", async () => {
  const { send, dev, replies } = await base();
  const head = send(hex("03 40 10 00"), 12);
  dev.processCmdq();
  assertEquals(replies(), [{ id: head, len: 8, bytes: hex("03 40 10 00 | f9 ff ff ff") }]);
});

Deno.test("response buffer of 6 bytes → used length 0, buffer untouched, logged once", async () => {
  const { send, dev, cmd, ram, fx } = await base();
  const a = send(hex("00 40 04 00"), 6);
  const b = send(hex("00 40 04 00"), 7);
  ram.bytes.fill(0x5a, cmd.partAddr(a, 1) - ram.base, cmd.partAddr(a, 1) - ram.base + 6);
  dev.processCmdq();
  assertEquals(cmd.takeUsed(), [{ id: a, len: 0 }, { id: b, len: 0 }]);
  assertEquals([...ram.read(cmd.partAddr(a, 1), 6)], [0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a]);
  assertEquals(fx.logs.filter((l) => l.includes("shorter than 8 bytes")).length, 1);
  assertEquals(dev.stats.badChains, 2);
});

Deno.test("request over 4 + 128 bytes → PROTOCOL_ERROR, used length 8", async () => {
  const { send, dev, replies } = await base();
  const req = new Uint8Array(133);
  req.set(hex("00 40 18 00"));
  const head = send(req);
  dev.processCmdq();
  assertEquals(replies(), [{ id: head, len: 8, bytes: hex("00 40 18 00 | f6 ff ff ff") }]);
});

Deno.test("request shorter than a header → used length 0", async () => {
  const { send, dev, cmd } = await base();
  const head = send(hex("00 40 04"));
  dev.processCmdq();
  assertEquals(cmd.takeUsed(), [{ id: head, len: 0 }]);
});

Deno.test("BASE_DISCOVER_AGENT split over 2 readable and 3 writable parts → 28 bytes scattered", async () => {
  const { cmd, dev, ram } = await base();
  const req = hex("07 40 14 00 | ff ff ff ff");
  const parts: Part[] = [
    { write: false, len: 3, data: req.subarray(0, 3) },
    { write: false, len: 5, data: req.subarray(3) },
    { write: true, len: 5 },
    { write: true, len: 7 },
    { write: true, len: 20 },
  ];
  const head = cmd.add(parts);
  cmd.publish();
  dev.processCmdq();
  assertEquals(cmd.takeUsed(), [{ id: head, len: 28 }]);
  const got = [2, 3, 4].map((k) => ram.read(cmd.partAddr(head, k), parts[k].len));
  const reply = new Uint8Array([...got[0], ...got[1], ...got[2]]).subarray(0, 28);
  assertEquals(
    reply,
    hex(
      "07 40 14 00 | 00 00 00 00 | 01 00 00 00 | 76 6d 31 00 | 00 00 00 00 | 00 00 00 00 | 00 00 00 00",
    ),
  );
});

Deno.test("indirect descriptors (Linux with INDIRECT_DESC) → PROTOCOL_VERSION answered", async () => {
  const { send, dev, replies } = await base(VERSION_1 | P2A | INDIRECT);
  const head = send(hex("00 40 04 00"), 12, { indirect: true });
  dev.processCmdq();
  const [r] = replies();
  assertEquals([r.id, r.len], [head, 12]);
});

Deno.test("indirect descriptor without INDIRECT_DESC negotiated → used length 0, logged", async () => {
  const { send, dev, cmd, fx } = await base(VERSION_1 | P2A);
  const head = send(hex("00 40 04 00"), 12, { indirect: true });
  dev.processCmdq();
  assertEquals(cmd.takeUsed(), [{ id: head, len: 0 }]);
  assert(fx.logs.some((l) => l.includes('Agent "vm1"') && l.includes("INDIRECT_DESC")));
});

Deno.test("EVENT_IDX: no interrupt until used.idx passes used_event; avail_event follows", async () => {
  const { send, dev, cmd, signals } = await base(VERSION_1 | P2A | EVENT_IDX);
  cmd.setUsedEvent(1); // interrupt when the second chain is used
  send(hex("00 40 04 00"), 12);
  dev.processCmdq();
  assertEquals(signals.length, 0);
  assertEquals(cmd.availEvent, 1);
  send(hex("00 40 04 00"), 12);
  dev.processCmdq();
  assertEquals(signals.map((s) => s.queue), [0]);
  assertEquals(cmd.availEvent, 2);
  assertEquals(cmd.usedFlags, 0);
});

Deno.test("NO_INTERRUPT without EVENT_IDX → replies published, no interrupt", async () => {
  const { send, dev, cmd, signals } = await base();
  cmd.setNoInterrupt(true);
  send(hex("00 40 04 00"), 12);
  dev.processCmdq();
  assertEquals(cmd.usedIdx, 1);
  assertEquals(signals.length, 0);
  assertEquals(cmd.usedFlags, 0, "notifications re-enabled after the batch");
});

Deno.test("kick before start → ignored and logged", async () => {
  const fx = await fixture({ agents: [{ name: "vm1" }] });
  const ram = new GuestRam(1 << 16);
  const cmd = new GuestQueue(ram, 4);
  const dev = new VirtioScmiDevice(sessionOpener(fx.platform, fx.platform.agent("vm1")!), {
    log: fx.platform.log,
    signal: () => {},
  });
  dev.attachQueue(0, cmd.device());
  cmd.add([{ write: false, len: 4, data: hex("00 40 04 00") }, { write: true, len: 12 }]);
  cmd.publish();
  dev.processCmdq();
  assertEquals(cmd.usedIdx, 0);
  assert(fx.logs.some((l) => l.includes("before the device started")));
});

// --- A demo protocol: blocking handlers, notifications and delayed responses -----------

const DEMO = 0x80;
let gate = Promise.withResolvers<void>();

const demo = defineProtocol({
  api: 1,
  id: DEMO,
  name: "demo",
  versions: [0x10000],
  commands: {
    0x1: { name: "PROTOCOL_ATTRIBUTES", params: 0, run: (_c, m) => m.w.u32(0) },
    /** a2p: u32 a, u32 b. p2a: u32 a + 1, u32 b + 1; reads b and writes b + 1 after blocking. */
    0x3: {
      name: "SLOW",
      params: 8,
      run: async (_c, m) => {
        m.w.u32(m.r.u32() + 1);
        await gate.promise;
        m.w.u32(m.r.u32() + 1);
      },
    },
    0x4: { name: "FAST", params: 0, run: (_c, m) => m.w.u32(0x1234) },
    /** a2p: u32 size. Sends notification 0 with `size` bytes of 0xab. */
    0x5: {
      name: "NOTIFY",
      params: 4,
      run: (ctx, m) => {
        const size = m.r.u32();
        ctx.notify(0, size, (w) => {
          for (let i = 0; i < size; i++) w.u8(0xab);
        });
      },
    },
    /** a2p: —. Sends its delayed response (status 0, no payload), then blocks on the gate. */
    0x7: {
      name: "DELAYED_THEN_BLOCK",
      params: 0,
      run: async (ctx, m) => {
        ctx.delayed(0x7, headerToken(m.header), 0, 0, () => {});
        await gate.promise;
      },
    },
    /** a2p: u32 size. Sends its delayed response (status 0, `size` bytes of 0xcd) at once. */
    0x6: {
      name: "DELAYED",
      params: 4,
      run: (ctx, m) => {
        const size = m.r.u32();
        ctx.delayed(0x6, headerToken(m.header), 0, size, (w) => {
          for (let i = 0; i < size; i++) w.u8(0xcd);
        });
      },
    },
  },
});

function demoGuest(features = VERSION_1 | P2A, size = 16) {
  gate = Promise.withResolvers<void>();
  const agent = new Agent({ id: 1, name: "vm1" });
  agent.grants.protocols.delete(0x10);
  agent.grants.protocols.set(DEMO, {});
  const platform = new Platform({
    board: emptyBoard(),
    hw: { system: undefined } as never,
    vendor: { vendor: "vscmi", subVendor: "test", implementationVersion: 1 },
    agents: [agent],
    protocols: [demo],
  });
  const logs: string[] = [];
  platform.log.sink = (level, line) => void logs.push(`${level}: ${line}`);
  return { platform, logs, ...guest(platform, agent, features, size) };
}

const tick = turn;
const hdr = (id: number, token: number) => encodeHeader(id, 0, DEMO, token);

Deno.test("blocking handler completes after a later command, with its full reply", async () => {
  const { send, dev, replies, signals } = demoGuest();
  const slow = send(words([hdr(0x3, 1), 10, 20]));
  const fast = send(words([hdr(0x4, 2)]));
  dev.processCmdq();
  assertEquals(replies().map((r) => [r.id, r.len]), [[fast, 12]]);
  assertEquals(dev.inFlight, 1);
  gate.resolve();
  await tick();
  // Header (msg 3, protocol 0x80, token 1) | SUCCESS | 11 | 21, written by hand.
  assertEquals(replies(), [{
    id: slow,
    len: 16,
    bytes: hex("03 00 06 00 | 00 00 00 00 | 0b 00 00 00 | 15 00 00 00"),
  }]);
  assertEquals(signals.map((s) => s.queue), [0, 0]);
  assertEquals(dev.inFlight, 0);
});

Deno.test("reset while a handler blocks → its reply never reaches guest memory", async () => {
  const { send, dev, cmd, ram, signals } = demoGuest();
  const slow = send(words([hdr(0x3, 1), 10, 20]));
  dev.processCmdq();
  const at = cmd.partAddr(slow, 1);
  const before = ram.read(at, 136);
  dev.reset();
  gate.resolve();
  await tick();
  assertEquals(ram.read(at, 136), before);
  assertEquals(cmd.usedIdx, 0);
  assertEquals(signals.length, 0);
  assertEquals(dev.session, null);
});

Deno.test("chains beyond the queue size while every slot blocks → held back until one settles", async () => {
  const { send, dev, cmd } = demoGuest(VERSION_1 | P2A | INDIRECT, 2);
  const a = send(words([hdr(0x3, 1), 1, 1]), 136, { indirect: true });
  const b = send(words([hdr(0x3, 2), 2, 2]), 136, { indirect: true });
  dev.processCmdq();
  assertEquals(dev.inFlight, 2);
  // A hostile driver offers a head again while it is still in flight.
  cmd.offer(a);
  cmd.publish();
  dev.processCmdq();
  assertEquals(dev.inFlight, 2);
  assertEquals(cmd.usedIdx, 0);
  gate.resolve();
  await tick();
  await tick();
  assertEquals(cmd.takeUsed().map((u) => [u.id, u.len]), [[a, 16], [b, 16], [a, 16]]);
  assertEquals(dev.inFlight, 0);
});

Deno.test("eventq: delayed response with no buffer waits, then fills the next one exactly", () => {
  const { send, dev, evt, replies } = demoGuest();
  send(words([hdr(0x6, 7), 4]));
  dev.processCmdq();
  assertEquals(replies().map((r) => r.len), [8]);
  assertEquals(evt.usedIdx, 0);
  const buf = evt.add([{ write: true, len: 136 }]);
  evt.publish();
  dev.processEventq();
  // Header (msg 6, delayed response, protocol 0x80, token 7) | SUCCESS | cd cd cd cd.
  assertEquals(replies(evt, 0), [{
    id: buf,
    len: 12,
    bytes: hex("06 02 1e 00 | 00 00 00 00 | cd cd cd cd"),
  }]);
});

Deno.test("eventq: notification with no buffer posted → dropped", () => {
  const { send, dev, evt } = demoGuest();
  send(words([hdr(0x5, 1), 4]));
  dev.processCmdq();
  assertEquals(dev.stats.droppedNotifications, 1);
  evt.add([{ write: true, len: 136 }]);
  evt.publish();
  dev.processEventq();
  assertEquals(evt.usedIdx, 0, "the buffer stays posted");
});

Deno.test("eventq: notification with a buffer posted → delivered, used length 8", () => {
  const { send, dev, evt, replies, signals } = demoGuest();
  const buf = evt.add([{ write: true, len: 136 }]);
  evt.publish();
  dev.processEventq();
  send(words([hdr(0x5, 1), 4]));
  dev.processCmdq();
  // Header (event 0, notification, protocol 0x80, token 0) | ab ab ab ab.
  assertEquals(replies(evt, 0), [{ id: buf, len: 8, bytes: hex("00 03 02 00 | ab ab ab ab") }]);
  assertEquals(signals.map((s) => s.queue), [0, 1]);
});

Deno.test("eventq: a command's reply is published before the delayed response it sent", () => {
  const { send, dev, evt, signals } = demoGuest();
  evt.add([{ write: true, len: 136 }]);
  evt.publish();
  dev.processEventq();
  send(words([hdr(0x6, 1), 0]));
  dev.processCmdq();
  assertEquals(signals, [
    { queue: 0, cmdUsed: 1, evtUsed: 0 },
    { queue: 1, cmdUsed: 1, evtUsed: 1 },
  ]);
});

Deno.test("eventq: a delayed response sent while its handler still blocks goes after the reply", async () => {
  const { send, dev, cmd, evt, signals } = demoGuest();
  evt.add([{ write: true, len: 136 }]);
  evt.publish();
  dev.processEventq();
  send(words([hdr(0x7, 9)]));
  dev.processCmdq();
  await tick();
  assertEquals([cmd.usedIdx, evt.usedIdx], [0, 0], "the delayed response waits for the reply");
  gate.resolve();
  await tick();
  await tick();
  assertEquals([cmd.usedIdx, evt.usedIdx], [1, 1]);
  assertEquals(signals, [
    { queue: 0, cmdUsed: 1, evtUsed: 0 },
    { queue: 1, cmdUsed: 1, evtUsed: 1 },
  ]);
});

Deno.test("EVENT_IDX: a delayed response waits until the driver took its command's reply", async () => {
  const { send, dev, cmd, evt, signals, logs, clock } = demoGuest(VERSION_1 | P2A | EVENT_IDX);
  evt.add([{ write: true, len: 136 }]);
  evt.publish();
  dev.processEventq();
  send(words([hdr(0x6, 1), 0]));
  dev.processCmdq();
  // Linux services the eventq first in one interrupt: the reply must be taken before.
  assertEquals([cmd.usedIdx, evt.usedIdx], [1, 0]);
  clock.advance(5);
  assertEquals(evt.usedIdx, 0, "used_event has not moved: still held");
  // The driver reads the reply and re-enables interrupts: used_event = its last used index.
  assertEquals(cmd.takeUsed().length, 1);
  cmd.setUsedEvent(1);
  clock.advance(1);
  await tick();
  assertEquals(evt.usedIdx, 1);
  assertEquals(signals.map((x) => [x.queue, x.cmdUsed, x.evtUsed]), [[0, 1, 0], [1, 1, 1]]);
  assert(!logs.some((l) => l.includes("before the driver took")));
});

Deno.test("EVENT_IDX: a held delayed response goes at the next eventq kick once the reply is taken", () => {
  const { send, dev, cmd, evt } = demoGuest(VERSION_1 | P2A | EVENT_IDX);
  evt.add([{ write: true, len: 136 }]);
  evt.publish();
  dev.processEventq();
  send(words([hdr(0x6, 1), 0]));
  send(words([hdr(0x6, 2), 0]));
  dev.processCmdq();
  assertEquals([cmd.usedIdx, evt.usedIdx], [2, 0]);
  cmd.takeUsed();
  cmd.setUsedEvent(2);
  evt.add([{ write: true, len: 136 }]);
  evt.publish();
  dev.processEventq();
  assertEquals(evt.usedIdx, 2, "both delayed responses, in order");
});

Deno.test("EVENT_IDX: a driver that never moves used_event gets the delayed response after the hold limit, logged once", async () => {
  const { send, dev, evt, logs, clock } = demoGuest(VERSION_1 | P2A | EVENT_IDX);
  evt.add([{ write: true, len: 136 }]);
  evt.publish();
  dev.processEventq();
  send(words([hdr(0x6, 1), 0]));
  dev.processCmdq();
  assertEquals(evt.usedIdx, 0);
  clock.advance(DELAYED_HOLD_MAX_MS - 1);
  await tick();
  assertEquals(evt.usedIdx, 0, "held until the limit");
  clock.advance(1);
  await tick();
  assertEquals(evt.usedIdx, 1);
  assertEquals(logs.filter((l) => l.includes("before the driver took")).length, 1);
});

Deno.test("EVENT_IDX: reset while a delayed response is held → nothing delivered, no timer left", async () => {
  const { send, dev, evt, clock } = demoGuest(VERSION_1 | P2A | EVENT_IDX);
  evt.add([{ write: true, len: 136 }]);
  evt.publish();
  dev.processEventq();
  send(words([hdr(0x6, 1), 0]));
  dev.processCmdq();
  assertEquals(clock.pending, 1, "the hold polls");
  dev.reset();
  assertEquals(clock.pending, 0, "no timer left");
  clock.advance(DELAYED_HOLD_MAX_MS);
  await tick();
  assertEquals(evt.usedIdx, 0);
});

Deno.test("eventq: delayed response larger than the buffer → header + COMMS_ERROR, 8 bytes", () => {
  const { send, dev, evt, replies } = demoGuest();
  const buf = evt.add([{ write: true, len: 16 }]);
  evt.publish();
  dev.processEventq();
  send(words([hdr(0x6, 2), 12]));
  dev.processCmdq();
  assertEquals(replies(evt, 0), [{ id: buf, len: 8, bytes: hex("06 02 0a 00 | f9 ff ff ff") }]);
  assertEquals(dev.stats.failedDelayed, 1);
});

Deno.test("eventq: notification larger than the buffer → dropped, buffer kept for the next", () => {
  const { send, dev, evt, replies } = demoGuest();
  const buf = evt.add([{ write: true, len: 8 }]);
  evt.publish();
  dev.processEventq();
  send(words([hdr(0x5, 1), 8]));
  dev.processCmdq();
  assertEquals(evt.usedIdx, 0);
  send(words([hdr(0x5, 2), 4]));
  dev.processCmdq();
  assertEquals(replies(evt, 0), [{ id: buf, len: 8, bytes: hex("00 03 02 00 | ab ab ab ab") }]);
});

Deno.test("eventq: buffer split over two writable parts → message scattered across them", () => {
  const { send, dev, evt, ram } = demoGuest();
  const buf = evt.add([{ write: true, len: 5 }, { write: true, len: 20 }]);
  evt.publish();
  dev.processEventq();
  send(words([hdr(0x6, 7), 4]));
  dev.processCmdq();
  assertEquals(evt.takeUsed(), [{ id: buf, len: 12 }]);
  const got = [...ram.read(evt.partAddr(buf, 0), 5), ...ram.read(evt.partAddr(buf, 1), 7)];
  assertEquals(new Uint8Array(got), hex("06 02 1e 00 | 00 00 00 00 | cd cd cd cd"));
});

Deno.test("eventq: buffer with a device-readable part → used length 0", () => {
  const { dev, evt } = demoGuest();
  const head = evt.add([{ write: false, len: 8 }, { write: true, len: 136 }]);
  evt.publish();
  dev.processEventq();
  assertEquals(evt.takeUsed(), [{ id: head, len: 0 }]);
});

Deno.test("detachQueue(eventq) → resume index rewound over buffers not yet filled", () => {
  const { send, dev, evt } = demoGuest();
  for (let i = 0; i < 3; i++) evt.add([{ write: true, len: 136 }]);
  evt.publish();
  dev.processEventq();
  send(words([hdr(0x5, 1), 4]));
  dev.processCmdq();
  assertEquals(evt.usedIdx, 1);
  assertEquals(dev.detachQueue(ScmiQueue.EVENTQ), 1);
  assertEquals(dev.detachQueue(ScmiQueue.EVENTQ), -1, "nothing attached any more");
});

Deno.test("lastAvail save/restore: a re-attached cmdq resumes where it stopped", () => {
  const { send, dev, cmd, replies } = demoGuest();
  send(words([hdr(0x4, 1)]));
  send(words([hdr(0x4, 2)]));
  dev.processCmdq();
  assertEquals(replies().length, 2);
  const next = dev.detachQueue(ScmiQueue.CMDQ); // GET_VRING_BASE
  assertEquals(next, 2);
  const third = send(words([hdr(0x4, 3)]));
  const q = cmd.device();
  q.lastAvail = next; // SET_VRING_BASE
  dev.attachQueue(ScmiQueue.CMDQ, q);
  dev.processCmdq();
  assertEquals(replies().map((r) => r.id), [third]);
});

Deno.test("without P2A_CHANNELS → the session has no platform→agent channel", () => {
  const { dev, send, evt } = demoGuest(VERSION_1);
  assertEquals(dev.session!.p2a, null);
  evt.add([{ write: true, len: 136 }]);
  evt.publish();
  dev.processEventq();
  send(words([hdr(0x5, 1), 4]));
  dev.processCmdq();
  assertEquals(evt.usedIdx, 0);
});

Deno.test("a guest rewriting its request while it is handled → the handler reads the bytes the core checked", () => {
  // A vCPU can change a request in guest memory at any time; the device hands the core a
  // private copy, so a value checked before the handler (bounds, ids) is the value it uses.
  let rewrite: (() => void) | null = null;
  const probe = defineProtocol({
    api: 1,
    id: 0x81,
    name: "probe",
    versions: [0x10000],
    commands: {
      0x1: { name: "PROTOCOL_ATTRIBUTES", params: 0, run: (_c, m) => m.w.u32(0) },
      0x3: {
        name: "ECHO",
        params: 4,
        run: (_c, m) => {
          rewrite?.();
          m.w.u32(m.r.u32());
        },
      },
    },
  });
  const agent = new Agent({ id: 1, name: "vm1" });
  agent.grants.protocols.delete(0x10);
  agent.grants.protocols.set(0x81, {});
  const platform = new Platform({
    board: emptyBoard(),
    hw: { system: undefined } as never,
    vendor: { vendor: "vscmi", subVendor: "test", implementationVersion: 1 },
    agents: [agent],
    protocols: [probe],
  });
  platform.log.sink = () => {};
  const g = guest(platform, agent, VERSION_1);
  const head = g.send(words([encodeHeader(0x3, 0, 0x81, 9), 0x1111]));
  rewrite = () => g.ram.write(g.cmd.partAddr(head, 0) + 4, words([0x2222]));
  g.dev.processCmdq();
  const [r] = g.replies();
  assertEquals(r.bytes, words([encodeHeader(0x3, 0, 0x81, 9), 0, 0x1111]));
});
