/**
 * `vscmi check` and `vscmi serve` run the same validation: every manifest `serve` refuses,
 * `check` refuses with the same `file:line:col key.path: …` lines, both exit 2, and `serve`
 * refuses before it creates or binds anything. A valid manifest that cannot be served here
 * and now (a socket busy, a state directory that cannot be made) is a run-time failure:
 * `serve` exits 1 saying what, and `check` accepts the manifest.
 * Child processes of `main.ts`, as a user runs them.
 * @module
 */
import { assert, assertEquals } from "../core/_assert_test.ts";
import { simBoardPath } from "../server/manifest/mod.ts";
import { ROOT, vscmi } from "./_vscmi.ts";

const PLUGINS = new URL("tests/manifests/plugins/", ROOT).pathname;

/** A deployment on `board` with the given `[[agent]]` tables (and anything before them). */
function deployment(board: string, agents: string): string {
  return `board = ${JSON.stringify(board)}\n\n${agents}`;
}

/** One agent named `name` on `transport`, seeing the clock protocol. */
function agent(transport: string, name = "vm1", extra = ""): string {
  return `[[agent]]\nname = "${name}"\ntransport = ${transport}\nprotocols = ["clock"]\n${extra}`;
}

interface Case {
  what: string;
  /** The deployment's text, given the board manifest's path. */
  deployment: (board: string) => string;
  /** The board manifest's text, given the bundled one's (default: the bundled one). */
  board?: (sim: string) => string;
  /** Which file the problem is in. */
  file: "deployment" | "board";
  /** The problem's line, or the text that starts it. */
  line: number | string;
  keyPath: string;
  message: string;
}

