/**
 * `deno task compile`: native programs for Linux, one per runtime (`denort`) at hand.
 * `DENORT_BIN` names the runtime binaries, separated by `:`; each one's ELF header says whether
 * it is the x86_64 or the aarch64 runtime, and `dist/vscmi-<arch>` is built with it. `deno
 * compile` cannot fetch a runtime where there is no network, so without one this says so and
 * exits 1.
 * @module
 */
import { join } from "node:path";
import { ROOT } from "./bundle.ts";

/** Rust target triples by ELF machine number. */
const TARGETS: Record<number, { arch: string; target: string }> = {
  0x3e: { arch: "x86_64", target: "x86_64-unknown-linux-gnu" },
  0xb7: { arch: "aarch64", target: "aarch64-unknown-linux-gnu" },
};

/** The target a runtime binary is for, from its ELF header; an Error saying why not. */
export async function targetOf(file: string): Promise<{ arch: string; target: string } | Error> {
  let head: Uint8Array;
  try {
    using f = await Deno.open(file);
    head = new Uint8Array(20);
    if ((await f.read(head)) !== 20) return new Error(`${file} is too short to be a denort`);
  } catch (e) {
    return new Error(`cannot read ${file}: ${e instanceof Error ? e.message : e}`);
  }
  const elf = head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46;
  if (!elf || head[5] !== 1) return new Error(`${file} is not a little-endian ELF program`);
  const machine = head[18] | (head[19] << 8);
  return TARGETS[machine] ??
    new Error(`${file} is for ELF machine 0x${machine.toString(16)}, not x86_64 or aarch64`);
}

/** Compiles `main.ts` with each runtime in `denorts` into `dir`; returns the programs. */
export async function compile(denorts: string[], dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const denort of denorts) {
    const t = await targetOf(denort);
    if (t instanceof Error) throw t;
    const program = join(dir, `vscmi-${t.arch}`);
    const r = await new Deno.Command(Deno.execPath(), {
      args: [
        "compile",
        "--allow-read",
        "--allow-write",
        "--allow-env",
        "--allow-net",
        "--allow-run",
        "--allow-ffi",
        "--config",
        join(ROOT, "deno.json"),
        "--include",
        join(ROOT, "bindings/native/_poll_worker.ts"),
        "--target",
        t.target,
        "-o",
        program,
        join(ROOT, "main.ts"),
      ],
      env: { DENORT_BIN: denort },
      stdout: "inherit",
      stderr: "inherit",
    }).output();
    if (!r.success) throw new Error(`deno compile for ${t.target} with ${denort} failed`);
    out.push(program);
  }
  return out;
}

if (import.meta.main) {
  const denorts = (Deno.env.get("DENORT_BIN") ?? "").split(":").filter((s) => s !== "");
  if (denorts.length === 0) {
    console.error(
      "error: deno task compile needs a Deno runtime binary (denort 2.9.6) for each target,\n" +
        "and deno compile cannot download one here. Set DENORT_BIN to its path (several\n" +
        "separated by ':', e.g. the x86_64 and the aarch64 Linux denort), or ship the bundle\n" +
        "instead: deno task bundle.",
    );
    Deno.exit(1);
  }
  try {
    for (const p of await compile(denorts, join(ROOT, "dist"))) console.log(`wrote ${p}`);
  } catch (e) {
    console.error(`error: ${e instanceof Error ? e.message : e}`);
    Deno.exit(1);
  }
}
