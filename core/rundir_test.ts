/** The private-directory checks shared by the run directory, state directory and sockets. */
import { assertEquals, assertRejects } from "./_assert_test.ts";
import { checkOwnedDir, ensurePrivateDir } from "./rundir.ts";

Deno.test("ensurePrivateDir: missing → created 0700; existing 0755 → chmod 0700", async () => {
  const root = await Deno.makeTempDir();
  try {
    const dir = `${root}/a/b`;
    await ensurePrivateDir(dir, "State directory", "--state-dir");
    assertEquals((await Deno.stat(dir)).mode! & 0o777, 0o700);
    await Deno.chmod(dir, 0o755);
    await ensurePrivateDir(dir, "State directory", "--state-dir");
    assertEquals((await Deno.stat(dir)).mode! & 0o777, 0o700);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("checkOwnedDir: 0755 is accepted and left alone; group/others-writable → Error", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.chmod(dir, 0o755);
    await checkOwnedDir(dir, "Socket directory", "another path");
    assertEquals((await Deno.stat(dir)).mode! & 0o777, 0o755);
    await Deno.chmod(dir, 0o775);
    await assertRejects(
      () => checkOwnedDir(dir, "Socket directory", "another path"),
      Error,
      `Socket directory "${dir}" is writable by group or others (mode 775)`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("checkOwnedDir: a file instead of a directory → Error", async () => {
  const f = await Deno.makeTempFile();
  try {
    await assertRejects(() => checkOwnedDir(f, "Socket directory", "x"), Error, "not a directory");
  } finally {
    await Deno.remove(f);
  }
});
