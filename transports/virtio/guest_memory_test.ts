import fc from "fast-check";
import { assert, assertEquals, assertThrows } from "../../core/_assert_test.ts";
import { RegionMemory } from "./guest_memory.ts";

function twoRegions() {
  const low = new Uint8Array(0x1000);
  const high = new Uint8Array(0x2000);
  const mem = new RegionMemory([
    { gpa: 0x8000_0000n, size: high.length, bytes: high },
    { gpa: 0x4000_0000, size: low.length, bytes: low },
  ]);
  return { low, high, mem };
}

Deno.test("find: a range inside a region → that region; outside or straddling → -1", () => {
  const { mem } = twoRegions();
  assertEquals(mem.regions, 2);
  const low = mem.find(0x4000_0000, 0x1000);
  const high = mem.find(0x8000_1ff0, 16);
  assert(low >= 0 && high >= 0 && low !== high);
  assertEquals(mem.base(low), 0x4000_0000);
  assertEquals(mem.base(high), 0x8000_0000);
  assertEquals(mem.find(0x4000_0ffd, 4), -1);
  assertEquals(mem.find(0x3fff_ffff, 2), -1);
  assertEquals(mem.find(0x8000_2000, 1), -1);
  assertEquals(mem.find(0x4000_1000, 0), -1, "a zero-length range still needs its address");
  assertEquals(mem.find(0x4000_0fff, 0), low);
});

Deno.test("find: a range crossing two adjacent regions → -1", () => {
  const a = new Uint8Array(0x100);
  const b = new Uint8Array(0x100);
  const mem = new RegionMemory([
    { gpa: 0x1000, size: 0x100, bytes: a },
    { gpa: 0x1100, size: 0x100, bytes: b },
  ]);
  assert(mem.find(0x10f0, 16) >= 0);
  assert(mem.find(0x1100, 16) >= 0);
  assertEquals(mem.find(0x10f8, 16), -1);
  assertEquals(mem.view(0x10f8, 16), null);
});

Deno.test("view aliases the backing bytes; u16/u32/u64 are little-endian", () => {
  const { low, mem } = twoRegions();
  const v = mem.view(0x4000_0010, 8)!;
  v[0] = 0xaa;
  assertEquals(low[0x10], 0xaa);
  mem.setU16(0x4000_0020, 0x1234);
  mem.setU32(0x4000_0024, 0xdeadbeef);
  mem.setU64(0x4000_0028, 0x0102030405060708n);
  assertEquals([...low.subarray(0x20, 0x30)], [
    0x34,
    0x12,
    0,
    0,
    0xef,
    0xbe,
    0xad,
    0xde,
    8,
    7,
    6,
    5,
    4,
    3,
    2,
    1,
  ]);
  assertEquals(mem.u16(0x4000_0020), 0x1234);
  assertEquals(mem.u32(0x4000_0024), 0xdeadbeef);
  assertEquals(mem.u64(0x4000_0028), 0x0102030405060708n);
});

Deno.test("accessors outside guest memory → RangeError", () => {
  const { mem } = twoRegions();
  assertThrows(() => mem.u32(0x4000_0ffe), RangeError, "outside guest memory");
  assertThrows(() => mem.setU16(0x2000, 1), RangeError);
  assertThrows(() => mem.u64(0x8000_1ffc), RangeError);
  assertThrows(() => mem.u16(-2), RangeError);
  assertEquals(mem.view(-1, 4), null);
  assertEquals(mem.view(0x4000_0000, Number.NaN), null);
});

Deno.test("overlapping regions, bad sizes or addresses past 2^53 → RangeError", () => {
  const b = new Uint8Array(0x100);
  assertThrows(
    () =>
      new RegionMemory([{ gpa: 0, size: 0x100, bytes: b }, { gpa: 0xff, size: 0x10, bytes: b }]),
    RangeError,
    "overlap",
  );
  assertThrows(() => new RegionMemory([{ gpa: 0, size: 0x101, bytes: b }]), RangeError);
  assertThrows(() => new RegionMemory([{ gpa: 0, size: 0, bytes: b }]), RangeError);
  assertThrows(() => new RegionMemory([{ gpa: 1n << 60n, size: 0x100, bytes: b }]), RangeError);
  assertThrows(() => new RegionMemory([{ gpa: -4096, size: 0x100, bytes: b }]), RangeError);
});

Deno.test("a region smaller than its bytes only exposes `size` bytes", () => {
  const b = new Uint8Array(0x200);
  const mem = new RegionMemory([{ gpa: 0x1000, size: 0x100, bytes: b }]);
  assertEquals(mem.bytes(0).length, 0x100);
  assertEquals(mem.find(0x1100, 1), -1);
});

Deno.test("property: a view exists exactly when the whole range lies in one region", () => {
  const { mem, low, high } = twoRegions();
  const regions = [
    { base: 0x4000_0000, bytes: low },
    { base: 0x8000_0000, bytes: high },
  ];
  const address = fc.oneof(
    fc.integer({ min: 0x3fff_ff00, max: 0x4000_1100 }),
    fc.integer({ min: 0x7fff_ff00, max: 0x8000_2100 }),
    fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  );
  fc.assert(
    fc.property(address, fc.integer({ min: 0, max: 0x3000 }), (gpa, len) => {
      const inside = regions.find((r) =>
        gpa >= r.base && gpa + Math.max(len, 1) <= r.base + r.bytes.length
      );
      const v = mem.view(gpa, len);
      if (!inside) return v === null;
      if (v === null || v.length !== len) return false;
      // The view is the region's own bytes at the right offset.
      return v.buffer === inside.bytes.buffer && v.byteOffset === gpa - inside.base;
    }),
    { numRuns: 2000 },
  );
});
