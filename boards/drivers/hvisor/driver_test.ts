/**
 * The hvisor driver against a fake zone0 kernel: discovery at startup, transitions only for
 * the kernel's counted enables, helper failures as DriverError statuses, dry run and the file
 * bridge answering from memory, and `discover` writing a board the loader accepts.
 */
import { assert, assertEquals, assertThrows } from "../../../core/_assert_test.ts";
import type { Board } from "../../../core/board.ts";
import { DriverError } from "../../../core/driver.ts";
import { Logger } from "../../../core/log.ts";
import { Status } from "../../../core/status.ts";
import { loadBoard } from "../../../server/manifest/mod.ts";
import { BUILTINS } from "../../../builtins.ts";
import type { ClockHw } from "../../../plugins/clock/hw.ts";
import type { PowerHw } from "../../../plugins/power/hw.ts";
import type { ResetHw } from "../../../plugins/reset/hw.ts";
import { ClockCmd, HvisorIoctl, PowerCmd } from "./abi.ts";
import { hvisorBoardToml } from "./board_toml.ts";
import { discoverHvisor, hvisorDriverWith } from "./mod.ts";
import { FakeZone0 } from "./_fixture.ts";
import { BUILTIN_CONTRACTS, driverConformance } from "../../../testing/mod.ts";

const MHZ = 1_000_000;

function kernel(): FakeZone0 {
  return new FakeZone0(
    [
      { name: "aclk_npu0", rate: 200 * MHZ, refs: 0 },
      { name: "hclk_npu0", rate: 100 * MHZ, refs: 1 },
      { name: "pclk_npu", rate: 50 * MHZ, refs: 0 },
    ],
    2,
    ["pd_npu", "pd_nputop"],
  );
}