/** Every kind of manifest `serve` used to refuse only once it was starting, and a few more. */
const CASES: Case[] = [
  {
    what: "a stream TCP address that is not loopback",
    deployment: (b) => deployment(b, agent('{ type = "stream", tcp = "0.0.0.0:9000" }')),
    file: "deployment",
    line: 5,
    keyPath: "agent[0].transport.tcp",
    message:
      'Expected a loopback address (only 127.0.0.0/8, [::1] and localhost), got "0.0.0.0:9000"',
  },
  {
    what: "a malformed stream TCP address",
    deployment: (b) => deployment(b, agent('{ type = "stream", tcp = "127.0.0.1" }')),
    file: "deployment",
    line: 5,
    keyPath: "agent[0].transport.tcp",
    message: 'Expected "HOST:PORT" such as "127.0.0.1:9000", got "127.0.0.1"',
  },
  {
    what: "stream max_msg out of range",
    deployment: (b) => deployment(b, agent('{ type = "stream", max_msg = 0 }')),
    file: "deployment",
    line: 5,
    keyPath: "agent[0].transport.max_msg",
    message: "Expected an integer from 1 to 1024, got 0",
  },
  {
    what: "stream frame_timeout_ms out of range",
    deployment: (b) => deployment(b, agent('{ type = "stream", frame_timeout_ms = 0 }')),
    file: "deployment",
    line: 5,
    keyPath: "agent[0].transport.frame_timeout_ms",
    message: "Expected an integer from 1 to 60000, got 0",
  },
  {
    what: "a stream path that is not a string",
    deployment: (b) => deployment(b, agent('{ type = "stream", path = 5 }')),
    file: "deployment",
    line: 5,
    keyPath: "agent[0].transport.path",
    message: "Expected a non-empty string, got 5",
  },
  {
    what: "a stream path and a TCP address at once",
    deployment: (b) =>
      deployment(b, agent('{ type = "stream", path = "a.sock", tcp = "127.0.0.1:0" }')),
    file: "deployment",
    line: 5,
    keyPath: "agent[0].transport.tcp",
    message: 'Expected no tcp address when path is set (one of them, not both), got "127.0.0.1:0"',
  },
  {
    what: "a socket path too long for a Unix socket",
    deployment: (b) =>
      deployment(b, agent(`{ type = "stream", path = "/tmp/${"s".repeat(110)}.sock" }`)),
    file: "deployment",
    line: 5,
    keyPath: "agent[0].transport.path",
    message: `Expected a socket path of at most 107 bytes, got "/tmp/${"s".repeat(110)}.sock"`,
  },
  {
    what: "an option the transport does not declare",
    deployment: (b) => deployment(b, agent('{ type = "stream", frames = 2 }')),
    file: "deployment",
    line: 5,
    keyPath: "agent[0].transport.frames",
    message:
      'Expected an option of the "stream" transport ("path", "tcp", "max_msg", "frame_timeout_ms"), ' +
      'got "frames"',
  },
  {
    what: "a vhost-user mode that does not exist",
    deployment: (b) => deployment(b, agent('{ type = "vhost-user", mode = "peer" }')),
    file: "deployment",
    line: 5,
    keyPath: "agent[0].transport.mode",
    message: 'Expected "server" or "client", got "peer"',
  },
  {
    what: "vhost-user reconnect_ms out of range",
    deployment: (b) => deployment(b, agent('{ type = "vhost-user", reconnect_ms = 5 }')),
    file: "deployment",
    line: 5,
    keyPath: "agent[0].transport.reconnect_ms",
    message: "Expected an integer from 10 to 60000, got 5",
  },
  {
    what: "a transport of the design that this server does not have",
    deployment: (b) => deployment(b, agent('{ type = "smc" }')),
    file: "deployment",
    line: 5,
    keyPath: "agent[0].transport.type",
    message:
      'Expected a transport type this server has ("stream", "vhost-user", "virtio-mmio", "shmem"), got "smc"',
  },
  {
    what: "a virtio-mmio irq that is no SPI",
    deployment: (b) =>
      deployment(
        b,
        agent(
          '{ type = "virtio-mmio", zone = 1, base = 0xa003c00, irq = 16, memory = ' +
            "[{ zone0_ipa = 0x50000000, zonex_ipa = 0x50000000, size = 0x10000000 }] }",
        ),
      ),
    file: "deployment",
    line: 5,
    keyPath: "agent[0].transport.irq",
    message: "Expected an SPI INTID from 32 to 1019, got 16",
  },
  {
    what: "virtio-mmio zone RAM that is not page-aligned",
    deployment: (b) =>
      deployment(
        b,
        agent(
          '{ type = "virtio-mmio", zone = 1, base = 0xa003c00, irq = 78, memory = ' +
            "[{ zone0_ipa = 0x50000000, zonex_ipa = 0x50000000, size = 0x10000001 }] }",
        ),
      ),
    file: "deployment",
    line: 5,
    keyPath: "agent[0].transport.memory",
    message: "Expected memory[0].size: a multiple of 0x1000 above 0 below 2^48, got 268435457",
  },
  {
    what: "two virtio-mmio windows that overlap in one zone",
    deployment: (b) =>
      deployment(
        b,
        agent(
          '{ type = "virtio-mmio", zone = 1, base = 0xa003c00, irq = 78, memory = ' +
            "[{ zone0_ipa = 0x50000000, zonex_ipa = 0x50000000, size = 0x10000000 }] }",
        ) + "\n" +
          agent(
            '{ type = "virtio-mmio", zone = 1, base = 0xa003d00, irq = 79, memory = ' +
              "[{ zone0_ipa = 0x50000000, zonex_ipa = 0x50000000, size = 0x10000000 }] }",
            "vm2",
          ),
      ),
    file: "deployment",
    line: 10,
    keyPath: "agent[1].transport.base",
    message: "Expected an MMIO window that overlaps no other endpoint's in zone 1 on " +
      '"/dev/hvisor", got 0xa003d00+0x200, where agent[0] ("vm1") holds 0xa003c00+0x200',
  },
  {
    what: "shmem channel areas that overlap",
    deployment: (b) =>
      deployment(
        b,
        agent(
          '{ type = "shmem", doorbell = "smc", function_id = 0x82000010, smc_param = true,\n' +
            "  shm_base = 0x50000000, channels = [\n" +
            "  { offset = 0, size = 0x100 },\n" +
            "  { offset = 0x80, size = 0x100 },\n" +
            "] }",
        ),
      ),
    file: "deployment",
    line: 8,
    keyPath: "agent[0].transport.channels[1].offset",
    message: "Expected an area that does not overlap channels[0], got 128",
  },
  {
    what: "a P2A channel on an SMC agent",
    deployment: (b) =>
      deployment(
        b,
        agent(
          '{ type = "shmem", doorbell = "smc", function_id = 1, channels = [{ offset = 0, size = 64 }],\n' +
            "  p2a = { offset = 64, size = 64 } }",
        ),
      ),
    file: "deployment",
    line: 6,
    keyPath: "agent[0].transport.p2a",
    message: "Expected no P2A channel: SMC/HVC has none (use a mailbox), got a table",
  },
  {
    what: "two agents on one socket path",
    deployment: (b) =>
      deployment(
        b,
        agent('{ type = "stream", path = "x.sock" }') + "\n" +
          agent('{ type = "vhost-user", path = "./x.sock" }', "vm2"),
      ),
    file: "deployment",
    line: 10,
    keyPath: "agent[1].transport.path",
    message: 'Expected an address no other endpoint listens on, got "unix:x.sock", ' +
      'where agent[0] ("vm1") listens',
  },
  {
    what: "two agents on one TCP port",
    deployment: (b) =>
      deployment(
        b,
        agent('{ type = "stream", tcp = "127.0.0.1:9000" }') + "\n" +
          agent('{ type = "stream", tcp = "localhost:9000" }', "vm2"),
      ),
    file: "deployment",
    line: 10,
    keyPath: "agent[1].transport.tcp",
    message: 'Expected an address no other endpoint listens on, got "tcp:127.0.0.1:9000", ' +
      'where agent[0] ("vm1") listens',
  },
  {
    what: "an agent whose default socket is the control socket",
    deployment: (b) => deployment(b, agent('{ type = "stream" }', "control")),
    file: "deployment",
    line: 4,
    keyPath: "agent[0].name",
    message: 'Expected an address no other endpoint listens on, got "unix:control.sock", ' +
      "the control socket of vscmi ctl",
  },
  {
    what: "a board driver option the driver refuses",
    deployment: (b) => deployment(b, agent('{ type = "stream" }')),
    board: (sim) => sim.replace("options = { time_scale = 1 }", "options = { time_scale = -1 }"),
    file: "board",
    line: "options = { time_scale = -1 }",
    keyPath: "driver[0].options.time_scale",
    message: "Expected a number ≥ 0, got -1",
  },
  {
    what: "a plugin module that is not a protocol",
    deployment: (b) =>
      deployment(
        b,
        `[platform]\nplugins = [${JSON.stringify(`${PLUGINS}not_a_protocol.ts`)}]\n\n` +
          agent('{ type = "stream" }'),
      ),
    file: "deployment",
    line: 4,
    keyPath: "platform.plugins[0]",
    message: 'Expected a module whose default or "protocol" export is a protocol definition, ' +
      "got an export that is the value 42",
  },
  {
    what: "whole-board system power for an agent that is not trusted",
    deployment: (b) =>
      deployment(
        b,
        agent('{ type = "stream" }', "vm1", '[agent.system_power]\naction = "board"\n'),
      ),
    file: "deployment",
    line: 8,
    keyPath: "agent[0].system_power.action",
    message: 'Expected "deny", "qmp" or "command" for an agent that is not trusted, got "board"',
  },
];

