/**
 * vscmi restarts under a running guest. QEMU owns the socket (`server=on`, run.sh's
 * SCMI_SOCKET_MODE=server) and vscmi serves agent vm1 in client mode. Once Linux has probed
 * SCMI, vscmi is stopped and started again; the guest's later commands (the harness reads
 * every hwmon sensor when it dumps its report) must be answered by the new process, with no
 * SCMI timeout in the guest.
 * @module
 */
import { join } from "node:path";
import { until } from "../../core/_wait_test.ts";
import { guestDeviceTree } from "../../cli/dt.ts";
import type { Deployment } from "../../server/manifest/mod.ts";
import { ERROR_COUNTERS } from "./_checks.ts";
import { dmesgProblems, type GuestKernel } from "./_dmesg.ts";
import { bootGuest, MANIFEST, ROOT, startServe } from "./_harness.ts";

const AGENT = "vm1";

/** The example manifest with vm1 in client mode; the board path made absolute. */
async function clientManifest(dir: string): Promise<string> {
  const text = (await Deno.readTextFile(MANIFEST))
    .replace('board = "../../boards/sim.toml"', `board = "${join(ROOT, "boards/sim.toml")}"`)
    // vm1's line (the first agent's), not the ones in the comment at the top.
    .replace(
      /^transport = \{ type = "vhost-user" \}$/m,
      'transport = { type = "vhost-user", mode = "client", reconnect_ms = 100 }',
    );
  const path = join(dir, "client.toml");
  await Deno.writeTextFile(path, text);
  return path;
}

/** Whether `cond` came true before the hang guard ran out (the guard's error as false). */
async function reached(cond: () => boolean, what: string): Promise<boolean> {
  try {
    await until(cond, what, 60_000);
    return true;
  } catch {
    return false;
  }
}

/** Runs the scenario; returns the failed checks. */
export async function restartScenario(dep: Deployment, kernel: GuestKernel): Promise<string[]> {
  const fail: string[] = [];
  const dir = await Deno.makeTempDir({ prefix: "vscmi-e2e-restart-" });
  await Deno.chmod(dir, 0o700);
  const manifest = await clientManifest(dir);
  // Without consumers: no cpufreq governor sending commands at the moment vscmi stops.
  const boot = bootGuest(dir, AGENT, guestDeviceTree(dep, AGENT), join(dir, `${AGENT}.sock`), {
    SCMI_SOCKET_MODE: "server",
    SCMI_SETTLE_S: "12",
  });
  const first = startServe(dir, manifest);
  let second: ReturnType<typeof startServe> | null = null;
  try {
    const probed = await reached(
      () => first.trace.some((t) => t.agent === AGENT && t.message === "SENSOR_DESCRIPTION_GET"),
      "the guest's probe",
    );
    if (!probed) fail.push("the guest never probed SCMI through the first vscmi");
    // Pacing of the scenario, not a wait for work: the guest's sensor and cpufreq polling
    // goes on for a second after the probe, so the stop lands in the middle of its traffic
    // (no check depends on how many commands that second holds).
    await new Promise((r) => setTimeout(r, 1000));
    const before = first.trace.filter((t) => t.agent === AGENT).length;
    await first.stop();
    // vscmi stays down for a second while the guest keeps sending (pacing, as above).
    await new Promise((r) => setTimeout(r, 1000));
    second = startServe(dir, manifest);
    const run = await boot;
    const after = second.trace.filter((t) => t.agent === AGENT && t.type === undefined);
    const r = run.results;
    const c = (k: string) => Number(r.debugfs?.[`0/transport/counters/${k}`] ?? NaN);
    console.log(
      `restart: ${before} commands before the restart, ${after.length} after; guest sent ${
        c("sent_ok")
      }, got ${c("response_ok")} replies, ${c("xfers_response_timeout")} timeouts`,
    );
    if (run.code !== 0) fail.push(`run.sh exited ${run.code}: ${run.stderr.slice(-2000)}`);
    if (r.meta?.wait_status !== "ok") fail.push(`wait_status ${r.meta?.wait_status}`);
    if (after.length === 0) fail.push("no command reached the restarted vscmi");
    const refused = [...first.trace, ...second.trace].filter((t) =>
      t.agent === AGENT && t.status !== undefined && t.status !== "SUCCESS"
    );
    if (refused.length !== 0) fail.push(`error replies: ${JSON.stringify(refused)}`);
    for (const k of ERROR_COUNTERS) if (c(k) !== 0) fail.push(`debugfs counter ${k} is ${c(k)}`);
    if (c("sent_ok") !== c("response_ok")) {
      fail.push(
        `a command went unanswered: sent_ok ${c("sent_ok")}, response_ok ${c("response_ok")}`,
      );
    }
    const log: string[] = r.sections?.["dmesg-full"] ?? r.sections?.["dmesg-scmi"] ?? [];
    for (const l of dmesgProblems(log, kernel)) fail.push(`dmesg: ${l.trim()}`);
    const hwmon: string[] = r.sections?.hwmon ?? [];
    if (!hwmon.some((l) => /_input=-?\d+$/.test(l))) {
      fail.push("no sensor reading after the restart");
    }
  } finally {
    await first.stop();
    await second?.stop();
    await boot.catch(() => {});
    if (fail.length !== 0) {
      for (const l of [...first.logs, ...second?.logs ?? []]) {
        if (l.includes(AGENT)) console.log(`  vscmi: ${l}`);
      }
    }
    if (Deno.env.get("VSCMI_E2E_KEEP") === "1") console.log(`e2e: kept ${dir}`);
    else await Deno.remove(dir, { recursive: true });
  }
  return fail;
}