async function board(spec: Parameters<typeof hvisorBoardToml>[0]): Promise<Board> {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/board.toml`, hvisorBoardToml(spec));
    return await loadBoard(`${dir}/board.toml`, BUILTINS);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const ZONE_BOARD = {
  name: "t",
  header: [],
  clocks: [{ id: 0, name: "clock0" }, { id: 2, name: "pclk_npu" }, { id: 5, name: "clock5" }],
  resets: [{ id: 1, name: "reset1" }],
  powers: [{ id: 0, name: "power0" }],
};

function logged(): { log: Logger; lines: string[] } {
  const log = new Logger();
  const lines: string[] = [];
  log.level = "debug";
  log.sink = (level, line) => lines.push(`${level}: ${line}`);
  return { log, lines };
}

async function start(k: FakeZone0, opts: { dryRun?: boolean } = {}) {
  const { log, lines } = logged();
  const def = hvisorDriverWith(() => ({ ioctl: k.ioctl, close: () => {} }));
  const d = await def.create({
    name: "hvisor",
    options: {},
    board: await board(ZONE_BOARD),
    log,
    hwRoot: "/nonexistent-hw-root",
    dryRun: opts.dryRun ?? false,
  });
  return {
    d,
    lines,
    clock: d.clock as ClockHw,
    reset: d.reset as ResetHw,
    power: d.power as PowerHw,
  };
}

function statusOf(f: () => unknown): number {
  const e = assertThrows(f, DriverError) as DriverError;
  return e.status;
}

Deno.test("hvisor: startup asks the counts, and the name, rate and state of each board resource", async () => {
  const k = kernel();
  const { lines, d } = await start(k);
  const asked = k.take().map((c) => [c.request, Number(`0x${c.hex.slice(0, 2)}`)]);
  for (
    const want of [
      [HvisorIoctl.CLOCK, ClockCmd.GET_COUNT],
      [HvisorIoctl.CLOCK, ClockCmd.NAME_GET],
      [HvisorIoctl.CLOCK, ClockCmd.RATE_GET],
      [HvisorIoctl.CLOCK, ClockCmd.CONFIG_GET],
      [HvisorIoctl.POWER, PowerCmd.GET_COUNT],
      [HvisorIoctl.POWER, PowerCmd.STATE_GET],
    ]
  ) assert(asked.some((a) => a[0] === want[0] && a[1] === want[1]), `not asked: ${want}`);
  // Clock 5 is past the node's three clocks: reported once, and it answers HARDWARE_ERROR.
  assert(lines.some((l) => l.startsWith("error:") && l.includes('"clock5" (5)')), lines.join("\n"));
  assert(lines.some((l) => l.includes("lists 3 clocks, 2 resets, 2 power domains")));
  assertEquals(statusOf(() => (d.clock as ClockHw).getRate(5)), Status.HARDWARE_ERROR);
  assertEquals(d.access?.("clock", 5).write, false);
  assertEquals(d.access?.("clock", 2), { read: true, write: true });
});

Deno.test("hvisor: CONFIG_SET and power STATE_SET are sent on transitions of vscmi's own reference only", async () => {
  const k = kernel();
  const { clock, power } = await start(k);
  k.take();
  clock.setEnabled(2, true);
  clock.setEnabled(2, true);
  assertEquals(k.clocks[2].refs, 1, "one clk_prepare_enable for two enables");
  assert(clock.isEnabled(2));
  clock.setEnabled(2, false);
  clock.setEnabled(2, false);
  assertEquals(k.clocks[2].refs, 0, "one clk_disable_unprepare, never an unbalanced one");
  assertEquals(
    k.take().filter((c) => c.hex.startsWith("07")).map((c) => c.hex),
    ["0700000000000000020000000000000001", "070000000000000002"],
  );
  // A clock the kernel has on for someone else: a disable without a reference sends nothing.
  clock.setEnabled(0, false);
  assertEquals(k.clocks[0].refs, 0);
  assertEquals(k.take().filter((c) => c.hex.startsWith("07")), []);

  power.setState(0, 0);
  power.setState(0, 0);
  assertEquals(k.powers[0].refs, 1);
  assertEquals(power.getState(0), 0);
  power.setState(0, 0x40000000);
  power.setState(0, 0x40000000);
  assertEquals(k.powers[0].refs, 0, "one runtime-PM put, never below zero");
  assertEquals(statusOf(() => power.setState(0, 0x40000001)), Status.NOT_SUPPORTED);
});

Deno.test("hvisor: RATE_SET then the rate the kernel settled on; resets as ASSERT/DEASSERT/RESET", async () => {
  const k = kernel();
  const { clock, reset } = await start(k);
  assertEquals(clock.setRate(2, 123_456_789, "nearest"), 123_456_000);
  assertEquals(clock.getRate(2), 123_456_000);
  reset.setAsserted(1, true, 0);
  assert(k.resets[1].asserted && reset.isAsserted(1));
  reset.setAsserted(1, false, 0);
  reset.pulse(1, 0);
  assertEquals([k.resets[1].asserted, k.resets[1].pulses, reset.isAsserted(1)], [false, 1, false]);
  assertEquals(statusOf(() => reset.pulse(1, 0x80000001)), Status.NOT_SUPPORTED);
});

Deno.test("hvisor: a helper errno becomes the matching SCMI status, never another exception", async () => {
  const k = kernel();
  const { clock, power } = await start(k);
  for (
    const [errno, status] of [
      [16, Status.BUSY],
      [22, Status.INVALID_PARAMETERS],
      [1, Status.DENIED],
      [5, Status.HARDWARE_ERROR],
      [524, Status.NOT_SUPPORTED],
    ]
  ) {
    k.failNext = errno;
    assertEquals(statusOf(() => clock.setRate(2, 10 * MHZ, "down")), status, `errno ${errno}`);
  }
  k.failNext = 5;
  assertEquals(statusOf(() => power.setState(0, 0)), Status.HARDWARE_ERROR);
  // The failed enable took no reference: the next one is sent.
  power.setState(0, 0);
  assertEquals(k.powers[0].refs, 1);
  // An ioctl that throws (FFI gone) is a hardware error too.
  const bad = new FakeZone0([], 0, []);
  bad.ioctl = () => {
    throw new Error("dlopen failed");
  };
  const { HvisorHelper } = await import("./helper.ts");
  assertEquals(statusOf(() => new HvisorHelper(bad.ioctl).clockCount()), Status.HARDWARE_ERROR);
});

Deno.test("hvisor: a dry run reads the device, logs each write and sends none", async () => {
  const k = kernel();
  const { clock, lines, d } = await start(k, { dryRun: true });
  k.take();
  clock.setEnabled(2, true);
  assertEquals(clock.setRate(2, 20 * MHZ, "down"), 20 * MHZ);
  assertEquals(k.take(), []);
  assertEquals(k.clocks[2].refs, 0);
  assert(clock.isEnabled(2));
  assert(lines.some((l) => l.includes("dry run: clock 2 CONFIG_SET on")));
  assertEquals(d.access?.("clock", 2).write, false);
});

Deno.test("hvisor: a file-bridge directory at the device path → resources kept in memory, no ioctl", async () => {
  const root = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${root}/dev/hvisor`, { recursive: true });
    const { log, lines } = logged();
    let opened = false;
    const def = hvisorDriverWith(() => {
      opened = true;
      throw new Error("no device");
    });
    const d = await def.create({
      name: "hvisor",
      options: {},
      board: await board(ZONE_BOARD),
      log,
      hwRoot: root,
      dryRun: false,
    });
    assert(!opened, "a directory is not opened as a device");
    const clock = d.clock as ClockHw;
    clock.setEnabled(5, true);
    assert(clock.isEnabled(5));
    assert(lines.some((l) => l.includes("no SCMI helper")), lines.join("\n"));
    assert(lines.some((l) => l.includes("in memory: clock 5 CONFIG_SET on")), lines.join("\n"));
    // Without the directory and without --dry-run, a missing device is a startup error.
    await Deno.remove(`${root}/dev/hvisor`);
    let err = "";
    try {
      await def.create({ name: "h", options: {}, board: await board(ZONE_BOARD), hwRoot: root });
    } catch (e) {
      err = e instanceof Error ? e.message : String(e);
    }
    assert(err.includes(`${root}/dev/hvisor`) && err.includes("--dry-run"), err);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("hvisor: discover writes a board of every index with the kernel's names and rates", async () => {
  const k = kernel();
  k.clocks.push({ name: "aclk_npu0", rate: 0, refs: 0 }); // a repeated name, a stopped clock
  const { log } = logged();
  const text = discoverHvisor(
    { source: "/dev/hvisor", hwRoot: "/", dryRun: false, log },
    () => ({ ioctl: k.ioctl, close: () => {} }),
  );
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/b.toml`, text);
    const b = await loadBoard(`${dir}/b.toml`, BUILTINS);
    assertEquals(
      b.resources.clock.map((c) => [c.id, c.name]),
      [[0, "aclk_npu0"], [1, "hclk_npu0"], [2, "pclk_npu"], [3, "aclk_npu0_3"]],
    );
    assertEquals(b.resources.reset.map((r) => r.name), ["reset0", "reset1"]);
    assertEquals(b.resources.power.map((p) => p.name), ["pd_npu", "pd_nputop"]);
    assertEquals((b.resources.clock[1] as unknown as { rate: number }).rate, 100 * MHZ);
    assertEquals(b.drivers, [{ name: "hvisor", type: "hvisor", options: {} }]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("hvisor: the driver conformance suite, on the fake kernel and on a file bridge", async (t) => {
  const b = await board(ZONE_BOARD);
  const k = kernel();
  const live = await hvisorDriverWith(() => ({ ioctl: k.ioctl, close: () => {} })).create({
    name: "hvisor",
    options: {},
    board: b,
    hwRoot: "/nonexistent-hw-root",
  });
  await driverConformance(t, { driver: live, board: b, contracts: BUILTIN_CONTRACTS });
  assert(k.clocks.every((c) => c.refs >= 0) && k.powers.every((p) => p.refs >= 0));
  const root = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${root}/dev/hvisor`, { recursive: true });
    const mem = await hvisorDriverWith(() => {
      throw new Error("not opened");
    }).create({ name: "hvisor", options: {}, board: b, hwRoot: root });
    await driverConformance(t, { driver: mem, board: b, contracts: BUILTIN_CONTRACTS });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
