/**
 * Votes restored from the journal pass the checks a live request passes, against the
 * deployment and board as they are at this start: the agent's grants, rights and bounds
 * (the dispatcher's central checks) and each plugin's own range check. What fails is
 * dropped, logged with the agent, the resource and the reason, and withdrawn in the journal.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { assert, assertEquals } from "../../core/_assert_test.ts";
import { buildPlatform } from "../../server/build.ts";
import { Logger } from "../../core/log.ts";
import { loadDeployment } from "../../server/manifest/mod.ts";
import { emptyBoard } from "../../core/board.ts";
import { Journal } from "../../server/journal/journal.ts";
import { fixture } from "../harness.ts";
import { clockKind } from "../../plugins/clock/kind.ts";
import { BUILTINS } from "../../builtins.ts";

const BOARD = fileURLToPath(new URL("../../boards/sim.toml", import.meta.url));
const MHZ = 1_000_000;

/** Every directory of this file's tests, removed when the run ends. */
const ROOT = await Deno.makeTempDir({ prefix: "vscmi-restore-checks-" });
globalThis.addEventListener("unload", () => Deno.removeSync(ROOT, { recursive: true }));

/** vm1: uart0_clk up to `uart0Max`, uart1_clk, spi0_clk, apb_clk, i2c0_clk read-only, … */
function deployment(uart0Max: string): string {
  return `board = ${JSON.stringify(BOARD)}

[[agent]]
name = "vm1"
transport = { type = "stream" }
protocols = ["clock", "voltage", "perf", "powercap", "power"]
clocks = ["uart1_clk", "spi0_clk", "apb_clk"]
voltage_domains = ["vdd_dsp"]
perf_domains = ["cpu_cluster0"]
powercaps = ["soc_cap"]
power_domains = ["pd_usb"]

[[agent.clock]]
name = "uart0_clk"
max = "${uart0Max}"

[[agent.clock]]
name = "i2c0_clk"
access = "read"
`;
}

type Rec = [string, string, number, number | null];

/** A state directory whose journal holds `records`, and a deployment file. */
async function leftBehind(records: Rec[], uart0Max: string) {
  const dir = await Deno.makeTempDir({ dir: ROOT });
  const state = join(dir, "state");
  const j = await Journal.open(state);
  for (const [a, s, p, v] of records) j.append(a, s, p, v);
  await j.close();
  const manifest = join(dir, "vscmi.toml");
  await Deno.writeTextFile(manifest, deployment(uart0Max));
  return { state, manifest };
}

async function start(state: string, manifest: string) {
  const log = new Logger();
  const lines: string[] = [];
  log.sink = (level, line) => void lines.push(`${level}: ${line}`);
  const built = await buildPlatform(await loadDeployment(manifest, BUILTINS), {
    log,
    stateDir: state,
  });
  return { built, lines };
}

Deno.test("restart: a bound tightened between runs drops the old, larger rate; the hardware keeps its own", async () => {
  const { state, manifest } = await leftBehind([
    ["vm1", "clock.enable", 13, 1],
    ["vm1", "clock.rate", 13, 96 * MHZ],
  ], "96MHz");
  // First life, as the deployment was: the vote stands.
  const first = await start(state, manifest);
  assertEquals(first.built.platform.votes.describe("clock.rate", 13)!.effective, 96 * MHZ);
  await first.built.close();
  // The operator tightens vm1's max on uart0_clk to 48 MHz.
  await Deno.writeTextFile(manifest, deployment("48MHz"));
  const { built, lines } = await start(state, manifest);
  const p = built.platform;
  const clk = clockKind.hw.of(built.drivers.get("sim")!)!;
  try {
    assertEquals(p.votes.describe("clock.rate", 13)!.voters, []);
    assert(clk.getRate(13) !== 96 * MHZ, "the old rate is not put back on the clock");
    assertEquals(p.votes.describe("clock.enable", 13)!.voters.map((v) => v.name), ["vm1"]);
    const drop = lines.filter((l) => l.includes("dropping"));
    assertEquals(drop.length, 1, lines.join("\n"));
    for (
      const part of ['"vm1"', "96000000", 'clock.rate 13 ("uart0_clk")', "bounds (…–48000000)"]
    ) {
      assert(drop[0].includes(part), `${part} in ${drop[0]}`);
    }
  } finally {
    await built.close();
  }
  // The drop is journaled: the next start has nothing to drop.
  const again = await start(state, manifest);
  assertEquals(again.lines.filter((l) => l.includes("dropping")), []);
  await again.built.close();
});

