/**
 * A virtio-mmio device's MMIO window is held alone in its zone on its bridge: the manifest
 * loader (and so `vscmi check` and `vscmi serve`) refuses a window that overlaps another
 * agent's there, at the `base` that placed it, instead of the bridge refusing it at attach.
 * @module
 */
import { assertEquals } from "../../core/_assert_test.ts";
import { BUILTINS } from "../../builtins.ts";
import {
  loadAgents,
  loadBoard,
  loadDeployment,
  ManifestError,
  simBoardPath,
} from "../../server/manifest/mod.ts";

const RAM = "memory = [{ zone0_ipa = 0x50000000, zonex_ipa = 0x50000000, size = 0x10000000 }]";

/** An agent on a virtio-mmio device; `where` holds its device, zone, base and size. */
function agent(name: string, where: string): string {
  return `[[agent]]\nname = "${name}"\nprotocols = ["clock"]\n\n[agent.transport]\n` +
    `type = "virtio-mmio"\n${where}\nirq = 78\n${RAM}\n\n`;
}

/** The problems of loading `text` as agents on the sim board, as `line:col key: message`. */
async function load(text: string): Promise<string[]> {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-held-window-" });
  try {
    const file = `${dir}/agents.toml`;
    await Deno.writeTextFile(file, text);
    const board = await loadBoard(simBoardPath(), BUILTINS);
    try {
      await loadAgents(file, board, { ...BUILTINS, taken: [] });
      return [];
    } catch (e) {
      if (!(e instanceof ManifestError)) throw e;
      return e.problems.map((p) => `${p.line}:${p.column} ${p.keyPath}: ${p.message}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("virtio-mmio: a window overlapping another's in its zone on its bridge is refused at its base", async () => {
  const problems = await load(
    agent("vm1", "zone = 1\nbase = 0xa003c00") +
      agent("vm2", "zone = 1\nbase = 0xa003d00\nsize = 0x100"),
  );
  assertEquals(problems, [
    '19:8 agent[1].transport.base: Expected an MMIO window that overlaps no other endpoint\'s in zone 1 on "/dev/hvisor", got 0xa003d00+0x100, where agent[0] ("vm1") holds 0xa003c00+0x200',
  ]);
});

Deno.test("virtio-mmio: one window inside a larger one, and one bridge written two ways, are refused", async () => {
  const problems = await load(
    agent("vm1", 'device = "file:sim"\nzone = 2\nbase = 0xa003000\nsize = 0x1000') +
      agent("vm2", 'device = "file:./sim/"\nzone = 2\nbase = 0xa003800'),
  );
  assertEquals(problems, [
    '22:8 agent[1].transport.base: Expected an MMIO window that overlaps no other endpoint\'s in zone 2 on "file:sim", got 0xa003800+0x200, where agent[0] ("vm1") holds 0xa003000+0x1000',
  ]);
});

Deno.test("virtio-mmio: adjacent windows, other zones and other bridges share no window", async () => {
  const problems = await load(
    agent("vm1", "zone = 1\nbase = 0xa003c00") +
      agent("vm2", "zone = 1\nbase = 0xa003e00") +
      agent("vm3", "zone = 2\nbase = 0xa003c00") +
      agent("vm4", 'device = "file:sim"\nzone = 1\nbase = 0xa003c00'),
  );
  assertEquals(problems, []);
});

Deno.test("virtio-mmio: examples/hvisor-rk3588 still loads", async () => {
  const file = new URL("../../examples/hvisor-rk3588/vscmi.toml", import.meta.url).pathname;
  const dep = await loadDeployment(file, BUILTINS);
  assertEquals(dep.agents.map((a) => a.transport.type), ["virtio-mmio"]);
});
