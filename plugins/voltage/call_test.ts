import {
  type Answer,
  CommandError,
  DecodeError,
  delayed,
  nameWords,
  scripted,
  status,
  unexpected,
  UsageError,
} from "../../client/mod.ts";
/**
 * `vscmi call voltage` against scripted replies written from the Voltage layouts (DEN0056
 * §4.9): PROTOCOL_ATTRIBUTES u32 (15:0 domains); DOMAIN_ATTRIBUTES attributes (2.0+: 31
 * async, 30 extended name), name[16]; DESCRIBE_LEVELS flags (11:0 returned, 12 segment, 31:16
 * remaining) then s32 µV; LEVEL_SET domain, flags, s32 level; delayed response status,
 * domain_id, s32 level.
 */
import { assert, assertEquals, assertRejects } from "../../core/_assert_test.ts";
import { voltageProtocol } from "./mod.ts";

const LONG = "vdd_cpu_big_cluster_core";

function board(ver = 0x20001) {
  return (id: number, p: number[]): Answer => {
    switch (id) {
      case 0x0:
        return [ver];
      case 0x1:
        return [2];
      case 0x3:
        return p[0] === 0
          ? [0x4000_0000, ...nameWords(LONG.slice(0, 15))]
          : [0x8000_0000, ...nameWords("vdd_dsp")];
      case 0x9:
        return [0, ...nameWords(LONG, 64)];
      case 0x4:
        if (p[0] === 0) return [3 | 0x1000, 600_000, 1_100_000, 6250];
        return p[1] === 0 ? [2 | (1 << 16), 800_000, 900_000] : [1, 1_000_000];
      case 0x5:
      case 0x7:
        return [];
    }
    return unexpected(id, p);
  };
}

Deno.test("voltage list at 2.1 → names, a segment and a paged list", async () => {
  const s = scripted(voltageProtocol, board());
  const out = await s.run("list");
  assertEquals(
    s.sent.map((x) => [x.id, ...x.params]),
    [[0x0], [0x1], [0x3, 0], [0x9, 0], [0x4, 0, 0], [0x3, 1], [0x4, 1, 0], [0x4, 1, 2]],
  );
  assert(/^0\s+vdd_cpu_big_cluster_core\s+600mV to 1\.1V in steps of 6\.25mV\s+-$/m.test(out.text));
  assert(/^1\s+vdd_dsp\s+800mV, 900mV, 1V\s+async$/m.test(out.text), out.text);
});

Deno.test("voltage list at 1.0 → attribute bits ignored, no VOLTAGE_DOMAIN_NAME_GET", async () => {
  const s = scripted(voltageProtocol, board(0x10000));
  const json = (await s.run("list")).json as { domains: { name: string; async: boolean }[] };
  assertEquals(json.domains.map((d) => [d.name, d.async]), [["vdd_cpu_big_clu", false], [
    "vdd_dsp",
    false,
  ]]);
  assert(!s.sent.some((x) => x.id === 0x9));
});

Deno.test("VOLTAGE_DESCRIBE_LEVELS segment with levels remaining → DecodeError", async () => {
  const s = scripted(
    voltageProtocol,
    (id, p) => id === 0x4 ? [3 | 0x1000 | (1 << 16), 1, 2, 3] : board()(id, p),
  );
  await assertRejects(() => s.run("levels", ["0"]), DecodeError, "not 3 and 0");
});

Deno.test("voltage set 900mV → LEVEL_SET [domain, 0, 900000]; -5V as two's complement", async () => {
  const s = scripted(voltageProtocol, board());
  await s.run("set", ["vdd_dsp", "900mV"]);
  assertEquals(s.sent.at(-1), { id: 0x7, params: [1, 0, 900_000] });
  await s.run("set", ["0", "-5V"]);
  assertEquals(s.sent.at(-1), { id: 0x7, params: [0, 0, 0xffb3_b4c0] });
  await assertRejects(() => s.run("set", ["0", "fast"]), UsageError, "whole number of µV");
  await assertRejects(() => s.run("set", ["0", "0.9000001V"]), UsageError);
});

Deno.test("voltage set --async → flags bit 0, then VOLTAGE_LEVEL_SET_COMPLETE with the token", async () => {
  const s = scripted(voltageProtocol, board(), (reply, sent, sc) => {
    if (sent.id === 0x7) sc.p2a.push(delayed(reply, 0, [1, 1_000_000]));
  });
  const out = await s.run("set", ["1", "1V"], { async: true });
  assertEquals(s.sent.at(-1), { id: 0x7, params: [1, 1, 1_000_000] });
  assertEquals(out.text, "ok: 1V (completed asynchronously)");
});

Deno.test("voltage set --async: wrong domain → CommandError; delayed status → StatusError", async () => {
  const wrong = scripted(voltageProtocol, board(), (reply, sent, sc) => {
    if (sent.id === 0x7) sc.p2a.push(delayed(reply, 0, [0, 1_000_000]));
  });
  await assertRejects(
    () => wrong.run("set", ["1", "1V"], { async: true }),
    CommandError,
    "names domain 0, not 1",
  );
  const failed = scripted(voltageProtocol, board(), (reply, sent, sc) => {
    if (sent.id === 0x7) sc.p2a.push(delayed(reply, -5, [1, 1_000_000]));
  });
  await assertRejects(
    () => failed.run("set", ["1", "1V"], { async: true }),
    Error,
    "VOLTAGE_LEVEL_SET_COMPLETE answered OUT_OF_RANGE",
  );
  const refused = scripted(
    voltageProtocol,
    (id, p) => id === 0x7 ? status("NOT_SUPPORTED") : board()(id, p),
  );
  await assertRejects(
    () => refused.run("set", ["0", "1V"], { async: true }),
    Error,
    "VOLTAGE_LEVEL_SET answered NOT_SUPPORTED",
  );
});

Deno.test("voltage get → s32 level and the config mode", async () => {
  for (
    const [config, text] of [
      [0x7, "3.3V, on"],
      [0x0, "3.3V, off"],
      [0x9, "3.3V, implementation-defined mode 1"],
    ] as const
  ) {
    const s = scripted(
      voltageProtocol,
      (id, p) => id === 0x8 ? [3_300_000] : id === 0x6 ? [config] : board()(id, p),
    );
    assertEquals((await s.run("get", ["0"])).text, text);
  }
});

Deno.test("voltage on / off → VOLTAGE_CONFIG_SET 0x7 / 0x0", async () => {
  const s = scripted(voltageProtocol, board());
  await s.run("on", ["vdd_dsp"]);
  assertEquals(s.sent.at(-1), { id: 0x5, params: [1, 0x7] });
  await s.run("off", ["1"]);
  assertEquals(s.sent.at(-1), { id: 0x5, params: [1, 0x0] });
});
