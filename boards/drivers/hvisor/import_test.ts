/**
 * `vscmi import hvisor` through the command line: the current id form becomes virtual ids
 * over physical ids and passes `vscmi check`; configurations with other virtio devices are
 * refused unless `--scmi-only`; the legacy form converts only with `--board`; every error
 * names the file and the JSON path, and writes nothing; the checked-in example regenerates
 * byte for byte.
 */
import { assert, assertEquals } from "../../../core/_assert_test.ts";
import { loadDeployment } from "../../../server/manifest/mod.ts";
import { BUILTINS } from "../../../builtins.ts";
import { vscmi } from "../../../tests/_vscmi.ts";

const EXAMPLE = new URL("../../../examples/hvisor-rk3588/", import.meta.url).pathname;

function zone(devices: unknown[], extra: Record<string, unknown> = {}) {
  return {
    zones: [{
      id: 2,
      memory_region: [{ zone0_ipa: "0x50000000", zonex_ipa: "0x50000000", size: "0x10000000" }],
      devices,
      ...extra,
    }],
  };
}

const SCMI = {
  type: "scmi",
  addr: "0xa003c00",
  len: "0x200",
  irq: 78,
  status: "enable",
  clock_ids: [5, "0x2", 9],
  reset_ids: [1],
};

async function inTemp(f: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await f(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("import hvisor: guest id = position, value = hvisor index; a board is written; check passes", async () => {
  await inTemp(async (dir) => {
    await Deno.writeTextFile(`${dir}/cfg.json`, JSON.stringify(zone([SCMI])));
    const r = await vscmi("import", "hvisor", `${dir}/cfg.json`, "-o", `${dir}/out/vscmi.toml`);
    assertEquals(r.code, 0, r.stderr);
    const dep = await loadDeployment(`${dir}/out/vscmi.toml`, BUILTINS);
    const a = dep.agents.find((x) => x.name === "zone2");
    assert(a, "agent zone2");
    assertEquals(a.grants.clock, [5, 2, 9]);
    assertEquals(a.grants.reset, [1]);
    assertEquals(a.grants.power ?? [], []);
    assertEquals(a.transport.type, "virtio-mmio");
    assertEquals(
      { ...a.transport.options, memory: undefined },
      {
        zone: 2,
        base: 0xa003c00,
        size: 0x200,
        irq: 78,
        vendor: 0x48564953,
        memory: undefined,
      },
    );
    assertEquals(dep.board.drivers[0].type, "hvisor");
    assertEquals(dep.board.resources.clock.map((c) => c.id), [2, 5, 9]);
    await Deno.mkdir(`${dir}/root/dev/hvisor`, { recursive: true });
    const c = await vscmi("check", "--hw-root", `${dir}/root`, `${dir}/out/vscmi.toml`);
    assertEquals(c.code, 0, c.stderr + c.stdout);
    assert(c.stdout.includes("virtio-mmio zone=2"), c.stdout);
  });
});

Deno.test("import hvisor: another virtio device is refused, naming it; --scmi-only drops it with a warning", async () => {
  await inTemp(async (dir) => {
    const blk = { type: "blk", addr: "0xa003e00", len: "0x200", irq: 79, img: "r.img" };
    await Deno.writeTextFile(`${dir}/cfg.json`, JSON.stringify(zone([SCMI, blk])));
    const r = await vscmi("import", "hvisor", `${dir}/cfg.json`, "-o", `${dir}/vscmi.toml`);
    assertEquals(r.code, 2);
    assert(r.stderr.includes(`${dir}/cfg.json: zones[0].devices[1].type:`), r.stderr);
    assert(r.stderr.includes("--scmi-only"), r.stderr);
    assert(!await exists(`${dir}/vscmi.toml`), "nothing written");
    const s = await vscmi(
      "import",
      "hvisor",
      `${dir}/cfg.json`,
      "-o",
      `${dir}/vscmi.toml`,
      "--scmi-only",
    );
    assertEquals(s.code, 0, s.stderr);
    assert(s.stderr.includes("warning:") && s.stderr.includes('"blk"'), s.stderr);
    assert(await exists(`${dir}/vscmi.toml`));
  });
});

Deno.test("import hvisor: the legacy form needs --board; with one, allowed ids through the maps", async () => {
  await inTemp(async (dir) => {
    const legacy = {
      ...SCMI,
      clock_ids: undefined,
      reset_ids: undefined,
      clock_phandle: 2,
      reset_phandle: 2,
      allowed_list: { clock_ids: [10, 11], reset_ids: [0] },
      clock_map: { "10": 324 },
      reset_map: { "0": 523 },
    };
    await Deno.writeTextFile(`${dir}/cfg.json`, JSON.stringify(zone([legacy])));
    const r = await vscmi("import", "hvisor", `${dir}/cfg.json`, "-o", `${dir}/vscmi.toml`);
    assertEquals(r.code, 2);
    assert(r.stderr.includes("zones[0].devices[0].clock_phandle: This is hvisor-tool's legacy"));
    assert(r.stderr.includes("--board"), r.stderr);
    await Deno.writeTextFile(
      `${dir}/cru.toml`,
      [
        '[board]\nname = "cru"\n[[driver]]\nname = "sim"\ntype = "sim"',
        '[[clock]]\nid = 11\nname = "pclk_x"\nrates = [1000]',
        '[[clock]]\nid = 324\nname = "aclk_y"\nrates = [1000]',
        '[[reset]]\nid = 523\nname = "srst_z"',
      ].join("\n"),
    );
    const ok = await vscmi(
      "import",
      "hvisor",
      `${dir}/cfg.json`,
      "-o",
      `${dir}/sub/vscmi.toml`,
      "--board",
      `${dir}/cru.toml`,
    );
    assertEquals(ok.code, 0, ok.stderr);
    assert(!await exists(`${dir}/sub/board.toml`), "no board written with --board");
    const dep = await loadDeployment(`${dir}/sub/vscmi.toml`, BUILTINS);
    const g = dep.agents[0].grants;
    assertEquals(g.clock?.[10], 324);
    assertEquals(g.clock?.[11], 11);
    assertEquals(g.reset, [523]);
  });
});

Deno.test("import hvisor: bad values are located errors naming file and JSON path", async () => {
  await inTemp(async (dir) => {
    const cases: [unknown, string][] = [
      [zone([{ ...SCMI, irq: "seventy" }]), "zones[0].devices[0].irq: Expected an interrupt id"],
      [zone([{ ...SCMI, irq: 20 }]), "zones[0].devices[0].irq: Expected an SPI INTID"],
      [zone([{ ...SCMI, clock_ids: [1, 1] }]), "zones[0].devices[0].clock_ids[1]:"],
      [zone([SCMI], { memory_region: "none" }), "zones[0].memory_region: Expected an array"],
      [{ zones: [] }, "zones: No zone has an enabled scmi device"],
    ];
    for (const [cfg, want] of cases) {
      await Deno.writeTextFile(`${dir}/cfg.json`, JSON.stringify(cfg));
      const r = await vscmi("import", "hvisor", `${dir}/cfg.json`, "-o", `${dir}/vscmi.toml`);
      assertEquals(r.code, 2, want);
      assert(r.stderr.includes(`${dir}/cfg.json: ${want}`), `${want}\n${r.stderr}`);
    }
    assert(!await exists(`${dir}/vscmi.toml`));
  });
});

Deno.test("import hvisor: examples/hvisor-rk3588 is what the import of its configuration writes", async () => {
  await inTemp(async (dir) => {
    const r = await vscmi(
      "import",
      "hvisor",
      `${EXAMPLE}virtio_cfg.json`,
      "-o",
      `${dir}/vscmi.toml`,
    );
    assertEquals(r.code, 0, r.stderr);
    for (const f of ["vscmi.toml", "board.toml"]) {
      assertEquals(
        await Deno.readTextFile(`${dir}/${f}`),
        await Deno.readTextFile(`${EXAMPLE}${f}`),
        `${f} differs: regenerate with vscmi import hvisor`,
      );
    }
  });
});

Deno.test('import hvisor: legacy "*" allows every id below *_max_num the board has; disabled devices are skipped', async () => {
  await inTemp(async (dir) => {
    const legacy = {
      ...SCMI,
      clock_ids: undefined,
      reset_ids: undefined,
      clock_phandle: 2,
      clock_max_num: 4,
      allowed_list: { clock_ids: ["*"] },
      clock_map: { "3": 7 },
    };
    const off = { type: "console", addr: "0xa003e00", len: "0x200", irq: 80, status: "disable" };
    await Deno.writeTextFile(`${dir}/cfg.json`, JSON.stringify(zone([off, legacy])));
    await Deno.writeTextFile(
      `${dir}/b.toml`,
      '[board]\nname = "b"\n[[driver]]\nname = "sim"\ntype = "sim"\n' +
        [0, 2, 7].map((id) => `[[clock]]\nid = ${id}\nname = "c${id}"\nrates = [1000]\n`).join(""),
    );
    const r = await vscmi(
      "import",
      "hvisor",
      `${dir}/cfg.json`,
      "-o",
      `${dir}/vscmi.toml`,
      "--board",
      `${dir}/b.toml`,
    );
    assertEquals(r.code, 0, r.stderr);
    assert(r.stderr.includes('"*" allows 1 id the board does not have'), r.stderr);
    const g = (await loadDeployment(`${dir}/vscmi.toml`, BUILTINS)).agents[0].grants.clock ?? [];
    // Guest ids 0, 2 and 3 (→ 7); guest id 1 is not on the board.
    assertEquals([g[0], g[2], g[3]], [0, 2, 7]);
    assertEquals(g.filter((p) => p >= 0).length, 3);
  });
});
