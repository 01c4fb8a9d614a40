/**
 * `vscmi call reset …` against an in-process server: what each command prints (text and
 * `--json`) and how it fails. Expected values come from `boards/sim.toml` and the agents'
 * grants in `examples/sim/vscmi.toml` (or `tests/e2e/shared.toml` for shared domains).
 * @module
 */
import { StatusError, UsageError } from "../../client/mod.ts";
import { resetKind } from "./kind.ts";
import { assert, assertEquals, assertRejects } from "../../core/_assert_test.ts";
import type { SimResetHw } from "../../boards/drivers/sim/reset.ts";
import { startE2e } from "../../tests/e2e/_server.ts";
import { turn } from "../../core/_wait_test.ts";

const cols = (line: string) => line.split(/\s{2,}/);
const SHARED = new URL("../../tests/e2e/shared.toml", import.meta.url).pathname;

Deno.test("reset list → one row per domain: id, name, latency, async, notify", async () => {
  await using e2e = await startE2e();
  const { lines } = await e2e.cli("vm2", "reset", "list");
  assertEquals(lines.map(cols), [
    ["ID", "NAME", "LATENCY", "ASYNC", "NOTIFY"],
    ["0", "uart1_rst", "10 µs", "no", "yes"],
    ["1", "usb_phy_rst", "500 µs", "yes", "yes"],
    ["2", "usb_ctrl_rst", "50 µs", "no", "yes"],
    ["3", "emmc_rst", "20 µs", "no", "yes"],
    ["4", "audio_rst", "10 µs", "no", "yes"],
    ["5", "dsp_rst", "1000 µs", "yes", "yes"],
  ]);
  const j = JSON.parse((await e2e.cli("vm2", "--json", "reset", "info", "dsp_rst")).lines[0]);
  assertEquals(j, {
    id: 5,
    name: "dsp_rst",
    latencyUs: 1000,
    async: true,
    notify: true,
    extendedName: false,
    attributes: 0xc000_0000,
  });
});

Deno.test("reset pulse, --async and --state; assert and deassert drive the sim's reset line", async () => {
  await using e2e = await startE2e();
  // dsp_rst is physical 8, vm2's domain 5; uart1_rst physical 1, vm2's domain 0.
  const dsp = resetKind.hwOf(e2e.server.platform.env.hw)[8] as SimResetHw;
  assertEquals((await e2e.cli("vm2", "reset", "pulse", "uart1_rst")).lines, ["reset done"]);
  assertEquals(
    (await e2e.cli("vm2", "reset", "pulse", "5", "--async", "--state", "0x80000001")).lines,
    ["reset done, asynchronously"],
  );
  assertEquals(dsp.history.at(-1), { id: 8, action: "pulse", state: 0x8000_0001 });
  const j = await e2e.cli("vm2", "--json", "reset", "pulse", "dsp_rst", "--state", "cold");
  assertEquals(JSON.parse(j.lines[0]), { ok: true, id: 5, state: 0 });
  const uart = resetKind.hwOf(e2e.server.platform.env.hw)[1] as SimResetHw;
  const run = e2e.cli("vm2", "--wait", "300", "reset", "assert", "0");
  await e2e.until(() => uart.isAsserted(1), "uart1_rst to be held");
  assertEquals((await run).lines, ["asserted"]);
  await e2e.until(() => !uart.isAsserted(1), "the hold to end with the connection");
  assertEquals((await e2e.cli("vm2", "reset", "deassert", "0")).lines, ["de-asserted"]);
});

Deno.test("reset errors: statuses fail the call, bad arguments are usage errors", async () => {
  await using e2e = await startE2e();
  await assertRejects(
    () => e2e.cli("vm2", "reset", "pulse", "0", "--async"),
    StatusError,
    "RESET answered NOT_SUPPORTED",
  );
  await assertRejects(
    () => e2e.cli("vm2", "reset", "pulse", "0", "--state", "7"),
    StatusError,
    "RESET answered INVALID_PARAMETERS",
  );
  await assertRejects(
    () => e2e.cli("vm2", "reset", "pulse", "0", "--state", "warm"),
    UsageError,
    '--state must be a number from 0 to 0xffffffff, got "warm"',
  );
  await assertRejects(
    () => e2e.cli("vm2", "reset", "info", "gpu_rst"),
    UsageError,
    'No reset domain named "gpu_rst" (known: uart1_rst, usb_phy_rst, usb_ctrl_rst, emmc_rst, audio_rst, dsp_rst)',
  );
});

Deno.test("reset watch prints RESET_ISSUED from other agents until --count", async () => {
  await using e2e = await startE2e({ manifest: SHARED });
  const vm1 = await e2e.connect("vm1");
  // uart0_rst: vm1's domain 0, vm2's domain 1.
  const watch = e2e.cli("vm2", "reset", "watch", "uart0_rst", "--count", "1");
  let done = false;
  watch.finally(() => done = true);
  while (!done) {
    await e2e.ok(vm1, 0x16, 0x4, [0, 1, 0]);
    await turn();
  }
  const { lines } = await watch;
  assertEquals(lines, [
    "RESET_ISSUED domain 1 (uart0_rst) state 0x00000000 by agent 0",
    "(1 notification; count reached)",
  ]);
  const all = await e2e.cli("vm2", "--json", "reset", "watch", "--duration", "20");
  assert(JSON.parse(all.lines[0]).done);
});
