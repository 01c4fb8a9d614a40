/**
 * Property tests of the virtio-scmi device against hostile guests: random descriptor tables
 * (loops, out-of-range indices and addresses, device-readable response buffers, zero-length
 * and huge lengths, random flags, indirect tables, indirect in indirect) and random avail
 * indices. Whatever the guest does:
 * - processCmdq/processEventq never throw;
 * - the device writes guest memory only inside the used ring and the device-writable
 *   buffers of chains that are valid (checked on a copy of RAM taken before);
 * - every chain taken off the cmdq is completed exactly once (used length 0 when invalid),
 *   and on the eventq at most once.
 *
 * Validity is judged by a model written here from the virtio 1.2 split-ring rules (§2.7.5,
 * §2.7.5.3) plus the device's documented limits (an indirect table holds at most the queue
 * size). Data buffers live apart from the rings and indirect tables, so replies never rewrite
 * the descriptors the model read.
 */
import fc from "fast-check";
import { assert, assertEquals } from "../../core/_assert_test.ts";
import { encodeHeader, MsgType } from "../../core/header.ts";
import { defineProtocol } from "../../core/protocol.ts";
import { baseProtocol } from "../../plugins/base/mod.ts";
import { fixture } from "../../tests/harness.ts";
import { FeatureBit, featureMask, ScmiQueue } from "./features.ts";
import { RegionMemory } from "./guest_memory.ts";
import { VirtioScmiDevice } from "./scmi_device.ts";
import { DescFlag, SplitQueue, splitQueueSizes } from "./split_queue.ts";
import { sessionOpener } from "../../core/session_port.ts";
import { turn } from "../../core/_wait_test.ts";

const RAM_BASE = 0x4000_0000;
const RAM_SIZE = 0x10000;
const RAM_END = RAM_BASE + RAM_SIZE;
/** Rings at fixed offsets; indirect descriptors after; data buffers in the rest. */
const DESC = RAM_BASE;
const AVAIL = RAM_BASE + 0x400;
const USED = RAM_BASE + 0x800;
const IND = RAM_BASE + 0x1000;
const IND_COUNT = 64;
const DATA = RAM_BASE + 0x2000;
const DATA_LEN = RAM_END - DATA;
const DEMO = 0x80;

/** Commands a random request may hit: sync, blocking, notifying, replying late. */
const demo = defineProtocol({
  api: 1,
  id: DEMO,
  name: "demo",
  versions: [0x10000],
  commands: {
    0x1: { name: "PROTOCOL_ATTRIBUTES", params: 0, run: (_c, m) => m.w.u32(0) },
    0x3: {
      name: "SLOW",
      params: { min: 0 },
      run: async (_c, m) => {
        await Promise.resolve();
        for (let n = m.r.remaining >>> 2; n > 0; n--) m.w.u32(m.r.u32());
      },
    },
    0x4: {
      name: "ECHO",
      params: { min: 0 },
      run: (_c, m) => {
        for (let n = m.r.remaining >>> 2; n > 0; n--) m.w.u32(m.r.u32());
      },
    },
    0x5: {
      name: "NOTIFY",
      params: { min: 0 },
      run: (ctx, m) => void ctx.notify(0, 4 * (m.r.length & 0x3f), (w) => w.zeros(w.room)),
    },
    0x6: {
      name: "DELAYED",
      params: { min: 0 },
      run: (ctx, m) => {
        ctx.delayed(0x6, 0, 0, 4 * (m.r.length & 0x3f), (w) => w.zeros(w.room));
      },
    },
  },
});

const HEADERS = [
  encodeHeader(0x0, 0, 0x10, 1),
  encodeHeader(0x3, 0, 0x10, 2),
  encodeHeader(0x6, 0, 0x10, 3),
  encodeHeader(0x3, 0, DEMO, 4),
  encodeHeader(0x4, 0, DEMO, 5),
  encodeHeader(0x5, 0, DEMO, 6),
  encodeHeader(0x6, 0, DEMO, 7),
  0,
];

const fx = await fixture({
  protocols: [baseProtocol, demo],
  agents: [{ name: "vm1", protocols: { [DEMO]: undefined } }],
});
fx.platform.closeSession(fx.session("vm1"));
const agent = fx.platform.agent("vm1")!;

interface Desc {
  addr: number;
  /** Replaces the address's high word when set: an address far beyond RAM. */
  hi: number | null;
  len: number;
  flags: number;
  next: number;
  /** For INDIRECT descriptors: a table in the indirect area (start entry, entries). */
  table: { start: number; count: number } | null;
}

