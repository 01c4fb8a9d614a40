/**
 * The RK3588 board (`boards/rk3588.toml`) against facts typed here independently from Linux's
 * `drivers/clk/rockchip/clk-rk3588.c`, `rst-rk3588.c` and the `rockchip,rk3588-cru.h`
 * binding headers (binding id → CRU register → bit), then served from the example deployment
 * over a file standing in for `/dev/mem` under a hardware root: enabling a gate, setting a
 * divider's rate and holding, releasing and pulsing a reset through SCMI change exactly those
 * bits of the file; `serve --dry-run` logs the write instead. `vscmi check` accepts it and reports
 * the host-managed clocks read-only.
 * @module
 */
import { join } from "node:path";
import { assert, assertEquals } from "../core/_assert_test.ts";
import { encodeHeader } from "../core/header.ts";
import { Logger } from "../core/log.ts";
import { Msg } from "../core/msg.ts";
import { buildPlatform } from "../server/build.ts";
import { loadDeployment } from "../server/manifest/mod.ts";
import { BUILTINS } from "../builtins.ts";
import { clockKind } from "../plugins/clock/kind.ts";
import { resetKind } from "../plugins/reset/kind.ts";
import { regmapOptions } from "../boards/drivers/regmap/options.ts";
import { HANG_MS, until } from "../core/_wait_test.ts";
import { MAIN, ROOT, vscmi } from "./_vscmi.ts";

const EXAMPLE = new URL("examples/rk3588/vscmi.toml", ROOT).pathname;
const CRU = 0xfd7c0000;
const PMU1_CRU = 0xfd7f0000;
const CLKSEL = (x: number) => 0x300 + 4 * x;
const CLKGATE = (x: number) => 0x800 + 4 * x;
const SOFTRST = (x: number) => 0xa00 + 4 * x;

/** Gate clocks: binding id, name, CLKGATE_CON index, bit (clk-rk3588.c GATE/COMPOSITE). */
const GATES: [number, string, number, number][] = [
  [159, "pclk_uart1", 12, 2],
  [167, "pclk_uart9", 12, 10],
  [171, "sclk_uart1", 12, 13],
  [175, "sclk_uart2", 13, 0],
  [199, "sclk_uart8", 14, 2],
  [168, "clk_uart1_src", 12, 11],
  [196, "clk_uart8_src", 14, 0],
  [123, "pclk_i2c1", 10, 8],
  [138, "clk_i2c8", 11, 7],
  [145, "clk_saradc", 11, 15],
  [151, "clk_spi0", 14, 11],
  [82, "clk_pwm3", 15, 10],
];

/**
 * The PMU1 CRU's UART0 and I²C0 (same register layout, its own window): binding id, name,
 * register offset in the PMU1 CRU, bit (clk-rk3588.c RK3588_PMU_CLKGATE_CON, rst-rk3588.c
 * RK3588_PMU1CRU_RESET_OFFSET).
 */
const PMU1: [string, number, string, number, number][] = [
  ["clock", 668, "pclk_uart0", CLKGATE(2), 6],
  ["clock", 667, "sclk_uart0", CLKGATE(2), 5],
  ["clock", 664, "clk_uart0_src", CLKGATE(2), 3],
  ["clock", 627, "pclk_i2c0", CLKGATE(2), 1],
  ["clock", 628, "clk_i2c0", CLKGATE(2), 2],
  ["reset", 601, "srst_p_i2c0", SOFTRST(2), 1],
  ["reset", 602, "srst_i2c0", SOFTRST(2), 2],
  ["reset", 603, "srst_s_uart0", SOFTRST(2), 5],
  ["reset", 604, "srst_p_uart0", SOFTRST(2), 6],
];

/** Dividers: binding id, name, CLKSEL_CON index, shift, width. */
const DIVIDERS: [number, string, number, number, number][] = [
  [168, "clk_uart1_src", 41, 9, 5],
  [172, "clk_uart2_src", 43, 2, 5],
  [200, "clk_uart9_src", 57, 2, 5],
  [145, "clk_saradc", 40, 6, 8],
];

/** Resets: binding id (reset header), name, SOFTRST_CON index, bit (rst-rk3588.c table). */
const RESETS: [number, string, number, number][] = [
  [63, "srst_p_i2c1", 10, 8],
  [70, "srst_p_i2c8", 10, 15],
  [71, "srst_i2c1", 11, 0],
  [85, "srst_p_saradc", 11, 14],
  [88, "srst_p_uart1", 12, 2],
  [96, "srst_p_uart9", 12, 10],
  [97, "srst_s_uart1", 12, 13],
  [98, "srst_s_uart2", 13, 0],
  [103, "srst_s_uart7", 13, 15],
  [105, "srst_s_uart9", 14, 5],
  [106, "srst_p_spi0", 14, 6],
  [115, "srst_spi4", 14, 15],
  [120, "srst_pwm1", 15, 4],
  [124, "srst_pwm3", 15, 10],
];

