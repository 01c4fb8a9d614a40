/**
 * `vscmi call clock …` against an in-process server on `examples/sim/vscmi.toml`: what each
 * command prints (text and `--json`) and how it fails. Expected values come from the sim
 * board manifest (`boards/sim.toml`) and vm1's grants.
 * @module
 */
import { StatusError, UsageError } from "../../client/mod.ts";
import { clockKind } from "./kind.ts";
import { assert, assertEquals, assertRejects } from "../../core/_assert_test.ts";
import { startE2e, u64Words } from "../../tests/e2e/_server.ts";
import { turn } from "../../core/_wait_test.ts";

/** A table line split into its columns. */
const cols = (line: string) => line.split(/\s{2,}/);

Deno.test("clock list → one aligned row per clock: id, name, enabled, rate, rates, parent", async () => {
  await using e2e = await startE2e();
  const { code, lines } = await e2e.cli("vm1", "clock", "list");
  assertEquals(code, 0);
  assertEquals(cols(lines[0]), ["ID", "NAME", "ENABLED", "RATE", "RATES", "PARENT"]);
  assertEquals(lines.length, 1 + 10);
  assertEquals(cols(lines[1]), ["0", "uart0_clk", "off", "24MHz", "24MHz, 48MHz, 96MHz", "-"]);
  assertEquals(cols(lines[3]), [
    "2",
    "i2c0_clk",
    "off",
    "50MHz",
    "25MHz, 50MHz, 100MHz",
    "apb_clk",
  ]);
  assertEquals(cols(lines[5]), [
    "4",
    "disp_pix_clk",
    "off",
    "148.5MHz",
    "25MHz–297MHz step 1kHz",
    "pll_video",
  ]);
  assertEquals(cols(lines[8]), [
    "7",
    "gpu_core_clk",
    "off",
    "400MHz",
    "200MHz, 400MHz, 600MHz", // vm1 may set at most 600 MHz: it is not shown 800 MHz
    "pll_gpu",
  ]);
  // Columns line up: every row's name starts where the header's does.
  const at = lines[0].indexOf("NAME");
  for (const l of lines.slice(1)) assertEquals(l[at - 1], " ");
});

Deno.test("clock list --json → exact rates in Hz, ranges as min/max/step, parents by id", async () => {
  await using e2e = await startE2e();
  const { lines } = await e2e.cli("vm1", "--json", "clock", "list");
  assertEquals(lines.length, 1);
  const j = JSON.parse(lines[0]);
  assertEquals([j.version, j.maxAsyncRequests, j.clocks.length], ["3.0", 8, 10]);
  const pix = j.clocks[4];
  assertEquals(pix.name, "disp_pix_clk");
  assertEquals(pix.rate, 148_500_000);
  assertEquals(pix.rates, { kind: "range", min: 25_000_000, max: 297_000_000, step: 1000 });
  assertEquals([pix.possibleParents, pix.parent], [[6], 6]);
  assertEquals(j.clocks[0].rates, { kind: "list", rates: [24e6, 48e6, 96e6] });
  assertEquals(j.clocks[3].extendedConfig, true, "spi0_clk has a duty cycle");
  assertEquals(j.clocks[9].enabled, false, "timer_clk runs, but vm1 never voted for it");
});

Deno.test("clock set-rate rounds as --round says and prints the rate the clock runs at", async () => {
  await using e2e = await startE2e();
  assertEquals((await e2e.cli("vm1", "clock", "set-rate", "uart0_clk", "50MHz")).lines, [
    "done: 48MHz (48000000 Hz)",
  ]);
  assertEquals((await e2e.cli("vm1", "clock", "set-rate", "0", "50MHz", "--round", "up")).lines, [
    "done: 96MHz (96000000 Hz)",
  ]);
  assertEquals(
    (await e2e.cli("vm1", "clock", "set-rate", "0", "0x1c9c380", "--round", "auto")).lines,
    ["done: 24MHz (24000000 Hz)"],
    "30 MHz is closest to 24 MHz",
  );
  assertEquals((await e2e.cli("vm1", "clock", "get-rate", "0")).lines, ["24MHz (24000000 Hz)"]);
  const j = await e2e.cli("vm1", "--json", "clock", "set-rate", "spi0_clk", "33.3MHz");
  assertEquals(JSON.parse(j.lines[0]), { ok: true, id: 3, requested: 33_300_000, rate: 33e6 });
});

Deno.test("clock set-rate --async waits for CLOCK_RATE_SET_COMPLETE; --no-delayed does not", async () => {
  await using e2e = await startE2e();
  const a = await e2e.cli("vm1", "clock", "set-rate", "pll_video", "100MHz", "--async");
  assertEquals(a.lines, ["done: 100MHz (100000000 Hz), asynchronously"]);
  const j = await e2e.cli("vm1", "--json", "clock", "set-rate", "6", "27MHz", "--async");
  assertEquals(JSON.parse(j.lines[0]), {
    ok: true,
    id: 6,
    requested: 27e6,
    rate: 27e6,
    async: true,
  });
  const n = await e2e.cli("vm1", "clock", "set-rate", "6", "50MHz", "--async", "--no-delayed");
  assertEquals(n.lines, ["accepted: 50MHz requested, no delayed response asked for"]);
  // The change still happens.
  await e2e.until(
    () => clockKind.hwOf(e2e.server.platform.env.hw)[6]!.getRate(6) === 50e6,
    "pll_video",
  );
});

