/**
 * End to end over the stream transport: a server started from a deployment manifest on a
 * Unix socket in a temporary run directory, a raw client that writes framed Base requests
 * and compares the byte stream it gets back with replies written by hand from the Base
 * layouts (DEN0056 §4.2; `shared/reference/scmi.md` §2.2).
 *
 * Header = message_id | type << 8 | protocol << 10 | token << 18, little-endian on the wire.
 * @module
 */
import { assertEquals } from "../core/_assert_test.ts";
import { until } from "../core/_wait_test.ts";
import { Logger } from "../core/log.ts";
import { loadDeployment, simBoardPath } from "../server/manifest/mod.ts";
import { type Server, startServer } from "../server/serve.ts";
import { hex, toHex } from "./harness.ts";
import { BUILTINS } from "../builtins.ts";

const MANIFEST = (board: string) =>
  `board = ${JSON.stringify(board)}

[platform]
vendor = "vscmi-e2e"
sub_vendor = "stream"
implementation_version = 0x00020003

[[agent]]
name = "vm1"
transport = { type = "stream" }
protocols = ["base", "reset"]

[[agent]]
name = "vm2"
transport = { type = "stream" }
protocols = ["base"]

[[agent]]
name = "host"
trusted = true
transport = { type = "stream" }
protocols = ["base"]
`;

interface Env {
  server: Server;
  runDir: string;
  [Symbol.asyncDispose](): Promise<void>;
}

