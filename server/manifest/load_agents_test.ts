/**
 * `loadAgents`: the `[[agent]]` tables of a file added to a running platform
 * (`vscmi ctl add-agent`), checked exactly as a deployment's agents are, with located
 * problems.
 * @module
 */
import { assert, assertEquals, assertRejects } from "../../core/_assert_test.ts";
import type { Board } from "../../core/board.ts";
import { loadAgents, loadBoard, ManifestError, simBoardPath } from "./mod.ts";
import { BUILTINS } from "../../builtins.ts";

async function withFile(text: string, fn: (file: string, board: Board) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-agents-" });
  const file = `${dir}/agents.toml`;
  await Deno.writeTextFile(file, text);
  try {
    await fn(file, await loadBoard(simBoardPath(), BUILTINS));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function problems(text: string, taken: string[] = []): Promise<string[]> {
  let out: string[] = [];
  await withFile(text, async (file, board) => {
    const e = await assertRejects(
      () => loadAgents(file, board, { ...BUILTINS, taken }),
      ManifestError,
    );
    out = (e as ManifestError).problems.map((p) =>
      `${p.line}:${p.column} ${p.keyPath}: ${p.message}`
    );
  });
  return out;
}

Deno.test("two [[agent]] tables → two declarations, names resolved to physical ids", async () => {
  await withFile(
    `[[agent]]
name = "vm3"
transport = { type = "stream" }
protocols = ["clock", "reset"]
devices = ["spi0"]

[[agent]]
name = "vm4"
transport = { type = "stream", path = "vm4-alt.sock" }
clocks = ["pll_video"]
`,
    async (file, board) => {
      const decls = await loadAgents(file, board, { ...BUILTINS, taken: ["vm1"] });
      assertEquals(decls.map((d) => d.name), ["vm3", "vm4"]);
      // spi0: spi0_clk (16), apb_clk (12); spi0_rst (3).
      assertEquals(decls[0].grants.clock, [16, 12]);
      assertEquals(decls[0].grants.reset, [3]);
      assertEquals(decls[0].devices, [3]);
      assertEquals(decls[0].protocols.map((p) => p.name), ["base", "clock", "reset"]);
      assertEquals(decls[1].grants.clock, [6]);
      assertEquals(decls[1].transport, { type: "stream", options: { path: "vm4-alt.sock" } });
      assertEquals(decls[1].line, 7);
    },
  );
});

Deno.test("a name already on the platform → problem at agent[0].name with its line", async () => {
  assertEquals(
    await problems(`[[agent]]\nname = "vm1"\ntransport = { type = "stream" }\n`, ["vm1"]),
    ['2:8 agent[0].name: Expected a name no agent on the platform has, got "vm1"'],
  );
});

Deno.test("unknown device and clock, bad transport option → each located", async () => {
  const list = await problems(`[[agent]]
name = "vm5"
transport = { type = "stream", colour = "red" }
devices = ["toaster"]
clocks = ["nope_clk"]
`);
  assertEquals(list.length, 3, list.join("\n"));
  assert(list[0].startsWith("3:") && list[0].includes('"colour"'), list[0]);
  assert(list[1].startsWith("4:") && list[1].includes("agent[0].devices[0]"), list[1]);
  assert(list[2].startsWith("5:") && list[2].includes("agent[0].clocks[0]"), list[2]);
});

Deno.test("anything besides [[agent]] tables, or none → problem", async () => {
  const extra = await problems(
    `board = "x.toml"\n[[agent]]\nname = "a"\ntransport = { type = "stream" }\n`,
  );
  assert(extra.some((p) => p.includes('one of the keys "agent"')), extra.join("\n"));
  const none = await problems(`# nothing\n`);
  assert(none.some((p) => p.includes("[[agent]]")), none.join("\n"));
});

Deno.test("a protocol the server does not implement → problem at its protocols", async () => {
  await withFile(
    `[[agent]]\nname = "vm6"\ntransport = { type = "stream" }\nprotocols = ["0x81", "clock"]\n`,
    async (file, board) => {
      const { baseProtocol } = await import("../../plugins/base/mod.ts");
      const e = await assertRejects(
        () => loadAgents(file, board, { ...BUILTINS, protocols: [baseProtocol] }),
        ManifestError,
      ) as ManifestError;
      assertEquals(e.problems.map((p) => [p.line, p.keyPath, p.message]), [
        // A vendor number is a protocol name, but none implements it here.
        [
          4,
          "agent[0].protocols",
          'Expected a protocol this server implements ("base"), got "0x81" (0x81)',
        ],
        // A name no registered protocol has is unknown: the names come from the protocols.
        [
          4,
          "agent[0].protocols[1]",
          'Expected a protocol name ("base") or a number from 0x80 to 0xff, got "clock"',
        ],
      ]);
    },
  );
});

Deno.test("a file that does not exist → problem naming it", async () => {
  const board = await loadBoard(simBoardPath(), BUILTINS);
  const e = await assertRejects(
    () => loadAgents("/nonexistent/x.toml", board, BUILTINS),
    ManifestError,
  );
  assert(e.message.includes("no such file"), e.message);
});
