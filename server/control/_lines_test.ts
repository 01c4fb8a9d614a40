import { assertEquals } from "../../core/_assert_test.ts";
import { type ByteSource, type LineItem, LineReader } from "./_lines.ts";

/** A source that hands out the given chunks one read at a time. */
function source(chunks: (string | Uint8Array)[]): ByteSource {
  const enc = new TextEncoder();
  const queue = chunks.map((c) => typeof c === "string" ? enc.encode(c) : c);
  return {
    read(p) {
      const c = queue.shift();
      if (c === undefined) return Promise.resolve(null);
      if (c.length > p.length) {
        queue.unshift(c.subarray(p.length));
        p.set(c.subarray(0, p.length));
        return Promise.resolve(p.length);
      }
      p.set(c);
      return Promise.resolve(c.length);
    },
  };
}

async function all(r: LineReader): Promise<LineItem[]> {
  const out: LineItem[] = [];
  for (let i = r.next();; i = r.next()) {
    const item = await i;
    if (item === null) return out;
    out.push(item);
  }
}

const line = (text: string): LineItem => ({ kind: "line", text });

Deno.test("lines split across reads and several in one read → each whole line once", async () => {
  const r = new LineReader(source(['{"a"', ':1}\n{"b":2}\n{"c"', ":3}\r\n"]), 100);
  assertEquals(await all(r), [line('{"a":1}'), line('{"b":2}'), line('{"c":3}')]);
});

Deno.test("a last line without newline → still returned at the end", async () => {
  assertEquals(await all(new LineReader(source(["one\ntwo"]), 100)), [line("one"), line("two")]);
});

Deno.test("a line over the limit → one overlong item, skipped to its newline, next line read", async () => {
  const long = "x".repeat(25);
  const r = new LineReader(source(["ok\n", long.slice(0, 10), long.slice(10), "\nafter\n"]), 16);
  assertEquals(await all(r), [line("ok"), { kind: "overlong" }, line("after")]);
});

Deno.test("an endless line → a single overlong item, nothing else", async () => {
  const chunks = Array.from({ length: 50 }, () => "y".repeat(1000));
  const r = new LineReader(source(chunks), 64);
  assertEquals(await all(r), [{ kind: "overlong" }]);
});

Deno.test("a line exactly at the limit → accepted", async () => {
  const text = "z".repeat(16);
  assertEquals(await all(new LineReader(source([text + "\n"]), 16)), [line(text)]);
});

Deno.test("bytes that are not UTF-8 → invalid item, following lines still read", async () => {
  const bad = new Uint8Array([0xff, 0xfe, 0x0a]);
  const r = new LineReader(source([bad, "fine\n"]), 100);
  assertEquals(await all(r), [
    { kind: "invalid", detail: "the line is not UTF-8" },
    line("fine"),
  ]);
});
