/**
 * `[platform] durability`: what the manifest says, what the transports ask for when it says
 * nothing, and the journal the server opens for it.
 */
import { assert, assertEquals, assertRejects } from "../../core/_assert_test.ts";
import { defineTransport } from "../../core/transport.ts";
import { API_MAJOR } from "../../core/api.ts";
import { ManifestError } from "../../core/manifest/problem.ts";
import { BUILTINS, TRANSPORTS } from "../../builtins.ts";
import { loadDeployment } from "../manifest/mod.ts";
import { buildPlatform, deploymentDurability } from "../build.ts";

const ROOT = await Deno.makeTempDir({ prefix: "vscmi-durability-" });
globalThis.addEventListener("unload", () => Deno.removeSync(ROOT, { recursive: true }));
const BOARD = new URL("../../boards/sim.toml", import.meta.url).pathname;

async function deployment(platform: string): Promise<string> {
  const dir = await Deno.makeTempDir({ dir: ROOT });
  await Deno.writeTextFile(
    `${dir}/vscmi.toml`,
    `board = "${BOARD}"\n\n[platform]\n${platform}\n\n[[agent]]\nname = "vm1"\n` +
      `transport = { type = "stream" }\nprotocols = ["clock"]\n`,
  );
  return `${dir}/vscmi.toml`;
}

/** A transport for a partitioning hypervisor, whose host kernel can fail under running guests. */
const partitioned = defineTransport({
  api: API_MAJOR,
  name: "stream",
  summary: "the stream transport, declared as needing host durability",
  options: {},
  durability: "host",
  start: () => Promise.reject(new Error("not started in this test")),
});

Deno.test("durability: process by default; the strictest transport wins; the manifest overrides", async () => {
  const plain = await loadDeployment(await deployment(""), BUILTINS);
  assertEquals(deploymentDurability(plain, TRANSPORTS), "process");
  assertEquals(deploymentDurability(plain, [partitioned]), "host");
  const host = await loadDeployment(await deployment('durability = "host"'), BUILTINS);
  assertEquals(deploymentDurability(host, TRANSPORTS), "host");
  const proc = await loadDeployment(await deployment('durability = "process"'), BUILTINS);
  assertEquals(deploymentDurability(proc, [partitioned]), "process", "said in the manifest");
});

Deno.test("an hvisor zone (virtio-mmio) makes its deployment host-durable", () => {
  const mmio = TRANSPORTS.find((t) => t.name === "virtio-mmio");
  assertEquals(mmio?.durability, "host");
});

Deno.test('durability = "off": no vote journal at all', async () => {
  const dep = await loadDeployment(await deployment('durability = "off"'), BUILTINS);
  assertEquals(dep.stateDir, null);
});

Deno.test("durability: an unknown mode → ManifestError at platform.durability", async () => {
  const file = await deployment('durability = "disk"');
  const e = await assertRejects(() => loadDeployment(file, BUILTINS), ManifestError);
  assert(e.message.includes("platform.durability"), e.message);
  assert(e.message.includes('one of "process", "host" or "off"'), e.message);
});

Deno.test("a process-durable server acknowledges a vote change without waiting for the disk", async () => {
  const file = await deployment("");
  const dep = await loadDeployment(file, BUILTINS);
  const built = await buildPlatform(dep, { stateDir: `${file}.state` });
  try {
    built.journal!.append("vm1", "clock.enable", 3, 1);
    assertEquals(built.journal!.durable(), undefined, "written before append returned");
  } finally {
    await built.close();
  }
});
