/**
 * The layering the "protocol is the unit" structure rests on, read from the import
 * statements of the source files: the core and the command line never reach into a protocol
 * plugin or the list of built-ins (`builtins.ts`, which only the entry point and tests hand
 * out), and a protocol's client side imports only the public entry points, `mod.ts` and
 * `client/mod.ts`, besides its own folder.
 * @module
 */
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { assert, assertEquals } from "../core/_assert_test.ts";

const root = fileURLToPath(new URL("../", import.meta.url));

/** Folders that must not import `plugins/` or `builtins.ts` (tests aside; benches too). */
const NO_PLUGINS = ["core", "cli", "transports", "bindings", "server", "client", "ship"];

/** Every plugin source file is held to the public entry points (tests and benches aside). */
async function pluginSources(): Promise<string[]> {
  return (await tsFiles("plugins")).filter((f) => !isTestOrBench(f)).sort();
}

/** Entry points a plugin file may import from outside its own folder. */
const PUBLIC = new Set(["mod.ts", "client/mod.ts"]);

/** Tests, benches and test support (`_fixture.ts`), which may reach anything. */
const isTestOrBench = (f: string) =>
  /(_test|_bench)\.ts$|\/_bench_[^/]*\.ts$|\/_fixture\.ts$/.test(f);

/** Every relative module a file imports or re-exports, statically or dynamically, from root. */
async function importsOf(file: string): Promise<string[]> {
  const text = await Deno.readTextFile(join(root, file));
  const specs = [
    ...text.matchAll(/^\s*(?:import|export)\s[^"';]*?from\s*"([^"]+)"/gm),
    ...text.matchAll(/^\s*import\s*"([^"]+)"/gm),
    ...text.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g),
  ].map((m) => m[1]);
  return specs.filter((s) => s.startsWith(".")).map((s) =>
    relative(root, resolve(dirname(join(root, file)), s))
  );
}

async function tsFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(join(root, dir))) {
      const rel = join(dir, e.name);
      if (e.isDirectory) out.push(...await tsFiles(rel));
      else if (e.name.endsWith(".ts")) out.push(rel);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return out;
}

Deno.test("core, cli, transports, bindings, server, client and ship import no plugin and not the built-ins list", async () => {
  const offences: string[] = [];
  let seen = 0;
  for (const dir of NO_PLUGINS) {
    for (const file of (await tsFiles(dir)).filter((f) => !f.endsWith("_test.ts"))) {
      for (const target of await importsOf(file)) {
        seen++;
        if (target.startsWith("plugins/") || target === "builtins.ts") {
          offences.push(`${file} imports ${target}`);
        }
        // The client kit stands alone: the command line imports it, never the reverse.
        if (dir === "client" && target.startsWith("cli/")) {
          offences.push(`${file} imports ${target}`);
        }
      }
    }
  }
  assert(seen > 100, `the scan found only ${seen} imports: is it reading the files?`);
  assertEquals(offences, []);
});

Deno.test("every plugin file imports only mod.ts, client/mod.ts and its own folder", async () => {
  const offences: string[] = [];
  const PUBLIC_ONLY = await pluginSources();
  assert(PUBLIC_ONLY.length > 60, `the scan found only ${PUBLIC_ONLY.length} plugin files`);
  for (const file of PUBLIC_ONLY) {
    const folder = dirname(file) + "/";
    const targets = await importsOf(file);
    for (const target of targets) {
      if (target.startsWith(folder) || PUBLIC.has(target)) continue;
      offences.push(`${file} imports ${target}`);
    }
  }
  assertEquals(offences, []);
  // The scan sees the verbs' imports: every verb module uses the client kit.
  for (const file of PUBLIC_ONLY.filter((f) => f.endsWith("/call.ts"))) {
    assert((await importsOf(file)).includes("client/mod.ts"), `${file}: no client/mod.ts import`);
  }
});

Deno.test("builtins.ts is imported by main.ts and by tests, testing and benches only", async () => {
  const offences: string[] = [];
  for (
    const dir of ["core", "cli", "transports", "bindings", "server", "client", "plugins", "boards"]
  ) {
    for (const file of (await tsFiles(dir)).filter((f) => !isTestOrBench(f))) {
      if ((await importsOf(file)).includes("builtins.ts")) offences.push(file);
    }
  }
  assertEquals(offences, []);
  assert((await importsOf("main.ts")).includes("builtins.ts"), "main.ts hands out the built-ins");
});

/** What a board driver may import from a protocol's folder: its wire constants, kinds and contracts. */
const PLUGIN_FACES = new Set(["mod.ts", "msg.ts", "kind.ts", "hw.ts"]);

Deno.test("board drivers import from a protocol folder only its mod.ts, msg.ts, kind.ts and hw.ts", async () => {
  const offences: string[] = [];
  let seen = 0;
  for (const file of (await tsFiles("boards")).filter((f) => !isTestOrBench(f))) {
    for (const target of await importsOf(file)) {
      const m = /^plugins\/[^/]+\/(.+)$/.exec(target);
      if (m === null) continue;
      seen++;
      if (!PLUGIN_FACES.has(m[1])) offences.push(`${file} imports ${target}`);
    }
  }
  assert(seen > 50, `the scan found only ${seen} plugin imports in boards/`);
  assertEquals(offences, []);
});
