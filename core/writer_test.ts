import { assertEquals, assertThrows } from "./_assert_test.ts";
import { CapacityError, encodeName, Writer } from "./writer.ts";

function written(fn: (w: Writer) => void, capacity = 64): Uint8Array {
  const buf = new Uint8Array(capacity);
  const w = new Writer().reset(buf, 0, capacity);
  fn(w);
  return buf.slice(0, w.length);
}

Deno.test("encodeName then words writes the bytes name writes: padded, cut, NUL-ended", () => {
  for (const s of ["", "clk0", "exactly15chars!", "sixteen_chars_xx", "a much longer clock name"]) {
    for (const size of [16, 64]) {
      assertEquals(
        written((w) => w.words(encodeName(s, size)), 64),
        written((w) => w.name(s, size), 64),
        `"${s}" in ${size} bytes`,
      );
    }
  }
});

Deno.test("encodeName for a field size that is not a multiple of 4 → RangeError", () => {
  assertThrows(() => encodeName("x", 10), RangeError);
});

Deno.test("words past the reply's capacity → CapacityError, nothing written", () => {
  const buf = new Uint8Array(24);
  const w = new Writer().reset(buf, 0, 24);
  w.begin(1);
  assertThrows(() => w.words(encodeName("clk", 64)), CapacityError);
  assertEquals(w.length, 8);
});

Deno.test("begin writes header then SUCCESS; under 8 bytes of room → CapacityError", () => {
  assertEquals(
    written((w) => w.begin(0x12345678)),
    new Uint8Array([0x78, 0x56, 0x34, 0x12, 0, 0, 0, 0]),
  );
  const buf = new Uint8Array(6);
  const w = new Writer().reset(buf, 0, 6);
  assertThrows(() => w.begin(0x01020304), CapacityError);
  assertEquals(w.length, 4, "the header went out, the status did not fit");
});
