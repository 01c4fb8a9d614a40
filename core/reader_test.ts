import { assertEquals, assertThrows } from "./_assert_test.ts";
import { Reader } from "./reader.ts";
import { ScmiError } from "./status.ts";

function reader(words: number[]): Reader {
  const u8 = new Uint8Array(words.length * 4);
  const view = new DataView(u8.buffer);
  words.forEach((w, i) => view.setUint32(i * 4, w >>> 0, true));
  return new Reader().reset(u8, 0, u8.length);
}

Deno.test("u64 reads low word then high word, exact up to 2^53", () => {
  assertEquals(reader([25_000_000, 0]).u64(), 25_000_000);
  assertEquals(reader([0xffff_ffff, 0]).u64(), 0xffff_ffff);
  assertEquals(reader([0, 1]).u64(), 0x1_0000_0000);
  assertEquals(reader([0x5678, 0x1f_ffff]).u64(), 0x1f_ffff * 0x1_0000_0000 + 0x5678);
});

Deno.test("u64 with only 4 bytes left → PROTOCOL_ERROR", () => {
  assertThrows(() => reader([1]).u64(), ScmiError);
});

Deno.test("header reads the first word and leaves the rest as the parameters; -1 when short", () => {
  const buf = new Uint8Array([0xff, 0, 0, 0, 0x10, 0, 0, 0x80, 7, 0, 0, 0, 9]);
  const r = new Reader().reset(buf, 4, 8);
  assertEquals(r.header(), 0x8000_0010);
  assertEquals([r.length, r.offset, r.u32()], [4, 0, 7]);
  const short = new Reader().reset(buf, 9, 3);
  assertEquals(short.header(), -1);
  assertEquals([short.length, short.remaining], [3, 3], "nothing was read");
});