async function serve(): Promise<Env> {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-e2e-" });
  await Deno.writeTextFile(`${dir}/vscmi.toml`, MANIFEST(simBoardPath()));
  const log = new Logger();
  log.sink = () => {};
  const runDir = `${dir}/run`;
  const server = await startServer(await loadDeployment(`${dir}/vscmi.toml`, BUILTINS), {
    runDir,
    log,
  });
  return {
    server,
    runDir,
    async [Symbol.asyncDispose]() {
      await server.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** Writes `request` (hex) as given and reads exactly as many bytes as `reply` (hex) has. */
async function exchange(conn: Deno.Conn, request: string, reply: string): Promise<void> {
  const req = hex(request);
  let off = 0;
  while (off < req.length) off += await conn.write(req.subarray(off));
  const want = hex(reply);
  const got = new Uint8Array(want.length);
  let have = 0;
  while (have < want.length) {
    const n = await conn.read(got.subarray(have));
    if (n === null) break;
    have += n;
  }
  assertEquals(toHex(got.subarray(0, have)), toHex(want));
}

async function connect(env: Env, agent: string): Promise<Deno.Conn> {
  return await Deno.connect({ transport: "unix", path: `${env.runDir}/${agent}.sock` });
}

Deno.test("e2e Base over a unix socket: exact reply bytes, header echoed with its token", async (t) => {
  await using env = await serve();
  const c = await connect(env, "vm1");

  await t.step("PROTOCOL_VERSION (token 1) → SUCCESS, 2.1", () =>
    exchange(
      c,
      "04 00 00 00 | 00 40 04 00",
      "0c 00 00 00 | 00 40 04 00 | 00 00 00 00 | 01 00 02 00",
    ));

  await t.step("PROTOCOL_ATTRIBUTES (token 2) → 1 protocol besides Base, 3 agents", () =>
    exchange(
      c,
      "04 00 00 00 | 01 40 08 00",
      "0c 00 00 00 | 01 40 08 00 | 00 00 00 00 | 01 03 00 00",
    ));

  await t.step(
    "BASE_DISCOVER_VENDOR (token 0x3ff) → 'vscmi-e2e' in 16 NUL-padded bytes",
    () =>
      exchange(
        c,
        "04 00 00 00 | 03 40 fc 0f",
        "18 00 00 00 | 03 40 fc 0f | 00 00 00 00 | 76 73 63 6d 69 2d 65 32 65 00 00 00 00 00 00 00",
      ),
  );

  await t.step("BASE_DISCOVER_SUB_VENDOR (token 4) → 'stream'", () =>
    exchange(
      c,
      "04 00 00 00 | 04 40 10 00",
      "18 00 00 00 | 04 40 10 00 | 00 00 00 00 | 73 74 72 65 61 6d 00 00 00 00 00 00 00 00 00 00",
    ));

  await t.step("BASE_DISCOVER_IMPLEMENTATION_VERSION (token 5) → 0x00020003", () =>
    exchange(
      c,
      "04 00 00 00 | 05 40 14 00",
      "0c 00 00 00 | 05 40 14 00 | 00 00 00 00 | 03 00 02 00",
    ));

  await t.step(
    "BASE_DISCOVER_LIST_PROTOCOLS skip 0 (token 6) → 1 id, 0x16 padded to a word",
    () =>
      exchange(
        c,
        "08 00 00 00 | 06 40 18 00 | 00 00 00 00",
        "10 00 00 00 | 06 40 18 00 | 00 00 00 00 | 01 00 00 00 | 16 00 00 00",
      ),
  );

  await t.step("BASE_DISCOVER_AGENT self (token 7) → id 1, 'vm1'", () =>
    exchange(
      c,
      "08 00 00 00 | 07 40 1c 00 | ff ff ff ff",
      "1c 00 00 00 | 07 40 1c 00 | 00 00 00 00 | 01 00 00 00 | 76 6d 31 00 00 00 00 00 00 00 00 00 00 00 00 00",
    ));

  await t.step(
    "protocol 0x99 (token 8) → NOT_SUPPORTED, header + status only",
    () => exchange(c, "04 00 00 00 | 00 64 22 00", "08 00 00 00 | 00 64 22 00 | ff ff ff ff"),
  );

  await t.step(
    "BASE_DISCOVER_AGENT without its parameter (token 9) → PROTOCOL_ERROR",
    () => exchange(c, "04 00 00 00 | 07 40 24 00", "08 00 00 00 | 07 40 24 00 | f6 ff ff ff"),
  );

  await t.step("two requests in one write → two replies, in order", () =>
    exchange(
      c,
      "04 00 00 00 | 00 40 28 00   04 00 00 00 | 05 40 2c 00",
      "0c 00 00 00 | 00 40 28 00 | 00 00 00 00 | 01 00 02 00 " +
        "0c 00 00 00 | 05 40 2c 00 | 00 00 00 00 | 03 00 02 00",
    ));

  c.close();
});

Deno.test("e2e: each agent has its own socket; DISCOVER_AGENT self names the caller", async () => {
  await using env = await serve();
  const vm2 = await connect(env, "vm2");
  const host = await connect(env, "host");
  // Token 0: header 07 40 00 00.
  await exchange(
    vm2,
    "08 00 00 00 | 07 40 00 00 | ff ff ff ff",
    "1c 00 00 00 | 07 40 00 00 | 00 00 00 00 | 02 00 00 00 | 76 6d 32 00 00 00 00 00 00 00 00 00 00 00 00 00",
  );
  await exchange(
    host,
    "08 00 00 00 | 07 40 00 00 | ff ff ff ff",
    "1c 00 00 00 | 07 40 00 00 | 00 00 00 00 | 03 00 00 00 | 68 6f 73 74 00 00 00 00 00 00 00 00 00 00 00 00",
  );
  // vm2 sees no protocol besides Base: DISCOVER_LIST_PROTOCOLS skip 0 → count 0, no ids.
  await exchange(
    vm2,
    "08 00 00 00 | 06 40 00 00 | 00 00 00 00",
    "0c 00 00 00 | 06 40 00 00 | 00 00 00 00 | 00 00 00 00",
  );
  vm2.close();
  host.close();
});

Deno.test("e2e: a disconnect closes the session; the agent can connect again", async () => {
  await using env = await serve();
  const first = await connect(env, "vm1");
  await exchange(
    first,
    "04 00 00 00 | 00 40 00 00",
    "0c 00 00 00 | 00 40 00 00 | 00 00 00 00 | 01 00 02 00",
  );
  assertEquals(env.server.platform.sessions.size, 1);
  first.close();
  await until(() => env.server.platform.sessions.size === 0, "the session to close");
  const again = await connect(env, "vm1");
  await exchange(
    again,
    "04 00 00 00 | 00 40 00 00",
    "0c 00 00 00 | 00 40 00 00 | 00 00 00 00 | 01 00 02 00",
  );
  again.close();
});
