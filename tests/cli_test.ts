/**
 * The `vscmi` command line, run as a user would: `deno run -A main.ts …` in a child process,
 * checking exit codes, standard output and standard error.
 * @module
 */
import { assert, assertEquals } from "../core/_assert_test.ts";
import { defaultDeploymentPath, loadDeployment } from "../core/manifest/mod.ts";

const ROOT = new URL("../", import.meta.url);
const MAIN = new URL("main.ts", ROOT).pathname;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function vscmi(...args: string[]): Promise<Run> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("vscmi --help → exit 0 and lists the commands", async () => {
  const r = await vscmi("--help");
  assertEquals(r.code, 0, r.stderr);
  for (const cmd of ["serve", "check", "call"]) {
    assert(new RegExp(`^  ${cmd}\\s`, "m").test(r.stdout), `missing ${cmd}:\n${r.stdout}`);
  }
});

Deno.test("vscmi --help shows each command's own usage line", async () => {
  const r = await vscmi("--help");
  const { CALL_USAGE } = await import("../cli/call.ts");
  const { CHECK_USAGE } = await import("../cli/check.ts");
  const { SERVE_USAGE } = await import("../cli/serve.ts");
  const flat = (s: string) => s.replace(/\s+/g, " ");
  for (const usage of [CALL_USAGE, CHECK_USAGE, SERVE_USAGE]) {
    assert(flat(r.stdout).includes(flat(usage)), `missing "${usage}" in:\n${r.stdout}`);
  }
});

Deno.test("every command answers --help with exit 0", async () => {
  for (
    const args of [
      ["serve", "--help"],
      ["check", "-h"],
      ["call", "--help"],
      ["call", "base", "set-device-permissions", "--help"],
      ["call", "raw", "--help"],
    ]
  ) {
    const r = await vscmi(...args);
    assertEquals(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
    assert(r.stdout.startsWith("Usage: ") || r.stdout.includes("Usage:"), r.stdout);
  }
});

Deno.test("no command → usage on stderr, exit 2", async () => {
  const r = await vscmi();
  assertEquals(r.code, 2);
  assert(r.stderr.includes("Usage: vscmi COMMAND"), r.stderr);
});

Deno.test("unknown flag → exit 2 with a message naming it", async () => {
  const r = await vscmi("serve", "--bogus");
  assertEquals(r.code, 2);
  assert(r.stderr.includes('Unknown option "--bogus"'), r.stderr);
  const c = await vscmi("call", "--socket", "/nonexistent", "base", "version", "--frob");
  assertEquals(c.code, 2);
  assert(c.stderr.includes('Unknown option "--frob"'), c.stderr);
});

Deno.test("unknown command → exit 2", async () => {
  const r = await vscmi("frobnicate");
  assertEquals(r.code, 2);
  assert(r.stderr.includes('Unknown command "frobnicate"'), r.stderr);
});

Deno.test("check examples/sim/vscmi.toml → exit 0, ok and the agents", async () => {
  const r = await vscmi("check", "examples/sim/vscmi.toml");
  assertEquals(r.code, 0, r.stderr);
  assert(r.stdout.startsWith("ok: examples/sim/vscmi.toml: board "), r.stdout);
  const dep = await loadDeployment(defaultDeploymentPath());
  for (const a of dep.agents) assert(new RegExp(`^  ${a.name}\\s`, "m").test(r.stdout), r.stdout);
});

Deno.test("check of a broken manifest → exit 2 with file:line:col of the problem", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-cli-" });
  const file = `${dir}/broken.toml`;
  await Deno.writeTextFile(
    file,
    `board = "../nowhere/board.toml"\n\n[[agent]]\nname = 42\ntransport = { type = "stream" }\n`,
  );
  const r = await vscmi("check", file);
  assertEquals(r.code, 2, r.stdout);
  assert(/broken\.toml:\d+:\d+/.test(r.stderr), r.stderr);
  assertEquals(r.stdout, "");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("check of a missing file → exit 2", async () => {
  const r = await vscmi("check", "/nonexistent/vscmi.toml");
  assertEquals(r.code, 2, r.stderr);
  assert(r.stderr.includes("/nonexistent/vscmi.toml"), r.stderr);
});

Deno.test("call without an endpoint → exit 2; to a missing socket → exit 1", async () => {
  const r = await vscmi("call", "base", "version");
  assertEquals(r.code, 2);
  assert(r.stderr.includes("--socket PATH, --tcp HOST:PORT or --agent NAME"), r.stderr);
  const m = await vscmi("call", "--socket", "/nonexistent/vm1.sock", "base", "version");
  assertEquals(m.code, 1);
  assert(m.stderr.includes('Cannot connect to "/nonexistent/vm1.sock"'), m.stderr);
});

Deno.test("call … base with no command → lists the base commands, exit 0", async () => {
  const r = await vscmi("call", "base");
  assertEquals(r.code, 0, r.stderr);
  for (const c of ["discover-vendor", "list-protocols", "set-protocol-permissions", "negotiate"]) {
    assert(new RegExp(`^  ${c}\\b`, "m").test(r.stdout), `missing ${c}:\n${r.stdout}`);
  }
});

Deno.test("serve in the background, then call → the vendor; SIGTERM stops it cleanly", async () => {
  const runDir = await Deno.makeTempDir({ prefix: "vscmi-cli-run-" });
  const server = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "serve", "--run-dir", runDir],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const output = server.output();
  try {
    const sock = `${runDir}/vm1.sock`;
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        await Deno.lstat(sock);
        break;
      } catch {
        if (Date.now() > deadline) throw new Error("The server did not create its socket");
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const dep = await loadDeployment(defaultDeploymentPath());

    const vendor = await vscmi(
      "call",
      "--agent",
      "vm1",
      "--run-dir",
      runDir,
      "base",
      "discover-vendor",
    );
    assertEquals(vendor.code, 0, vendor.stderr);
    assertEquals(vendor.stdout, `${dep.vendor.vendor}\n`);

    const json = await vscmi(
      "call",
      "--socket",
      sock,
      "--json",
      "base",
      "discover-agent",
      "self",
    );
    assertEquals(json.code, 0, json.stderr);
    assertEquals(JSON.parse(json.stdout), { id: 1, name: "vm1" });

    const raw = await vscmi("call", "--agent", "vm1", "--run-dir", runDir, "raw", "base", "0x0");
    assertEquals(raw.code, 0, raw.stderr);
    assertEquals(raw.stdout, "0x00004000 0x00000000 0x00020001\n");

    // vm1 is not trusted: the platform refuses, the command fails with the status.
    const denied = await vscmi(
      "call",
      "--agent",
      "vm1",
      "--run-dir",
      runDir,
      "base",
      "set-device-permissions",
      "2",
      "0",
      "deny",
    );
    assertEquals(denied.code, 1, denied.stdout);
    assert(denied.stderr.includes("BASE_SET_DEVICE_PERMISSIONS answered DENIED"), denied.stderr);
  } finally {
    server.kill("SIGTERM");
  }
  const out = await output;
  const stdout = new TextDecoder().decode(out.stdout);
  assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
  assert(stdout.includes(`unix:${runDir}/vm1.sock`), stdout);
  assert(
    stdout.includes(`try: vscmi call --socket ${runDir}/vm1.sock base discover-vendor`),
    stdout,
  );
  assert(stdout.includes("deno task vscmi call --socket"), stdout);
  await Deno.remove(runDir, { recursive: true });
});
