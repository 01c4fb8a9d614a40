import {
  type Answer,
  delayed,
  nameWords,
  notification,
  scripted,
  unexpected,
  UsageError,
} from "../../client/mod.ts";
/**
 * `vscmi call powercap` against scripted replies written from the Powercap layouts (DEN0056
 * §4.10): DOMAIN_ATTRIBUTES u32 attributes, name[16], min_pai, max_pai, pai_step,
 * min_power_cap, max_power_cap, power_cap_step, sustainable_power, accuracy, parent_id;
 * CAP_SET domain, flags (bit 1 async, bit 0 no delayed response), cap; notifications
 * CAP_CHANGED (agent, domain, cap, pai) and MEASUREMENTS_CHANGED (agent, domain, power).
 */
import { assert, assertEquals, assertRejects } from "../../core/_assert_test.ts";
import { linuxProblems, type PowercapDomain } from "./call.ts";
import { powercapProtocol } from "./mod.ts";

/**
 * soc_cap (0): cap and measurement notifications, async, cap/monitor/PAI configurable, µW
 * (1 << 23): 0xee800000; PAI 1–100 ms step 1 ms; cap 1–10 W step 100 mW; root.
 * gpu_cap (1): extended name, cap configurable, mW (2 << 23): 0x19000000; PAI fixed 1 ms;
 * cap 500–5000 mW step 50 mW; parent 0.
 */
const SOC = [
  0xee80_0000,
  ...nameWords("soc_cap"),
  1000,
  100_000,
  1000,
  1_000_000,
  10_000_000,
  100_000,
  10_000_000,
  0,
  0xffff_ffff,
];
const GPU = [0x1900_0000, ...nameWords("gpu_cap_short"), 1000, 1000, 0, 500, 5000, 50, 5000, 2, 0];

function board(id: number, p: number[]): Answer {
  switch (id) {
    case 0x0:
      return [0x20000];
    case 0x1:
      return [2];
    case 0x3:
      return p[0] === 0 ? SOC : GPU;
    case 0x8:
      return [0, ...nameWords("gpu_cap_with_a_long_name", 64)];
    case 0x5:
    case 0x7:
    case 0xa:
    case 0xb:
      return [];
    case 0x6:
      return [20_000];
    case 0x9:
      return [6_958_782, 20_000];
  }
  return unexpected(id, p);
}

Deno.test("powercap list → attributes decoded, extended name, nothing Linux would reject", async () => {
  const s = scripted(powercapProtocol, board);
  const out = await s.run("list");
  assertEquals(
    s.sent.map((x) => [x.id, ...x.params]),
    [[0x1], [0x3, 0], [0x3, 1], [0x8, 1]],
  );
  const [soc, gpu] = (out.json as { domains: (PowercapDomain & { problems: string[] })[] })
    .domains;
  assertEquals(
    [soc.unit, soc.capNotify, soc.measurementsNotify, soc.asyncCapSet, soc.monitoring],
    ["uW", true, true, true, true],
  );
  assertEquals([soc.capConfigurable, soc.paiConfigurable, soc.parent], [true, true, undefined]);
  assertEquals([gpu.name, gpu.unit, gpu.paiConfigurable, gpu.accuracy, gpu.parent], [
    "gpu_cap_with_a_long_name",
    "mW",
    false,
    2,
    0,
  ]);
  assertEquals([soc.problems, gpu.problems], [[], []]);
  assert(/^0\s+soc_cap\s+1W–10W step 100mW\s+1ms–100ms step 1ms\s+-\s+/m.test(out.text));
  assert(/^1\s+gpu_cap_with_a_long_name\s+500mW–5W step 50mW\s+1ms\s+0\s+set-cap$/m.test(out.text));
});

