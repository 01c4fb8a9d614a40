import {
  type Answer,
  DecodeError,
  nameWords,
  scripted,
  unexpected,
  UsageError,
} from "../../client/mod.ts";
/**
 * `vscmi call pinctrl` against scripted replies written from the Pin control layouts
 * (DEN0056E §4.11): PROTOCOL_ATTRIBUTES (31:16 groups, 15:0 pins; 15:0 functions);
 * PINCTRL_ATTRIBUTES attributes (31 extended name, 17 GPIO, 16 pin-only, 15:0 elements),
 * name[16]; LIST_ASSOCIATIONS flags (31:16 remaining, 11:0 returned) then u16 ids;
 * SETTINGS_GET attributes (19:18 flag, 17:16 selector, 15:8 skip) and its reply
 * function_selected, num_configs (7:0 returned, 31:24 remaining), pairs;
 * SETTINGS_CONFIGURE identifier, function_id, attributes (1:0 selector, 9:2 count, 10 valid).
 */
import { assert, assertEquals, assertRejects } from "../../core/_assert_test.ts";
import { configName, parseConfigs } from "./call.ts";
import { pinctrlProtocol } from "./mod.ts";

const GROUPS = ["uart0_pins", "spi0_pins", "gpio_b_pins_x"];

function board(id: number, p: number[]): Answer {
  const [ident, flags] = p;
  switch (id) {
    case 0x1:
      return [(3 << 16) | 4, 2];
    case 0x3:
      if (flags === 0) return [1, ...nameWords(`pa${ident}`)];
      if (flags === 1) {
        return ident === 2
          ? [0x8000_0002, ...nameWords("gpio_b_pins_x")]
          : [ident === 0 ? 3 : 1, ...nameWords(GROUPS[ident])];
      }
      return ident === 0 ? [1, ...nameWords("uart0")] : [0x0003_0002, ...nameWords("gpio")];
    case 0x9:
      return [0, ...nameWords("gpio_b_pins_with_a_long_name", 64)];
    case 0x4:
      if (flags === 1 && ident === 0) {
        // Pins 0, 2, 3: two u16 per word, the last word padded.
        return p[2] === 0 ? [2 | (1 << 16), 0x0002_0000] : [1, 0x0000_0003];
      }
      if (flags === 1) return [1, ident];
      return ident === 0 ? [1, 0] : [2, 0x0002_0001];
    case 0x5:
      if (p[1] === 0x0005_0000) return [1, 2 | (1 << 24), 4, 1, 10, 8];
      if (p[1] === 0x0005_0200) return [1, 1, 18, 1];
      return [0xffff_ffff, 0];
    case 0x6:
    case 0x7:
    case 0x8:
      return [];
  }
  return unexpected(id, p);
}

Deno.test("pinctrl list → counts, names (extended when flagged), members by name, flags", async () => {
  const s = scripted(pinctrlProtocol, board);
  const out = await s.run("list");
  assert(out.text.startsWith("4 pins, 3 groups, 2 functions\n"), out.text);
  assert(/^ {2}0\s+uart0_pins\s+pa0,pa2,pa3$/m.test(out.text), out.text);
  assert(/^ {2}2\s+gpio_b_pins_with_a_long_name\s+pa2$/m.test(out.text), out.text);
  assert(/^ {2}1\s+gpio\s+pa1,pa2\s+gpio,pin-only$/m.test(out.text), out.text);
  assert(s.sent.some((x) => x.id === 0x9 && x.params[0] === 2 && x.params[1] === 1));
  assertEquals(s.sent.filter((x) => x.id === 0x9).length, 1);
});

Deno.test("PINCTRL_LIST_ASSOCIATIONS → u16 ids over pages, padding ignored", async () => {
  const s = scripted(pinctrlProtocol, board);
  const out = await s.run("associations", ["group", "uart0_pins"]);
  assertEquals((out.json as { members: number[] }).members, [0, 2, 3]);
  assertEquals(
    s.sent.filter((x) => x.id === 0x4).map((x) => x.params),
    [[0, 1, 0], [0, 1, 2]],
  );
  assertEquals(out.text, "pa0 (0)\npa2 (2)\npa3 (3)");
  const bad = scripted(pinctrlProtocol, (id, p) => id === 0x4 ? [0 | (2 << 16)] : board(id, p));
  await assertRejects(() => bad.run("associations", ["group", "0"]), DecodeError);
  await assertRejects(() => s.run("associations", ["pin", "0"]), UsageError, "group or function");
});

