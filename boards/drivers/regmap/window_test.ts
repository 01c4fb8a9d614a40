/**
 * Register windows: aligned, bounds-checked 32-bit access; writes only through declared
 * fields; a file standing in for /dev/mem mapped at its physical offset receives exactly the
 * words written.
 * @module
 */
import { assertEquals, assertThrows } from "../../../core/_assert_test.ts";
import { mapRange } from "../../../bindings/native/mmap.ts";
import { memoryStore, Window } from "./window.ts";

const spec = (writeMask: boolean) => ({ name: "w", base: 0x4000, size: 0x40, writeMask });

Deno.test("reads and fields are bounds-checked and aligned to 32 bits", () => {
  const w = new Window(spec(false), memoryStore(0x40));
  assertThrows(() => w.read(0x40), RangeError);
  assertThrows(() => w.read(2), RangeError);
  assertThrows(() => w.read(-4), RangeError);
  assertThrows(() => w.field(0x40, 0, 1, true), RangeError);
  assertThrows(() => w.field(0x3e, 0, 1, true), RangeError);
  assertThrows(() => w.field(0, 30, 3, true), RangeError);
  assertEquals(w.read(0x3c), 0);
});

Deno.test("a write-masked window takes fields in the lower half only and enables just their bits", () => {
  const w = new Window(spec(true), memoryStore(0x40));
  assertThrows(() => w.field(8, 15, 2, true), RangeError);
  const f = w.field(8, 4, 3, true);
  const status = w.field(8, 20, 1, false); // read-only bits may sit anywhere
  w.set(f, 5);
  assertEquals(w.read(8), 0x0070_0050);
  assertEquals(w.get(f), 5);
  assertEquals(w.get(status), 1, "the file holds the enables: no register emulation");
  assertThrows(() => w.set(f, 8), RangeError);
  assertThrows(() => w.set(status, 0), RangeError, "undeclared bits");
  assertEquals(w.read(8), 0x0070_0050, "a refused write writes nothing");
});

Deno.test("a plain window changes a field's bits and keeps the rest of the word", () => {
  const store = memoryStore(0x40);
  store.words[1] = 0xdead_beef;
  const w = new Window(spec(false), store);
  const f = w.field(4, 8, 8, true);
  w.set(f, 0x12);
  assertEquals(w.read(4), 0xdead_12ef);
  assertEquals(w.writableAt(4), 0xff00);
  assertEquals(w.writableAt(0), 0, "nothing declared at 0: no write can reach it");
});

Deno.test("a sparse file mapped at a physical offset receives exactly the words written", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/mem`;
    const base = 0xfd7c0000;
    const file = await Deno.open(path, { create: true, write: true });
    await file.truncate(base + 0x1000);
    file.close();
    const m = mapRange(path, base + 0x800, 0x100);
    const w = new Window(
      { name: "gate", base: base + 0x800, size: 0x100, writeMask: true },
      { words: new Uint32Array(m.bytes.buffer, m.bytes.byteOffset, 0x40), close: () => m.unmap() },
    );
    w.set(w.field(0x30, 2, 1, true), 1);
    w.close();
    const f = await Deno.open(path);
    await f.seek(base + 0x830, Deno.SeekMode.Start);
    const got = new Uint8Array(8);
    await f.read(got);
    f.close();
    assertEquals([...got], [0x04, 0, 0x04, 0, 0, 0, 0, 0]);
    assertThrows(() => mapRange(path, base + 0x1000, 0x100), RangeError, "bytes asked of a");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