const address = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: DATA_LEN / 4 - 1 }).map((o) => DATA + 4 * o) },
  { weight: 1, arbitrary: fc.integer({ min: DATA, max: RAM_END - 1 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(0, 0x1000, RAM_BASE - 8, RAM_END - 4, RAM_END, 2 ** 40, 2 ** 52),
  },
);
const length = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 160 }) },
  { weight: 2, arbitrary: fc.constantFrom(0, 4, 8, 12, 136, 0x1_0000, 0x8000_0000, 0xffff_ffff) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff_ffff }) },
);
const flags = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 7 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }) },
);
/** Anything at all. */
const anyDescriptor = (nexts: number): fc.Arbitrary<Desc> =>
  fc.record({
    addr: address,
    hi: fc.oneof(
      { weight: 15, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: 0xffff_ffff }) },
    ),
    len: length,
    flags,
    next: fc.integer({ min: 0, max: nexts + 1 }),
    table: fc.option(
      fc.record({
        start: fc.integer({ min: 0, max: IND_COUNT - 1 }),
        count: fc.integer({ min: 1, max: 8 }),
      }),
      { freq: 4 },
    ),
  });

/**
 * What Linux would write at index `i`: even entries a request (readable, NEXT → i + 1), odd
 * entries a response buffer (writable); sometimes a writable part continuing at i + 1 (a
 * split response) or an indirect descriptor naming a pair.
 */
const saneDescriptor = (i: number): fc.Arbitrary<Desc> => {
  const data = fc.integer({ min: 0, max: DATA_LEN / 4 - 64 }).map((o) => DATA + 4 * o);
  const pair = { start: 2 * Math.floor(i / 2) % IND_COUNT, count: 2 };
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        addr: data,
        hi: fc.constant(null),
        len: i % 2 === 0 ? fc.constantFrom(4, 8, 12, 16) : fc.constantFrom(136, 12, 24, 8),
        flags: fc.constant(i % 2 === 0 ? DescFlag.NEXT : DescFlag.WRITE),
        next: fc.constant(i + 1),
        table: fc.constant(null),
      }),
    },
    {
      // A response split over several buffers: writable, continuing at i + 1.
      weight: 1,
      arbitrary: fc.record({
        addr: data,
        hi: fc.constant(null),
        len: fc.integer({ min: 1, max: 12 }),
        flags: fc.constant(DescFlag.WRITE | DescFlag.NEXT),
        next: fc.constant(i + 1),
        table: fc.constant(null),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        addr: data,
        hi: fc.constant(null),
        len: fc.constant(32),
        flags: fc.constant(DescFlag.INDIRECT),
        next: fc.constant(0),
        table: fc.constant(pair),
      }),
    },
  );
};

/** `n` descriptors, each Linux-like or hostile. */
const table = (n: number, nexts: number) =>
  fc.tuple(
    ...Array.from({ length: n }, (_, i) =>
      fc.oneof(
        { weight: 3, arbitrary: saneDescriptor(i) },
        { weight: 1, arbitrary: anyDescriptor(nexts) },
      )),
  );

const scenario = fc.constantFrom(1, 2, 4, 8, 16).chain((size) =>
  fc.record({
    size: fc.constant(size),
    indirect: fc.boolean(),
    eventIdx: fc.boolean(),
    descs: table(size, size),
    tables: table(IND_COUNT, 8),
    heads: fc.array(
      fc.oneof(
        { weight: 3, arbitrary: fc.integer({ min: 0, max: (size - 1) >> 1 }).map((h) => 2 * h) },
        { weight: 1, arbitrary: fc.integer({ min: 0, max: size + 1 }) },
      ),
      { minLength: size, maxLength: size },
    ),
    base: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })),
    ahead: fc.oneof(
      { weight: 8, arbitrary: fc.integer({ min: 0, max: size }) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }) },
    ),
    seed: fc.integer(),
  })
);
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

