import { assert, assertEquals, assertThrows } from "../../core/_assert_test.ts";
import { ChainError } from "./chain.ts";
import { FeatureBit, featureMask } from "./features.ts";
import type { GuestMemory } from "./guest_memory.ts";
import { GuestQueue, GuestRam, RAM_BASE } from "./_driver_test.ts";
import { DescFlag, SplitQueue } from "./split_queue.ts";

const INDIRECT = featureMask(FeatureBit.RING_INDIRECT_DESC);
const EVENT_IDX = featureMask(FeatureBit.RING_EVENT_IDX);
const { NEXT, WRITE } = DescFlag;

function setup(size = 8, features = 0n) {
  const ram = new GuestRam(1 << 16);
  const g = new GuestQueue(ram, size);
  const q = g.device(features);
  return { ram, g, q };
}

Deno.test("constructor: size not a power of 2, or above 32768 → RangeError", () => {
  const ram = new GuestRam(1 << 16);
  for (const size of [0, 3, 12, 65536]) {
    assertThrows(() => new SplitQueue(ram.memory, size, RAM_BASE, RAM_BASE, RAM_BASE), RangeError);
  }
});

Deno.test("constructor: misaligned or out-of-memory ring parts → RangeError", () => {
  const ram = new GuestRam(1 << 12);
  const m = ram.memory;
  const b = RAM_BASE;
  assertThrows(() => new SplitQueue(m, 8, b + 8, b + 0x200, b + 0x400), RangeError, "16-aligned");
  assertThrows(() => new SplitQueue(m, 8, b, b + 0x201, b + 0x400), RangeError, "2-aligned");
  assertThrows(() => new SplitQueue(m, 8, b, b + 0x200, b + 0x402), RangeError, "4-aligned");
  // The used ring of 8 entries needs 70 bytes; this one would end past RAM.
  assertThrows(() => new SplitQueue(m, 8, b, b + 0x200, b + 0xfe0), RangeError, "outside");
  assertThrows(() => new SplitQueue(m, 8, 0, b + 0x200, b + 0x400), RangeError, "outside");
  assertThrows(() => new SplitQueue(m, 8, -16, b + 0x200, b + 0x400), RangeError);
});

Deno.test("pop: nothing available → null", () => {
  const { q } = setup();
  assertEquals(q.pop(), null);
  assertEquals(q.pending(), 0);
});

Deno.test("pop: a Linux-style [readable, writable] chain → two segments in order", () => {
  const { g, q, ram } = setup();
  const head = g.add([{ write: false, len: 4 }, { write: true, len: 136 }]);
  g.publish();
  assertEquals(q.pending(), 1);
  const c = q.pop()!;
  assertEquals(c.error, null);
  assertEquals(c.head, head);
  assertEquals([c.count, c.readable, c.writable, c.readBytes, c.writeBytes], [2, 1, 1, 4, 136]);
  assertEquals(c.addr[0], g.partAddr(head, 0));
  assertEquals(c.addr[1], g.partAddr(head, 1));
  assertEquals(c.off[1], g.partAddr(head, 1) - RAM_BASE);
  assertEquals(ram.memory.base(c.region[1]), RAM_BASE);
  assertEquals(q.pop(), null);
  assertEquals(q.lastAvail, 1);
});

Deno.test("pop: zero-length descriptors carry nothing and are skipped", () => {
  const { g, q } = setup();
  g.add([{ write: false, len: 0 }, { write: false, len: 8 }, { write: true, len: 0 }, {
    write: true,
    len: 12,
  }]);
  g.publish();
  const c = q.pop()!;
  assertEquals(c.error, null);
  assertEquals([c.count, c.readable, c.readBytes, c.writeBytes], [2, 1, 8, 12]);
});

Deno.test("pop: indirect table with the feature → its descriptors, in order", () => {
  const { g, q } = setup(8, INDIRECT);
  const head = g.add(
    [{ write: false, len: 4 }, { write: false, len: 6 }, { write: true, len: 20 }],
    {
      indirect: true,
    },
  );
  g.publish();
  const c = q.pop()!;
  assertEquals(c.error, null);
  assertEquals(c.head, head);
  assertEquals([c.count, c.readable, c.readBytes, c.writeBytes], [3, 2, 10, 20]);
});

