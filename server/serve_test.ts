import { assert, assertEquals, assertRejects } from "../core/_assert_test.ts";
import { encodeHeader } from "../core/header.ts";
import { Logger } from "../core/log.ts";
import { loadDeployment, ManifestError, simBoardPath } from "./manifest/mod.ts";
import { startServer } from "./serve.ts";
import { encodeFrame, FrameSplitter } from "../transports/stream/framing.ts";
import { BUILTINS } from "../builtins.ts";

/** A deployment on the bundled sim board: vm1 on a socket, host on loopback TCP. */
async function deployment(dir: string, extraAgent = ""): Promise<string> {
  const file = `${dir}/vscmi.toml`;
  await Deno.writeTextFile(
    file,
    `board = ${JSON.stringify(simBoardPath())}

[platform]
vendor = "vscmi-test"

[[agent]]
name = "vm1"
transport = { type = "stream" }
protocols = ["base"]

[[agent]]
name = "host"
trusted = true
transport = { type = "stream", tcp = "127.0.0.1:0" }
protocols = ["base"]
${extraAgent}`,
  );
  return file;
}

function quietLog(lines: string[] = []): Logger {
  const log = new Logger();
  log.sink = (level, line) => void lines.push(`${level}: ${line}`);
  return log;
}

/** One framed request, one framed reply, as bytes. */
async function roundTrip(conn: Deno.Conn, message: Uint8Array): Promise<Uint8Array> {
  await conn.write(encodeFrame(message));
  const split = new FrameSplitter();
  const buf = new Uint8Array(1024);
  for (;;) {
    const n = await conn.read(buf);
    if (n === null) throw new Error("closed");
    const frames = split.push(buf.subarray(0, n));
    if (frames.length) return frames[0];
  }
}

const versionRequest = () => {
  const u8 = new Uint8Array(4);
  new DataView(u8.buffer).setUint32(0, encodeHeader(0, 0, 0x10, 3), true);
  return u8;
};

Deno.test("startServer: one endpoint per agent, sockets in the run dir, all gone after close", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-serve-" });
  const runDir = `${dir}/run`;
  const dep = await loadDeployment(await deployment(dir), BUILTINS);
  const server = await startServer(dep, { runDir, log: quietLog() });
  assertEquals(server.endpoints.length, 2);
  assertEquals(server.endpoints[0], {
    agent: "vm1",
    type: "stream",
    address: `unix:${runDir}/vm1.sock`,
  });
  assert(/^tcp:127\.0\.0\.1:\d+$/.test(server.endpoints[1].address), server.endpoints[1].address);
  assertEquals((await Deno.stat(runDir)).mode! & 0o777, 0o700);

  const unix = await Deno.connect({ transport: "unix", path: `${runDir}/vm1.sock` });
  const port = Number(server.endpoints[1].address.split(":").pop());
  const tcp = await Deno.connect({ hostname: "127.0.0.1", port });
  // PROTOCOL_VERSION, token 3: the header comes back as sent, SUCCESS, version 2.1.
  const expected = new Uint8Array([0x00, 0x40, 0x0c, 0x00, 0, 0, 0, 0, 0x01, 0x00, 0x02, 0x00]);
  assertEquals(await roundTrip(unix, versionRequest()), expected);
  assertEquals(await roundTrip(tcp, versionRequest()), expected);
  assertEquals(server.platform.sessions.size, 2);

  await server.close();
  assertEquals(server.platform.sessions.size, 0);
  await assertRejects(() => Deno.lstat(`${runDir}/vm1.sock`), Deno.errors.NotFound);
  await server.close(); // idempotent
  unix.close();
  tcp.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("startServer: an agent whose transport is not built in → ManifestError at its type; nothing listens", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-serve-" });
  const runDir = `${dir}/run`;
  const dep = await loadDeployment(
    await deployment(
      dir,
      `
[[agent]]
name = "vm9"
transport = { type = "smc" }
protocols = ["base"]
`,
    ),
    BUILTINS,
  );
  const e = await assertRejects(
    () => startServer(dep, { runDir, log: quietLog(), stateDir: null }),
    ManifestError,
  ) as ManifestError;
  assertEquals(e.problems.map((p) => [p.file, p.line, p.keyPath, p.message]), [[
    dep.file,
    19,
    "agent[2].transport.type",
    'Expected a transport type this server has ("stream", "vhost-user", "virtio-mmio", "shmem"), got "smc"',
  ]]);
  // Refused before anything was created, the run directory included.
  await assertRejects(() => Deno.lstat(runDir), Deno.errors.NotFound);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("startServer with trace → one line per message through traceWrite", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-serve-" });
  const runDir = `${dir}/run`;
  const dep = await loadDeployment(await deployment(dir), BUILTINS);
  const lines: string[] = [];
  const server = await startServer(dep, {
    runDir,
    log: quietLog(),
    trace: "text",
    traceWrite: (l) => void lines.push(l),
  });
  const unix = await Deno.connect({ transport: "unix", path: `${runDir}/vm1.sock` });
  await roundTrip(unix, versionRequest());
  assertEquals(lines.length, 1);
  assert(/^vm1 → base\.PROTOCOL_VERSION ← SUCCESS \d+µs$/.test(lines[0]), lines[0]);
  unix.close();
  await server.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("startServer: a run dir open to others (0777) → tightened to 0700", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-serve-" });
  const runDir = `${dir}/run`;
  await Deno.mkdir(runDir, { mode: 0o777 });
  await Deno.chmod(runDir, 0o777);
  const server = await startServer(await loadDeployment(await deployment(dir), BUILTINS), {
    runDir,
    log: quietLog(),
  });
  assertEquals((await Deno.stat(runDir)).mode! & 0o777, 0o700);
  await server.close();
  await Deno.remove(dir, { recursive: true });
});
