/**
 * Where an explicit socket path may be: its parent gets the run directory's ownership and
 * mode checks, so nobody else can put their own socket where guests connect.
 */
import { assert, assertEquals, assertRejects } from "../../core/_assert_test.ts";
import { listenUnix } from "./_endpoint.ts";

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-endpoint-" });
  try {
    await fn(dir);
  } finally {
    await Deno.chmod(dir, 0o700).catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("explicit socket path in a private parent → listens, socket mode 0600", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/vm1.sock`;
    const l = await listenUnix(path, `${dir}/run`);
    try {
      assertEquals((await Deno.lstat(path)).mode! & 0o777, 0o600);
    } finally {
      l.close();
    }
  });
});

Deno.test("explicit socket path whose missing parent is created → parent 0700", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/sub/deeper/vm1.sock`;
    const l = await listenUnix(path, `${dir}/run`);
    l.close();
    assertEquals((await Deno.lstat(`${dir}/sub/deeper`)).mode! & 0o777, 0o700);
  });
});

Deno.test("explicit socket path in a group- or others-writable parent → refused, nothing created", async () => {
  for (const mode of [0o777, 0o770, 0o703]) {
    await withDir(async (dir) => {
      await Deno.chmod(dir, mode);
      await assertRejects(
        () => listenUnix(`${dir}/vm1.sock`, `${dir}/run`),
        Error,
        "writable by group or others",
      );
      assertEquals((await Deno.lstat(dir)).mode! & 0o777, mode, "the parent is left as it was");
      await assertRejects(() => Deno.lstat(`${dir}/vm1.sock`), Deno.errors.NotFound);
    });
  }
});

Deno.test({
  name: "explicit socket path in a parent owned by another user → refused",
  // Handing a directory to another user needs root.
  ignore: Deno.build.os === "windows" || !isRoot(),
  fn: async () => {
    await withDir(async (dir) => {
      await Deno.chmod(dir, 0o755);
      await Deno.chown(dir, 4242, 4242);
      await assertRejects(
        () => listenUnix(`${dir}/vm1.sock`, `${dir}/run`),
        Error,
        "belongs to user 4242",
      );
      await Deno.chown(dir, 0, 0);
    });
  },
});

function isRoot(): boolean {
  try {
    const probe = Deno.makeTempFileSync();
    const uid = Deno.lstatSync(probe).uid;
    Deno.removeSync(probe);
    return uid === 0;
  } catch {
    return false;
  }
}

Deno.test("the default run directory keeps its own checks: a 0755 run dir becomes 0700", async () => {
  await withDir(async (dir) => {
    const run = `${dir}/run`;
    await Deno.mkdir(run, { mode: 0o755 });
    await Deno.chmod(run, 0o755);
    const l = await listenUnix(`${run}/vm1.sock`, run);
    l.close();
    assert(((await Deno.lstat(run)).mode! & 0o077) === 0);
  });
});
