import fc from "fast-check";
import { assert, assertEquals } from "../../core/_assert_test.ts";
import { sessionOpener } from "../../core/session_port.ts";
import { ManualClock } from "../../core/timer_clock.ts";
import { turn } from "../../core/_wait_test.ts";
import { fixture } from "../../tests/harness.ts";
import { RegionMemory } from "../virtio/guest_memory.ts";
import { GuestRam, words } from "../virtio/_driver_test.ts";
import { isMmioState, MmioScmiDevice, type MmioState } from "./device.ts";
import { HVISOR_VENDOR } from "./options.ts";
import { Interrupt, MAGIC, QUEUE_NUM_MAX, Reg, Status } from "./registers.ts";
import { EVENT_IDX, P2A, probe, regs, setupQueue, VERSION_1 } from "./_probe_test.ts";

const PROTOCOL_VERSION = words([0x10 << 10]);
const ALL = Status.ACKNOWLEDGE | Status.DRIVER | Status.FEATURES_OK | Status.DRIVER_OK;

async function rig(
  opts: { ram?: GuestRam; persist?: (s: MmioState) => void; memory?: RegionMemory } = {},
) {
  const fx = await fixture({ agents: [{ name: "zone1", protocols: { 0x14: undefined } }] });
  fx.platform.closeSession(fx.session("zone1"));
  const ram = opts.ram ?? new GuestRam(1 << 20);
  let raised = 0;
  const dev = new MmioScmiDevice(sessionOpener(fx.platform, fx.platform.agent("zone1")!), {
    log: fx.platform.log,
    label: "zone1@virtio-mmio",
    vendor: HVISOR_VENDOR,
    memory: opts.memory ?? ram.memory,
    raise: () => void raised++,
    persist: opts.persist,
    clock: new ManualClock(),
  });
  return { fx, ram, dev, ...regs(dev), raised: () => raised };
}

Deno.test("virtio-mmio identity registers: magic, version 2, device 32, vendor, features, no shm", async () => {
  const { r, w } = await rig();
  assertEquals([r(Reg.MAGIC_VALUE), r(Reg.VERSION), r(Reg.DEVICE_ID), r(Reg.VENDOR_ID)], [
    MAGIC,
    2,
    32,
    0x48564953,
  ]);
  w(Reg.DEVICE_FEATURES_SEL, 0);
  assertEquals(r(Reg.DEVICE_FEATURES), (1 << 28 | 1 << 29 | 1) >>> 0, "P2A, INDIRECT, EVENT_IDX");
  w(Reg.DEVICE_FEATURES_SEL, 1);
  assertEquals(r(Reg.DEVICE_FEATURES), 1, "VERSION_1");
  w(Reg.DEVICE_FEATURES_SEL, 2);
  assertEquals(r(Reg.DEVICE_FEATURES), 0);
  w(Reg.QUEUE_SEL, 1);
  assertEquals(r(Reg.QUEUE_NUM_MAX), QUEUE_NUM_MAX);
  w(Reg.QUEUE_SEL, 2);
  assertEquals(r(Reg.QUEUE_NUM_MAX), 0, "a third queue does not exist");
  assertEquals([r(Reg.SHM_LEN_LOW), r(Reg.SHM_LEN_HIGH)], [0xffffffff, 0xffffffff]);
  assertEquals([r(Reg.CONFIG), r(Reg.CONFIG_GENERATION), r(Reg.STATUS)], [0, 0, 0]);
});

Deno.test("virtio-mmio probe, then QueueNotify → reply in the used ring, InterruptStatus bit 0, ACK clears it", async () => {
  const { dev, ram, r, w, raised } = await rig();
  const { cmd } = await probe(regs(dev), ram, { posted: 4 });
  assertEquals(r(Reg.STATUS), ALL);
  assert(dev.scmi.session !== null, "DRIVER_OK opened the session");
  assertEquals(dev.scmi.session!.p2a !== null, true, "P2A negotiated");
  const head = cmd.add([{ write: false, len: 4, data: PROTOCOL_VERSION }, {
    write: true,
    len: 136,
  }]);
  cmd.publish();
  w(Reg.QUEUE_NOTIFY, 0);
  await turn();
  const used = cmd.takeUsed();
  assertEquals(used.map((u) => [u.id, u.len]), [[head, 12]]);
  assertEquals([...new Uint32Array(ram.read(cmd.partAddr(head, 1), 12).buffer)], [
    0x10 << 10,
    0,
    0x20001,
  ]);
  assertEquals(r(Reg.INTERRUPT_STATUS), Interrupt.VRING);
  assert(raised() >= 1);
  w(Reg.INTERRUPT_ACK, Interrupt.VRING);
  assertEquals(r(Reg.INTERRUPT_STATUS), 0);
});

