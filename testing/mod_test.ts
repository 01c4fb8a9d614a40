import { fileURLToPath } from "node:url";
import { assertEquals, assertRejects } from "../core/_assert_test.ts";
import { defaultDeploymentPath } from "../server/manifest/mod.ts";
import { ManifestError } from "../core/manifest/problem.ts";
import { Status } from "../mod.ts";
import { Harness } from "./mod.ts";

Deno.test("Harness: replies as the agent receives them, per agent, from the bundled deployment", async () => {
  const h = await Harness.load(defaultDeploymentPath(), { log: () => {} });
  try {
    const version = await h.send("vm1", 0x10, 0x0);
    assertEquals([version.status, version.words()], [Status.SUCCESS, [0x20001]]);
    // A message id Base does not have: NOT_SUPPORTED, status only.
    const unknown = await h.send("vm2", 0x10, 0x99);
    assertEquals([unknown.status, unknown.payload.length], [Status.NOT_SUPPORTED, 0]);
    // A protocol the agent was not granted is not there for it.
    const hidden = await h.send("vm1", 0x80, 0x0);
    assertEquals(hidden.status, Status.NOT_SUPPORTED);
    await assertRejects(() => h.send("nobody", 0x10, 0x0), RangeError, 'no agent "nobody"');
  } finally {
    await h.close();
  }
  await h.close(); // idempotent: a second close neither throws nor hangs
});

Deno.test("Harness: a broken deployment is a ManifestError naming the manifest", async () => {
  const bad = fileURLToPath(new URL("../tests/manifests/plugin_api.toml", import.meta.url));
  const e = await assertRejects(() => Harness.load(bad), ManifestError) as ManifestError;
  assertEquals(e.problems.map((p) => [p.file, p.line, p.column, p.keyPath]), [
    [bad, 7, 3, "platform.plugins[1]"],
    [bad, 8, 3, "platform.plugins[2]"],
  ]);
});

Deno.test("Harness: raw parameter bytes, visible ids, held votes and ending a session", async () => {
  const h = await Harness.load(defaultDeploymentPath(), { log: () => {} });
  try {
    // CLOCK_ATTRIBUTES reads a u32: three bytes are a PROTOCOL_ERROR.
    const short = await h.sendBytes("vm1", 0x14, 0x3, new Uint8Array(3));
    assertEquals([short.status, short.payload.length], [Status.PROTOCOL_ERROR, 0]);
    // PROTOCOL_ATTRIBUTES counts exactly the clocks the harness says vm1 sees.
    const clocks = h.visible("vm1", "clock");
    const attrs = await h.send("vm1", 0x14, 0x1);
    assertEquals(attrs.words()[0]! & 0xffff, clocks);
    assertEquals(h.visible("vm1", "no_such_kind"), 0);
    // CLOCK_CONFIG_SET enable holds a vote until the session ends.
    assertEquals(h.heldVotes("vm1"), 0);
    assertEquals((await h.send("vm1", 0x14, 0x7, [1, 1, 0])).status, Status.SUCCESS);
    assertEquals(h.heldVotes("vm1"), 1);
    h.end("vm1");
    assertEquals(h.heldVotes("vm1"), 0);
    // A negotiated version lasts for the session only.
    assertEquals((await h.send("vm1", 0x14, 0x10, [0x10000])).status, Status.SUCCESS);
    assertEquals((await h.send("vm1", 0x14, 0x0)).words(), [0x10000]);
    h.end("vm1");
    assertEquals((await h.send("vm1", 0x14, 0x0)).words()[0]! > 0x10000, true);
  } finally {
    await h.close();
  }
});
