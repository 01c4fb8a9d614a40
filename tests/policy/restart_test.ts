/**
 * Durable votes end to end: `vscmi serve` runs as a subprocess with a state directory, two
 * guests vote over their unix sockets (vm1 enables uart0_clk and sets its rate, vm2 holds
 * uart1_rst asserted), the server is killed with SIGKILL in the middle of vm1's traffic and
 * started again. Every acknowledged vote must be back — in the sim's hardware, seen through
 * `vscmi ctl resource`, and in vm1's own view once it reconnects — and vm2, which does not
 * come back within its 2-second restart grace, must lose its vote.
 *
 * SCMI words from the layouts (DEN0056 §4.6 Clock, §4.8 Reset):
 * CLOCK_RATE_SET (0x5) a2p = flags, clock_id, rate_lo, rate_hi; CLOCK_RATE_GET (0x6) p2a =
 * rate_lo, rate_hi; CLOCK_CONFIG_SET (0x7) a2p = clock_id, attributes (bit 0 enable);
 * CLOCK_ATTRIBUTES (0x3) p2a = attributes (bit 0: enabled in the agent's view), name[16];
 * RESET (0x4) a2p = domain_id, flags (bit 1 explicit assert), reset_state (0 = cold).
 * @module
 */
import { fileURLToPath } from "node:url";
import { assert, assertEquals } from "../../core/_assert_test.ts";
import { until } from "../../core/_wait_test.ts";
import { ScmiClient } from "../../client/stream.ts";
import { ControlClient } from "../../server/control/client.ts";
import type { ResourceInfo } from "../../server/control/inspect.ts";
import type { ResourceKind } from "../../core/board.ts";
import { simBoardPath } from "../../server/manifest/mod.ts";
import { JOURNAL_FILE } from "../../server/journal/journal.ts";
import { scanJournal } from "../../server/journal/records.ts";
import { Status } from "../../core/status.ts";

const MAIN = fileURLToPath(new URL("../../main.ts", import.meta.url));
const CLOCK = 0x14;
const RESET = 0x16;
const CLOCK_ATTRIBUTES = 0x3;
const CLOCK_RATE_SET = 0x5;
const CLOCK_RATE_GET = 0x6;
const CLOCK_CONFIG_SET = 0x7;
const RESET_CMD = 0x4;
const EXPLICIT_ASSERT = 1 << 1;
const MHZ = 1_000_000;
/** uart0_clk's rates (boards/sim.toml). */
const RATES = [24 * MHZ, 48 * MHZ, 96 * MHZ];
/** vm1 sees uart0_clk as clock 0; vm2 sees uart1_rst as reset domain 0 (device order). */
const V_UART0_CLK = 0;
const V_UART1_RST = 0;
/** vm2's restart grace, seconds. */
const VM2_RESTART_S = 2;

const MANIFEST = (board: string) =>
  `board = ${JSON.stringify(board)}

[[agent]]
name = "vm1"
transport = { type = "stream" }
protocols = ["clock", "reset"]
devices = ["uart0"]

[[agent]]
name = "vm2"
transport = { type = "stream" }
protocols = ["clock", "reset"]
devices = ["uart1"]
grace = { restart_s = ${VM2_RESTART_S} }
`;

/** A `vscmi serve` subprocess and what it printed. */
interface Served {
  child: Deno.ChildProcess;
  out: string[];
  stopped: Promise<Deno.CommandStatus>;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

async function collect(stream: ReadableStream<Uint8Array>, into: string[]): Promise<void> {
  const dec = new TextDecoder();
  for await (const chunk of stream) into.push(dec.decode(chunk));
}

/** Starts `vscmi serve`, waits until its sockets answer (the stale ones of a killed run too). */
async function serve(manifest: string, runDir: string, stateDir: string): Promise<Served> {
  for (const s of ["vm1.sock", "vm2.sock", "control.sock"]) {
    await Deno.remove(`${runDir}/${s}`).catch(() => {});
  }
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "serve", manifest, "--run-dir", runDir, "--state-dir", stateDir],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const out: string[] = [];
  const pumps = Promise.all([collect(child.stdout, out), collect(child.stderr, out)]);
  const stopped = child.status.then(async (s) => (await pumps, s));
  const served = { child, out, stopped };
  running.add(served);
  stopped.then(() => running.delete(served));
  await until(() => out.join("").includes("Stop with Ctrl-C"), "vscmi serve to start");
  assert(await exists(`${runDir}/control.sock`));
  return served;
}

async function resource(
  ctl: ControlClient,
  kind: ResourceKind,
  name: string,
): Promise<ResourceInfo> {
  const r = await ctl.request({ cmd: "resource", kind, resource: name });
  if (!r.ok) throw new Error(`resource ${kind} ${name}: ${r.error}`);
  return r.result as ResourceInfo;
}

function u32(payload: Uint8Array, i: number): number {
  return new DataView(payload.buffer, payload.byteOffset).getUint32(i * 4, true);
}

/** Servers still running when a test ends early are killed; their directory goes. */
const running = new Set<Served>();
globalThis.addEventListener("unload", () => {
  for (const s of running) {
    try {
      s.child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  }
});

Deno.test("kill -9 mid-traffic, restart → every acknowledged vote is restored; an agent that stays away loses its votes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-restart-" });
  try {
    await killAndRestart(dir);
  } finally {
    for (const s of [...running]) {
      try {
        s.child.kill("SIGKILL");
      } catch {
        // It stopped meanwhile.
      }
      await s.stopped;
    }
    await Deno.remove(dir, { recursive: true });
  }
});

