/**
 * `vscmi ctl` end to end: a server started in-process from a deployment on the sim board in
 * a temporary run directory, agents talking SCMI over their stream sockets, and the operator
 * talking to the control socket (through `ControlClient`, raw bytes, and the `vscmi ctl`
 * command line in a subprocess).
 *
 * SCMI words are written from the layouts (DEN0056 §4.2 Base, §4.6 Clock):
 * Base PROTOCOL_ATTRIBUTES p2a = num_protocols (7:0) | num_agents (15:8); DISCOVER_AGENT
 * (2.x) a2p = agent_id, p2a = agent_id, name[16]; Clock PROTOCOL_ATTRIBUTES p2a =
 * num_clocks (15:0) | max_async (23:16); CLOCK_ATTRIBUTES a2p = clock_id, p2a = attributes
 * (bit 0 enabled), name[16], enable latency; CLOCK_CONFIG_SET a2p = clock_id, attributes
 * (bit 0 enable), oem_config_val.
 * @module
 */
import { clockKind } from "../../plugins/clock/kind.ts";
import { assert, assertEquals, assertRejects } from "../../core/_assert_test.ts";
import { turn, until } from "../../core/_wait_test.ts";
import { ClientError, ScmiClient } from "../../client/stream.ts";
import { ControlClient } from "../../server/control/client.ts";
import type { AddedAgent, GrantResult, RemoveResult } from "../../server/control/commands.ts";
import type { AgentInfo, ResourceInfo } from "../../server/control/inspect.ts";
import type { Response } from "../../server/control/protocol.ts";
import { MAX_CLIENTS } from "../../server/control/server.ts";
import { Logger } from "../../core/log.ts";
import { loadDeployment, simBoardPath } from "../../server/manifest/mod.ts";
import { type Server, startServer } from "../../server/serve.ts";
import { Status } from "../../core/status.ts";
import { BUILTINS } from "../../builtins.ts";

const BASE = 0x10;
const CLOCK = 0x14;
const PROTOCOL_VERSION = 0x0;
const PROTOCOL_ATTRIBUTES = 0x1;
const DISCOVER_AGENT = 0x7;
const CLOCK_ATTRIBUTES = 0x3;
const CLOCK_CONFIG_SET = 0x7;

const MANIFEST = (board: string) =>
  `board = ${JSON.stringify(board)}

[[agent]]
name = "vm1"
transport = { type = "stream" }
protocols = ["clock", "reset"]
devices = ["uart0"]

[[agent]]
name = "vm2"
transport = { type = "stream" }
protocols = ["clock", "reset"]
devices = ["uart1"]

[[agent]]
name = "host"
trusted = true
transport = { type = "stream" }
protocols = ["clock"]
clocks = ["osc24m"]
`;

interface Env extends AsyncDisposable {
  server: Server;
  dir: string;
  runDir: string;
  ctl: ControlClient;
  logs: string[];
  agent(name: string): Promise<ScmiClient>;
}