async function board() {
  const dep = await loadDeployment(EXAMPLE, BUILTINS);
  return { dep, opts: regmapOptions(dep.board.drivers[0].options) };
}

Deno.test("RK3588 clock gates and dividers sit at the kernel's registers and bits", async () => {
  const { dep, opts } = await board();
  for (const [id, name, con, bit] of GATES) {
    const c = clockKind.of(dep.board).find((d) => d.id === id);
    assertEquals(c?.name, name, `clock ${id}`);
    assertEquals(opts.clocks.get(name)?.gate, { reg: CLKGATE(con), bit, activeLow: true }, name);
  }
  for (const [id, name, con, shift, width] of DIVIDERS) {
    assertEquals(clockKind.of(dep.board).find((d) => d.id === id)?.name, name);
    const div = opts.clocks.get(name)?.div;
    assertEquals([div?.reg, div?.shift, div?.width, div?.formula], [
      CLKSEL(con),
      shift,
      width,
      "plus_one",
    ]);
  }
  assertEquals(opts.windows.get("cru"), { name: "cru", base: CRU, size: 0x1000, writeMask: true });
});

Deno.test("RK3588 UART0 and I2C0 sit in the PMU1 CRU at the kernel's registers and bits", async () => {
  const { dep, opts } = await board();
  assertEquals(opts.windows.get("pmu1"), {
    name: "pmu1",
    base: PMU1_CRU,
    size: 0x1000,
    writeMask: true,
  });
  for (const [kind, id, name, reg, bit] of PMU1) {
    const k = kind === "clock" ? clockKind : resetKind;
    assertEquals(k.of(dep.board).find((d) => d.id === id)?.name, name, `${kind} ${id}`);
    const spec = kind === "clock" ? opts.clocks.get(name) : opts.resets.get(name);
    const at = kind === "clock" ? opts.clocks.get(name)?.gate : opts.resets.get(name);
    assertEquals([spec?.window, at?.reg, at?.bit], ["pmu1", reg, bit], name);
  }
  const div = opts.clocks.get("clk_uart0_src")?.div;
  assertEquals([div?.reg, div?.shift, div?.width], [CLKSEL(3), 7, 5], "PMU_CLKSEL_CON(3)[11:7]");
});

Deno.test("RK3588 resets map binding ids to the kernel's SOFTRST bits", async () => {
  const { dep, opts } = await board();
  for (const [id, name, con, bit] of RESETS) {
    assertEquals(resetKind.of(dep.board).find((d) => d.id === id)?.name, name, `reset ${id}`);
    const r = opts.resets.get(name);
    assertEquals(
      [r?.reg, r?.bit, r?.activeLow, r?.selfClearing],
      [SOFTRST(con), bit, false, false],
      name,
    );
  }
});

/**
 * A hardware root whose dev/mem is a sparse file covering both CRU windows, with `words` (CRU
 * offsets) set.
 */
async function hwRoot(words: Record<number, number>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-rk3588-" });
  await Deno.mkdir(join(dir, "dev"));
  const f = await Deno.open(join(dir, "dev/mem"), { create: true, write: true });
  await f.truncate(PMU1_CRU + 0x1000);
  for (const [off, w] of Object.entries(words)) {
    await f.seek(CRU + Number(off), Deno.SeekMode.Start);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, w, true);
    await f.write(b);
  }
  f.close();
  return dir;
}

async function cruWords(root: string): Promise<Uint32Array> {
  const f = await Deno.open(join(root, "dev/mem"));
  await f.seek(CRU, Deno.SeekMode.Start);
  const b = new Uint8Array(0x1000);
  let n = 0;
  while (n < b.length) n += (await f.read(b.subarray(n))) ?? b.length;
  f.close();
  return new Uint32Array(b.buffer);
}

/** Offsets whose word differs, with the bits that changed. */
function diff(a: Uint32Array, b: Uint32Array): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) out[`0x${(i * 4).toString(16)}`] = (a[i] ^ b[i]) >>> 0;
  }
  return out;
}

