import { join } from "node:path";
import { assertEquals, assertRejects } from "../../core/_assert_test.ts";
import { BUILTINS } from "../../builtins.ts";
import { loadDeployment, ManifestError } from "./mod.ts";
import { withRunDir } from "./option_paths.ts";

/** A deployment in `dir` whose board's forward driver reaches `socket`. */
async function write(dir: string, socket: string): Promise<string> {
  await Deno.mkdir(join(dir, "boards"));
  await Deno.writeTextFile(
    join(dir, "boards", "board.toml"),
    `[board]\nname = "b"\n\n[[driver]]\nname = "fw"\ntype = "forward"\n` +
      `options = { socket = ${JSON.stringify(socket)} }\n\n[[reset]]\nid = 0\nname = "r0"\n`,
  );
  const file = join(dir, "vscmi.toml");
  await Deno.writeTextFile(
    file,
    `board = "boards/board.toml"\n\n[[agent]]\nname = "vm1"\ntransport = { type = "stream" }\n` +
      `protocols = ["reset"]\n` +
      `resets = ["r0"]\n`,
  );
  return file;
}

Deno.test("a driver's path option is relative to its manifest file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const dep = await loadDeployment(await write(dir, "../fw/mediator.sock"), BUILTINS);
    assertEquals(dep.board.drivers[0].options.socket, join(dir, "fw", "mediator.sock"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("{run_dir} at the start of a path option is the server's run directory", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const dep = await loadDeployment(await write(dir, "{run_dir}/../fw/m.sock"), BUILTINS);
    const forward = BUILTINS.drivers.find((d) => d.name === "forward")!;
    const options = dep.board.drivers[0].options;
    assertEquals(options.socket, "{run_dir}/../fw/m.sock");
    assertEquals(withRunDir(forward, options, "/run/med").socket, "/run/fw/m.sock");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("another placeholder in a path option names file, key and line", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const e = await assertRejects(
      async () => await loadDeployment(await write(dir, "{state_dir}/m.sock"), BUILTINS),
      ManifestError,
    ) as ManifestError;
    assertEquals(e.problems.length, 1);
    assertEquals(e.problems[0].file, join(dir, "boards", "board.toml"));
    assertEquals(e.problems[0].keyPath, "driver[0].options.socket");
    assertEquals(e.problems[0].line, 7);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
