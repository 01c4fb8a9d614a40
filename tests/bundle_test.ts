/**
 * The program to ship: the bundle `deno task bundle` writes serves, from an empty directory,
 * exactly what `main.ts serve` serves; `vscmi build` compiles a deployment's plugin in.
 * @module
 */
import { join } from "node:path";
import { assert, assertEquals } from "../core/_assert_test.ts";
import { bundle, ROOT } from "../ship/bundle.ts";
import { call, serveCopy, serveSource, vscmi } from "./bundle_smoke.ts";

Deno.test("the bundle serves from an empty directory what main.ts serve serves", async () => {
  const out = await Deno.makeTempDir({ prefix: "vscmi-dist-" });
  try {
    await bundle(out);
    const shipped = await serveCopy(out);
    const source = await serveSource();
    try {
      assert(shipped.banner.startsWith("vscmi: serving embedded:examples/sim/vscmi.toml\n"));
      assertEquals(shipped.banner, source.banner);
      assertEquals(
        (await call(shipped.runDir, "vm2", ["base", "discover-vendor"])).trim(),
        "vscmi",
      );
      const clocks = await call(shipped.runDir, "vm1", ["clock", "list"]);
      assert(clocks.includes("gpu_core_clk"), clocks);
      assertEquals(clocks, await call(source.runDir, "vm1", ["clock", "list"]));
      // The shipped program has no sources to bundle: `build` says so.
      const build = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "vscmi.js", "build", "--manifest", "x.toml", "-o", "out"],
        cwd: shipped.dir,
        stdout: "piped",
        stderr: "piped",
      }).output();
      assertEquals(build.code, 1);
      assert(new TextDecoder().decode(build.stderr).includes("run it from a checkout"));
    } finally {
      await shipped.stop();
      await source.stop();
    }
    // vhost-user endpoints run the poll Worker: the bundled one, found beside the program.
    const vhost = await serveCopy(out, [join(ROOT, "examples/qemu-vhost-user/vscmi.toml")]);
    try {
      assert(vhost.banner.includes("vm1  vhost-user:RUN/vm1.sock"), vhost.banner);
      const agents = await vscmi(["ctl", "--run-dir", vhost.runDir, "agents"]);
      assert(agents.includes("vm2"), agents);
    } finally {
      await vhost.stop();
    }
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("vscmi build of the vendor example compiles its plugin in: the fan protocol and its driver serve from an empty directory", async () => {
  const out = await Deno.makeTempDir({ prefix: "vscmi-build-out-" });
  try {
    const built = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        join(ROOT, "main.ts"),
        "build",
        "--manifest",
        "examples/vendor-plugin/vscmi.toml",
        "-o",
        out,
      ],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert(built.success, new TextDecoder().decode(built.stderr));
    const s = await serveCopy(out);
    try {
      assert(s.banner.startsWith("vscmi: serving embedded:vscmi.toml\n"), s.banner);
      assert(s.banner.includes('board "fan-board": 3 fans'), s.banner);
      // PROTOCOL_VERSION of the fan protocol (0x80): SUCCESS, version 1.0.
      assertEquals(
        (await call(s.runDir, "vm1", ["raw", "0x80", "0"])).trim(),
        "0x00020000 0x00000000 0x00010000",
      );
      // PROTOCOL_ATTRIBUTES: vm1 sees two fans, served by the plugin's fan-sim driver.
      assertEquals(
        (await call(s.runDir, "vm1", ["raw", "0x80", "1"])).trim(),
        "0x00020001 0x00000000 0x00000002",
      );
      // FAN_SET_SPEED fan 0 to 1200 rpm, then FAN_GET_SPEED reads it back.
      assertEquals(
        (await call(s.runDir, "vm1", ["raw", "0x80", "4", "0", "1200"])).trim(),
        "0x00020004 0x00000000",
      );
      assertEquals(
        (await call(s.runDir, "vm1", ["raw", "0x80", "3", "0"])).trim(),
        "0x00020003 0x00000000 0x000004b0",
      );
    } finally {
      await s.stop();
    }
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