/** Lays the scenario out in a fresh RAM. */
function build(sc: Scenario): { ram: Uint8Array; dv: DataView } {
  const ram = new Uint8Array(RAM_SIZE);
  const dv = new DataView(ram.buffer);
  const put = (at: number, d: Desc) => {
    let addr = d.addr;
    let len = d.len;
    if ((d.flags & DescFlag.INDIRECT) !== 0 && d.table !== null) {
      addr = IND + 16 * d.table.start;
      len = 16 * d.table.count;
    }
    const o = at - RAM_BASE;
    dv.setUint32(o, addr % 0x1_0000_0000, true);
    dv.setUint32(o + 4, d.hi ?? Math.floor(addr / 0x1_0000_0000), true);
    dv.setUint32(o + 8, len >>> 0, true);
    dv.setUint16(o + 12, d.flags, true);
    dv.setUint16(o + 14, d.next, true);
  };
  sc.descs.forEach((d, i) => put(DESC + 16 * i, d));
  sc.tables.forEach((d, i) => put(IND + 16 * i, d));
  // Data: words that are mostly request headers, from a seeded generator.
  let x = sc.seed | 1;
  for (let o = DATA - RAM_BASE; o < RAM_SIZE; o += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    dv.setUint32(o, (x & 7) < 6 ? HEADERS[(x >>> 3) & 7] : x >>> 0, true);
  }
  const a = AVAIL - RAM_BASE;
  sc.heads.forEach((h, i) => dv.setUint16(a + 4 + 2 * i, h, true));
  dv.setUint16(a + 2, (sc.base + sc.ahead) & 0xffff, true);
  dv.setUint16(a + 4 + 2 * sc.size, sc.seed & 0xffff, true); // used_event
  dv.setUint16(USED - RAM_BASE + 2, sc.base, true);
  return { ram, dv };
}

interface Segment {
  addr: number;
  len: number;
}

/** The model: a chain's validity and its device-writable buffers. */
function model(sc: Scenario, dv: DataView, head: number): { ok: boolean; out: Segment[] } {
  const bad = { ok: false, out: [] };
  if (head >= sc.size) return bad;
  const inRam = (addr: number, len: number) => addr >= RAM_BASE && addr + len <= RAM_END;
  let table = DESC;
  let n = sc.size;
  let i = head;
  let steps = 0;
  let nested = false;
  let wrote = false;
  let total = 0;
  const out: Segment[] = [];
  for (;;) {
    if (++steps > n) return bad;
    const o = table + 16 * i - RAM_BASE;
    const addr = dv.getUint32(o, true) + dv.getUint32(o + 4, true) * 0x1_0000_0000;
    const len = dv.getUint32(o + 8, true);
    const f = dv.getUint16(o + 12, true);
    if (f & DescFlag.INDIRECT) {
      if (!sc.indirect || nested || (f & DescFlag.NEXT)) return bad;
      if (len === 0 || len % 16 !== 0 || len / 16 > sc.size || !inRam(addr, len)) return bad;
      table = addr;
      n = len / 16;
      i = 0;
      steps = 0;
      nested = true;
      continue;
    }
    const w = (f & DescFlag.WRITE) !== 0;
    if (!w && wrote) return bad;
    wrote ||= w;
    if (len > 0) {
      if (!inRam(addr, len)) return bad;
      total += len;
      if (total > 0xffff_ffff) return bad;
      if (w) out.push({ addr, len });
    }
    if (!(f & DescFlag.NEXT)) return { ok: true, out };
    i = dv.getUint16(o + 14, true);
    if (i >= n) return bad;
  }
}

/** Chains the device will take, with the model's verdict on each. */
function expected(sc: Scenario, dv: DataView) {
  const popped = sc.ahead <= sc.size ? sc.ahead : 0;
  const heads: number[] = [];
  for (let k = 0; k < popped; k++) heads.push(sc.heads[(sc.base + k) % sc.size]);
  return heads.map((head) => ({ head, ...model(sc, dv, head) }));
}

/** RAM bytes the device may write: the used ring and the writable buffers of valid chains. */
function writable(sc: Scenario, chains: ReturnType<typeof expected>): Uint8Array {
  const mask = new Uint8Array(RAM_SIZE);
  mask.fill(1, USED - RAM_BASE, USED - RAM_BASE + splitQueueSizes(sc.size).used);
  for (const c of chains) {
    if (!c.ok) continue;
    for (const s of c.out) mask.fill(1, s.addr - RAM_BASE, s.addr - RAM_BASE + s.len);
  }
  return mask;
}

function assertOnlyAllowedWrites(before: Uint8Array, after: Uint8Array, mask: Uint8Array) {
  for (let i = 0; i < RAM_SIZE; i++) {
    if (mask[i] === 0 && before[i] !== after[i]) {
      throw new Error(`Device wrote RAM offset 0x${i.toString(16)} outside every allowed buffer`);
    }
  }
}

function features(sc: Scenario): bigint {
  let f = featureMask(FeatureBit.VERSION_1) | featureMask(FeatureBit.SCMI_P2A_CHANNELS);
  if (sc.indirect) f |= featureMask(FeatureBit.RING_INDIRECT_DESC);
  if (sc.eventIdx) f |= featureMask(FeatureBit.RING_EVENT_IDX);
  return f;
}

