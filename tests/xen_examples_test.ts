/**
 * `examples/xen/`: both deployments pass `vscmi check` as a user runs it — (b) with the
 * firmware of `examples/forward/` served, as its README says, since checking builds the
 * forward driver, which reaches the firmware — and the sample `xl.cfg` carries the lines
 * `vscmi dt --xen` prints for its guest.
 * @module
 */
import { assert, assertEquals } from "../core/_assert_test.ts";
import { until } from "../core/_wait_test.ts";
import { xlConfigLines } from "../cli/dt_xen.ts";
import { MAIN, ROOT, vscmi } from "./_vscmi.ts";

/** Asserts a `vscmi check` run of `manifest` passed with vm1 and vm2 on vhost-user. */
function checked(manifest: string, r: { code: number; stdout: string; stderr: string }) {
  assertEquals(r.code, 0, r.stderr + r.stdout);
  assert(r.stdout.startsWith(`ok: ${manifest}: board `), r.stdout);
  for (const a of ["vm1", "vm2"]) {
    assert(new RegExp(`^  ${a}\\s+vhost-user\\s`, "m").test(r.stdout), r.stdout);
  }
}

for (const manifest of ["examples/xen/sim/vscmi.toml"]) {
  Deno.test(`check ${manifest} → exit 0, vm1 and vm2 on vhost-user`, async () => {
    checked(manifest, await vscmi("check", manifest));
  });
}

Deno.test("check examples/xen/forward/mediator.toml with the firmware served → exit 0, vm1 and vm2 on vhost-user", async () => {
  // The mediator's board reaches {run_dir}/../fw/mediator.sock; check's run directory is
  // $XDG_RUNTIME_DIR/vscmi, so the firmware serves in $XDG_RUNTIME_DIR/fw.
  const dir = await Deno.makeTempDir({ prefix: "vscmi-xen-" });
  const env = { NO_COLOR: "1", XDG_RUNTIME_DIR: dir };
  const fw = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      MAIN,
      "serve",
      "--no-journal",
      "--run-dir",
      `${dir}/fw`,
      "examples/forward/firmware.toml",
    ],
    cwd: ROOT,
    env,
    stdout: "null",
    stderr: "piped",
  }).spawn();
  try {
    await until(async () => {
      try {
        return (await Deno.stat(`${dir}/fw/mediator.sock`)).isSocket === true;
      } catch {
        return false;
      }
    }, "the firmware's socket");
    const manifest = "examples/xen/forward/mediator.toml";
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", MAIN, "check", manifest],
      cwd: ROOT,
      env,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dec = new TextDecoder();
    checked(manifest, {
      code: out.code,
      stdout: dec.decode(out.stdout),
      stderr: dec.decode(out.stderr),
    });
  } finally {
    fw.kill("SIGTERM");
    await fw.stderr.cancel();
    await fw.status;
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("examples/xen/vm1.cfg → the xl.cfg lines vscmi dt --xen gives vm1", async () => {
  const cfg = await Deno.readTextFile(new URL("../examples/xen/vm1.cfg", import.meta.url));
  for (const line of xlConfigLines("vm1")) assert(cfg.split("\n").includes(line), line);
});
