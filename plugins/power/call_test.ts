/**
 * `vscmi call power …` against an in-process server: what each command prints (text and
 * `--json`) and how it fails. Expected values come from `boards/sim.toml` and the agents'
 * grants in `examples/sim/vscmi.toml` (or `tests/e2e/shared.toml` for shared domains).
 * @module
 */
import { StatusError, UsageError } from "../../client/mod.ts";
import { powerKind } from "./kind.ts";
import { assert, assertEquals, assertRejects } from "../../core/_assert_test.ts";
import { startE2e } from "../../tests/e2e/_server.ts";
import { turn } from "../../core/_wait_test.ts";

const cols = (line: string) => line.split(/\s{2,}/);
const SHARED = new URL("../../tests/e2e/shared.toml", import.meta.url).pathname;
const ON = 0;
const OFF = 0x4000_0000;

Deno.test("power list → one row per domain: id, name, own state, set support, notify", async () => {
  await using e2e = await startE2e();
  const { lines } = await e2e.cli("vm1", "power", "list");
  assertEquals(lines.map(cols), [
    ["ID", "NAME", "STATE", "SET", "NOTIFY"],
    ["0", "pd_periph", "off", "sync", "yes"],
    ["1", "pd_display", "off", "sync", "yes"],
    ["2", "pd_gpu", "off", "sync+async", "yes"],
  ]);
  const j = JSON.parse((await e2e.cli("host", "--json", "power", "list")).lines[0]);
  assertEquals(j.version, "3.1");
  assertEquals(j.domains.map((d: { name: string }) => d.name), ["pd_cluster1", "pd_top"]);
});

Deno.test("power set on/off and --async; get reads this connection's request", async () => {
  await using e2e = await startE2e();
  const hw = powerKind.hwOf(e2e.server.platform.env.hw);
  // pd_display: physical 3, vm1's domain 1. pd_gpu: physical 4 (async), vm1's domain 2.
  const run = e2e.cli("vm1", "--wait", "300", "power", "set", "pd_display", "on");
  await e2e.until(() => hw[3]!.getState(3) === ON, "pd_display on");
  assertEquals((await run).lines, ["done: on"]);
  await e2e.until(() => hw[3]!.getState(3) === OFF, "pd_display off once vm1 left");
  const a = await e2e.cli("vm1", "power", "set", "2", "on", "--async");
  assertEquals(a.lines, ["done: on asynchronously (domain now on)"]);
  const j = await e2e.cli("vm1", "--json", "power", "set", "2", "0x40000000");
  assertEquals(JSON.parse(j.lines[0]), { ok: true, id: 2, state: OFF });
  assertEquals((await e2e.cli("vm1", "power", "get", "pd_gpu")).lines, ["off"]);
});

Deno.test("power errors: statuses fail the call, bad arguments are usage errors", async () => {
  await using e2e = await startE2e();
  await assertRejects(
    () => e2e.cli("vm1", "power", "set", "pd_display", "on", "--async"),
    StatusError,
    "POWER_STATE_SET answered NOT_SUPPORTED",
  );
  await assertRejects(
    () => e2e.cli("vm1", "power", "set", "1", "0x10000000"),
    StatusError,
    "POWER_STATE_SET answered INVALID_PARAMETERS",
  );
  await assertRejects(
    () => e2e.cli("vm1", "power", "set", "1", "dim"),
    UsageError,
    "The power state (on, off or a power-state word) must be a number",
  );
  await assertRejects(
    () => e2e.cli("vm1", "power", "get", "3"),
    StatusError,
    "POWER_STATE_GET answered NOT_FOUND",
  );
});

Deno.test("power watch prints the changes other agents cause, from agent 0", async () => {
  await using e2e = await startE2e({ manifest: SHARED });
  const vm1 = await e2e.connect("vm1");
  // pd_usb: vm1's domain 0, vm2's domain 1. vm1 toggles it until vm2 has seen two.
  const watch = e2e.cli("vm2", "power", "watch", "pd_usb", "--count", "2");
  let done = false;
  watch.finally(() => done = true);
  for (let i = 0; !done; i++) {
    await e2e.ok(vm1, 0x11, 0x4, [0, 0, i % 2 ? OFF : ON]);
    await turn();
  }
  const { lines } = await watch;
  assertEquals(lines.length, 3);
  for (const l of lines.slice(0, 2)) {
    assert(
      // vm1's requests are its votes, never vm2's to see; its changes come from agent 0.
      /^POWER_STATE_CHANGED domain 1 \(pd_usb\) (on|off) by agent 0$/.test(l),
      l,
    );
  }
  assertEquals(lines[2], "(2 notifications; count reached)");
});
