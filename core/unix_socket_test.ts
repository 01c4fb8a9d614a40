import { assert, assertEquals, assertRejects } from "./_assert_test.ts";
import { listenPrivate, removeStaleSocket, unlinkSocket } from "./unix_socket.ts";

async function tempDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "vscmi-sock-" });
}

/**
 * Leaves a socket file at `path` that nobody listens on, as a server that was killed does
 * (Deno removes the file when a listener closes, so a hard link keeps it).
 */
async function deadSocket(path: string): Promise<void> {
  const live = `${path}.live`;
  const l = Deno.listen({ transport: "unix", path: live });
  await Deno.link(live, path);
  l.close();
  assert((await Deno.lstat(path)).isSocket);
}

Deno.test("listenPrivate on a fresh path → a listener on a 0600 socket", async () => {
  const dir = await tempDir();
  const path = `${dir}/a.sock`;
  const l = await listenPrivate(path);
  try {
    const st = await Deno.lstat(path);
    assert(st.isSocket);
    assertEquals(st.mode! & 0o777, 0o600);
  } finally {
    l.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("listenPrivate over a socket nobody answers on → removed, then listening", async () => {
  const dir = await tempDir();
  const path = `${dir}/a.sock`;
  await deadSocket(path);
  const l = await listenPrivate(path);
  try {
    // The new listener answers on the path: the dead file was replaced.
    (await Deno.connect({ transport: "unix", path })).close();
  } finally {
    l.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("removeStaleSocket on a live socket → the busy error, socket kept", async () => {
  const dir = await tempDir();
  const path = `${dir}/a.sock`;
  const l = await listenPrivate(path);
  try {
    await assertRejects(
      () => removeStaleSocket(path, (p) => new RangeError(`busy ${p}`)),
      RangeError,
      "busy",
    );
    await assertRejects(() => listenPrivate(path), Error, "another server is listening there");
    assert((await Deno.lstat(path)).isSocket);
  } finally {
    l.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("removeStaleSocket with a probe saying live → busy; saying dead → removed", async () => {
  const dir = await tempDir();
  const path = `${dir}/a.sock`;
  await deadSocket(path);
  try {
    await assertRejects(() => removeStaleSocket(path, undefined, () => true), Error, "listening");
    await removeStaleSocket(path, undefined, () => false);
    await assertRejects(() => Deno.lstat(path), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("removeStaleSocket with a regular file in the way → Error, file kept", async () => {
  const dir = await tempDir();
  const path = `${dir}/a.sock`;
  await Deno.writeTextFile(path, "x");
  try {
    await assertRejects(() => removeStaleSocket(path), Error, "not a socket is in the way");
    assertEquals(await Deno.readTextFile(path), "x");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("unlinkSocket removes a socket, keeps a regular file, ignores a missing path", async () => {
  const dir = await tempDir();
  try {
    await deadSocket(`${dir}/a.sock`);
    await Deno.writeTextFile(`${dir}/f`, "x");
    await unlinkSocket(`${dir}/a.sock`);
    await unlinkSocket(`${dir}/f`);
    await unlinkSocket(`${dir}/missing`);
    await assertRejects(() => Deno.lstat(`${dir}/a.sock`), Deno.errors.NotFound);
    assertEquals(await Deno.readTextFile(`${dir}/f`), "x");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
