import { resolve } from "node:path";
import { assertEquals, assertRejects } from "../../core/_assert_test.ts";
import { ManifestError } from "../../core/manifest/problem.ts";
import { BUILTINS } from "../../builtins.ts";
import {
  besideManifest,
  defaultDeploymentFile,
  embed,
  readManifestFile,
  runtimePath,
} from "./files.ts";
import { loadDeployment } from "./deployment.ts";

Deno.test("paths inside a built-in manifest stay built in", () => {
  assertEquals(
    besideManifest("embedded:examples/sim/vscmi.toml", "../../boards/sim.toml"),
    "embedded:boards/sim.toml",
  );
  assertEquals(besideManifest("embedded:a/b.toml", "/etc/x.toml"), "/etc/x.toml");
  assertEquals(besideManifest("/srv/d/vscmi.toml", "board.toml"), "/srv/d/board.toml");
});

Deno.test("run-time paths of a built-in manifest are relative to the working directory", async () => {
  assertEquals(runtimePath("embedded:d/vscmi.toml", "state"), resolve("state"));
  assertEquals(runtimePath("/srv/d/vscmi.toml", "state"), "/srv/d/state");
  embed({
    deployment: "embedded:d/state.toml",
    files: {
      "embedded:d/state.toml": (await readManifestFile("embedded:examples/sim/vscmi.toml"))
        .replace("plugins = []", 'plugins = []\nstate_dir = "votes"')
        .replace('board = "../../boards/sim.toml"', 'board = "../boards/sim.toml"'),
    },
    modules: {},
  });
  const dep = await loadDeployment(defaultDeploymentFile(), BUILTINS);
  assertEquals(dep.stateDir, resolve("votes"));
});

Deno.test("the default deployment and its board load without the file system", async () => {
  const dep = await loadDeployment("embedded:examples/sim/vscmi.toml", BUILTINS);
  assertEquals(dep.file, "embedded:examples/sim/vscmi.toml");
  assertEquals(dep.boardFile, "embedded:boards/sim.toml");
  assertEquals(dep.agents.map((a) => a.name), ["vm1", "vm2", "host"]);
  assertEquals(
    await readManifestFile("embedded:boards/sim.toml"),
    await Deno.readTextFile(new URL("../../boards/sim.toml", import.meta.url)),
  );
  await assertRejects(() => readManifestFile("embedded:boards/none.toml"), Deno.errors.NotFound);
});

Deno.test("a problem in a built-in manifest names its file, key and line", async () => {
  embed({
    deployment: "embedded:d/vscmi.toml",
    files: {
      "embedded:d/vscmi.toml": 'board = "../boards/sim.toml"\n\n[platform]\nvendor = 5\n',
    },
    modules: {},
  });
  const e = await assertRejects(() => loadDeployment(defaultDeploymentFile(), BUILTINS));
  assertEquals(e instanceof ManifestError, true);
  const p = (e as ManifestError).problems.find((p) => p.keyPath === "platform.vendor");
  assertEquals([p?.file, p?.line], ["embedded:d/vscmi.toml", 4]);
});
