/**
 * `deno task e2e`: vscmi against the real Linux SCMI client. Serves
 * `examples/qemu-vhost-user/vscmi.toml` with `vscmi serve --run-dir TMP --trace-json`, boots
 * one arm64 Linux guest per agent at once with the shared harness
 * (`../shared/e2e/linux-guest/run.sh TMP/<agent>.sock`), each with the device tree `vscmi dt`
 * prints for it plus consumers that drive clocks, resets, power domains, a regulator and
 * cpufreq and a pin group, then checks what Linux reports against the agent's grants and what
 * vscmi traced. Strict: every granted protocol binds its Linux driver, no reply carries an
 * error status, Linux's error counters are all 0 and it took every reply (sent_ok =
 * response_ok), and its kernel log has no complaint from the SCMI stack (`_dmesg.ts`).
 * Prints each guest's view of every protocol. Exits 1 on any failed check, and when QEMU, the
 * guest kernel or the harness is missing (run `../shared/e2e/linux-guest/setup.sh`): it never
 * skips. The run directory (kept with `VSCMI_E2E_KEEP=1`) holds each guest's output and
 * vscmi's trace, `trace.jsonl`.
 *
 * Then a restart scenario: a guest whose QEMU owns the socket (vscmi in client mode) keeps
 * working while vscmi is stopped and started again (`_restart.ts`).
 *
 * Environment: `SCMI_E2E_CACHE` (harness cache, default ~/.cache/vscmi-e2e),
 * `VSCMI_E2E_KEEP=1` keeps the run directory, `VSCMI_E2E_AGENTS="vm1 vm2"` picks guests,
 * `VSCMI_E2E_RESTART=0` leaves out the restart scenario.
 * @module
 */
import { join } from "node:path";
import { loadDeployment } from "../../server/manifest/mod.ts";
import { checkGuest, guestView } from "./_checks.ts";
import { type GuestKernel, kernelOptions } from "./_dmesg.ts";
import { bootGuest, HARNESS, MANIFEST, startServe, waitForSocket } from "./_harness.ts";
import { planGuest } from "./_plan.ts";
import { restartScenario } from "./_restart.ts";
import { BUILTINS } from "../../builtins.ts";

function cacheDir(): string {
  const env = Deno.env.get("SCMI_E2E_CACHE");
  if (env) return env;
  const xdg = Deno.env.get("XDG_CACHE_HOME") ?? join(Deno.env.get("HOME") ?? "/root", ".cache");
  return join(xdg, "vscmi-e2e");
}

async function exists(p: string): Promise<boolean> {
  try {
    await Deno.stat(p);
    return true;
  } catch {
    return false;
  }
}

async function which(cmd: string): Promise<boolean> {
  const r = await new Deno.Command("sh", { args: ["-c", `command -v ${cmd}`], stdout: "null" })
    .output();
  return r.success;
}

/** Everything the run needs; each missing piece is one line. */
async function missingPrerequisites(): Promise<string[]> {
  const cache = cacheDir();
  const need: [string, string][] = [
    [join(HARNESS, "run.sh"), "the linux-guest harness (../shared/e2e/linux-guest)"],
    [join(cache, "root/usr/bin/qemu-system-aarch64"), "QEMU (qemu-system-aarch64)"],
    [join(cache, "out/Image"), "the guest kernel"],
    [join(cache, "out/initramfs.cpio.gz"), "the guest initramfs"],
  ];
  const missing: string[] = [];
  for (const [p, what] of need) if (!(await exists(p))) missing.push(`${what}: no ${p}`);
  for (const cmd of ["dtc", "python3"]) {
    if (!(await which(cmd))) missing.push(`${cmd}: not on PATH`);
  }
  return missing;
}

/** What the guest kernel was built with (the harness keeps its .config next to the Image). */
async function guestKernel(): Promise<GuestKernel> {
  let config = "";
  try {
    config = await Deno.readTextFile(join(cacheDir(), "out/config"));
  } catch {
    // Unknown: assume the options the checks care about are on (strictest).
    return { thermalOf: true };
  }
  return { thermalOf: kernelOptions(config).has("CONFIG_THERMAL_OF") };
}