/** Runs `check` and `serve` on one case in `dir`; asserts they refuse it alike. */
async function refusedAlike(c: Case, dir: string): Promise<void> {
  const sim = simBoardPath();
  let board = sim;
  if (c.board) {
    board = `${dir}/board.toml`;
    await Deno.writeTextFile(board, c.board(await Deno.readTextFile(sim)));
  }
  const file = `${dir}/vscmi.toml`;
  await Deno.writeTextFile(file, c.deployment(board));
  const runDir = `${dir}/run`;
  const [check, serve] = await Promise.all([
    vscmi("check", file),
    vscmi("serve", "--no-journal", "--run-dir", runDir, file),
  ]);
  const where = c.file === "board" ? board : file;
  const line = typeof c.line === "number"
    ? c.line
    : (await Deno.readTextFile(where)).split("\n").indexOf(c.line) + 1;
  const expected = `${where}:${line}:`;
  assertEquals(check.code, 2, `${c.what}: check\n${check.stdout}${check.stderr}`);
  assertEquals(check.stdout, "", `${c.what}: check`);
  const first = check.stderr.split("\n")[0];
  assert(first.startsWith(expected), `${c.what}: expected ${expected}…, got\n${check.stderr}`);
  assertEquals(first.replace(/^[^ ]+ /, ""), `${c.keyPath}: ${c.message}`, c.what);
  assertEquals(serve.code, 2, `${c.what}: serve\n${serve.stdout}${serve.stderr}`);
  assertEquals(serve.stderr, check.stderr, `${c.what}: serve says what check says`);
  assertEquals(serve.stdout, "", `${c.what}: serve printed nothing else`);
  // Refused before anything was created, let alone bound: not even the run directory.
  let made = true;
  try {
    await Deno.lstat(runDir);
  } catch (e) {
    made = !(e instanceof Deno.errors.NotFound);
  }
  assert(!made, `${c.what}: serve created ${runDir}`);
}