async function killAndRestart(dir: string): Promise<void> {
  const manifest = `${dir}/vscmi.toml`;
  await Deno.writeTextFile(manifest, MANIFEST(simBoardPath()));
  const runDir = `${dir}/run`;
  const stateDir = `${dir}/run/state`;

  // First life: votes, then a kill in the middle of vm1's rate changes.
  const first = await serve(manifest, runDir, stateDir);
  const vm1 = await ScmiClient.connect({ kind: "unix", path: `${runDir}/vm1.sock` });
  const vm2 = await ScmiClient.connect({ kind: "unix", path: `${runDir}/vm2.sock` });
  assertEquals((await vm1.request(CLOCK, CLOCK_CONFIG_SET, [V_UART0_CLK, 1])).status, 0);
  assertEquals(
    (await vm2.request(RESET, RESET_CMD, [V_UART1_RST, EXPLICIT_ASSERT, 0])).status,
    Status.SUCCESS,
  );
  let acked = -1;
  let inFlight = -1;
  let changes = 0;
  const traffic = (async () => {
    for (let i = 0;; i++) {
      const rate = RATES[i % RATES.length];
      inFlight = rate;
      const r = await vm1.request(CLOCK, CLOCK_RATE_SET, [0, V_UART0_CLK, rate, 0]);
      assertEquals(r.status, Status.SUCCESS);
      acked = rate;
      changes++;
    }
  })().catch(() => {});
  await until(() => changes >= 25, "25 acknowledged vote changes");
  first.child.kill("SIGKILL");
  const killed = await first.stopped;
  await traffic;
  assertEquals(killed.signal, "SIGKILL");
  await vm1.close().catch(() => {});
  await vm2.close().catch(() => {});
  assert(acked > 0, "some rate changes were acknowledged before the kill");
  // The journal holds vm1's enable, the newest rate and vm2's assert (a torn tail at most).
  const left = scanJournal(await Deno.readFile(`${stateDir}/${JOURNAL_FILE}`));
  assertEquals(left.entries.map((e) => `${e.agent} ${e.store}`).sort(), [
    "vm1 clock.enable",
    "vm1 clock.rate",
    "vm2 reset.assert",
  ]);

  // Second life: the votes are back before anyone reconnects.
  const second = await serve(manifest, runDir, stateDir);
  const clients: ScmiClient[] = [];
  const ctl = await ControlClient.connect(`${runDir}/control.sock`);
  try {
    const clk = await resource(ctl, "clock", "uart0_clk");
    assertEquals(clk.hardware.enabled, true, "the sim's clock is on again");
    const rate = clk.hardware.rate as number;
    assert(rate === acked || rate === inFlight, `rate ${rate}: acked ${acked}, sent ${inFlight}`);
    const rst = await resource(ctl, "reset", "uart1_rst");
    assertEquals(rst.hardware.asserted, true, "vm2's assert holds during its grace");
    assertEquals(
      rst.stores.find((s) => s.store === "reset.assert")?.votes,
      [{ agent: "vm2", value: true }],
    );

    // vm1 comes back and reads its own votes.
    const back = await ScmiClient.connect({ kind: "unix", path: `${runDir}/vm1.sock` });
    const attrs = await back.request(CLOCK, CLOCK_ATTRIBUTES, [V_UART0_CLK]);
    assertEquals([attrs.status, u32(attrs.payload, 0) & 1], [Status.SUCCESS, 1]);
    const got = await back.request(CLOCK, CLOCK_RATE_GET, [V_UART0_CLK]);
    clients.push(back);
    assertEquals([got.status, u32(got.payload, 0), u32(got.payload, 1)], [0, rate, 0]);

    // vm2 stays away: after its grace its vote goes, the line is released.
    // Watched, not slept for: the server's grace timer may fire late on a busy machine.
    let after = await resource(ctl, "reset", "uart1_rst");
    await until(
      async () => !(after = await resource(ctl, "reset", "uart1_rst")).hardware.asserted,
      "vm2's vote to go after its restart grace",
    );
    assertEquals(after.stores.find((s) => s.store === "reset.assert")?.votes, []);
    assertEquals((await resource(ctl, "clock", "uart0_clk")).hardware.enabled, true, "vm1 is back");
    const log = second.out.join("");
    assert(log.includes('Restored the votes of agent "vm2"'), log);
    assert(log.includes('"vm2" did not come back within its restart grace'), log);
  } finally {
    ctl.close();
    // Stopped while vm1 is still connected: stopping is no end for vm1.
    second.child.kill("SIGTERM");
    const s = await second.stopped;
    assertEquals(s.code, 0, second.out.join(""));
  }
  for (const c of clients) await c.close().catch(() => {});
  // A clean stop keeps vm1's votes for the next start and has vm2's release on disk.
  const kept = scanJournal(await Deno.readFile(`${stateDir}/${JOURNAL_FILE}`));
  assertEquals([kept.damage, kept.torn], [[], 0]);
  assertEquals(kept.entries.map((e) => `${e.agent} ${e.store}`).sort(), [
    "vm1 clock.enable",
    "vm1 clock.rate",
  ]);
}