function device(sc: Scenario, ram: Uint8Array, index: 0 | 1) {
  const mem = new RegionMemory([{ gpa: RAM_BASE, size: RAM_SIZE, bytes: ram }]);
  const dev = new VirtioScmiDevice(sessionOpener(fx.platform, agent), {
    log: fx.platform.log,
    signal: () => {},
  });
  const kept = dev.setFeatures(features(sc));
  const q = new SplitQueue(mem, sc.size, DESC, AVAIL, USED, kept);
  dev.attachQueue(index, q);
  dev.start();
  return { dev, q };
}

/** Used elements written since `base`, `count` of them. */
function usedElements(dv: DataView, sc: Scenario, count: number) {
  const out: { id: number; len: number }[] = [];
  for (let k = 0; k < count; k++) {
    const o = USED - RAM_BASE + 4 + 8 * ((sc.base + k) % sc.size);
    out.push({ id: dv.getUint32(o, true), len: dv.getUint32(o + 4, true) });
  }
  return out;
}

const tick = turn;

Deno.test("property: hostile cmdq → no throw, writes only in valid buffers, each chain completed once", async () => {
  await fc.assert(
    fc.asyncProperty(scenario, async (sc) => {
      const { ram, dv } = build(sc);
      const chains = expected(sc, dv);
      const before = ram.slice();
      const { dev, q } = device(sc, ram, ScmiQueue.CMDQ);
      dev.processCmdq();
      // Blocked handlers settle, and chains beyond one turn wait for the next round.
      const busy = () => dev.inFlight !== 0 || fx.platform.scheduler.waiting.length !== 0;
      for (let i = 0; i < 20 && busy(); i++) await tick();
      assertEquals(dev.inFlight, 0);
      assertOnlyAllowedWrites(before, ram, writable(sc, chains));
      const popped = chains.length;
      assertEquals(dv.getUint16(USED - RAM_BASE + 2, true), (sc.base + popped) & 0xffff);
      assertEquals(q.broken !== null, sc.ahead > sc.size);
      const used = usedElements(dv, sc, popped);
      // Every popped head once, in any order (blocked handlers complete later).
      const key = (x: { id: number }) => x.id;
      assertEquals(used.map(key).sort(), chains.map((c) => c.head).sort());
      for (const c of chains) {
        const i = used.findIndex((u) => u.id === c.head);
        const u = used.splice(i, 1)[0];
        const room = c.out.reduce((n, s) => n + s.len, 0);
        if (!c.ok) assertEquals(u.len, 0, `invalid chain ${c.head} completed with data`);
        else assert(u.len === 0 || (u.len >= 8 && u.len <= room), `used length ${u.len}`);
      }
      dev.reset();
    }),
    { numRuns: 400 },
  );
});

Deno.test("property: hostile eventq → no throw, writes only in valid buffers, each at most once", async () => {
  const message = fc.record({
    delayed: fc.boolean(),
    size: fc.oneof(fc.integer({ min: 4, max: 24 }), fc.integer({ min: 4, max: 300 })),
  });
  await fc.assert(
    fc.asyncProperty(scenario, fc.array(message, { maxLength: 6 }), async (sc, msgs) => {
      const { ram, dv } = build(sc);
      const chains = expected(sc, dv);
      const before = ram.slice();
      const { dev, q } = device(sc, ram, ScmiQueue.EVENTQ);
      const p2a = dev.session!.p2a!;
      const send = (m: { delayed: boolean; size: number }) => {
        const b = new Uint8Array(m.size);
        const type = m.delayed ? MsgType.DELAYED_RESPONSE : MsgType.NOTIFICATION;
        new DataView(b.buffer).setUint32(0, encodeHeader(1, type, DEMO, 0), true);
        p2a.push(b, m.delayed ? "delayed" : "notification");
      };
      msgs.slice(0, 2).forEach(send);
      dev.processEventq();
      msgs.slice(2).forEach(send);
      await tick();
      assertOnlyAllowedWrites(before, ram, writable(sc, chains));
      const usedNow = (dv.getUint16(USED - RAM_BASE + 2, true) - sc.base) & 0xffff;
      assert(usedNow <= chains.length, `${usedNow} used of ${chains.length} taken`);
      const used = usedElements(dv, sc, usedNow);
      const left = chains.map((c) => ({ ...c }));
      for (const u of used) {
        const i = left.findIndex((c) => c.head === u.id);
        assert(i >= 0, `head ${u.id} completed more often than it was posted`);
        const c = left.splice(i, 1)[0];
        const room = c.out.reduce((n, s) => n + s.len, 0);
        if (!c.ok) assertEquals(u.len, 0);
        else assert(u.len <= room, `used length ${u.len} beyond ${room}`);
      }
      const resume = dev.detachQueue(ScmiQueue.EVENTQ);
      assert(((q.lastAvail - resume) & 0xffff) <= chains.length - usedNow);
      dev.reset();
    }),
    { numRuns: 300 },
  );
});
