/**
 * What `vscmi import hvisor` writes from hvisor-tool's configuration serves the guest driver:
 * `examples/hvisor-rk3588/virtio_cfg.json` imported into a fresh directory, served under
 * `--hw-root ROOT` with the file bridge at `ROOT/dev/hvisor` (the `hvisor` driver, finding no
 * SCMI helper there, keeps its resources in memory), and `guest_main.ts`'s walk for any board
 * run against zone 1 at the window, interrupt and RAM the import wrote: the Linux probe,
 * every protocol, a clock vote, and a vscmi restart in the middle of traffic that the guest
 * does not notice.
 * @module
 */
import { parse } from "smol-toml";
import { assertEquals } from "../../core/_assert_test.ts";
import { ROOT, vscmi } from "../_vscmi.ts";
import { type Child, script, serve } from "./_deploy.ts";
import type { WalkConfig, WalkSummary, ZoneConfig } from "./guest_main.ts";

const CONFIG = new URL("examples/hvisor-rk3588/virtio_cfg.json", ROOT).pathname;

interface Imported {
  zone: number;
  base: number;
  irq: number;
  vendor: number;
  memory: { zone0_ipa: number; zonex_ipa: number; size: number }[];
}

Deno.test("hvisor: the deployment vscmi import writes from hvisor-tool's configuration serves the guest's walk", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-hvimport-" });
  const hwRoot = `${dir}/root`;
  const bridgeDir = `${hwRoot}/dev/hvisor`;
  await Deno.mkdir(bridgeDir, { recursive: true });
  await Deno.mkdir(`${dir}/run`);
  const manifestPath = `${dir}/vscmi.toml`;
  const servers: Child[] = [];
  let guest: Child | null = null;
  try {
    const imported = await vscmi("import", "hvisor", CONFIG, "-o", manifestPath);
    assertEquals(imported.code, 0, imported.stderr);
    const dep = parse(await Deno.readTextFile(manifestPath)) as unknown as {
      agent: { name: string; transport: Imported }[];
    };
    const t = dep.agent[0].transport;
    const [ram] = t.memory;
    const zone: ZoneConfig = {
      zone: t.zone,
      cpu: 1,
      base: t.base,
      irq: t.irq,
      vendor: t.vendor,
      region: { zone0Ipa: ram.zone0_ipa, zonexIpa: ram.zonex_ipa, size: ram.size },
    };
    const cfg: WalkConfig = {
      dir: bridgeDir,
      memBytes: Math.max(...t.memory.map((m) => m.zone0_ipa + m.size)),
      mapBytes: ram.zone0_ipa + ram.size,
      zones: [zone],
      basic: true,
    };
    guest = script(new URL("./guest_main.ts", import.meta.url), JSON.stringify(cfg));
    const start = () => serve(manifestPath, `${dir}/run`, `${dir}/state`, "--hw-root", hwRoot);
    await guest.line("ready");
    servers.push(await start());
    await guest.line("restart-now");
    await servers[0].kill("SIGKILL");
    await guest.send("killed");
    await guest.line("pending");
    servers.push(await start());
    const done = await guest.line("done ").catch((e) => {
      throw new Error(`${e}\n--- vscmi:\n${servers.flatMap((s) => s.lines).join("\n")}`);
    });
    const summary = JSON.parse(done.slice("done ".length)) as WalkSummary;
    assertEquals((await guest.status).code, 0);
    assertEquals(summary.protocols, [0x11, 0x14, 0x16], "power, clock, reset");
    assertEquals(summary.connections, 2);
  } finally {
    await guest?.kill();
    for (const s of servers) await s.kill("SIGTERM");
    await Deno.remove(dir, { recursive: true });
  }
});