Deno.test("pop: direct descriptors followed by one indirect descriptor are accepted", () => {
  const { g, q, ram } = setup(8, INDIRECT);
  const req = ram.alloc(4);
  const rep = ram.alloc(16);
  const table = ram.alloc(16);
  g.writeDesc(0, { addr: req, len: 4, flags: NEXT, next: 5 });
  g.writeDesc(5, { addr: table, len: 16, flags: DescFlag.INDIRECT | WRITE, next: 0 });
  g.writeDesc(0, { addr: rep, len: 16, flags: WRITE, next: 0 }, table);
  g.offer(0);
  g.publish();
  const c = q.pop()!;
  assertEquals(c.error, null);
  assertEquals([c.count, c.readable, c.readBytes, c.writeBytes], [2, 1, 4, 16]);
});

/** One chain per hostile layout, each with the error pop must report. */
Deno.test("pop: every malformed chain is reported with its reason, never thrown", () => {
  const cases: [string, (g: GuestQueue, ram: GuestRam) => number, ChainError, bigint?][] = [
    ["head ≥ size", () => 9, ChainError.HEAD_RANGE],
    ["next ≥ size", (g, ram) => {
      g.writeDesc(0, { addr: ram.alloc(4), len: 4, flags: NEXT, next: 8 });
      return 0;
    }, ChainError.NEXT_RANGE],
    ["loop 0 → 1 → 0", (g, ram) => {
      const a = ram.alloc(4);
      g.writeDesc(0, { addr: a, len: 4, flags: NEXT, next: 1 });
      g.writeDesc(1, { addr: a, len: 4, flags: NEXT, next: 0 });
      return 0;
    }, ChainError.LOOP],
    ["self loop", (g, ram) => {
      g.writeDesc(3, { addr: ram.alloc(4), len: 4, flags: NEXT, next: 3 });
      return 3;
    }, ChainError.LOOP],
    ["indirect without the feature", (g, ram) => {
      g.writeDesc(0, { addr: ram.alloc(16), len: 16, flags: DescFlag.INDIRECT, next: 0 });
      return 0;
    }, ChainError.INDIRECT_FEATURE],
    [
      "indirect with NEXT",
      (g, ram) => {
        g.writeDesc(0, { addr: ram.alloc(16), len: 16, flags: DescFlag.INDIRECT | NEXT, next: 1 });
        return 0;
      },
      ChainError.INDIRECT_NEXT,
      INDIRECT,
    ],
    [
      "indirect in indirect",
      (g, ram) => {
        const outer = ram.alloc(16);
        const inner = ram.alloc(16);
        g.writeDesc(0, { addr: inner, len: 16, flags: DescFlag.INDIRECT, next: 0 }, outer);
        g.writeDesc(0, { addr: outer, len: 16, flags: DescFlag.INDIRECT, next: 0 });
        return 0;
      },
      ChainError.INDIRECT_NESTED,
      INDIRECT,
    ],
    [
      "indirect table of 0 bytes",
      (g, ram) => {
        g.writeDesc(0, { addr: ram.alloc(16), len: 0, flags: DescFlag.INDIRECT, next: 0 });
        return 0;
      },
      ChainError.INDIRECT_SIZE,
      INDIRECT,
    ],
    [
      "indirect table of 24 bytes",
      (g, ram) => {
        g.writeDesc(0, { addr: ram.alloc(32), len: 24, flags: DescFlag.INDIRECT, next: 0 });
        return 0;
      },
      ChainError.INDIRECT_SIZE,
      INDIRECT,
    ],
    [
      "indirect table longer than the queue",
      (g, ram) => {
        g.writeDesc(0, { addr: ram.alloc(16 * 9), len: 16 * 9, flags: DescFlag.INDIRECT, next: 0 });
        return 0;
      },
      ChainError.INDIRECT_SIZE,
      INDIRECT,
    ],
    [
      "indirect table outside RAM",
      (g) => {
        g.writeDesc(0, { addr: 0x1000, len: 16, flags: DescFlag.INDIRECT, next: 0 });
        return 0;
      },
      ChainError.INDIRECT_MEMORY,
      INDIRECT,
    ],
    [
      "indirect loop",
      (g, ram) => {
        const t = ram.alloc(32);
        g.writeDesc(0, { addr: ram.alloc(4), len: 4, flags: NEXT, next: 1 }, t);
        g.writeDesc(1, { addr: ram.alloc(4), len: 4, flags: NEXT, next: 0 }, t);
        g.writeDesc(0, { addr: t, len: 32, flags: DescFlag.INDIRECT, next: 0 });
        return 0;
      },
      ChainError.LOOP,
      INDIRECT,
    ],
    ["buffer below RAM", (g) => {
      g.writeDesc(0, { addr: RAM_BASE - 4, len: 8, flags: 0, next: 0 });
      return 0;
    }, ChainError.BUFFER_MEMORY],
    ["buffer past the end of RAM", (g) => {
      g.writeDesc(0, { addr: RAM_BASE + (1 << 16) - 4, len: 8, flags: WRITE, next: 0 });
      return 0;
    }, ChainError.BUFFER_MEMORY],
    ["buffer at an address beyond 2^53", (g) => {
      g.writeDesc(0, { addr: 2 ** 60 + RAM_BASE, len: 8, flags: 0, next: 0 });
      return 0;
    }, ChainError.BUFFER_MEMORY],
    ["length 0xffffffff", (g) => {
      g.writeDesc(0, { addr: RAM_BASE, len: 0xffffffff, flags: 0, next: 0 });
      return 0;
    }, ChainError.BUFFER_MEMORY],
    ["readable after writable", (g, ram) => {
      g.writeDesc(0, { addr: ram.alloc(8), len: 8, flags: WRITE | NEXT, next: 1 });
      g.writeDesc(1, { addr: ram.alloc(4), len: 4, flags: 0, next: 0 });
      return 0;
    }, ChainError.ORDER],
  ];
  for (const [name, build, error, features] of cases) {
    const { g, q, ram } = setup(8, features ?? 0n);
    const head = build(g, ram);
    g.offer(head);
    g.publish();
    const c = q.pop();
    assert(c !== null, `${name}: a chain is returned`);
    assertEquals(c.error, error, name);
    assertEquals(c.head, head, name);
    assertEquals(q.pop(), null, name);
  }
});