Deno.test("clock set-rate errors: a status fails the call; bad arguments are usage errors", async () => {
  await using e2e = await startE2e();
  await assertRejects(
    () => e2e.cli("vm1", "clock", "set-rate", "0", "200MHz"),
    StatusError,
    "CLOCK_RATE_SET answered INVALID_PARAMETERS",
  );
  await assertRejects(
    () => e2e.cli("vm1", "clock", "set-rate", "0", "fast"),
    UsageError,
    'Rate must be a whole number of Hz, e.g. 24000000, 0x16e3600, 24MHz or 32.768kHz, got "fast"',
  );
  await assertRejects(
    () => e2e.cli("vm1", "clock", "set-rate", "0", "24MHz", "--no-delayed"),
    UsageError,
    "--no-delayed goes with --async",
  );
  await assertRejects(
    () => e2e.cli("vm1", "clock", "set-rate", "0", "24MHz", "--round", "sideways"),
    UsageError,
    '--round must be down, up or auto, got "sideways"',
  );
  await assertRejects(
    () => e2e.cli("vm1", "clock", "info", "cluster0_clk"),
    UsageError,
    'No clock named "cluster0_clk" (known: uart0_clk, apb_clk, i2c0_clk, spi0_clk, ',
  );
  await assertRejects(
    () => e2e.cli("vm1", "clock", "get-rate", "10"),
    StatusError,
    "CLOCK_RATE_GET answered NOT_FOUND",
  );
  await assertRejects(
    () => e2e.cli("vm1", "clock", "set-rate", "0"),
    UsageError,
    "needs CLOCK RATE",
  );
});

Deno.test("clock info, rates, config, parents, parent, permissions print what the platform says", async () => {
  await using e2e = await startE2e();
  const info = (await e2e.cli("vm1", "clock", "info", "pll_gpu")).lines.map(cols);
  assertEquals(info[1], ["name", "pll_gpu"]);
  assertEquals(info[3], ["enable latency", "50 µs"]);
  // The board's 800 MHz is above vm1's bound (max 600 MHz): CLOCK_DESCRIBE_RATES leaves it out.
  assertEquals((await e2e.cli("vm1", "clock", "rates", "gpu_core_clk")).lines, [
    "200MHz",
    "400MHz",
    "600MHz",
  ]);
  assertEquals((await e2e.cli("vm1", "clock", "rates", "8")).lines, ["200MHz–1GHz step 8MHz"]);
  assertEquals(
    (await e2e.cli("vm1", "clock", "config", "spi0_clk", "--type", "duty-cycle")).lines.map(cols),
    [
      ["enabled", "no"],
      ["type duty-cycle", "50 (0x00000032)"],
    ],
  );
  assertEquals((await e2e.cli("vm1", "clock", "parents", "7")).lines.map(cols), [["8", "pll_gpu"]]);
  assertEquals((await e2e.cli("vm1", "clock", "parent", "7")).lines, ["8 pll_gpu"]);
  assertEquals((await e2e.cli("vm1", "clock", "parent", "7", "pll_gpu")).lines, [
    "switched: 8 pll_gpu",
  ]);
  await assertRejects(
    () => e2e.cli("vm1", "clock", "parent", "7", "uart0_clk"),
    StatusError,
    "CLOCK_PARENT_SET answered INVALID_PARAMETERS",
  );
  assertEquals((await e2e.cli("vm1", "clock", "permissions", "0")).lines.map(cols), [
    ["state", "allowed"],
    ["parent", "allowed"],
    ["rate", "allowed"],
  ]);
});

Deno.test("clock enable/disable vote for this connection only; the clock stops when it ends", async () => {
  await using e2e = await startE2e();
  // uart0_clk is physical clock 13.
  const hw = clockKind.hwOf(e2e.server.platform.env.hw)[13]!;
  const run = e2e.cli("vm1", "--wait", "300", "clock", "enable", "uart0_clk");
  await e2e.until(() => hw.isEnabled(13), "vm1's vote to enable uart0_clk");
  assertEquals((await run).lines, ["enabled"]);
  await e2e.until(() => !hw.isEnabled(13), "the vote to go with the connection");
  assertEquals((await e2e.cli("vm1", "clock", "disable", "0")).lines, ["disabled"]);
});

Deno.test("clock watch prints each rate notification as it arrives and stops at --count", async () => {
  await using e2e = await startE2e();
  const vm1 = await e2e.connect("vm1");
  // apb_clk: vm2's clock 1, vm1's clock 1. vm1 moves it until vm2's watch has seen two.
  const watch = e2e.cli("vm2", "clock", "watch", "apb_clk", "--count", "2");
  let done = false;
  watch.finally(() => done = true);
  for (let i = 0; !done; i++) {
    await e2e.ok(vm1, 0x14, 0x5, [0, 1, ...u64Words(i % 2 ? 100e6 : 50e6)]);
    await turn();
  }
  const { code, lines } = await watch;
  assertEquals(code, 0);
  assertEquals(lines.length, 3);
  for (const l of lines.slice(0, 2)) {
    assert(
      // vm1's requests are its votes, never vm2's to see; its changes come from agent 0.
      /^CLOCK_RATE_CHANGED clock 1 \(apb_clk\) (50|100)MHz by agent 0$/.test(l),
      l,
    );
  }
  assertEquals(lines[2], "(2 notifications; count reached)");
  const quiet = await e2e.cli("vm2", "--json", "clock", "watch", "--duration", "30");
  assertEquals(quiet.lines.map((l) => JSON.parse(l)), [{ done: true, count: 0, end: "duration" }]);
});