Deno.test("every manifest serve refuses, check refuses: same file:line:col key.path, exit 2 from both", async () => {
  const root = await Deno.makeTempDir({ prefix: "vscmi-check-serve-" });
  try {
    // A few at a time: each case is two child processes.
    const queue = CASES.map((c, i) => ({ c, i }));
    const failures: string[] = [];
    await Promise.all(Array.from({ length: 3 }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const dir = `${root}/${next.i}`;
        await Deno.mkdir(dir);
        try {
          await refusedAlike(next.c, dir);
        } catch (e) {
          failures.push(e instanceof Error ? e.message : String(e));
        }
      }
    }));
    assertEquals(failures, []);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a socket another server holds → serve exits 1 naming it; check accepts the manifest", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-check-serve-" });
  const runDir = `${dir}/run`;
  await Deno.mkdir(runDir, { mode: 0o700 });
  const file = `${dir}/vscmi.toml`;
  await Deno.writeTextFile(file, deployment(simBoardPath(), agent('{ type = "stream" }')));
  const other = Deno.listen({ transport: "unix", path: `${runDir}/vm1.sock` });
  try {
    const [check, serve] = await Promise.all([
      vscmi("check", file),
      vscmi("serve", "--no-journal", "--run-dir", runDir, file),
    ]);
    assertEquals(check.code, 0, check.stderr);
    assertEquals(serve.code, 1, serve.stderr);
    assertEquals(
      serve.stderr.trim(),
      `error: Cannot start serving: Cannot listen on "${runDir}/vm1.sock": ` +
        "another server is listening there",
    );
    // The server it started first, the control socket, is gone again.
    assertEquals([...Deno.readDirSync(runDir)].map((e) => e.name), ["vm1.sock"]);
  } finally {
    other.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a TCP port another process holds → serve exits 1 naming the address", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-check-serve-" });
  const other = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = (other.addr as Deno.NetAddr).port;
    const file = `${dir}/vscmi.toml`;
    const tcp = `{ type = "stream", tcp = "127.0.0.1:${port}" }`;
    await Deno.writeTextFile(file, deployment(simBoardPath(), agent(tcp)));
    const r = await vscmi("serve", "--no-journal", "--run-dir", `${dir}/run`, file);
    assertEquals(r.code, 1, r.stderr);
    assert(
      r.stderr.startsWith(`error: Cannot start serving: Cannot listen on tcp:127.0.0.1:${port}: `),
      r.stderr,
    );
  } finally {
    other.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a run directory too deep for a Unix socket path → serve exits 1 naming the socket", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-check-serve-" });
  try {
    const runDir = `${dir}/${"r".repeat(Math.max(1, 110 - dir.length))}`;
    const r = await vscmi("serve", "--no-journal", "--run-dir", runDir, "examples/sim/vscmi.toml");
    assertEquals(r.code, 1, r.stderr);
    const path = `${runDir}/control.sock`;
    assertEquals(
      r.stderr.trim(),
      `error: Cannot start serving: Cannot listen on "${path}": a Unix socket path has at ` +
        `most 107 bytes, this one ${new TextEncoder().encode(path).length}`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a state directory that cannot be created → serve exits 1 naming it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-check-serve-" });
  try {
    await Deno.writeTextFile(`${dir}/file`, "");
    const state = `${dir}/file/state`;
    const r = await vscmi(
      "serve",
      "--run-dir",
      `${dir}/run`,
      "--state-dir",
      state,
      "examples/sim/vscmi.toml",
    );
    assertEquals(r.code, 1, r.stderr);
    assert(
      r.stderr.startsWith(
        `error: Cannot start serving: State directory "${state}" cannot be created (`,
      ),
      r.stderr,
    );
    assert(r.stderr.trim().endsWith("): choose another with --state-dir"), r.stderr);
    assertEquals(r.stdout, "");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
