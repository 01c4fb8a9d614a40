/**
 * Writes deployments at scale, as a user would write them: a board of `clocks` clocks on the
 * sim driver grouped into devices of eight, and `agents` stream agents, each given its own
 * share of the devices plus one clock every agent shares (`max` arbitration). For the startup
 * and scale benches.
 * @module
 */
import { join } from "node:path";

/** Writes `board.toml` and `vscmi.toml` under `dir`; returns the deployment's path. */
export async function writeScaleDeployment(
  dir: string,
  clocks: number,
  agents: number,
): Promise<string> {
  const board: string[] = [
    `[board]`,
    `name = "scale-${clocks}"`,
    ``,
    `[[driver]]`,
    `name = "sim"`,
    `type = "sim"`,
    `options = { time_scale = 0 }`,
    ``,
  ];
  for (let i = 0; i < clocks; i++) {
    board.push(`[[clock]]`, `id = ${i}`, `name = "clk${i}"`, `rates = ["24MHz", "48MHz"]`, ``);
  }
  const devices = Math.floor((clocks - 1) / 8);
  for (let d = 0; d < devices; d++) {
    const names = Array.from({ length: 8 }, (_, k) => `"clk${1 + d * 8 + k}"`);
    board.push(`[[device]]`, `id = ${d}`, `name = "dev${d}"`, `clocks = [${names.join(", ")}]`, ``);
  }
  const dep: string[] = [
    `board = "board.toml"`,
    ``,
    `[platform]`,
    `vendor = "vscmi"`,
    `sub_vendor = "scale"`,
    ``,
    `[policy.clock]`,
    `clk0 = "max"`,
    ``,
  ];
  for (let a = 0; a < agents; a++) {
    const mine: string[] = [];
    for (let d = a; d < devices; d += agents) mine.push(`"dev${d}"`);
    dep.push(
      `[[agent]]`,
      `name = "vm${a}"`,
      `transport = { type = "stream" }`,
      `protocols = ["clock"]`,
      `devices = [${mine.join(", ")}]`,
      `clocks = ["clk0"]`,
      ``,
    );
  }
  await Deno.writeTextFile(join(dir, "board.toml"), board.join("\n"));
  const file = join(dir, "vscmi.toml");
  await Deno.writeTextFile(file, dep.join("\n"));
  return file;
}
