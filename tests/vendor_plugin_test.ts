/**
 * The vendor example `examples/vendor-plugin/`, served from its own manifest: protocol 0x80
 * "fan" (version 1.0), its `[[fan]]` kind, its `fans = […]` grants and its `fan-sim`
 * driver type all come from the plugin module the manifest lists.
 *
 * Expected bytes from the example's layouts: header = message_id | protocol << 10 |
 * token << 18; PROTOCOL_ATTRIBUTES → status, u32 with the fan count in 15:0;
 * FAN_GET_SPEED (0x3, fan_id) → status, rpm; FAN_SET_SPEED (0x4, fan_id, rpm) → status.
 * An error reply is the header and the status only. The board: cpu_fan (max 9000 rpm),
 * case_fan (3000), psu_fan (5000); vm1 sees cpu_fan at 0 and case_fan at 1, vm2 psu_fan at 0.
 * @module
 */
import { join } from "node:path";
import { assert, assertEquals, assertRejects } from "../core/_assert_test.ts";
import { StatusError } from "../client/mod.ts";
import { Logger } from "../core/log.ts";
import { Status } from "../core/status.ts";
import { loadDeployment } from "../server/manifest/mod.ts";
import { startServer } from "../server/serve.ts";
import { BUILTINS } from "../builtins.ts";
import { ROOT } from "./_api_copy.ts";
import { startE2e } from "./e2e/_server.ts";
import { Harness } from "../testing/mod.ts";

const EXAMPLE = "examples/vendor-plugin";
const FAN = 0x80;
const BASE = 0x10;

/** One framed exchange on a stream connection: request words in, reply words out. */
class Wire {
  #token = 0;
  constructor(readonly conn: Deno.Conn) {}

