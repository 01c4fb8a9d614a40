import fc from "fast-check";
import { assert, assertEquals, assertThrows } from "../../core/_assert_test.ts";
import { Logger } from "../../core/log.ts";
import { ManualClock } from "../../core/timer_clock.ts";
import { Bridge } from "./bridge.ts";
import { BRIDGE, MAX_REQ, REQ } from "./layout.ts";
import { type BridgeDevice, BridgeOwner, ORPHAN_MS } from "./owner.ts";
import { type Access, memoryPort } from "./_el2_test.ts";

let keys = 0;

function quiet(): { log: Logger; lines: string[] } {
  const log = new Logger();
  const lines: string[] = [];
  log.sink = (level, line) => void lines.push(`${level}: ${line}`);
  return { log, lines };
}

/** A device that answers `offset + zone * 0x1000` and records every access. */
function device(zone: number, base: number, irq = 40): BridgeDevice & { seen: Access[] } {
  const seen: Access[] = [];
  return {
    zone,
    base,
    size: 0x200,
    irq,
    label: `zone${zone}@0x${base.toString(16)}`,
    seen,
    access(offset, size, write, value) {
      seen.push({ cpu: -1, zone, address: offset, size, value, write });
      return write ? 0 : offset + zone * 0x1000;
    },
  };
}

function owner(clock = new ManualClock()) {
  const m = memoryPort();
  const { log, lines } = quiet();
  const o = BridgeOwner.acquire(`memory:${keys++}`, () => m.port, { log, clock });
  return { ...m, o, lines, clock };
}

Deno.test("bridge layout offsets: 2136 bytes, req 40 bytes, cfg_flags u64 at 1552", () => {
  assertEquals(BRIDGE.SIZE, 2136);
  assertEquals(BRIDGE.REQ_LIST + MAX_REQ * REQ.BYTES, BRIDGE.RES_LIST);
  assertEquals(BRIDGE.RES_LIST + MAX_REQ * 8, BRIDGE.CFG_FLAGS);
  assertEquals(BRIDGE.CFG_FLAGS + 32 * 8, BRIDGE.CFG_VALUES);
  assertEquals(BRIDGE.CFG_VALUES + 32 * 8, BRIDGE.MMIO_ADDRS);
  assertEquals(BRIDGE.MMIO_ADDRS + 8 * 8, BRIDGE.MMIO_AVAIL);
  assertThrows(() => new Bridge(new Uint8Array(2000)), RangeError);
});

Deno.test("config read: cfg_values[cpu] holds the register, cfg_flags[cpu] moved by one; need_wakeup set after", () => {
  const { o, el2 } = owner();
  const dev = device(1, 0xa003c00);
  o.attach(dev);
  assert(el2.needWakeup, "asleep once the ring is empty");
  const old = el2.push({ cpu: 3, zone: 1, address: 0xa003c70 })!;
  assertEquals(Atomics.load(el2.flags, 3), old + 1n);
  assertEquals(el2.value(3), 0x70 + 0x1000);
  assertEquals(dev.seen.map((a) => [a.address, a.size, a.write]), [[0x70, 4, false]]);
  assert(el2.needWakeup);
  assertEquals(el2.kicks, 1);
});

Deno.test("a write is answered (value 0), QueueNotify is not: the vCPU does not wait for it", () => {
  const { o, el2 } = owner();
  const dev = device(1, 0x1000);
  o.attach(dev);
  const w = el2.push({ cpu: 0, zone: 1, address: 0x1070, write: true, value: 7 })!;
  assertEquals(Atomics.load(el2.flags, 0), w + 1n);
  el2.push({ cpu: 0, zone: 1, address: 0x1050, notify: true, value: 0 });
  assertEquals(Atomics.load(el2.flags, 0), w + 1n, "no answer to QueueNotify");
  assertEquals(dev.seen.map((a) => [a.address, a.value, a.write]), [[0x70, 7, true], [
    0x50,
    0,
    true,
  ]]);
});

Deno.test("ring wrap-around: 200 requests in batches of up to 31 → each answered once, in order", () => {
  const { o, el2, state } = owner();
  const dev = device(2, 0x2000);
  o.attach(dev);
  let sent = 0;
  let batch = 1;
  while (sent < 200) {
    const olds: bigint[] = [];
    for (let i = 0; i < batch && sent < 200; i++, sent++) {
      olds.push(el2.push({ cpu: 0, zone: 2, address: 0x2000 + 4 * (sent % 64) }, false)!);
    }
    state.onKick!();
    batch = batch % 31 + 1;
  }
  assertEquals(dev.seen.length, 200);
  assertEquals(dev.seen.map((a) => a.address), Array.from({ length: 200 }, (_, i) => 4 * (i % 64)));
  assertEquals(Atomics.load(el2.flags, 0), 200n);
  assertEquals(Atomics.load(el2.idx, 0), Atomics.load(el2.idx, 1), "front caught up with rear");
});

Deno.test("full ring: 31 requests fill it, hvisor cannot push a 32nd until vscmi drains", () => {
  const { o, el2, state } = owner();
  o.attach(device(1, 0x1000));
  for (let i = 0; i < MAX_REQ - 1; i++) {
    assert(el2.push({ cpu: i, zone: 1, address: 0x1000 }, false) !== null);
  }
  assert(el2.full);
  assertEquals(el2.push({ cpu: 31, zone: 1, address: 0x1000 }, false), null);
  state.onKick!();
  assert(!el2.full);
  for (let i = 0; i < MAX_REQ - 1; i++) assertEquals(Atomics.load(el2.flags, i), 1n);
  assert(el2.push({ cpu: 31, zone: 1, address: 0x1000 }) !== null);
  assertEquals(Atomics.load(el2.flags, 31), 1n);
});

