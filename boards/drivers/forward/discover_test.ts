/**
 * `vscmi discover --forward` against the forward example's firmware: the board it writes is
 * examples/forward/board.toml (which mediator.toml loads, in chain_test.ts), but for the
 * socket it names.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { assertEquals, assertRejects } from "../../../core/_assert_test.ts";
import { Logger } from "../../../core/log.ts";
import { loadDeployment } from "../../../server/manifest/mod.ts";
import { startServer } from "../../../server/serve.ts";
import { BUILTINS } from "../../../builtins.ts";
import { forwardDiscovery } from "./discover.ts";

const EXAMPLE = fileURLToPath(new URL("../../../examples/forward/", import.meta.url));

function quiet(): Logger {
  const log = new Logger();
  log.sink = () => {};
  return log;
}

Deno.test("discover --forward writes the board of the firmware's clocks, resets and power domains", async () => {
  const dir = await Deno.makeTempDir();
  const dep = await loadDeployment(join(EXAMPLE, "firmware.toml"), BUILTINS);
  const fw = await startServer(dep, { runDir: dir, stateDir: null, control: false, log: quiet() });
  try {
    const sock = join(dir, "mediator.sock");
    const env = { source: sock, log: quiet(), hwRoot: "/", dryRun: false };
    const text = await forwardDiscovery.run(env);
    const expected = (await Deno.readTextFile(join(EXAMPLE, "board.toml")))
      .replace("at D/fw/mediator.sock", `at ${sock}`)
      .replace('socket = "{run_dir}/../fw/mediator.sock"', `socket = ${JSON.stringify(sock)}`);
    assertEquals(text, expected);
    assertEquals(forwardDiscovery.flag, "forward");
  } finally {
    await fw.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("discover --forward names what it cannot read", async () => {
  const env = { source: "/nonexistent/fw.sock", log: quiet(), hwRoot: "/", dryRun: false };
  const e = await assertRejects(() => forwardDiscovery.run(env), Error);
  assertEquals(e.message.startsWith("Cannot read /nonexistent/fw.sock"), true);
});