Deno.test("pinctrl settings → SETTINGS_GET all configs (flag 1) paged by skip", async () => {
  const s = scripted(pinctrlProtocol, board);
  const out = await s.run("settings", ["group", "1"]);
  assertEquals(
    s.sent.filter((x) => x.id === 0x5).map((x) => x.params),
    [[1, 0x0005_0000], [1, 0x0005_0200]],
  );
  assertEquals(out.json, {
    group: 1,
    function: 1,
    configs: [
      { type: 4, value: 1, name: "bias-pull-up" },
      { type: 10, value: 8, name: "drive-strength" },
      { type: 18, value: 1, name: "output-value" },
    ],
  });
  assert(/^function\s+gpio \(1\)$/m.test(out.text), out.text);
  const none = await s.run("settings", ["pin", "3"]);
  assertEquals((none.json as { function: unknown }).function, null);
});

Deno.test("pinctrl configure → 14 configurations per message, the function with the first", async () => {
  const s = scripted(pinctrlProtocol, board);
  const configs = Array.from({ length: 15 }, (_, i) => `oem-${192 + i}=${i}`);
  const out = await s.run("configure", ["pin", "pa2", ...configs], { function: "gpio" });
  const sent = s.sent.filter((x) => x.id === 0x6);
  assertEquals(sent.length, 2);
  const pairs = Array.from({ length: 15 }, (_, i) => [192 + i, i]).flat();
  assertEquals(sent[0].params, [2, 1, (14 << 2) | 0x400, ...pairs.slice(0, 28)]);
  assertEquals(sent[1].params, [2, 0xffff_ffff, 1 << 2, ...pairs.slice(28)]);
  assertEquals((out.json as { messages: number }).messages, 2);
});

Deno.test("pinctrl configure --function alone → no configurations, bit 10 and the selector", async () => {
  const s = scripted(pinctrlProtocol, board);
  await s.run("configure", ["group", "uart0_pins"], { function: "0" });
  assertEquals(s.sent.at(-1), { id: 0x6, params: [0, 0, 0x401] });
  await assertRejects(() => s.run("configure", ["group", "0"]), UsageError, "TYPE=VALUE");
  await assertRejects(() => s.run("configure", ["function", "0", "bias-disable=1"]), UsageError);
});

Deno.test("configuration types → names, snake case, oem-N and numbers; others refused", () => {
  assertEquals(parseConfigs(["bias-pull-up=1", "DRIVE_STRENGTH=8", "oem-200=0x10", "12=1"]), [
    4,
    1,
    10,
    8,
    200,
    16,
    12,
    1,
  ]);
  for (const bad of ["oem-12=1", "frob=1", "bias-pull-up", "256=1", "slew-rate=-1"]) {
    let threw = false;
    try {
      parseConfigs([bad]);
    } catch (e) {
      threw = e instanceof UsageError;
    }
    assert(threw, bad);
  }
  assertEquals([configName(0), configName(20), configName(21), configName(255)], [
    "default",
    "slew-rate",
    "reserved-21",
    "oem-255",
  ]);
});

Deno.test("pinctrl request / release → [identifier, selector]", async () => {
  const s = scripted(pinctrlProtocol, board);
  await s.run("request", ["group", "spi0_pins"]);
  assertEquals(s.sent.at(-1), { id: 0x7, params: [1, 1] });
  await s.run("release", ["pin", "pa3"]);
  assertEquals(s.sent.at(-1), { id: 0x8, params: [3, 0] });
  await assertRejects(() => s.run("request", ["pin", "pz9"]), UsageError, 'No pin named "pz9"');
});

Deno.test("pinctrl list → notes what Linux refuses: no pins, a group without pins", async () => {
  const s = scripted(pinctrlProtocol, (id, p) => {
    if (id === 0x1) return [1 << 16, 0];
    if (id === 0x3) return [0, ...nameWords("empty")];
    if (id === 0x4) return [0];
    return unexpected(id, p);
  });
  const out = await s.run("list");
  assertEquals((out.json as { notes: string[] }).notes, [
    "Linux would refuse the protocol: it reports no pins",
    'group 0 ("empty"): Linux would refuse it: it has no pins',
  ]);
});