async function main(): Promise<number> {
  const missing = await missingPrerequisites();
  if (missing.length) {
    console.error("e2e: FAILED: cannot boot a Linux guest; run ../shared/e2e/linux-guest/setup.sh");
    for (const m of missing) console.error(`  missing ${m}`);
    return 1;
  }
  const kernel = await guestKernel();
  const dep = await loadDeployment(MANIFEST, BUILTINS);
  const names = (Deno.env.get("VSCMI_E2E_AGENTS") ?? dep.agents.map((a) => a.name).join(" "))
    .split(/\s+/).filter(Boolean);
  const plans = names.map((n) => planGuest(dep, n));
  const runDir = await Deno.makeTempDir({ prefix: "vscmi-e2e-" });
  await Deno.chmod(runDir, 0o700);
  const serve = startServe(runDir);
  let failures = 0;
  try {
    for (const p of plans) {
      if (!(await waitForSocket(join(runDir, `${p.agent.name}.sock`)))) {
        console.error(serve.logs.join("\n"));
        throw new Error(`vscmi did not create ${p.agent.name}.sock in ${runDir}`);
      }
    }
    console.log(`e2e: booting ${plans.length} guest(s) at once against ${runDir}/*.sock`);
    const t0 = Date.now();
    const runs = await Promise.all(
      plans.map((p) =>
        bootGuest(runDir, p.agent.name, p.dts, undefined, { SCMI_APPEND: p.cmdline })
      ),
    );
    console.log(`e2e: guests done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    // Let the last traces of the guests' power-off arrive.
    await new Promise((r) => setTimeout(r, 200));
    await Deno.writeTextFile(
      join(runDir, "trace.jsonl"),
      serve.trace.map((t) => JSON.stringify(t)).join("\n") + "\n",
    );
    plans.forEach((p, i) => {
      const run = runs[i];
      console.log("");
      console.log(guestView(p, run.results));
      const fails = checkGuest(dep, p, run.results, serve.trace, run.code, kernel);
      // vscmi itself reports nothing about the agent but its connection coming and going.
      for (const l of serve.logs) {
        if (l.includes(`Agent "${p.agent.name}":`) && !/front-end (dis)?connected/.test(l)) {
          fails.push(`vscmi logged: ${l}`);
        }
      }
      if (fails.length === 0) {
        console.log(`e2e: ${p.agent.name}: ok`);
        return;
      }
      failures += fails.length;
      console.log(`e2e: ${p.agent.name}: ${fails.length} check(s) FAILED`);
      for (const f of fails) console.log(`  ✗ ${f}`);
      console.log(run.stderr.split("\n").slice(-30).join("\n"));
    });
  } finally {
    await serve.stop();
    const warnings = serve.logs.filter((l) => /dropped|failed|error/i.test(l));
    if (warnings.length) {
      console.log("\nvscmi log lines worth a look:");
      for (const w of warnings) console.log(`  ${w}`);
    }
    if (Deno.env.get("VSCMI_E2E_KEEP") === "1") console.log(`e2e: kept ${runDir}`);
    else await Deno.remove(runDir, { recursive: true });
  }
  if (Deno.env.get("VSCMI_E2E_RESTART") !== "0") {
    console.log("\ne2e: vscmi restart while a guest runs (QEMU owns the socket)");
    const fails = await restartScenario(dep, kernel);
    if (fails.length === 0) console.log("e2e: restart: ok");
    else {
      failures += fails.length;
      console.log(`e2e: restart: ${fails.length} check(s) FAILED`);
      for (const f of fails) console.log(`  ✗ ${f}`);
    }
  }
  console.log(failures === 0 ? "\ne2e: PASSED" : `\ne2e: FAILED (${failures} checks)`);
  return failures === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main());