Deno.test("pop: a chain of 2^32 bytes or more → TOO_LONG", () => {
  // Memory that claims every range, to reach the length check.
  const backing = new Uint8Array(0x1000);
  const dv = new DataView(backing.buffer);
  const mem: GuestMemory = {
    regions: 1,
    find: () => 0,
    base: () => 0,
    bytes: () => backing,
    dataView: () => dv,
    view: () => null,
    u16: () => 0,
    u32: () => 0,
    u64: () => 0n,
    setU16: () => {},
    setU32: () => {},
    setU64: () => {},
  };
  const q = new SplitQueue(mem, 4, 0x0, 0x100, 0x200);
  const desc = (i: number, len: number, flags: number, next: number) => {
    dv.setUint32(16 * i + 8, len, true);
    dv.setUint16(16 * i + 12, flags, true);
    dv.setUint16(16 * i + 14, next, true);
  };
  desc(0, 0x8000_0000, NEXT, 1);
  desc(1, 0x8000_0000, WRITE, 0);
  dv.setUint16(0x102, 1, true);
  assertEquals(q.pop()!.error, ChainError.TOO_LONG);
});

Deno.test("pop: avail.idx more than the queue size ahead → queue broken, nothing popped", () => {
  const { g, q } = setup(4);
  g.setAvailIdx(5);
  assertEquals(q.pop(), null);
  assert(q.broken !== null && q.broken.includes("5 entries ahead"));
  assertEquals(q.pending(), 0);
  assertEquals(q.enableNotifications(), false);
  g.setAvailIdx(1);
  assertEquals(q.pop(), null, "a broken queue stays broken");
});

Deno.test("push: used element then used.idx; wraps at 65536", () => {
  const ram = new GuestRam(1 << 16);
  const g = new GuestQueue(ram, 4);
  // Resume a ring whose counters are about to wrap.
  ram.setU16(g.used + 2, 0xffff);
  ram.setU16(g.avail + 2, 0xffff);
  const q = g.device();
  assertEquals([q.usedIdx, q.lastAvail], [0xffff, 0xffff]);
  g.add([{ write: true, len: 8 }]);
  g.add([{ write: true, len: 8 }]);
  g.publish();
  assertEquals(g.availIdx, 1);
  // pop() reuses its Chain: keep the heads, not the objects.
  const a = q.pop()!.head;
  q.push(a, 8);
  const b = q.pop()!.head;
  q.push(b, 3);
  assertEquals(q.pop(), null);
  assertEquals([q.usedIdx, g.usedIdx, q.lastAvail], [1, 1, 1]);
  // Slot 3 (0xffff mod 4) then slot 0.
  assertEquals([ram.u32(g.used + 4 + 8 * 3), ram.u32(g.used + 8 + 8 * 3)], [a, 8]);
  assertEquals([ram.u32(g.used + 4), ram.u32(g.used + 8)], [b, 3]);
});

