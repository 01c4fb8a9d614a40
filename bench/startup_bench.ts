/**
 * Startup at scale: `vscmi check` (load, build, lint — everything `serve` does before it
 * listens) as its own deno process, on generated deployments of 1,000 and 10,000 clocks with
 * 64 agents each (`bench/_scale.ts`). Startup is linear when the ratio stays near 10.
 *
 * Run: `deno task bench`
 * @module
 */
import { writeScaleDeployment } from "./_scale.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const dir = await Deno.makeTempDir({ prefix: "vscmi-startup-" });
const files = new Map<number, string>();
for (const clocks of [1000, 10000]) {
  const sub = `${dir}/${clocks}`;
  await Deno.mkdir(sub);
  files.set(clocks, await writeScaleDeployment(sub, clocks, 64));
}

async function check(clocks: number): Promise<void> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "check", files.get(clocks)!],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (out.code !== 0) {
    throw new Error(`vscmi check failed: ${new TextDecoder().decode(out.stderr)}`);
  }
}

for (const clocks of [1000, 10000]) {
  Deno.bench(
    `vscmi check: ${clocks.toLocaleString("en")} clocks × 64 agents`,
    { group: "startup", baseline: clocks === 1000, n: 3, warmup: 1 },
    async (b) => {
      b.start();
      await check(clocks);
      b.end();
    },
  );
}

globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