Deno.test("virtio-mmio FEATURES_OK stays clear without VERSION_1 or with a bit not offered", async () => {
  const { r, w } = await rig();
  for (const [lo, hi] of [[1, 0], [1 | 1 << 5, 1]]) {
    w(Reg.STATUS, 0);
    w(Reg.STATUS, Status.ACKNOWLEDGE | Status.DRIVER);
    w(Reg.DRIVER_FEATURES_SEL, 0);
    w(Reg.DRIVER_FEATURES, lo);
    w(Reg.DRIVER_FEATURES_SEL, 1);
    w(Reg.DRIVER_FEATURES, hi);
    w(Reg.STATUS, Status.ACKNOWLEDGE | Status.DRIVER | Status.FEATURES_OK);
    assertEquals(r(Reg.STATUS), Status.ACKNOWLEDGE | Status.DRIVER, `features ${hi}:${lo}`);
    w(Reg.STATUS, Status.ACKNOWLEDGE | Status.DRIVER | Status.DRIVER_OK);
    assertEquals(r(Reg.STATUS), Status.ACKNOWLEDGE | Status.DRIVER, "no DRIVER_OK either");
  }
});

Deno.test("virtio-mmio device reset (status 0) ends the agent's session and clears the registers", async () => {
  const { fx, dev, ram, r, w } = await rig();
  await probe(regs(dev), ram, { features: VERSION_1 | P2A | EVENT_IDX });
  assertEquals(fx.platform.sessions.size, 1);
  w(Reg.STATUS, 0);
  assertEquals(fx.platform.sessions.size, 0, "session gone");
  assertEquals(dev.scmi.session, null);
  assertEquals([r(Reg.STATUS), r(Reg.INTERRUPT_STATUS)], [0, 0]);
  w(Reg.QUEUE_SEL, 0);
  assertEquals(r(Reg.QUEUE_READY), 0);
  assertEquals(dev.state.driverFeatures, [0, 0]);
});

Deno.test("virtio-mmio accesses other than aligned 4 bytes read 0, change nothing, logged once", async () => {
  const { fx, dev, r } = await rig();
  for (const [offset, size] of [[0, 1], [0, 2], [0, 8], [2, 4], [0x71, 4]]) {
    assertEquals(dev.access(offset, size, false, 0), 0, `read ${size}@${offset}`);
  }
  dev.access(Reg.STATUS, 1, true, Status.ACKNOWLEDGE);
  dev.access(Reg.STATUS, 8, true, Status.ACKNOWLEDGE);
  assertEquals(r(Reg.STATUS), 0);
  assertEquals(fx.logs.filter((l) => l.includes("only aligned 4-byte")).length, 1);
});

Deno.test("virtio-mmio DRIVER_OK with rings outside guest memory → DEVICE_NEEDS_RESET and a config interrupt; only reset obeyed", async () => {
  const { dev, ram, r, w, raised } = await rig();
  w(Reg.STATUS, Status.ACKNOWLEDGE | Status.DRIVER);
  w(Reg.DRIVER_FEATURES_SEL, 1);
  w(Reg.DRIVER_FEATURES, 1);
  w(Reg.STATUS, Status.ACKNOWLEDGE | Status.DRIVER | Status.FEATURES_OK);
  await setupQueue(regs(dev), ram, 0, 16);
  w(Reg.QUEUE_DESC_HIGH, 0); // queue is ready: ignored
  w(Reg.QUEUE_SEL, 0);
  w(Reg.QUEUE_READY, 0);
  w(Reg.QUEUE_DESC_LOW, 0x1000); // below RAM
  w(Reg.QUEUE_READY, 1);
  w(Reg.STATUS, ALL);
  assertEquals(r(Reg.STATUS) & Status.DEVICE_NEEDS_RESET, Status.DEVICE_NEEDS_RESET);
  assertEquals(r(Reg.INTERRUPT_STATUS), Interrupt.CONFIG);
  assertEquals(raised(), 1);
  assertEquals(dev.scmi.session, null);
  w(Reg.QUEUE_SEL, 1);
  assertEquals(dev.state.queueSel, 0, "writes ignored while it needs a reset");
  w(Reg.STATUS, 0);
  assertEquals(r(Reg.STATUS), 0);
});

Deno.test("virtio-mmio restore: a new device takes the kept registers and serves from the used index", async () => {
  let kept: MmioState | undefined;
  const a = await rig({ persist: (s) => void (kept = s) });
  const { cmd } = await probe(regs(a.dev), a.ram);
  cmd.add([{ write: false, len: 4, data: PROTOCOL_VERSION }, { write: true, len: 136 }]);
  cmd.publish();
  a.w(Reg.QUEUE_NOTIFY, 0);
  await turn();
  assertEquals(cmd.takeUsed().length, 1);
  assert(kept !== undefined && isMmioState(JSON.parse(JSON.stringify(kept))));
  assertEquals(kept.status, ALL);
  // The old process dies with one command made available but never served.
  a.dev.close("close");
  cmd.add([{ write: false, len: 4, data: PROTOCOL_VERSION }, { write: true, len: 136 }]);
  cmd.publish();
  const b = await rig({ ram: a.ram });
  b.dev.restore(kept);
  assertEquals(b.r(Reg.STATUS), ALL);
  assertEquals(b.r(Reg.INTERRUPT_STATUS), Interrupt.VRING, "the driver is told to look");
  await turn();
  assertEquals(cmd.takeUsed().map((u) => u.len), [12], "the pending command was served");
});

