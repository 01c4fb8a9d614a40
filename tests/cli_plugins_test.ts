/**
 * `vscmi call` and `vscmi ctl` know a deployment's plugins, run as a user would (`main.ts` in
 * a child process): from `--manifest`, or from the running server's control socket, which
 * names each plugin's module. The server (started here, since its board needs the vendor's
 * driver type) serves `vendor_kind/vscmi.toml`: protocol 0x90 "fans"; agent vm1 sees cpu_fan
 * (9000 rpm at most, spinning at a tenth of that) as fan 0, vm2 case_fan (3000 rpm) as fan 0.
 * @module
 */
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { assert, assertEquals } from "../core/_assert_test.ts";
import { BUILTINS, DRIVERS } from "../builtins.ts";
import { loadDeployment } from "../server/manifest/mod.ts";
import { startServer } from "../server/serve.ts";
import { fanDriver } from "./vendor_kind/fan_protocol.ts";
import { vscmi } from "./_vscmi.ts";

const MANIFEST = fileURLToPath(new URL("./vendor_kind/vscmi.toml", import.meta.url));

/** Serves the fan deployment in a fresh run directory for the length of `body`. */
async function served(body: (runDir: string) => Promise<void>): Promise<void> {
  const runDir = await Deno.makeTempDir({ prefix: "vscmi-cli-plugins-" });
  const drivers = [...DRIVERS, fanDriver];
  const dep = await loadDeployment(MANIFEST, { ...BUILTINS, drivers });
  const server = await startServer(dep, { runDir, stateDir: null });
  try {
    await body(runDir);
  } finally {
    await server.close();
    await Deno.remove(runDir, { recursive: true });
  }
}

Deno.test("call learns the plugin's verbs from the running server: fans get, raw fans, list-protocols", async () => {
  await served(async (runDir) => {
    const at = ["call", "--agent", "vm1", "--run-dir", runDir];
    const get = await vscmi(...at, "fans", "get", "0");
    assertEquals([get.code, get.stdout.trim(), get.stderr], [0, "fan 0: 900 rpm", ""]);

    const vm2 = await vscmi(
      "call",
      "--agent",
      "vm2",
      "--run-dir",
      runDir,
      "--json",
      "fans",
      "max",
      "0",
    );
    assertEquals(vm2.code, 0, vm2.stderr);
    assertEquals(JSON.parse(vm2.stdout), { fan: 0, maxRpm: 3000 });

    // FAN_RPM (0x4) of fan 0 by name: header 0x90 << 10 | 4, SUCCESS, 900 rpm.
    const raw = await vscmi(...at, "raw", "fans", "4", "0");
    assertEquals(raw.code, 0, raw.stderr);
    const words = raw.stdout.trim().split(" ").map(Number);
    assertEquals([words[0] & 0x3ffff, words[1], words[2]], [0x90 << 10 | 4, 0, 900]);

    const list = await vscmi(...at, "base", "list-protocols");
    assertEquals(list.code, 0, list.stderr);
    assert(/^0x90 +fans\b/m.test(list.stdout), list.stdout);

    // A fan vm1 does not see: the status, as for any protocol.
    const missing = await vscmi(...at, "fans", "get", "5");
    assertEquals(missing.code, 1);
    assert(missing.stderr.includes("NOT_FOUND"), missing.stderr);
  });
});

Deno.test("call --manifest learns the plugin's verbs from the deployment, whatever the endpoint", async () => {
  await served(async (runDir) => {
    const sock = join(runDir, "vm1.sock");
    const get = await vscmi("call", "--socket", sock, "--manifest", MANIFEST, "fans", "max", "0");
    assertEquals([get.code, get.stdout.trim()], [0, "fan 0: at most 9000 rpm"], get.stderr);

    const help = await vscmi("call", "--manifest", MANIFEST, "--help");
    assert(/^ +fans +0x90 +Vendor fans/m.test(help.stdout), help.stdout);

    // Neither the manifest nor a run directory to ask: the plugin is unknown, and said so.
    const bare = await vscmi("call", "--socket", sock, "fans", "get", "0");
    assertEquals(bare.code, 2);
    assert(bare.stderr.includes('Unknown protocol "fans"'), bare.stderr);
  });
});

Deno.test("call --manifest with a plugin that cannot be imported names file, key and line", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-cli-plugins-" });
  try {
    const file = join(dir, "vscmi.toml");
    await Deno.writeTextFile(file, '[platform]\nvendor = "acme"\nplugins = ["./no_such.ts"]\n');
    const r = await vscmi(
      "call",
      "--socket",
      join(dir, "x.sock"),
      "--manifest",
      file,
      "fans",
      "get",
      "0",
    );
    assertEquals(r.code, 2);
    assert(r.stderr.startsWith(`${file}:3:`), r.stderr);
    assert(r.stderr.includes("platform.plugins[0]"), r.stderr);
    assert(r.stderr.includes("import error"), r.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ctl accepts a kind of the server's plugins: grant and revoke a fan; protocols names its module", async () => {
  await served(async (runDir) => {
    const grant = await vscmi(
      "ctl",
      "--run-dir",
      runDir,
      "--json",
      "grant",
      "vm1",
      "fan",
      "case_fan",
    );
    assertEquals(grant.code, 0, grant.stderr);
    const changes = JSON.parse(grant.stdout).changes;
    assertEquals(
      changes.map((
        c: { change: string; kind: string; name: string },
      ) => [c.change, c.kind, c.name]),
      [
        ["shown", "fan", "case_fan"],
      ],
    );
    const revoke = await vscmi("ctl", "--run-dir", runDir, "revoke", "vm1", "fan", "case_fan");
    assertEquals(revoke.code, 0, revoke.stderr);
    const get = await vscmi("call", "--agent", "vm1", "--run-dir", runDir, "fans", "max", "1");
    assert(get.stderr.includes("NOT_FOUND"), get.stderr);
    const list = await vscmi("ctl", "--run-dir", runDir, "protocols");
    assertEquals(list.code, 0, list.stderr);
    const module = new URL("./vendor_kind/fan_protocol.ts", import.meta.url).href;
    assert(
      list.stdout.split("\n").some((l) => l.split(/ +/).join(" ") === `0x90 fans fan ${module}`),
      list.stdout,
    );
    assert(/^0x14 +clock +clock +\(built in\)$/m.test(list.stdout), list.stdout);
    const odd = await vscmi("ctl", "--run-dir", runDir, "grant", "vm1", "fun", "case_fan");
    assertEquals(odd.code, 2);
    assert(/Unknown kind "fun" \(expected device, .*\bfan\b/.test(odd.stderr), odd.stderr);
  });
});
