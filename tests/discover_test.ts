/**
 * `vscmi discover` and `vscmi check` of a board manifest, through the command line, over the
 * trees recorded from the e2e Linux guest (`tests/fixtures/linux/`).
 * @module
 */
import { join } from "node:path";
import { assert, assertEquals } from "../core/_assert_test.ts";
import { MAIN, ROOT, vscmi } from "./_vscmi.ts";
import { until } from "../core/_wait_test.ts";

const FIXTURES = ["scmi-guest", "thermal-iio-gpio"].map((n) =>
  new URL(`tests/fixtures/linux/${n}`, ROOT).pathname
);

/** Every entry under `dir`: path → "file:<contents>" or "link:<target>". */
function tree(dir: string, rel = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of Deno.readDirSync(join(dir, rel))) {
    const p = `${rel}/${e.name}`;
    if (e.isSymlink) out.set(p, `link:${Deno.readLinkSync(join(dir, p))}`);
    else if (e.isDirectory) { for (const [k, v] of tree(dir, p)) out.set(k, v); }
    else out.set(p, `file:${Deno.readTextFileSync(join(dir, p))}`);
  }
  return out;
}

Deno.test("vscmi discover --record over a recorded tree reproduces it, modes manifest included", async () => {
  for (const f of FIXTURES) {
    const out = await Deno.makeTempDir();
    try {
      const rec = join(out, "rec");
      const r = await vscmi("discover", "--hw-root", f, "--record", rec, "-o", join(out, "b.toml"));
      assertEquals(r.code, 0, r.stderr);
      assertEquals([...tree(rec)].sort(), [...tree(f)].sort());
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  }
});

Deno.test("the board vscmi discover writes passes vscmi check under the same --hw-root", async () => {
  for (const f of FIXTURES) {
    const out = await Deno.makeTempDir();
    try {
      const board = join(out, "board.toml");
      const d = await vscmi("discover", "--hw-root", f, "-o", board);
      assertEquals(d.code, 0, d.stderr);
      const c = await vscmi("check", board, "--hw-root", f);
      assertEquals(c.code, 0, c.stderr + c.stdout);
      assert(
        c.stdout.startsWith(`ok: ${board}: board "host" (a board manifest; no agent)`),
        c.stdout,
      );
      assert(/resources: \d+ clocks?, .*sensors/.test(c.stdout), c.stdout);
      // What an integrator checks before booting guests: which clocks the host lets it change.
      assert(c.stdout.includes("  hardware access:"), c.stdout);
      assert(/clock \S+ \(\d+, driver "[^"]+"\): read only: /.test(c.stdout), c.stdout);
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  }
});

Deno.test("vscmi check of a board alone reports its problems with file and line", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const board = join(dir, "b.toml");
    await Deno.writeTextFile(
      board,
      `[board]\nname = "b"\n\n[[driver]]\nname = "h"\ntype = "linux"\noptions = { clocks = "x" }\n`,
    );
    const r = await vscmi("check", board);
    assertEquals(r.code, 2, r.stdout);
    assert(r.stderr.includes(`${board}:7:`) && r.stderr.includes("clocks"), r.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("vscmi discover refuses a --record directory that is not empty, and lists its sources", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "x"), "");
    const r = await vscmi("discover", "--hw-root", FIXTURES[0], "--record", dir);
    assertEquals(r.code, 2);
    assert(r.stderr.includes("--record needs an empty or new directory"), r.stderr);
    const h = await vscmi("discover", "--help");
    assertEquals(h.code, 0);
    assert(/\(none\)\s+The host kernel.*\(driver "linux"\)/.test(h.stdout), h.stdout);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("vscmi serve --hw-root serves a deployment over the discovered board", async () => {
  const dir = await Deno.makeTempDir();
  // Serve over a copy: writes go into the tree.
  const root = join(dir, "root");
  await new Deno.Command("cp", { args: ["-a", FIXTURES[0], root] }).output();
  const board = join(dir, "board.toml");
  assertEquals((await vscmi("discover", "--hw-root", root, "-o", board)).code, 0);
  await Deno.writeTextFile(
    join(dir, "vscmi.toml"),
    `board = "board.toml"\n\n[[agent]]\nname = "vm1"\ntransport = { type = "stream" }\n` +
      `protocols = ["clock", "perf"]\nclocks = ["clk24mhz", "uart0_clk"]\n` +
      `perf_domains = ["cpu_policy0"]\n`,
  );
  const run = join(dir, "run");
  const serve = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      MAIN,
      "serve",
      join(dir, "vscmi.toml"),
      "--hw-root",
      root,
      "--run-dir",
      run,
      "--no-journal",
    ],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  try {
    await until(async () => {
      try {
        return (await Deno.lstat(join(run, "vm1.sock"))).isSocket === true;
      } catch {
        return false;
      }
    }, "vscmi serve to listen on vm1.sock");
    const list = await vscmi("call", "--agent", "vm1", "--run-dir", run, "clock", "list");
    assertEquals(list.code, 0, list.stderr);
    assert(/uart0_clk\s+off\s+24MHz/.test(list.stdout), list.stdout);
    // The host keeps uart0_clk off and this kernel cannot switch it: DENIED.
    const on = await vscmi("call", "--agent", "vm1", "--run-dir", run, "clock", "enable", "1");
    assertEquals(on.code, 1);
    assert(on.stderr.includes("DENIED"), on.stderr);
    // A level through scaling_setspeed lands in the tree (userspace governor).
    const set = await vscmi(
      "call",
      "--agent",
      "vm1",
      "--run-dir",
      run,
      "perf",
      "set",
      "0",
      "1608000",
    );
    assertEquals(set.code, 0, set.stderr);
    const setspeed = "sys/devices/system/cpu/cpufreq/policy0/scaling_setspeed";
    assertEquals((await Deno.readTextFile(join(root, setspeed))).trim(), "1608000");
  } finally {
    serve.kill("SIGTERM");
    await serve.status;
    await serve.stderr.cancel();
    await Deno.remove(dir, { recursive: true });
  }
});