Deno.test("Linux's consistency rules → each violation named", () => {
  const base = {
    id: 1,
    paiConfigurable: true,
    minPai: 1000,
    maxPai: 1000,
    paiStep: 0,
    capConfigurable: false,
    minCap: 0,
    maxCap: 5,
    capStep: 1,
    parent: 1,
  } as PowercapDomain;
  assertEquals(linuxProblems(base, 2), [
    "PAI is configurable but min = max",
    "cap range has a zero end",
    "parent 1 is not another domain",
  ]);
  assertEquals(linuxProblems({ ...base, minCap: 1, maxCap: 5, capStep: 0 }, 2).slice(1), [
    "cap is fixed but min ≠ max",
    "cap step is 0",
    "parent 1 is not another domain",
  ]);
  assertEquals(linuxProblems({ ...base, parent: 5 }, 2).at(-1), "parent 5 is not another domain");
});

Deno.test("powercap set → the cap in the domain's unit: 5W is 5000000 µW or 5000 mW", async () => {
  const s = scripted(powercapProtocol, board);
  await s.run("set", ["soc_cap", "5W"]);
  assertEquals(s.sent.at(-1), { id: 0x5, params: [0, 0, 5_000_000] });
  await s.run("set", ["1", "5W"]);
  assertEquals(s.sent.at(-1), { id: 0x5, params: [1, 0, 5000] });
  await s.run("set", ["1", "750"]);
  assertEquals(s.sent.at(-1), { id: 0x5, params: [1, 0, 750] });
  await assertRejects(() => s.run("set", ["1", "5.0005W"]), UsageError, "whole number of mW");
});

Deno.test("powercap set --async → flags 0x2, then POWERCAP_CAP_SET_COMPLETE with the token", async () => {
  const s = scripted(powercapProtocol, board, (reply, sent, sc) => {
    if (sent.id === 0x5) sc.p2a.push(delayed(reply, 0, [0, 5_000_000]));
  });
  const out = await s.run("set", ["0", "5W"], { async: true });
  assertEquals(s.sent.at(-1), { id: 0x5, params: [0, 0x2, 5_000_000] });
  assertEquals(out.text, "ok: cap in force 5W (completed asynchronously)");
});

Deno.test("powercap pai / measure → PAI_SET [domain, 0, µs], PAI_GET, MEASUREMENTS_GET", async () => {
  const s = scripted(powercapProtocol, board);
  await s.run("pai", ["0", "20ms"]);
  assertEquals(s.sent.at(-1), { id: 0x7, params: [0, 0, 20_000] });
  assertEquals((await s.run("pai", ["0"])).text, "20ms");
  assertEquals((await s.run("measure", ["0"])).text, "soc_cap: 6.958782W averaged over 20ms");
  await assertRejects(() => s.run("pai", ["0", "1.5us"]), UsageError, "whole number of µs");
});

Deno.test("powercap watch → thresholds at the measured power by default, both events decoded", async () => {
  const s = scripted(powercapProtocol, (id, p) => id === 0x9 ? [4_000_000, 10_000] : board(id, p));
  s.p2a.push(
    notification(0x18, 0x0, [3, 0, 5_000_000, 10_000]),
    notification(0x18, 0x1, [0, 1, 100]), // another domain
    notification(0x18, 0x1, [0, 0, 4_500_000]),
  );
  const out = await s.run("watch", ["0"], { count: "2" });
  assertEquals(
    s.sent.filter((x) => x.id === 0xa || x.id === 0xb).map((x) => [x.id, ...x.params]),
    [
      [0xa, 0, 1],
      [0xb, 0, 1, 4_000_000, 4_000_000],
      [0xa, 0, 0],
      [0xb, 0, 0, 4_000_000, 4_000_000],
    ],
  );
  assertEquals(s.printed.map((p) => p.text), [
    "watching soc_cap: thresholds 4W – 4W",
    "cap 5W, interval 10ms (agent 3)",
    "power 4.5W, above the thresholds (agent 0)",
  ]);
  assertEquals(out.text, "(2 notifications; count reached)");
  await assertRejects(() => s.run("watch", ["0"], { low: "5W", high: "3W" }), UsageError);
  await assertRejects(() => s.run("watch", ["1"], { low: "1W" }), UsageError, "no measurement");
});
