import { assert, assertEquals } from "../core/_assert_test.ts";
import { join } from "node:path";
import { targetOf } from "./compile.ts";

/** A file starting with an ELF header for machine `machine`. */
async function elf(dir: string, machine: number): Promise<string> {
  const head = new Uint8Array(64);
  head.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  head[18] = machine & 0xff;
  head[19] = machine >> 8;
  const f = join(dir, `m${machine}`);
  await Deno.writeFile(f, head);
  return f;
}

Deno.test("a runtime's ELF header picks the compile target", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assertEquals(await targetOf(await elf(dir, 0x3e)), {
      arch: "x86_64",
      target: "x86_64-unknown-linux-gnu",
    });
    assertEquals(await targetOf(await elf(dir, 0xb7)), {
      arch: "aarch64",
      target: "aarch64-unknown-linux-gnu",
    });
    const riscv = await targetOf(await elf(dir, 0xf3));
    assert(riscv instanceof Error && riscv.message.includes("0xf3"));
    await Deno.writeTextFile(join(dir, "script"), "#!/bin/sh\necho not a runtime at all\n");
    const text = await targetOf(join(dir, "script"));
    assert(text instanceof Error && text.message.includes("not a little-endian ELF"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task compile without a runtime says what is missing and exits 1", async () => {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./compile.ts", import.meta.url).pathname],
    env: { DENORT_BIN: "" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(r.code, 1);
  assert(new TextDecoder().decode(r.stderr).includes("Set DENORT_BIN"));
});
