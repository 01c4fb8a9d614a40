/**
 * `vscmi call system …` against an in-process server on `examples/sim/vscmi.toml`, where
 * the guests may not act on the system and the host acts on the sim board.
 * @module
 */
import { CommandError, StatusError, UsageError } from "../../client/mod.ts";
import { systemHw } from "./hw.ts";
import { assertEquals, assertRejects } from "../../core/_assert_test.ts";
import type { SimSystem } from "../../boards/drivers/sim/system.ts";
import { simBoardPath, startE2e } from "../../tests/e2e/_server.ts";
import { turn } from "../../core/_wait_test.ts";

const cols = (line: string) => line.split(/\s{2,}/);

Deno.test("system info → what this agent may ask: nothing for vm1, everything for host", async () => {
  await using e2e = await startE2e();
  assertEquals((await e2e.cli("vm1", "system", "info")).lines.map(cols), [
    ["version", "2.1"],
    ["warm reset", "no"],
    ["suspend", "no"],
    ["state get", "no"],
    ["notifications", "yes"],
  ]);
  const j = JSON.parse((await e2e.cli("host", "--json", "system", "info")).lines[0]);
  assertEquals(j, { version: "2.1", warmReset: true, suspend: true, get: false, notify: true });
});

Deno.test("system set: DENIED for a guest, done on the board for the host; bad states are usage errors", async () => {
  await using e2e = await startE2e();
  const sim = systemHw.whole(e2e.server.platform.env.hw) as SimSystem;
  await assertRejects(
    () => e2e.cli("vm1", "system", "set", "shutdown"),
    StatusError,
    "SYSTEM_POWER_STATE_SET answered DENIED",
  );
  assertEquals((await e2e.cli("host", "system", "set", "warm-reset", "--graceful")).lines, [
    "accepted: warm-reset (graceful)",
  ]);
  const j = await e2e.cli("host", "--json", "system", "set", "suspend");
  assertEquals(JSON.parse(j.lines[0]), { ok: true, state: 4, name: "suspend", graceful: false });
  assertEquals(sim.history, [{ state: 2, graceful: true }, { state: 4, graceful: false }]);
  await assertRejects(
    () => e2e.cli("host", "system", "set", "0x80000000"),
    StatusError,
    "SYSTEM_POWER_STATE_SET answered NOT_SUPPORTED",
  );
  await assertRejects(
    () => e2e.cli("host", "system", "set", "hibernate"),
    UsageError,
    "The system state (shutdown, cold-reset, warm-reset, power-up, suspend or a number)",
  );
});

Deno.test("system get: refused with an explanation from 2.0 on; in 1.0 the state for the system agent, NOT_SUPPORTED for a guest", async () => {
  await using e2e = await startE2e();
  await assertRejects(
    () => e2e.cli("vm1", "system", "get"),
    CommandError,
    "SYSTEM_POWER_STATE_GET exists only in System power protocol 1.0; the platform speaks 2.1",
  );
  await using old = await startE2e({
    toml: `board = ${JSON.stringify(simBoardPath())}
[[agent]]
name = "old"
transport = { type = "stream" }
protocols = { system = "1.0" }

[[agent]]
name = "oldhost"
trusted = true
transport = { type = "stream" }
protocols = { system = "1.0" }
`,
  });
  assertEquals((await old.cli("oldhost", "system", "get")).lines, ["power-up"]);
  await assertRejects(
    () => old.cli("old", "system", "get"),
    StatusError,
    "SYSTEM_POWER_STATE_GET answered NOT_SUPPORTED",
  );
});

Deno.test("system watch prints the host's requests as SYSTEM_POWER_STATE_NOTIFIER", async () => {
  await using e2e = await startE2e();
  const host = await e2e.connect("host");
  const watch = e2e.cli("vm1", "system", "watch", "--count", "1");
  let done = false;
  watch.finally(() => done = true);
  while (!done) {
    await e2e.ok(host, 0x12, 0x3, [1, 0]);
    await turn();
  }
  assertEquals((await watch).lines, [
    "SYSTEM_POWER_STATE_NOTIFIER shutdown (graceful, within 10000 ms) by agent 0",
    "(1 notification; count reached)",
  ]);
});
