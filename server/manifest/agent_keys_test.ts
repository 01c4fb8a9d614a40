/**
 * Keys a protocol adds to `[[agent]]` tables: checked by their schema, read by their reader
 * with trust and paths at hand, problems located at file, line and key, and the setting on
 * the loaded agent.
 * @module
 */
import { z } from "zod";
import { assertEquals, assertRejects } from "../../core/_assert_test.ts";
import { defineAgentKey } from "../../core/agent_keys.ts";
import { defineProtocol } from "../../core/protocol.ts";
import { BUILTINS } from "../../builtins.ts";
import { loadDeployment, ManifestError } from "./mod.ts";

const curve = defineAgentKey({
  name: "fan_curve",
  schema: z.object({
    mode: z.enum(["quiet", "loud"], { error: '"quiet" or "loud"' }),
    table: z.string({ error: "a path" }),
  }, { error: "a table { mode, table }" }),
  read(c, path, v) {
    if (v.mode === "loud" && !c.trusted) {
      c.report([...path, "mode"], `Expected "quiet" for an agent that is not trusted, got "loud"`);
      return undefined;
    }
    return { mode: v.mode, table: c.path(v.table) };
  },
});

const fans = defineProtocol({
  api: 1,
  id: 0x92,
  name: "fancurve",
  versions: [0x10000],
  agentKeys: [curve],
  commands: { 0x1: { name: "PROTOCOL_ATTRIBUTES", params: 0, run: (_c, m) => m.w.u32(0) } },
});

const OPTS = { ...BUILTINS, protocols: [...BUILTINS.protocols, fans] };
const BOARD = new URL("../../boards/sim.toml", import.meta.url).pathname;

async function manifest(agents: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-keys-" });
  await Deno.writeTextFile(`${dir}/vscmi.toml`, `board = "${BOARD}"\n${agents}`);
  return dir;
}

Deno.test("a protocol's agent key → read into the agent's settings, paths made absolute", async () => {
  const dir = await manifest(`
[[agent]]
name = "vm1"
transport = { type = "stream" }
protocols = ["fancurve"]
fan_curve = { mode = "quiet", table = "curves/vm1.csv" }

[[agent]]
name = "vm2"
transport = { type = "stream" }
`);
  try {
    const dep = await loadDeployment(`${dir}/vscmi.toml`, OPTS);
    assertEquals(curve.of(dep.agents[0]), { mode: "quiet", table: `${dir}/curves/vm1.csv` });
    assertEquals(curve.of(dep.agents[1]), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a protocol's agent key: a wrong value or one its reader refuses → located problems", async () => {
  const dir = await manifest(`
[[agent]]
name = "vm1"
transport = { type = "stream" }
fan_curve = { mode = "loud", table = "t.csv" }

[[agent]]
name = "vm2"
transport = { type = "stream" }
fan_curve = { mode = "medium", table = "t.csv" }
`);
  try {
    const e = await assertRejects(() => loadDeployment(`${dir}/vscmi.toml`, OPTS), ManifestError);
    assertEquals(
      (e as ManifestError).problems.map((p) => [p.line, p.keyPath, p.message]),
      [
        [
          6,
          "agent[0].fan_curve.mode",
          `Expected "quiet" for an agent that is not trusted, got "loud"`,
        ],
        [11, "agent[1].fan_curve.mode", `Expected "quiet" or "loud", got "medium"`],
      ],
    );
    // Without the protocol, the key is not one an agent table may have.
    const e2 = await assertRejects(
      () => loadDeployment(`${dir}/vscmi.toml`, BUILTINS),
      ManifestError,
    );
    assertEquals((e2 as ManifestError).problems[0].keyPath, "agent[0].fan_curve");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a plugin adding an [[agent]] key the table already has → problem at the plugin", async () => {
  const api = new URL("../../mod.ts", import.meta.url).href;
  const dir = await manifest(`
[platform]
plugins = ["clash.ts"]

[[agent]]
name = "vm1"
transport = { type = "stream" }
`);
  try {
    await Deno.writeTextFile(
      `${dir}/clash.ts`,
      `import { defineAgentKey, defineProtocol } from "${api}";
export default defineProtocol({
  api: 1,
  id: 0x93,
  name: "clash",
  versions: [0x10000],
  agentKeys: [defineAgentKey({ name: "system_power", schema: { _zod: { output: "" } }, read: () => 1 })],
  commands: { 0x1: { name: "PROTOCOL_ATTRIBUTES", params: 0, run: () => {} } },
});
`,
    );
    const e = await assertRejects(
      () => loadDeployment(`${dir}/vscmi.toml`, BUILTINS),
      ManifestError,
    );
    assertEquals((e as ManifestError).problems.map((p) => [p.line, p.keyPath, p.message]), [[
      4,
      "platform.plugins[0]",
      `Expected a protocol whose [[agent]] keys are its own, got one adding "system_power", ` +
      `which an [[agent]] table already has`,
    ]]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