Deno.test("through SCMI, a gate enable, a divider rate and a reset change exactly their bits of /dev/mem", async () => {
  // sclk_uart3 (CLKGATE_CON(13) bit 3) starts gated.
  const root = await hwRoot({ [CLKGATE(13)]: 0x0008_0008 });
  const dep = await loadDeployment(EXAMPLE, BUILTINS);
  const log = new Logger();
  log.sink = () => {};
  const built = await buildPlatform(dep, { log, hw: { hwRoot: root, dryRun: false } });
  try {
    const p = built.platform;
    const agent = p.agent("zone1")!;
    const s = p.openSession(agent, { p2a: true });
    const call = async (words: number[]): Promise<number> => {
      const req = new Uint8Array(words.length * 4);
      const dv = new DataView(req.buffer);
      words.forEach((w, i) => dv.setUint32(i * 4, w >>> 0, true));
      const out = new Uint8Array(256);
      const m = new Msg();
      m.r.reset(req, 0, req.length);
      m.w.reset(out, 0, out.length);
      await p.dispatch(s, m);
      return new DataView(out.buffer).getInt32(4, true); // the status
    };
    const virt = (kind: string, phys: number) => agent.grants.maps[kind].v2p.indexOf(phys);
    let before = await cruWords(root);
    const step = async (words: number[]) => {
      assertEquals(await call(words), 0, `status of ${words[0].toString(16)}`);
      const now = await cruWords(root);
      const d = diff(before, now);
      before = now;
      return { d, now };
    };

    // CLOCK_CONFIG_SET sclk_uart3 (179) enable: bit 3 of CLKGATE_CON(13) clears, nothing else.
    const gate = await step([encodeHeader(0x7, 0, 0x14, 1), virt("clock", 179), 1]);
    assertEquals(gate.d, { [`0x${CLKGATE(13).toString(16)}`]: 0x8 });
    assertEquals(gate.now[CLKGATE(13) / 4], 0x0008_0000);

    // CLOCK_RATE_SET clk_uart4_src (180) to 198 MHz: gpll ÷ 6, mux and divider of CLKSEL_CON(47).
    const rate = await step([encodeHeader(0x5, 0, 0x14, 2), 0, virt("clock", 180), 198_000_000, 0]);
    assertEquals(rate.d, { [`0x${CLKSEL(47).toString(16)}`]: 0x00fc_0014 });
    assertEquals(rate.now[CLKSEL(47) / 4], (0xfc << 16) | (5 << 2), "enables bits 7:2, divider 5");

    // RESET srst_p_uart3 (90, SOFTRST_CON(12) bit 4): held, released, then pulsed.
    const rst = `0x${SOFTRST(12).toString(16)}`;
    const held = await step([encodeHeader(0x4, 0, 0x16, 3), virt("reset", 90), 2, 0]);
    assertEquals(held.d, { [rst]: 0x0010_0010 });
    const released = await step([encodeHeader(0x4, 0, 0x16, 4), virt("reset", 90), 0, 0]);
    assertEquals(released.d, { [rst]: 0x10 });
    assertEquals(released.now[SOFTRST(12) / 4], 0x0010_0000);
    const pulsed = await step([encodeHeader(0x4, 0, 0x16, 5), virt("reset", 90), 1, 0]);
    assertEquals(pulsed.d, {}, "asserted then released: the file ends as the release wrote it");
    p.closeSession(s);
  } finally {
    await built.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("vscmi check accepts the RK3588 example and reports what is read-only and why", async () => {
  const root = await hwRoot({});
  try {
    const run = await vscmi("check", EXAMPLE, "--hw-root", root);
    assertEquals(run.code, 0, run.stderr);
    assert(run.stdout.includes('board "rk3588" with 1 agent'), run.stdout);
    assert(
      run.stdout.includes(
        'clock clk_100m_src (223, driver "cru"): read only: the host kernel manages',
      ),
      run.stdout,
    );
    assert(/reset domain: 55 read\/write: srst_p_i2c0, /.test(run.stdout), run.stdout);
    await Deno.remove(join(root, "dev/mem"));
    const without = await vscmi("check", EXAMPLE, "--hw-root", root);
    assertEquals(without.code, 1);
    assert(without.stderr.includes('cannot map window "cru"'), without.stderr);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("vscmi serve --dry-run logs the register write a guest's enable makes and leaves /dev/mem as it was", async () => {
  const root = await hwRoot({ [CLKGATE(13)]: 0x0008_0008 }); // sclk_uart3 gated
  const runDir = await Deno.makeTempDir({ prefix: "vscmi-rk3588-run-" });
  const server = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      MAIN,
      "serve",
      EXAMPLE,
      "--hw-root",
      root,
      "--dry-run",
      "--run-dir",
      runDir,
      "--no-journal",
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const output = server.output();
  let text = "";
  try {
    await until(
      () => Deno.lstat(join(runDir, "zone1.sock")).then(() => true, () => false),
      "the server to create zone1.sock",
    );
    const before = await cruWords(root);
    const call = await vscmi(
      "call",
      "--agent",
      "zone1",
      "--run-dir",
      runDir,
      "--timeout",
      String(HANG_MS),
      "clock",
      "enable",
      "179",
    );
    assertEquals(call.code, 0, call.stderr);
    assertEquals(diff(before, await cruWords(root)), {}, "nothing written to the file");
  } finally {
    server.kill("SIGTERM");
    const out = await output;
    text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    await Deno.remove(root, { recursive: true });
    await Deno.remove(runDir, { recursive: true });
  }
  assert(
    text.includes('dry run: regmap "cru" would write 0x00080000 to 0x0fd7c0834 (cru + 0x834)'),
    text,
  );
});