Deno.test("spurious wake-ups change nothing", () => {
  const { o, el2, state } = owner();
  const dev = device(1, 0x1000);
  o.attach(dev);
  for (let i = 0; i < 5; i++) state.onKick!();
  assertEquals(dev.seen, []);
  assertEquals([...el2.flags].every((f) => f === 0n), true);
  assert(el2.needWakeup);
});

Deno.test("several vCPUs and zones at once: each request reaches its zone's device, each vCPU is answered", () => {
  const { o, el2, state } = owner();
  const a = device(1, 0xa000000);
  const b = device(2, 0xa000000, 41);
  const c = device(2, 0xa000200, 42);
  o.attach(a);
  o.attach(b);
  o.attach(c);
  const olds = [0, 1, 2, 3, 4, 5].map((cpu) =>
    el2.push(
      { cpu, zone: cpu < 2 ? 1 : 2, address: 0xa000000 + (cpu >= 4 ? 0x200 : 0) + 8 * cpu },
      false,
    )!
  );
  state.onKick!();
  olds.forEach((old, cpu) => assertEquals(Atomics.load(el2.flags, cpu), old + 1n, `cpu ${cpu}`));
  assertEquals(el2.value(0), 0 + 0x1000);
  assertEquals(el2.value(2), 16 + 0x2000);
  assertEquals(el2.value(5), 40 + 0x2000);
  assertEquals(a.seen.length, 2);
  assertEquals(b.seen.length, 2);
  assertEquals(c.seen.length, 2);
  assertThrows(() => o.attach(device(2, 0xa000100)), RangeError, "overlaps");
});

Deno.test("an access no device serves (wrong zone) is held, then answered 0 and logged once", () => {
  const clock = new ManualClock();
  const { o, el2, lines } = owner(clock);
  const dev = device(1, 0x1000);
  o.attach(dev);
  const old = el2.push({ cpu: 1, zone: 7, address: 0x1000 })!;
  assertEquals(o.held, 1);
  assert(!el2.answered(1, old), "held while a device may still attach");
  clock.advance(ORPHAN_MS);
  assert(el2.answered(1, old));
  assertEquals(el2.value(1), 0);
  assertEquals(dev.seen, [], "zone 1's device never saw zone 7's access");
  assertEquals(lines.filter((l) => l.includes("zone 7")).length, 1);
});

Deno.test("a request waiting for a device that attaches later is served by it", () => {
  const { o, el2 } = owner();
  o.attach(device(1, 0x1000));
  const old = el2.push({ cpu: 2, zone: 2, address: 0x2004 })!;
  assertEquals(o.held, 1);
  o.attach(device(2, 0x2000));
  assertEquals(o.held, 0);
  assert(el2.answered(2, old));
  assertEquals(el2.value(2), 4 + 0x2000);
});

Deno.test("interrupts: {zone, irq} on res_list then FINISH_REQ; a full res_list is retried", () => {
  const clock = new ManualClock();
  const { o, el2, state } = owner(clock);
  const d = o.attach(device(3, 0x1000, 78));
  d.raise();
  assertEquals(state.finishes, 1);
  assertEquals(el2.results(), [[3, 78]]);
  for (let i = 0; i < 40; i++) d.raise();
  assertEquals(state.finishes, 1 + MAX_REQ - 1, "31 fit");
  assertEquals(el2.results().length, MAX_REQ - 1);
  clock.advance(1);
  assertEquals(state.finishes, 41);
  assertEquals(el2.results().length, 9);
});

Deno.test("requests left by a previous vscmi: one the vCPU moved past is not answered again", () => {
  const m = memoryPort();
  // cpu 0: an access answered before the crash (flag already moved), then a newer one.
  m.el2.push({ cpu: 0, zone: 1, address: 0x1000 }, false);
  Atomics.store(m.el2.flags, 0, 1n);
  m.el2.push({ cpu: 0, zone: 1, address: 0x1004 }, false);
  // cpu 1: an access never answered.
  m.el2.push({ cpu: 1, zone: 1, address: 0x1008 }, false);
  const { log } = quiet();
  const o = BridgeOwner.acquire(`memory:${keys++}`, () => m.port, { log });
  const dev = device(1, 0x1000);
  o.attach(dev);
  assertEquals(Atomics.load(m.el2.flags, 0), 2n, "cpu 0 answered once more, for its newer access");
  assertEquals(m.el2.value(0), 4 + 0x1000);
  assertEquals(Atomics.load(m.el2.flags, 1), 1n);
  assertEquals(dev.seen.map((a) => a.address), [0, 4, 8]);
});

Deno.test("hostile ring contents (property): nothing throws, devices see only their own window", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          slot: fc.uint8Array({ minLength: REQ.BYTES, maxLength: REQ.BYTES }),
          rear: fc.integer({ min: 0, max: 0xffffffff }),
        }),
        { maxLength: 20 },
      ),
      (steps) => {
        const { o, el2, state } = owner();
        const dev = device(1, 0x1000);
        const thrower: BridgeDevice = {
          ...device(0, 0),
          access: () => {
            throw new Error("broken device");
          },
        };
        o.attach(dev);
        o.attach(thrower);
        for (const s of steps) {
          const rear = Atomics.load(el2.idx, 1) % MAX_REQ;
          el2.bytes.set(s.slot, BRIDGE.REQ_LIST + rear * REQ.BYTES);
          Atomics.store(el2.idx, 1, s.rear);
          state.onKick!();
        }
        for (const a of dev.seen) assert(a.address >= 0 && a.address < 0x200);
      },
    ),
    { numRuns: 300 },
  );
});
