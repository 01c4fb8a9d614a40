/**
 * `serverPlugins` against a control socket that answers what the test says: what it makes of
 * a server without the `protocols` command, of a module that is not a file, and of one that
 * is not a plugin.
 * @module
 */
import { join } from "node:path";
import { assertEquals, assertRejects } from "../../core/_assert_test.ts";
import { ClientError } from "../../client/mod.ts";
import { CONTROL_SOCKET } from "../../server/control/protocol.ts";
import { serverPlugins } from "./plugins.ts";

/** Runs `body` with a control socket in a fresh run directory answering every line `answer`. */
async function withControl(answer: unknown, body: (runDir: string) => Promise<void>) {
  const runDir = await Deno.makeTempDir({ prefix: "vscmi-call-plugins-" });
  const listener = Deno.listen({ transport: "unix", path: join(runDir, CONTROL_SOCKET) });
  const served = (async () => {
    for await (const conn of listener) {
      const buf = new Uint8Array(4096);
      if ((await conn.read(buf)) !== null) {
        await conn.write(new TextEncoder().encode(JSON.stringify(answer) + "\n"));
      }
      conn.close();
    }
  })();
  try {
    await body(runDir);
  } finally {
    listener.close();
    await served.catch(() => {});
    await Deno.remove(runDir, { recursive: true });
  }
}

const served = (module: string) => ({
  id: 1,
  ok: true,
  result: { protocols: [{ id: 0x90, name: "fans", kinds: ["fan"], module }] },
});

Deno.test("no server in the run directory, or one without `protocols` → no plugins", async () => {
  const empty = await Deno.makeTempDir({ prefix: "vscmi-call-plugins-" });
  try {
    assertEquals(await serverPlugins(empty, [], 2000), []);
  } finally {
    await Deno.remove(empty, { recursive: true });
  }
  const old = { id: 1, ok: false, code: "bad-request", error: 'Unknown command "protocols"' };
  await withControl(old, async (runDir) => assertEquals(await serverPlugins(runDir, [], 2000), []));
});

Deno.test("a module that is not a file URL is refused, not imported", async () => {
  await withControl(served("https://example.com/fans.ts"), async (runDir) => {
    const e = await assertRejects(() => serverPlugins(runDir, [], 2000), ClientError);
    assertEquals(
      e.message,
      'Cannot load the plugin of protocol "fans": expected a file URL, got ' +
        '"https://example.com/fans.ts"',
    );
  });
});

Deno.test("a module that is no plugin → ClientError naming protocol and module", async () => {
  const module = new URL("../args.ts", import.meta.url).href;
  await withControl(served(module), async (runDir) => {
    const e = await assertRejects(() => serverPlugins(runDir, [], 2000), ClientError);
    assertEquals(
      e.message.startsWith(`Cannot load the plugin of protocol "fans" (${module}): expected`),
      true,
      e.message,
    );
  });
});