Deno.test("restart: votes a live request could not make are dropped, each logged with agent, resource and reason", async () => {
  const { state, manifest } = await leftBehind([
    ["vm1", "clock.enable", 14, 1], // kept
    ["vm1", "clock.rate", 14, 48 * MHZ], // kept
    ["vm1", "clock.rate", 16, 1e300], // an absurd rate with a valid checksum
    ["vm1", "clock.rate", 12, 75 * MHZ], // between apb_clk's 50 and 100 MHz
    ["vm1", "clock.rate", 15, 50 * MHZ], // i2c0_clk is read-only for vm1 now
    ["vm1", "clock.enable", 17, 1], // usb_ref_clk: not granted to vm1
    ["vm1", "clock.rate", 99, 24 * MHZ], // a clock the board no longer has
    ["gone", "clock.enable", 14, 1], // an agent the deployment no longer has
    ["vm1", "voltage.level", 3, 5e12], // 5 MV
    ["vm1", "perf.level", 0, 700], // not a declared level
    ["vm1", "powercap.cap", 0, 12e6], // above soc_cap's 10 W
    ["vm1", "power.state", 2, 0x1234], // no such power state
  ], "96MHz");
  const { built, lines } = await start(state, manifest);
  const p = built.platform;
  try {
    const vm1 = p.agent("vm1")!.id;
    assertEquals(
      p.votes.heldBy(vm1).map((v) => `${v.store} ${v.phys} ${v.value}`),
      ["clock.enable 14 1", "clock.rate 14 48000000"],
    );
    const drop = lines.filter((l) => l.startsWith("warn: ") && l.includes("dropping"));
    const expect: [string, string][] = [
      [
        'vm1"\'s restored vote of 1e+300 on clock.rate 16 ("spi0_clk")',
        "outside the clock's rates",
      ],
      ['vm1"\'s restored vote of 75000000 on clock.rate 12 ("apb_clk")', "cannot run at 75000000"],
      ['vm1"\'s restored vote of 50000000 on clock.rate 15 ("i2c0_clk")', "may only read"],
      ['vm1"\'s restored vote on clock.enable 17 ("usb_ref_clk")', "not granted"],
      ['gone"\'s restored vote on clock.enable 14 ("uart1_clk")', "no such agent"],
      ["vm1\"'s restored vote of 24000000 on clock.rate 99:", "the board has no clock 99"],
      ['on voltage.level 3 ("vdd_dsp")', "not a level the domain declares"],
      ['on perf.level 0 ("cpu_cluster0")', "not a level the domain declares"],
      ['on powercap.cap 0 ("soc_cap")', "not a cap the domain declares"],
      ['on power.state 2 ("pd_usb")', "not a power state"],
    ];
    assertEquals(drop.length, expect.length, drop.join("\n"));
    for (const [what, why] of expect) {
      const line = drop.find((l) => l.includes(what));
      assert(line !== undefined && line.includes(why), `${what}: ${why}\n${drop.join("\n")}`);
    }
    const sim = built.drivers.get("sim")!;
    assertEquals(clockKind.hw.of(sim)!.getRate(16), 50 * MHZ, "spi0 untouched");
  } finally {
    await built.close();
  }
  const j = await Journal.open(state);
  assertEquals(
    j.restored.map((e) => `${e.agent} ${e.store} ${e.phys}`),
    ["vm1 clock.enable 14", "vm1 clock.rate 14"],
    "every drop is withdrawn in the journal",
  );
  await j.close();
});

Deno.test("restart: a vote of an agent no longer granted the protocol is dropped, though it keeps the resource", async () => {
  const board = emptyBoard("one-clock");
  board.drivers.push({ name: "sim", type: "sim", options: { time_scale: 0 } });
  clockKind.of(board).push({
    id: 0,
    name: "clk0",
    driver: "sim",
    rates: { kind: "list", rates: [25 * MHZ, 50 * MHZ] },
    rate: 25 * MHZ,
    enabled: false,
    parents: [],
    latencyUs: 0,
  });
  const withdrawn: string[] = [];
  const fx = await fixture({
    board,
    agents: [
      { name: "speaks", protocols: { 0x14: undefined }, grants: { clock: [0] } },
      { name: "mute", protocols: {}, grants: { clock: [0] } },
    ],
    journal: {
      restored: [
        { agent: "mute", store: "clock.enable", phys: 0, value: 1 },
        { agent: "speaks", store: "clock.rate", phys: 0, value: 50 * MHZ },
      ],
      append: (agent, store, phys, value) => withdrawn.push(`${agent} ${store} ${phys} ${value}`),
      durable: () => undefined,
    },
  });
  await fx.platform.ready;
  const held = (name: string) =>
    fx.platform.votes.heldBy(fx.platform.agent(name)!.id).map((v) => `${v.store} ${v.value}`);
  assertEquals([held("speaks"), held("mute")], [["clock.rate 50000000"], []]);
  assertEquals(withdrawn, ["mute clock.enable 0 null"]);
  const drop = fx.logs.filter((l) => l.includes("dropping"));
  assertEquals(drop.length, 1, fx.logs.join("\n"));
  assert(drop[0].includes("not granted the clock protocol"), drop[0]);
});
