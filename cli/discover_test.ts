import { join } from "node:path";
import { assert, assertEquals, assertRejects } from "../core/_assert_test.ts";
import { API_MAJOR } from "../core/api.ts";
import { defineDriver, type DiscoverEnv } from "../core/driver.ts";
import { UsageError } from "./args.ts";
import { discoverCommand } from "./discover.ts";
import type { LoadOptions } from "../server/manifest/mod.ts";

/** Two driver types whose discoveries say what they were given. */
function builtins(seen: DiscoverEnv[]): LoadOptions {
  const def = (name: string, flag?: string) =>
    defineDriver({
      api: API_MAJOR,
      name,
      summary: name,
      options: {},
      create: () => ({ name }),
      discover: {
        flag,
        summary: `${name} discovery`,
        run(env) {
          seen.push(env);
          return Promise.resolve(`# from ${name}\n`);
        },
      },
    });
  return { protocols: [], transports: [], drivers: [def("fwd", "forward"), def("host")] };
}

Deno.test("vscmi discover runs the flagless discovery, or the one whose --<flag> is given", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const seen: DiscoverEnv[] = [];
    const out = join(dir, "b.toml");
    assertEquals(await discoverCommand(["--hw-root", dir, "-o", out], builtins(seen)), 0);
    assertEquals(await Deno.readTextFile(out), "# from host\n");
    assertEquals([seen[0].source, seen[0].hwRoot, seen[0].record], [undefined, dir, undefined]);
    assertEquals(
      await discoverCommand(["--forward", "/run/fw.sock", "-o", out], builtins(seen)),
      0,
    );
    assertEquals(await Deno.readTextFile(out), "# from fwd\n");
    assertEquals(seen[1].source, "/run/fw.sock");
    // A discovery that does not record refuses --record rather than ignoring it.
    const e = await assertRejects(
      () => discoverCommand(["--record", join(dir, "rec")], builtins(seen)),
      UsageError,
    );
    assert(e.message.includes("cannot record"), e.message);
    assertEquals(seen.length, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
