import { assertEquals } from "./_assert_test.ts";
import { page } from "./page.ts";
import { Writer } from "./writer.ts";

/** A writer with `room` bytes left after header and status. */
function roomy(room: number): Writer {
  const w = new Writer().reset(new Uint8Array(8 + room), 0, 8 + room);
  w.begin(0);
  return w;
}

Deno.test("page: u32 entries fill the room after a 4-byte head", () => {
  // 128 bytes: head 4, then 31 words.
  assertEquals(page(100, 0, 4, roomy(128)), 31);
  // Only 5 remain from index 95.
  assertEquals(page(100, 95, 4, roomy(128)), 5);
});

Deno.test("page: u64 entries, and a larger head", () => {
  // (128 - 4) / 8 = 15.5 → 15.
  assertEquals(page(100, 0, 8, roomy(128)), 15);
  // head 8, pairs of u32: (128 - 8) / 8 = 15.
  assertEquals(page(100, 0, 8, roomy(128), 8), 15);
  assertEquals(page(100, 0, 8, roomy(127), 8), 14);
});

Deno.test("page: sub-word entries are counted in whole words of padding", () => {
  // u8 ids: 4 per word; 10 bytes after the head hold two whole words → 8 ids, not 10.
  assertEquals(page(100, 0, 1, roomy(14)), 8);
  // u16 ids: 2 per word.
  assertEquals(page(100, 0, 2, roomy(14)), 4);
  assertEquals(page(3, 0, 2, roomy(14)), 3);
});

Deno.test("page: at least one entry when some remain, even with no room", () => {
  assertEquals(page(10, 9, 4, roomy(4)), 1);
  assertEquals(page(10, 0, 68, roomy(40)), 1);
  assertEquals(page(10, 0, 4, roomy(0)), 1);
});

Deno.test("page: start at or past the total → 0 entries", () => {
  assertEquals(page(10, 10, 4, roomy(128)), 0);
  assertEquals(page(10, 11, 4, roomy(128)), 0);
  assertEquals(page(0, 0, 4, roomy(128)), 0);
});

Deno.test("page: never more than the count field's maximum", () => {
  assertEquals(page(1000, 0, 4, roomy(4096), 4, 0xff), 0xff);
  assertEquals(page(1000, 0, 2, roomy(4096), 4, 0xfff), 1000);
});

Deno.test("page: the answer follows the room left, not the capacity", () => {
  const w = roomy(40);
  w.u32(0);
  w.u32(0);
  // 32 bytes left: head 4 + 7 words.
  assertEquals(page(100, 0, 4, w), 7);
});