  async send(protocol: number, message: number, params: number[] = []): Promise<number[]> {
    const token = this.#token++ & 0x3ff;
    const header = (message | protocol << 10 | token << 18) >>> 0;
    const words = [4 + params.length * 4, header, ...params];
    const out = new Uint8Array(words.length * 4);
    const dv = new DataView(out.buffer);
    words.forEach((w, i) => dv.setUint32(i * 4, w >>> 0, true));
    let off = 0;
    while (off < out.length) off += await this.conn.write(out.subarray(off));
    const len = new DataView((await this.#read(4)).buffer).getUint32(0, true);
    const reply = new DataView((await this.#read(len)).buffer);
    const got = Array.from({ length: len / 4 }, (_, i) => reply.getUint32(i * 4, true));
    assertEquals(got[0], header, "the reply echoes the request's header");
    return got.slice(1);
  }

  async #read(n: number): Promise<Uint8Array> {
    const buf = new Uint8Array(n);
    let have = 0;
    while (have < n) {
      const got = await this.conn.read(buf.subarray(have));
      assert(got !== null, "the server closed the connection");
      have += got;
    }
    return buf;
  }
}

const st = (s: number) => s >>> 0;

Deno.test("vendor example over a unix socket: fans counted, set, read back, refused", async () => {
  const runDir = await Deno.makeTempDir({ prefix: "vscmi-vendor-" });
  const log = new Logger();
  log.sink = () => {};
  const dep = await loadDeployment(join(ROOT, EXAMPLE, "vscmi.toml"), BUILTINS);
  const server = await startServer(dep, { runDir, log });
  const vm1 = new Wire(await Deno.connect({ transport: "unix", path: `${runDir}/vm1.sock` }));
  const vm2 = new Wire(await Deno.connect({ transport: "unix", path: `${runDir}/vm2.sock` }));
  try {
    // Base lists the vendor protocol: one id, 0x80, padded to a word.
    assertEquals(await vm1.send(BASE, 0x6, [0]), [0, 1, FAN]);
    assertEquals(await vm1.send(FAN, 0x0), [0, 0x10000]);
    assertEquals(await vm1.send(FAN, 0x1), [0, 2]);
    assertEquals(await vm2.send(FAN, 0x1), [0, 1]);
    // PROTOCOL_MESSAGE_ATTRIBUTES: the fan commands exist, 0x5 does not.
    assertEquals(await vm1.send(FAN, 0x2, [0x4]), [0, 0]);
    assertEquals(await vm1.send(FAN, 0x2, [0x5]), [st(Status.NOT_FOUND)]);

    assertEquals(await vm1.send(FAN, 0x3, [0]), [0, 0]);
    assertEquals(await vm1.send(FAN, 0x4, [0, 4500]), [0]);
    assertEquals(await vm1.send(FAN, 0x3, [0]), [0, 4500]);
    // case_fan's max_rpm is 3000: at the limit is fine, one above is OUT_OF_RANGE and
    // leaves the speed as it was.
    assertEquals(await vm1.send(FAN, 0x4, [1, 3000]), [0]);
    assertEquals(await vm1.send(FAN, 0x4, [1, 3001]), [st(Status.OUT_OF_RANGE)]);
    assertEquals(await vm1.send(FAN, 0x3, [1]), [0, 3000]);
    // vm1 sees two fans: id 2 (psu_fan, vm2's) is NOT_FOUND, to get and to set.
    assertEquals(await vm1.send(FAN, 0x3, [2]), [st(Status.NOT_FOUND)]);
    assertEquals(await vm1.send(FAN, 0x4, [2, 100]), [st(Status.NOT_FOUND)]);
    // vm2's fan 0 is psu_fan, untouched by vm1's writes.
    assertEquals(await vm2.send(FAN, 0x3, [0]), [0, 0]);
    assertEquals(await vm2.send(FAN, 0x4, [0, 5000]), [0]);
    assertEquals(await vm2.send(FAN, 0x3, [0]), [0, 5000]);
    assertEquals(await vm1.send(FAN, 0x3, [0]), [0, 4500]);
    // Short parameters: PROTOCOL_ERROR, header and status only.
    assertEquals(await vm1.send(FAN, 0x4, [0]), [st(Status.PROTOCOL_ERROR)]);
  } finally {
    vm1.conn.close();
    vm2.conn.close();
    await server.close();
    await Deno.remove(runDir, { recursive: true });
  }
});

Deno.test("vendor example's call verbs: fan set, get and list decode the replies; statuses reject it", async () => {
  const { default: fan } = await import("../examples/vendor-plugin/fan.ts");
  const { PROTOCOLS } = await import("../builtins.ts");
  await using e2e = await startE2e({
    manifest: join(ROOT, EXAMPLE, "vscmi.toml"),
    callProtocols: [...PROTOCOLS, fan],
  });
  assertEquals((await e2e.cli("vm1", "fan", "set", "0", "4000")).lines, [
    "fan 0 set to 4000 rpm",
  ]);
  assertEquals((await e2e.cli("vm1", "fan", "get", "0")).lines, ["4000 rpm"]);
  assertEquals(JSON.parse((await e2e.cli("vm1", "--json", "fan", "get", "0")).lines[0]), {
    id: 0,
    rpm: 4000,
  });
  assertEquals((await e2e.cli("vm1", "fan", "list")).lines, ["0\t4000 rpm", "1\t0 rpm"]);
  assertEquals((await e2e.cli("vm1", "fan", "version")).code, 0);
  // OUT_OF_RANGE and NOT_FOUND end the call with a failure, and change nothing.
  const range = await assertRejects(() => e2e.cli("vm1", "fan", "set", "1", "3001"), StatusError);
  assertEquals((range as StatusError).status, Status.OUT_OF_RANGE);
  const missing = await assertRejects(() => e2e.cli("vm1", "fan", "get", "2"), StatusError);
  assertEquals((missing as StatusError).status, Status.NOT_FOUND);
  assertEquals((await e2e.cli("vm1", "fan", "get", "1")).lines, ["0 rpm"]);
});

Deno.test("vendor example's modules import the API only by relative paths, as a vendor's copy", async () => {
  const dir = join(ROOT, EXAMPLE);
  const allowed = new Set(["../../mod.ts", "../../client/mod.ts"]);
  let files = 0;
  for await (const e of Deno.readDir(dir)) {
    if (!e.name.endsWith(".ts")) continue;
    files++;
    const text = await Deno.readTextFile(join(dir, e.name));
    for (const [, spec] of text.matchAll(/\bfrom\s+"([^"]+)"/g)) {
      assert(allowed.has(spec) || /^\.\/[\w.-]+\.ts$/.test(spec), `${e.name} imports "${spec}"`);
    }
  }
  assert(files >= 2, "the example has its protocol and call modules");
});

Deno.test("vendor example: a fan granted read-only can be read, and setting it is DENIED", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-vendor-ro-" });
  try {
    const manifest = join(dir, "vscmi.toml");
    await Deno.writeTextFile(
      manifest,
      `board = ${JSON.stringify(join(ROOT, EXAMPLE, "board.toml"))}

[platform]
plugins = [${JSON.stringify(join(ROOT, EXAMPLE, "fan.ts"))}]

[[agent]]
name = "vm1"
transport = { type = "stream" }
protocols = ["fan"]

[[agent.fan]]
name = "case_fan"
access = "read"
`,
    );
    const h = await Harness.load(manifest);
    try {
      assertEquals((await h.send("vm1", FAN, 0x3, [0])).words(), [0]);
      assertEquals((await h.send("vm1", FAN, 0x4, [0, 100])).status, Status.DENIED);
      assertEquals((await h.send("vm1", FAN, 0x3, [0])).words(), [0]);
    } finally {
      await h.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