Deno.test("needsInterrupt without EVENT_IDX: after a push unless NO_INTERRUPT; never twice", () => {
  const { g, q } = setup();
  assertEquals(q.needsInterrupt(), false, "nothing pushed");
  g.add([{ write: true, len: 8 }]);
  g.publish();
  q.push(q.pop()!.head, 0);
  assertEquals(q.needsInterrupt(), true);
  assertEquals(q.needsInterrupt(), false, "nothing new since");
  g.setNoInterrupt(true);
  g.add([{ write: true, len: 8 }]);
  g.publish();
  q.push(q.pop()!.head, 0);
  assertEquals(q.needsInterrupt(), false);
});

Deno.test("needsInterrupt with EVENT_IDX: only when used.idx passes used_event", () => {
  const { g, q } = setup(8, EVENT_IDX);
  g.setNoInterrupt(true); // must be ignored with EVENT_IDX
  g.setUsedEvent(2); // interrupt when the entry at index 2 is used (used.idx reaches 3)
  for (let i = 0; i < 5; i++) g.add([{ write: true, len: 8 }]);
  g.publish();
  const seen: boolean[] = [];
  for (let i = 0; i < 5; i++) {
    q.push(q.pop()!.head, 0);
    seen.push(q.needsInterrupt());
  }
  assertEquals(seen, [false, false, true, false, false]);
  // Two pushes at once that jump over used_event still interrupt once.
  g.setUsedEvent(5);
  for (let i = 0; i < 2; i++) g.add([{ write: true, len: 8 }]);
  g.publish();
  q.push(q.pop()!.head, 0);
  q.push(q.pop()!.head, 0);
  assertEquals(q.needsInterrupt(), true);
});

Deno.test("driverTook: used_event at or past the index, modulo 2^16; unknown without EVENT_IDX", () => {
  const { g, q } = setup(8, EVENT_IDX);
  g.setUsedEvent(3);
  assertEquals([q.driverTook(2), q.driverTook(3), q.driverTook(4)], [true, true, false]);
  g.setUsedEvent(1); // wrapped past 0xffff
  assertEquals([q.driverTook(0xfffe), q.driverTook(1), q.driverTook(2)], [true, true, false]);
  const plain = setup();
  plain.g.setUsedEvent(3);
  assertEquals(plain.q.driverTook(0), false);
});

Deno.test("disable/enableNotifications without EVENT_IDX: used.flags NO_NOTIFY, then recheck", () => {
  const { g, q } = setup();
  q.disableNotifications();
  assertEquals(g.usedFlags, 1);
  assertEquals(q.enableNotifications(), false);
  assertEquals(g.usedFlags, 0);
  q.disableNotifications();
  g.add([{ write: true, len: 8 }]);
  g.publish();
  assertEquals(q.enableNotifications(), true, "a chain arrived while disabled");
});

Deno.test("enableNotifications with EVENT_IDX: avail_event = next index, used.flags stay 0", () => {
  const { g, q } = setup(8, EVENT_IDX);
  g.add([{ write: true, len: 8 }]);
  g.add([{ write: true, len: 8 }]);
  g.publish();
  q.disableNotifications();
  assertEquals(g.usedFlags, 0);
  q.pop();
  assertEquals(q.enableNotifications(), true);
  assertEquals(g.availEvent, 1);
  q.pop();
  assertEquals(q.enableNotifications(), false);
  assertEquals(g.availEvent, 2);
});

Deno.test("lastAvail set (SET_VRING_BASE) → pop resumes there; get reports progress", () => {
  const { g, q } = setup();
  const heads = [0, 1, 2].map(() => g.add([{ write: true, len: 8 }]));
  g.publish();
  q.lastAvail = 2;
  assertEquals(q.pending(), 1);
  assertEquals(q.pop()!.head, heads[2]);
  assertEquals(q.lastAvail, 3);
  q.lastAvail = 0x10001; // only the low 16 bits count
  assertEquals(q.lastAvail, 1);
  assertEquals(q.pop()!.head, heads[1]);
});

Deno.test("a custom fence runs between ring accesses", () => {
  const ram = new GuestRam(1 << 16);
  const g = new GuestQueue(ram, 4);
  let fences = 0;
  const q = new SplitQueue(ram.memory, 4, g.desc, g.avail, g.used, 0n, {
    fence: () => void fences++,
  });
  g.add([{ write: true, len: 8 }]);
  g.publish();
  const c = q.pop()!;
  assertEquals(fences, 1, "after reading avail.idx");
  q.push(c.head, 0);
  assertEquals(fences, 2, "before publishing used.idx");
  q.needsInterrupt();
  assertEquals(fences, 3, "before reading avail.flags");
});
