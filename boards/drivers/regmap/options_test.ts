/**
 * Broken register descriptions are manifest problems naming the key below the driver's
 * options and its line: shapes, registers outside their window, fields past a write-masked
 * register's lower half, and bits two resources would both write.
 * @module
 */
import { assertEquals } from "../../../core/_assert_test.ts";
import { readBoardText } from "./_fixture.ts";

const HEAD = `[board]
name = "t"
[[driver]]
name = "r"
type = "regmap"
[driver.options]
windows = { a = { base = 0x1000, size = 0x100, write_mask = true }, b = { base = 0x2000, size = 0x100 } }
[driver.options.clocks]
`;

function problems(clocks: string): string[] {
  return readBoardText(HEAD + clocks).problems;
}

Deno.test("a bit past a write-masked register's lower half is refused at its key and line", () => {
  assertEquals(
    problems(
      `ok = { window = "a", gate = { reg = 0x20, bit = 3 } }\nbad = { window = "a", gate = { reg = 0x20, bit = 17 } }\n`,
    ),
    [
      '10 driver[0].options.clocks.bad.gate.bit: Expected a field within bits 0–15 (window "a" is write-masked: bits 16–31 enable the write), got 17',
    ],
  );
});

Deno.test("a register outside its window or off a word boundary is refused", () => {
  assertEquals(problems(`x = { window = "b", gate = { reg = 0x100, bit = 0 } }\n`), [
    '9 driver[0].options.clocks.x.gate.reg: Expected a register offset on a 4-byte boundary inside window "b" (size 0x100), got 256',
  ]);
  assertEquals(problems(`x = { window = "b", div = { reg = 0x6, shift = 0, width = 3 } }\n`), [
    '9 driver[0].options.clocks.x.div.reg: Expected a register offset on a 4-byte boundary inside window "b" (size 0x100), got 6',
  ]);
});

Deno.test("two resources writing the same bit is refused at the second", () => {
  assertEquals(
    problems(
      `x = { window = "b", div = { reg = 0x8, shift = 4, width = 4 } }\ny = { window = "b", gate = { reg = 0x8, bit = 6 } }\n`,
    ),
    [
      "10 driver[0].options.clocks.y.gate.reg: Expected bits no other resource writes (clocks.x declares them), got 8",
    ],
  );
});

Deno.test("shape problems name the key: a missing window choice, an unknown key, a bad value", () => {
  assertEquals(problems(`x = { gate = { reg = 0x8, bit = 6 } }\n`), [
    "9 driver[0].options.clocks.x.window: Expected a window key naming one of a, b, got nothing",
  ]);
  assertEquals(problems(`x = { window = "a", gate = { reg = 0x8, bitt = 6 } }\n`).length, 1);
  assertEquals(
    problems(`x = { window = "a", gate = { reg = 0x8, bitt = 6 } }\n`)[0].split(":")[0],
    "9 driver[0].options.clocks.x.gate.bitt",
  );
  assertEquals(
    problems(`x = { window = "a", div = { reg = 0x8, shift = 0, width = 2, formula = "half" } }\n`),
    [
      '9 driver[0].options.clocks.x.div.formula: Expected one of "plus_one", "pow2", "exact", got "half"',
    ],
  );
});
