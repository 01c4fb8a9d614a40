import { assertEquals } from "../_assert_test.ts";
import { Locator } from "./locate.ts";

const TEXT = `top = 1
[board]
name = "x"

[[clock]]
id = 0
range = { min = 1, max = 2 }

[[clock]]
id = 1
rates = [10,
  20]
a.b.c = true

[[agent]]
name = "vm1"
[agent.system_power]
action = "deny"
`;

Deno.test("Locator: keys, values, array elements, inline tables, dotted keys", () => {
  const l = new Locator(TEXT);
  assertEquals(l.find(["top"]), { line: 1, column: 7 });
  assertEquals(l.find(["top"], "key"), { line: 1, column: 1 });
  assertEquals(l.find(["board", "name"]), { line: 3, column: 8 });
  assertEquals(l.find(["clock", 0, "range", "max"]), { line: 7, column: 26 });
  assertEquals(l.find(["clock", 0, "range", "max"], "key"), { line: 7, column: 20 });
  assertEquals(l.find(["clock", 1, "rates", 1]), { line: 12, column: 3 });
  assertEquals(l.find(["clock", 1, "a", "b", "c"]), { line: 13, column: 9 });
  assertEquals(l.find(["clock", 1, "a", "b"]), { line: 13, column: 1 });
  assertEquals(l.find(["agent", 0, "system_power", "action"]), { line: 18, column: 10 });
});

Deno.test("Locator: a missing key resolves to its closest written ancestor", () => {
  const l = new Locator(TEXT);
  assertEquals(l.find(["clock", 1, "name"]), { line: 9, column: 1 });
  assertEquals(l.find(["clock", 0, "range", "step"]), { line: 7, column: 1 });
  assertEquals(l.find(["nothing", "here"]), { line: 1, column: 1 });
  assertEquals(l.find([]), { line: 1, column: 1 });
});

Deno.test("Locator: text that does not parse locates everything at 1:1", () => {
  assertEquals(new Locator("[[a]\n").find(["a", 0]), { line: 1, column: 1 });
});
