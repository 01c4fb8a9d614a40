/**
 * A plugin module's `drivers` and `transports` exports: driver types a board may name and
 * transport types an agent may use, added by `[platform] plugins`; a malformed list, a type
 * of another API major or a name the server already has is a problem at the plugin's line.
 * @module
 */
import { assertEquals, assertRejects } from "../../core/_assert_test.ts";
import { BUILTINS } from "../../builtins.ts";
import { loadDeployment, ManifestError } from "./mod.ts";
import { buildPlatform } from "../build.ts";

const API = new URL("../../mod.ts", import.meta.url).href;

/** A deployment (plugin `p.ts` exporting `exports`, one agent) on a board with `driver`. */
async function deployment(
  exports: string,
  driverType: string,
  transport = "stream",
): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-plugin-exports-" });
  await Deno.writeTextFile(
    `${dir}/p.ts`,
    `import { API_MAJOR, defineDriver, defineProtocol } from "${API}";
export default defineProtocol({
  api: API_MAJOR,
  id: 0x94,
  name: "gadget",
  versions: [0x10000],
  commands: { 0x1: { name: "PROTOCOL_ATTRIBUTES", params: 0, run: (_c, m) => m.w.u32(0) } },
});
${exports}
`,
  );
  await Deno.writeTextFile(
    `${dir}/board.toml`,
    `[board]\nname = "b"\n\n[[driver]]\nname = "d"\ntype = "${driverType}"\n`,
  );
  await Deno.writeTextFile(
    `${dir}/vscmi.toml`,
    `board = "board.toml"

[platform]
plugins = ["p.ts"]

[[agent]]
name = "vm1"
transport = { type = "${transport}" }
protocols = ["gadget"]
`,
  );
  return dir;
}

const DRIVER = (name: string, api = "API_MAJOR") =>
  `defineDriver({ api: ${api}, name: "${name}", summary: "s", options: {}, create: ({ name }) => ({ name }) })`;

async function problems(exports: string, driverType = "sim"): Promise<string[][]> {
  const dir = await deployment(exports, driverType);
  try {
    const e = await assertRejects(
      () => loadDeployment(`${dir}/vscmi.toml`, BUILTINS),
      ManifestError,
    );
    // The plugin's own problem; the agents naming its protocol fail after it.
    return (e as ManifestError).problems.filter((p) => p.keyPath.startsWith("platform"))
      .map((p) => [`${p.line}`, p.keyPath, p.message]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a plugin's drivers export: a board may name its driver types", async () => {
  const dir = await deployment(`export const drivers = [${DRIVER("gadget-sim")}];`, "gadget-sim");
  try {
    const dep = await loadDeployment(`${dir}/vscmi.toml`, BUILTINS);
    assertEquals(dep.board.drivers.map((d) => [d.name, d.type]), [["d", "gadget-sim"]]);
    assertEquals(dep.pluginDrivers?.map((d) => d.name), ["gadget-sim"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a plugin's drivers export that is not a list of driver types → problem at the plugin", async () => {
  assertEquals(await problems(`export const drivers = [{ name: "x" }];`), [[
    "4",
    "platform.plugins[0]",
    `Expected a "drivers" export that is a list of driver type definitions, got a table at index 0`,
  ]]);
  assertEquals(await problems(`export const transports = "stream";`), [[
    "4",
    "platform.plugins[0]",
    `Expected a "transports" export that is a list of transport type definitions, got "stream"`,
  ]]);
});

Deno.test("a plugin's driver type of another API major, or named as one the server has → problem", async () => {
  const [[line, key, msg]] = await problems(`export const drivers = [${DRIVER("old", "9")}];`);
  assertEquals([line, key], ["4", "platform.plugins[0]"]);
  assertEquals(
    msg.startsWith('Expected a driver type "old" written for vscmi API major'),
    true,
    msg,
  );
  assertEquals(await problems(`export const drivers = [${DRIVER("sim")}];`), [[
    "4",
    "platform.plugins[0]",
    `Expected a plugin whose driver types have new names, got "sim" again`,
  ]]);
});

Deno.test("a plugin's transports export: an agent may use its transport type", async () => {
  const dir = await deployment(
    `import { defineTransport } from "${API}";
export const transports = [defineTransport({
  api: API_MAJOR,
  name: "gadget-link",
  summary: "s",
  options: {},
  start: () => Promise.reject(new Error("not started in this test")),
})];`,
    "sim",
    "gadget-link",
  );
  try {
    const dep = await loadDeployment(`${dir}/vscmi.toml`, BUILTINS);
    assertEquals(dep.agents.map((a) => a.transport?.type), ["gadget-link"]);
    // The platform builds: the server has the agent's transport type.
    const built = await buildPlatform(dep);
    await built.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
