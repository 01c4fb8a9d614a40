/**
 * The API carries a version: a protocol plugin, driver type or transport type written for
 * another API major than the running one is refused at startup, at the manifest line that
 * names it; every built-in states the running major.
 * @module
 */
import { fileURLToPath } from "node:url";
import { assertEquals, assertRejects, assertThrows } from "../core/_assert_test.ts";
import { API_MAJOR, API_VERSION, defineDriver, defineProtocol, defineTransport } from "../mod.ts";
import { buildPlatform } from "../server/build.ts";
import { loadDeployment, type LoadOptions, ManifestError } from "../server/manifest/mod.ts";
import { DRIVERS, PROTOCOLS, TRANSPORTS } from "../builtins.ts";
import { simDriver } from "../boards/drivers/sim.ts";
import { BUILTINS } from "../builtins.ts";
import { kindsOf } from "../core/kind.ts";

const dir = new URL("./manifests/", import.meta.url);
const path = (name: string) => fileURLToPath(new URL(name, dir));

const fakeStream = defineTransport({
  api: API_MAJOR,
  name: "stream",
  summary: "test stand-in",
  options: {},
  start: () => Promise.reject(new Error("not started in tests")),
});
const HERMETIC: LoadOptions = {
  protocols: [],
  drivers: [simDriver],
  transports: [fakeStream],
  kinds: kindsOf(PROTOCOLS),
};
const EXPECTED = (what: string) =>
  `Expected a ${what} written for vscmi API major ${API_MAJOR} (running ${API_VERSION})`;

async function problemsOf(fn: () => Promise<unknown>) {
  const e = await assertRejects(fn, ManifestError) as ManifestError;
  return e.problems.map((p) => [`${p.file}:${p.line}:${p.column}`, p.keyPath, p.message]);
}

Deno.test("API_VERSION is the package's version, API_MAJOR its major", async () => {
  const pkg = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  assertEquals([pkg.name, pkg.version, pkg.exports], [
    "@vscmi/vscmi",
    API_VERSION,
    { ".": "./mod.ts", "./testing": "./testing/mod.ts", "./client": "./client/mod.ts" },
  ]);
  assertEquals(/^\d+\.\d+\.\d+$/.test(API_VERSION), true);
  assertEquals(API_MAJOR, 1);
  assertEquals(API_VERSION.split(".")[0], String(API_MAJOR));
});

Deno.test("a plugin stating another API major, or none, fails to load at its manifest line", async () => {
  const want = [
    [
      `${path("plugin_api.toml")}:7:3`,
      "platform.plugins[1]",
      `${EXPECTED("plugin")}, got one written for API major 2`,
    ],
    [
      `${path("plugin_api.toml")}:8:3`,
      "platform.plugins[2]",
      `${EXPECTED("plugin")}, got one that states no API major (its \`api\` key is missing)`,
    ],
  ];
  assertEquals(await problemsOf(() => loadDeployment(path("plugin_api.toml"), HERMETIC)), want);
  // The platform builder imports the same modules and refuses them the same way.
  const dep = await loadDeployment(path("plugin_ok.toml"), BUILTINS);
  dep.agents.forEach((a) => (a.protocols = a.protocols.filter((p) => p.id === 0x10)));
  dep.file = path("plugin_api.toml");
  dep.plugins = ["vendor.ts", "api_major_2.ts", "no_api.ts"].map((f) =>
    new URL(`plugins/${f}`, dir).href
  );
  assertEquals(await problemsOf(() => buildPlatform(dep)), want);
});

Deno.test("a driver or transport type written for another API major fails at its type key", async () => {
  const oldSim = { ...simDriver, api: API_MAJOR + 1 };
  const oldStream = { ...fakeStream, api: API_MAJOR + 1 };
  assertEquals(
    (await problemsOf(() =>
      loadDeployment(path("plugin_api.toml"), {
        protocols: [],
        drivers: [oldSim],
        transports: [oldStream],
        kinds: kindsOf(PROTOCOLS),
      })
    )).filter(([, key]) => !key.startsWith("platform.")),
    [
      [
        `${path("board.toml")}:7:8`,
        "driver[0].type",
        `${EXPECTED("driver type")}, got "sim", one written for API major ${API_MAJOR + 1}`,
      ],
      [
        `${path("plugin_api.toml")}:13:22`,
        "agent[0].transport.type",
        `${EXPECTED("transport type")}, got "stream", one written for API major ${API_MAJOR + 1}`,
      ],
    ],
  );
});

Deno.test("the platform builder refuses a driver type of another API major in the board file", async () => {
  const dep = await loadDeployment(path("plugin_ok.toml"), BUILTINS);
  dep.agents.forEach((a) => (a.protocols = a.protocols.filter((p) => p.id === 0x10)));
  assertEquals(
    await problemsOf(() => buildPlatform(dep, { drivers: [{ ...simDriver, api: API_MAJOR + 1 }] })),
    [[
      `${path("board.toml")}:7:8`,
      "driver[0].type",
      `${EXPECTED("driver type")}, got "sim", one written for API major ${API_MAJOR + 1}`,
    ]],
  );
});

Deno.test("every built-in protocol, driver and transport states the running API major", () => {
  for (const def of [...PROTOCOLS, ...DRIVERS, ...TRANSPORTS]) {
    assertEquals([def.name, def.api], [def.name, API_MAJOR]);
  }
});

Deno.test("define* refuses an api that is not a positive integer", () => {
  const attrs = { name: "PROTOCOL_ATTRIBUTES", params: 0, run: () => {} };
  assertThrows(
    () =>
      defineProtocol({
        api: 0,
        id: 0x80,
        name: "v",
        versions: [0x10000],
        commands: { 0x1: attrs },
      }),
    TypeError,
    'Protocol "v" (0x80): api must be the API major it was written for',
  );
  assertThrows(
    () => defineDriver({ ...simDriver, api: 1.5 }),
    TypeError,
    'Driver "sim": api must be',
  );
  assertThrows(
    () => defineTransport({ ...fakeStream, api: -1 }),
    TypeError,
    'Transport "stream": api must be',
  );
});