async function serve(): Promise<Env> {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-ctl-" });
  await Deno.writeTextFile(`${dir}/vscmi.toml`, MANIFEST(simBoardPath()));
  const logs: string[] = [];
  const log = new Logger();
  log.sink = (level, line) => void logs.push(`${level}: ${line}`);
  const runDir = `${dir}/run`;
  const server = await startServer(await loadDeployment(`${dir}/vscmi.toml`, BUILTINS), {
    runDir,
    log,
  });
  const ctl = await ControlClient.connect(server.control!);
  const clients: ScmiClient[] = [];
  return {
    server,
    dir,
    runDir,
    ctl,
    logs,
    async agent(name) {
      const c = await ScmiClient.connect({ kind: "unix", path: `${runDir}/${name}.sock` });
      clients.push(c);
      return c;
    },
    async [Symbol.asyncDispose]() {
      ctl.close();
      for (const c of clients) await c.close();
      await server.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** The result of a request that must succeed. */
async function ok<T>(ctl: ControlClient, req: Parameters<ControlClient["request"]>[0]): Promise<T> {
  const r = await ctl.request(req);
  if (!r.ok) throw new Error(`${req.cmd} failed: ${r.error}`);
  return r.result as T;
}

function u32(payload: Uint8Array, i: number): number {
  return new DataView(payload.buffer, payload.byteOffset).getUint32(i * 4, true);
}

function name16(payload: Uint8Array, offset: number): string {
  const bytes = payload.subarray(offset, offset + 16);
  return new TextDecoder().decode(bytes.subarray(0, bytes.indexOf(0)));
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Sends Base PROTOCOL_VERSION as `client` every few ms until stopped; counts replies and
 * anything that was not SUCCESS with version 2.1.
 */
function steadyTraffic(client: ScmiClient): { stop(): Promise<{ ok: number; bad: string[] }> } {
  let running = true;
  const bad: string[] = [];
  let n = 0;
  const loop = (async () => {
    while (running) {
      try {
        const r = await client.request(BASE, PROTOCOL_VERSION);
        if (r.status !== 0 || u32(r.payload, 0) !== 0x20001) bad.push(`status ${r.status}`);
        else n++;
      } catch (e) {
        bad.push(String(e));
      }
      await turn();
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { ok: n, bad };
    },
  };
}

Deno.test("control socket → mode 0600 in a 0700 run dir; a second server there → refused", async () => {
  await using env = await serve();
  assertEquals(env.server.control, `${env.runDir}/control.sock`);
  assertEquals((await Deno.stat(env.server.control!)).mode! & 0o777, 0o600);
  assertEquals((await Deno.stat(env.runDir)).mode! & 0o777, 0o700);
  const dep = await loadDeployment(`${env.dir}/vscmi.toml`, BUILTINS);
  await assertRejects(
    () => startServer(dep, { runDir: env.runDir, log: new Logger() }),
    Error,
    "Another vscmi server owns",
  );
  // The first server still answers on both its sockets.
  const vm1 = await env.agent("vm1");
  assertEquals((await vm1.request(BASE, PROTOCOL_VERSION)).status, 0);
  assertEquals((await env.ctl.request({ cmd: "agents" })).ok, true);
});

Deno.test("ctl agents → every agent with its transport, session and votes", async () => {
  await using env = await serve();
  const vm1 = await env.agent("vm1");
  // vm1 enables uart0_clk (its virtual 0).
  assertEquals((await vm1.request(CLOCK, CLOCK_CONFIG_SET, [0, 1, 0])).status, 0);
  const { agents } = await ok<{ agents: AgentInfo[] }>(env.ctl, { cmd: "agents" });
  assertEquals(agents.map((a) => [a.id, a.name, a.trusted, a.sessions]), [
    [1, "vm1", false, 1],
    [2, "vm2", false, 0],
    [3, "host", true, 0],
  ]);
  assertEquals(agents[1].transport, { type: "stream", address: `unix:${env.runDir}/vm2.sock` });
  assertEquals(agents[0].devices, ["uart0"]);
  assertEquals(agents[0].votes.map((v) => [v.store, v.name]), [["clock.enable", "uart0_clk"]]);
  assertEquals(agents[1].votes, []);
});

Deno.test("grant usb to vm2 at run time → new clocks appended on its socket; revoke → NOT_FOUND, vote released", async () => {
  await using env = await serve();
  const vm1 = await env.agent("vm1");
  const vm2 = await env.agent("vm2");
  const traffic = steadyTraffic(vm1);
  // vm2 starts with uart1's clocks: uart1_clk, apb_clk.
  let attrs = await vm2.request(CLOCK, PROTOCOL_ATTRIBUTES);
  assertEquals(u32(attrs.payload, 0) & 0xffff, 2);

  const granted = await ok<GrantResult>(env.ctl, {
    cmd: "grant",
    agent: "vm2",
    kind: "device",
    resource: "usb",
  });
  assertEquals(
    granted.changes.filter((c) => c.kind === "clock").map((c) => [c.name, c.virtual]),
    [["usb_ref_clk", 2], ["usb_bus_clk", 3], ["ahb_clk", 4]],
  );
  attrs = await vm2.request(CLOCK, PROTOCOL_ATTRIBUTES);
  assertEquals(u32(attrs.payload, 0) & 0xffff, 5);
  const a2 = await vm2.request(CLOCK, CLOCK_ATTRIBUTES, [2]);
  assertEquals([a2.status, name16(a2.payload, 4)], [0, "usb_ref_clk"]);
  assertEquals(u32(a2.payload, 0) & 1, 0, "vm2 never enabled it: reads disabled");

  // vm2 enables usb_ref_clk: the hardware follows and the operator sees the vote.
  assertEquals((await vm2.request(CLOCK, CLOCK_CONFIG_SET, [2, 1, 0])).status, 0);
  let res = await ok<ResourceInfo>(env.ctl, {
    cmd: "resource",
    kind: "clock",
    resource: "usb_ref_clk",
  });
  assertEquals(res.hardware.enabled, true);
  assertEquals(res.stores.find((s) => s.store === "clock.enable")!.votes, [{
    agent: "vm2",
    value: true,
  }]);
  assertEquals(res.visibility.map((v) => [v.agent, v.virtual]), [["vm2", 2]]);

  const revoked = await ok<GrantResult>(env.ctl, {
    cmd: "revoke",
    agent: "vm2",
    kind: "device",
    resource: "usb",
  });
  assertEquals(revoked.released.map((h) => [h.store, h.name]), [["clock.enable", "usb_ref_clk"]]);
  res = await ok<ResourceInfo>(env.ctl, { cmd: "resource", kind: "clock", resource: 17 });
  assertEquals(res.hardware.enabled, false);
  assertEquals(res.visibility, []);
  const gone = await vm2.request(CLOCK, CLOCK_ATTRIBUTES, [2]);
  assertEquals(gone.status, Status.NOT_FOUND);
  // Holes keep the count, and vm2's own clocks keep their ids.
  attrs = await vm2.request(CLOCK, PROTOCOL_ATTRIBUTES);
  assertEquals(u32(attrs.payload, 0) & 0xffff, 5);
  const own = await vm2.request(CLOCK, CLOCK_ATTRIBUTES, [0]);
  assertEquals(name16(own.payload, 4), "uart1_clk");

  const seen = await traffic.stop();
  assertEquals(seen.bad, []);
  assert(seen.ok > 0);
});

Deno.test("add-agent from a TOML file → its socket talks Base; remove-agent → socket gone, vm1 served throughout", async () => {
  await using env = await serve();
  const vm1 = await env.agent("vm1");
  const traffic = steadyTraffic(vm1);
  const file = `${env.dir}/vm3.toml`;
  await Deno.writeTextFile(
    file,
    `[[agent]]
name = "vm3"
transport = { type = "stream" }
protocols = ["clock"]
devices = ["spi0"]
`,
  );
  const added = await ok<{ agents: AddedAgent[] }>(env.ctl, { cmd: "add-agent", file });
  const sock = `${env.runDir}/vm3.sock`;
  assertEquals(added.agents, [{
    id: 4,
    name: "vm3",
    transport: { type: "stream", address: `unix:${sock}` },
  }]);
  assertEquals((await Deno.lstat(sock)).mode! & 0o777, 0o600);

  const vm3 = await env.agent("vm3");
  const me = await vm3.request(BASE, DISCOVER_AGENT, [0xffffffff]);
  assertEquals([me.status, u32(me.payload, 0), name16(me.payload, 4)], [0, 4, "vm3"]);
  const base = await vm1.request(BASE, PROTOCOL_ATTRIBUTES);
  assertEquals((u32(base.payload, 0) >> 8) & 0xff, 4, "num_agents counts vm3");
  // vm3 enables spi0_clk (its virtual 0, physical 16).
  assertEquals((await vm3.request(CLOCK, CLOCK_CONFIG_SET, [0, 1, 0])).status, 0);
  assert(clockKind.hwOf(env.server.platform.env.hw)[16]!.isEnabled(16));

  const removed = await ok<RemoveResult>(env.ctl, { cmd: "remove-agent", agent: "vm3" });
  assertEquals([removed.agent, removed.id], ["vm3", 4]);
  assertEquals(removed.released.map((h) => h.name), ["spi0_clk"]);
  assert(
    !clockKind.hwOf(env.server.platform.env.hw)[16]!.isEnabled(16),
    "spi0_clk off with vm3's vote",
  );
  assert(!(await exists(sock)), "vm3's socket is gone");
  await assertRejects(() => vm3.request(BASE, PROTOCOL_VERSION), ClientError);
  await assertRejects(() => Deno.connect({ transport: "unix", path: sock }));
  const lost = await vm1.request(BASE, DISCOVER_AGENT, [4]);
  assertEquals(lost.status, Status.NOT_FOUND);
  const after = await vm1.request(BASE, PROTOCOL_ATTRIBUTES);
  assertEquals((u32(after.payload, 0) >> 8) & 0xff, 3);

  // A new agent never gets id 4 back.
  await Deno.writeTextFile(file, `[[agent]]\nname = "vm3"\ntransport = { type = "stream" }\n`);
  const again = await ok<{ agents: { id: number }[] }>(env.ctl, { cmd: "add-agent", file });
  assertEquals(again.agents.map((a) => a.id), [5]);

  const seen = await traffic.stop();
  assertEquals(seen.bad, []);
  assert(seen.ok > 0);
});

Deno.test("add-agent with problems → manifest error, every problem located, nothing added", async () => {
  await using env = await serve();
  const file = `${env.dir}/bad.toml`;
  await Deno.writeTextFile(
    file,
    `[[agent]]
name = "vm2"
transport = { type = "stream" }
devices = ["toaster"]
`,
  );
  const r = await env.ctl.request({ cmd: "add-agent", file });
  assert(!r.ok);
  assertEquals(r.code, "manifest");
  assertEquals(r.problems!.map((p) => [p.line, p.keyPath]), [
    [2, "agent[0].name"],
    [4, "agent[0].devices[0]"],
  ]);
  assertEquals(env.server.platform.agents.length, 3);
  assertEquals(env.server.platform.nextAgentId(), 4);
});

Deno.test("add-agent whose socket is taken → failed, the agent is not kept, its id not reused", async () => {
  await using env = await serve();
  const file = `${env.dir}/clash.toml`;
  await Deno.writeTextFile(
    file,
    `[[agent]]\nname = "vm7"\ntransport = { type = "stream", path = "vm1.sock" }\n`,
  );
  const r = await env.ctl.request({ cmd: "add-agent", file });
  assert(!r.ok);
  assertEquals(r.code, "failed");
  assert(r.error.includes("another server is listening"), r.error);
  assertEquals(env.server.platform.agent("vm7"), undefined);
  assertEquals(env.server.platform.nextAgentId(), 5);
  // vm1's socket still works.
  const vm1 = await env.agent("vm1");
  assertEquals((await vm1.request(BASE, PROTOCOL_VERSION)).status, 0);
});

Deno.test("malformed control input → an error answer per line; the server stays up", async () => {
  await using env = await serve();
  const conn = await Deno.connect({ transport: "unix", path: env.server.control! });
  const enc = new TextEncoder();
  const lines = [
    enc.encode("{not json\n"),
    enc.encode("[1,2]\n"),
    enc.encode(`{"cmd":"agents","x":${"1".repeat(70 * 1024)}}\n`),
    new Uint8Array([0xff, 0xfe, 0x7b, 0x0a]),
    enc.encode('{"id":9,"cmd":"grant","agent":"vm1"}\n'),
    enc.encode('{"id":10,"cmd":"agents"}\n'),
  ];
  for (const l of lines) {
    let off = 0;
    while (off < l.length) off += await conn.write(l.subarray(off));
  }
  const answers: Response[] = [];
  let text = "";
  const buf = new Uint8Array(64 * 1024);
  while (answers.length < lines.length) {
    const n = await conn.read(buf);
    if (n === null) break;
    text += new TextDecoder().decode(buf.subarray(0, n));
    let nl;
    while ((nl = text.indexOf("\n")) >= 0) {
      answers.push(JSON.parse(text.slice(0, nl)));
      text = text.slice(nl + 1);
    }
  }
  assertEquals(answers.map((a) => [a.id, a.ok, a.ok ? "" : a.code]), [
    [null, false, "bad-request"],
    [null, false, "bad-request"],
    [null, false, "bad-request"],
    [null, false, "bad-request"],
    [9, false, "bad-request"],
    [10, true, ""],
  ]);
  const long = answers[2];
  assert(!long.ok && long.error.includes("longer than 65536"), JSON.stringify(long));
  // A client that hangs up in the middle of a line does no harm either.
  await conn.write(enc.encode('{"cmd":"age'));
  conn.close();
  const fresh = await ControlClient.connect(env.server.control!);
  assertEquals((await fresh.request({ cmd: "agents" })).ok, true);
  fresh.close();
});

Deno.test("more control connections than MAX_CLIENTS → the extra one is told and closed", async () => {
  await using env = await serve();
  // env.ctl holds one connection already.
  const more: ControlClient[] = [];
  for (let i = 1; i < MAX_CLIENTS; i++) {
    const c = await ControlClient.connect(env.server.control!);
    assertEquals((await c.request({ cmd: "agents" })).ok, true);
    more.push(c);
  }
  const extra = await Deno.connect({ transport: "unix", path: env.server.control! });
  const buf = new Uint8Array(4096);
  let text = "";
  for (let n = await extra.read(buf); n !== null; n = await extra.read(buf)) {
    text += new TextDecoder().decode(buf.subarray(0, n));
  }
  extra.close();
  const answer = JSON.parse(text) as Response;
  assert(!answer.ok && answer.error.includes("Too many control connections"), text);
  more.pop()!.close();
  // The slot is free once the server has seen that hang-up: until then a newcomer is told
  // "too many" like `extra` was, so try again until one is served.
  await until(async () => {
    const again = await ControlClient.connect(env.server.control!);
    const r = await again.request({ cmd: "agents" }).catch((e) => String(e));
    again.close();
    return typeof r !== "string" && r.ok;
  }, "a newcomer served in the freed slot");
  for (const c of more) c.close();
});

/** Runs `vscmi ctl ARGS…` in a subprocess. */
async function vscmiCtl(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const main = new URL("../../main.ts", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", main, "ctl", ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("vscmi ctl on the command line → tables, --json, exit codes 0, 1 and 2", async () => {
  await using env = await serve();
  const rd = ["--run-dir", env.runDir];

  const agents = await vscmiCtl(...rd, "agents");
  assertEquals(agents.code, 0, agents.stderr);
  assert(/^ID\s+AGENT\s+TRUSTED\s+SESSION\s+TRANSPORT$/m.test(agents.stdout), agents.stdout);
  assert(
    new RegExp(`^2\\s+vm2\\s+no\\s+closed\\s+unix:${env.runDir}/vm2.sock$`, "m").test(
      agents.stdout,
    ),
    agents.stdout,
  );

  const json = await vscmiCtl(...rd, "--json", "agents");
  assertEquals(json.code, 0, json.stderr);
  assertEquals(JSON.parse(json.stdout).agents.map((a: AgentInfo) => a.name), [
    "vm1",
    "vm2",
    "host",
  ]);

  const grant = await vscmiCtl(
    ...rd,
    "grant",
    "vm2",
    "clock",
    "pll_video",
    "--virtual",
    "9",
    "--read-only",
  );
  assertEquals(grant.code, 0, grant.stderr);
  assertEquals(grant.stdout, 'vm2: grant:\n  + clock "pll_video" (6) as 9 (read-only)\n');

  const resource = await vscmiCtl(...rd, "resource", "clock", "pll_video");
  assertEquals(resource.code, 0, resource.stderr);
  assert(/^\s+seen by\s+vm2 as 9 \(read-only\)$/m.test(resource.stdout), resource.stdout);

  const unknown = await vscmiCtl(...rd, "revoke", "vm9", "device", "usb");
  assertEquals([unknown.code, unknown.stderr], [1, 'error: No agent named "vm9"\n']);

  const usage = await vscmiCtl(...rd, "grant", "vm2", "gadget", "x");
  assertEquals(usage.code, 2);
  assert(usage.stderr.includes('Unknown kind "gadget"'), usage.stderr);

  const bad = `${env.dir}/bad.toml`;
  await Deno.writeTextFile(bad, `[[agent]]\nname = "vm1"\ntransport = { type = "stream" }\n`);
  const manifest = await vscmiCtl(...rd, "add-agent", bad);
  assertEquals(manifest.code, 2);
  assert(manifest.stderr.includes(":2:8 agent[0].name: Expected a name no agent"), manifest.stderr);

  const nowhere = await vscmiCtl("--run-dir", `${env.dir}/nothing-here`, "agents");
  assertEquals(nowhere.code, 1);
  assert(nowhere.stderr.includes("Cannot connect to"), nowhere.stderr);
});
