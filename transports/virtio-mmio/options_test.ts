import { assert, assertEquals } from "../../core/_assert_test.ts";
import { isOptionError } from "../../core/options.ts";
import { checkVirtioMmioOptions, HVISOR_VENDOR } from "./options.ts";
import { bridgeLocation } from "./mod.ts";

const RAM = { zone0_ipa: 0x50000000n, zonex_ipa: 0x50000000n, size: 0x10000000n };
const GOOD = { zone: 1n, base: 0xa003c00n, irq: 78n, memory: [RAM] };

Deno.test("virtio-mmio options: defaults, file bridge, bigint integers", () => {
  assertEquals(checkVirtioMmioOptions(GOOD), {
    device: { kind: "hvisor", path: "/dev/hvisor" },
    zone: 1,
    base: 0xa003c00,
    size: 0x200,
    irq: 78,
    vendor: HVISOR_VENDOR,
    memory: [{ zone0Ipa: 0x50000000, zonexIpa: 0x50000000, size: 0x10000000 }],
  });
  const o = checkVirtioMmioOptions({ ...GOOD, device: "file:sim", size: 0x1000, vendor: 0 });
  assertEquals([o.device, o.size, o.vendor], [{ kind: "file", dir: "sim" }, 0x1000, 0]);
});

Deno.test("virtio-mmio options: each bad value names its option", () => {
  const bad: [Record<string, unknown>, string, string?][] = [
    [{ device: "dev/hvisor" }, "device"],
    [{ device: "file:" }, "device"],
    [{ zone: 0 }, "zone"],
    [{ zone: 0x10000 }, "zone"],
    [{ zone: 1.5 }, "zone"],
    [{ base: 0xa003c04 }, "base"],
    [{ base: undefined }, "base"],
    [{ base: 0x50001000 }, "base", "memory[0] covers it"],
    [{ size: 0x80 }, "size"],
    [{ size: 0x180 + 0x20 }, "size"],
    [{ irq: 31 }, "irq"],
    [{ irq: 1020 }, "irq"],
    [{ vendor: 2 ** 32 }, "vendor"],
    [{ memory: [] }, "memory"],
    [{ memory: [{ ...RAM, size: 0 }] }, "memory", "memory[0].size"],
    [{ memory: [{ ...RAM, zone0_ipa: 0x123 }] }, "memory", "memory[0].zone0_ipa"],
    [{ memory: [RAM, { ...RAM, zonex_ipa: 0x5fff0000 }] }, "memory", "memory[1]"],
    [{ memory: [{ ...RAM, phandle: 1 }] }, "memory", "memory[0]"],
    [{ memory: ["x"] }, "memory", "memory[0]"],
  ];
  for (const [patch, option, says] of bad) {
    let threw: unknown;
    try {
      checkVirtioMmioOptions({ ...GOOD, ...patch });
    } catch (e) {
      threw = e;
    }
    assert(
      isOptionError(threw),
      `${JSON.stringify(patch, (_, v) => typeof v === "bigint" ? Number(v) : v)} should be refused`,
    );
    assertEquals(threw.option, option, String(Object.keys(patch)));
    if (says) assert(threw.message.includes(says), threw.message);
  }
});

Deno.test("virtio-mmio bridge location: file:DIR beside the manifest, /dev/hvisor under --hw-root", async () => {
  const o = (device?: string) => checkVirtioMmioOptions({ ...GOOD, device });
  assertEquals(bridgeLocation(o("file:sim"), { manifestDir: "/etc/vscmi" }), {
    kind: "file",
    dir: "/etc/vscmi/sim",
  });
  assertEquals(bridgeLocation(o("file:/tmp/b"), { manifestDir: "/etc/vscmi" }), {
    kind: "file",
    dir: "/tmp/b",
  });
  assertEquals(bridgeLocation(o(), {}), { kind: "hvisor", path: "/dev/hvisor" });
  const root = await Deno.makeTempDir({ prefix: "vscmi-hwroot-" });
  try {
    assertEquals(bridgeLocation(o(), { hwRoot: root }), {
      kind: "hvisor",
      path: `${root}/dev/hvisor`,
    }, "no directory there: the device path, whose opening reports the problem");
    await Deno.mkdir(`${root}/dev/hvisor`, { recursive: true });
    assertEquals(bridgeLocation(o(), { hwRoot: root }), {
      kind: "file",
      dir: `${root}/dev/hvisor`,
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