Deno.test("virtio-mmio without kept registers: needsReset → status NEEDS_RESET, config interrupt", async () => {
  const { dev, r, raised } = await rig();
  dev.needsReset("no state");
  assertEquals(r(Reg.STATUS), Status.DEVICE_NEEDS_RESET);
  assertEquals(r(Reg.INTERRUPT_STATUS), Interrupt.CONFIG);
  assertEquals(raised(), 1);
});

Deno.test("virtio-mmio hostile register traffic (property): never throws, never writes outside RAM", async () => {
  const { fx, ram } = await rig();
  // RAM is the middle of a larger buffer; the guards around it must stay untouched.
  const outer = new Uint8Array(3 << 16).fill(0xa5);
  const inner = outer.subarray(1 << 16, 2 << 16);
  const base = ram.base;
  const memory = new RegionMemory([{ gpa: base, size: inner.length, bytes: inner }]);
  const guarded = new MmioScmiDevice(sessionOpener(fx.platform, fx.platform.agent("zone1")!), {
    log: fx.platform.log,
    label: "zone1@virtio-mmio",
    vendor: 1,
    memory,
    raise: () => {},
    clock: new ManualClock(),
  });
  const offsets = fc.oneof(
    fc.constantFrom(...Object.values(Reg)),
    fc.integer({ min: 0, max: 0x1ff }),
  );
  const value = fc.oneof(
    fc.integer({ min: 0, max: 0xffffffff }),
    fc.integer({ min: base, max: base + inner.length }),
    fc.constantFrom(0, 1, 2, 4, 8, 15, 16, 0x7f, 0xff, base - 16, base + inner.length - 8),
  );
  const access = fc.record({
    offset: offsets,
    size: fc.constantFrom(1, 2, 4, 4, 4, 8),
    write: fc.boolean(),
    value,
  });
  await fc.assert(
    fc.asyncProperty(fc.array(access, { maxLength: 120 }), async (list) => {
      guarded.access(Reg.STATUS, 4, true, 0);
      for (const a of list) {
        const v = guarded.access(a.offset, a.size, a.write, a.value);
        assert(Number.isInteger(v) && v >= 0 && v <= 0xffffffff);
      }
      await turn();
      assert(outer.subarray(0, 1 << 16).every((b) => b === 0xa5), "guard below RAM");
      assert(outer.subarray(2 << 16).every((b) => b === 0xa5), "guard above RAM");
    }),
    { numRuns: 200 },
  );
  guarded.close("end");
});

Deno.test("virtio-mmio descriptors pointing outside zone RAM (property): completed empty, nothing written there", async () => {
  // The zone owns the first half of the test RAM; the second half stands for memory of
  // another zone and must never change.
  const ram = new GuestRam(1 << 20);
  const half = 1 << 19;
  const memory = new RegionMemory([{
    gpa: ram.base,
    size: half,
    bytes: ram.bytes.subarray(0, half),
  }]);
  const { dev, w } = await rig({ ram, memory });
  const { cmd } = await probe(regs(dev), ram, { features: VERSION_1 | P2A | (1n << 28n), num: 64 });
  const other = ram.bytes.subarray(half);
  other.fill(0x5a);
  const anywhere = fc.oneof(
    fc.integer({ min: ram.base, max: ram.base + (1 << 20) }),
    fc.constantFrom(ram.base + half - 4, ram.base + half, 0, 0xffff_f000, ram.base - 8),
  );
  const desc = fc.record({
    addr: anywhere,
    len: fc.oneof(fc.integer({ min: 0, max: 4096 }), fc.constant(0xffffffff)),
    flags: fc.integer({ min: 0, max: 7 }),
    next: fc.integer({ min: 0, max: 70 }),
  });
  await fc.assert(
    fc.asyncProperty(fc.array(desc, { minLength: 1, maxLength: 8 }), async (ds) => {
      ds.forEach((d, i) => cmd.writeDesc(i, d));
      cmd.offer(0);
      cmd.publish();
      w(Reg.QUEUE_NOTIFY, 0);
      await turn();
      cmd.takeUsed();
      assert(other.every((b) => b === 0x5a), "memory outside the zone changed");
    }),
    { numRuns: 150 },
  );
  dev.close("end");
});
