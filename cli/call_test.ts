/**
 * `vscmi call` serves the protocols its caller hands it: their verbs, and their names
 * wherever a protocol is named by id (help, `base list-protocols`, `raw`). Against an
 * in-process server on the bundled sim deployment.
 * @module
 */
import { assert, assertEquals, assertRejects } from "../core/_assert_test.ts";
import { defineProtocol } from "../core/protocol.ts";
import { startE2e } from "../tests/e2e/_server.ts";
import { baseProtocol } from "../plugins/base/mod.ts";
import { clockProtocol } from "../plugins/clock/mod.ts";
import { UsageError } from "../client/mod.ts";
import { callCommand } from "./call.ts";

/** A vendor protocol with no verbs of its own: `vscmi call` offers it the common commands. */
const vendor = defineProtocol({
  api: 1,
  id: 0x80,
  name: "acme",
  versions: [0x10000],
  commands: { 0x1: { name: "PROTOCOL_ATTRIBUTES", params: 0, run: (_ctx, m) => m.w.u32(0) } },
});

async function printed(run: () => Promise<number>): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...parts: unknown[]) => void lines.push(parts.join(" "));
  try {
    return { code: await run(), out: lines.join("\n") };
  } finally {
    console.log = log;
  }
}

Deno.test("call --help lists the protocols it was given, and raw", async () => {
  const { code, out } = await printed(() => callCommand(["--help"], [baseProtocol, vendor]));
  assertEquals(code, 0);
  const listed = out.split("Protocols:\n")[1].split("\n\n")[0].split("\n")
    .map((l) => l.trim().split(/\s+/)[0]);
  assertEquals(listed, ["base", "acme", "raw"]);
  const acme = await printed(() => callCommand(["acme"], [baseProtocol, vendor]));
  for (const c of ["version", "message-attributes", "negotiate"]) {
    assert(new RegExp(`^  ${c}\\b`, "m").test(acme.out), `acme lacks ${c}:\n${acme.out}`);
  }
  await assertRejects(
    () => callCommand(["--socket", "/nonexistent", "clock", "list"], [baseProtocol, vendor]),
    UsageError,
    'Unknown protocol "clock" (known: base, acme, raw)',
  );
});

Deno.test("base list-protocols names a protocol only when the list knows it", async () => {
  await using e2e = await startE2e({ callProtocols: [baseProtocol, clockProtocol] });
  const { code, lines } = await e2e.cli("vm1", "base", "list-protocols");
  assertEquals(code, 0);
  const rows = lines.map((l) => l.trim().split(/\s+/));
  assert(rows.some(([id, name]) => id === "0x14" && name === "clock"), lines.join("\n"));
  // Reset (0x16) is served to vm1 but not in this list: named by its id.
  assert(rows.some(([id, name]) => id === "0x16" && name === "0x16"), lines.join("\n"));
});

Deno.test("raw reaches a protocol id the list does not hold, and names from the list", async () => {
  await using e2e = await startE2e({ callProtocols: [baseProtocol] });
  const clock = await e2e.cli("vm1", "raw", "0x14", "0x0");
  assertEquals(clock.code, 0);
  assertEquals(clock.lines[0].split(" ")[1], "0x00000000"); // SUCCESS
  await assertRejects(
    () => e2e.cli("vm1", "raw", "clock", "0x0"),
    UsageError,
    'Unknown protocol "clock"',
  );
  const base = await e2e.cli("vm1", "raw", "base", "0x0");
  assertEquals(base.code, 0);
});
