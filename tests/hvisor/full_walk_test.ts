/**
 * The guest driver's full walk through the file bridge: `guest_main.ts` (hvisor's EL2 and the
 * guests of two zones) in one process, `vscmi serve` of the test deployment in another. The
 * walk probes both zones at once, uses every protocol zone 1 may, gets a notification on the
 * eventq, sees a quick command complete before a slow one, resets the device in the middle of
 * traffic, and lives through a vscmi restart — SIGKILL while it runs, accesses and a command
 * left pending on the bridge, a new `vscmi serve` on the same state directory — that it
 * must not notice — and, last, a restart without the state directory, after which vscmi asks
 * the guest to reset the device. See `guest_main.ts` for what each step checks.
 * @module
 */
import { assert, assertEquals } from "../../core/_assert_test.ts";
import { type Child, manifest, MEM_BYTES, script, serve, ZONES } from "./_deploy.ts";
import type { WalkConfig, WalkSummary } from "./guest_main.ts";

Deno.test("hvisor file bridge: the Linux-like guest's full walk, device reset and vscmi restart included", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-hvwalk-" });
  const bridgeDir = `${dir}/bridge`;
  await Deno.mkdir(bridgeDir);
  await Deno.mkdir(`${dir}/run`);
  const manifestPath = `${dir}/vscmi.toml`;
  await Deno.writeTextFile(manifestPath, manifest(bridgeDir));
  const cfg: WalkConfig = { dir: bridgeDir, memBytes: MEM_BYTES, zones: ZONES };
  const guest = script(new URL("./guest_main.ts", import.meta.url), JSON.stringify(cfg));
  const servers: Child[] = [];
  try {
    await guest.line("ready");
    servers.push(await serve(manifestPath, `${dir}/run`, `${dir}/state`));
    await guest.line("restart-now");
    const killed = await servers[0].kill("SIGKILL");
    assertEquals(killed.signal, "SIGKILL");
    await guest.send("killed");
    await guest.line("pending");
    servers.push(await serve(manifestPath, `${dir}/run`, `${dir}/state`));
    await guest.line("restart-fresh");
    await servers[1].kill("SIGKILL");
    await Deno.remove(`${dir}/state`, { recursive: true });
    await guest.send("killed");
    servers.push(await serve(manifestPath, `${dir}/run`, `${dir}/state`));
    const done = await guest.line("done ").catch((e) => {
      throw new Error(`${e}\n--- vscmi:\n${servers.flatMap((s) => s.lines).join("\n")}`);
    });
    const summary = JSON.parse(done.slice("done ".length)) as WalkSummary;
    assertEquals((await guest.status).code, 0);
    // Zone 1 is granted nine protocols besides Base; zone 2 three.
    assertEquals(summary.protocols.length, 9);
    assertEquals(summary.otherZones, [3]);
    assert(summary.outOfOrder);
    assert(summary.notifications >= 1, "a notification came on the eventq");
    assertEquals(summary.connections, 3, "one connection to el2.sock per vscmi");
  } finally {
    await guest.kill();
    for (const s of servers) await s.kill("SIGTERM");
    await Deno.remove(dir, { recursive: true });
  }
});
