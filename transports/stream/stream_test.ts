import { assert, assertEquals, assertRejects } from "../../core/_assert_test.ts";
import { HANG_MS, turn, until } from "../../core/_wait_test.ts";
import { Agent } from "../../core/agent.ts";
import { emptyBoard } from "../../core/board.ts";
import { encodeHeader, MsgType } from "../../core/header.ts";
import { Platform } from "../../core/platform.ts";
import { defineProtocol } from "../../core/protocol.ts";
import type { Ctx } from "../../core/session.ts";
import type { TransportHandle } from "../../core/transport.ts";
import { Status } from "../../core/status.ts";
import { encodeFrame, FrameSplitter } from "./framing.ts";
import { streamTransport } from "./mod.ts";
import { transportEnv } from "../../core/session_port.ts";

const P = 0x80;
const MAX_MSG = 32;

/** What the dummy protocol saw: sessions opened and closed. */
const events: string[] = [];
let lastCtx: Ctx | undefined;

const dummy = defineProtocol({
  api: 1,
  id: P,
  name: "dummy",
  versions: [0x10000],
  events: { 0x0: { name: "DUMMY_EVENT", p2a: "seq" } },
  open(ctx) {
    events.push(`open:${ctx.agent.name}`);
    lastCtx = ctx;
    return undefined;
  },
  close(ctx) {
    events.push(`close:${ctx.agent.name}`);
  },
  commands: {
    0x1: { name: "PROTOCOL_ATTRIBUTES", params: 0, run: (_c, m) => m.w.u32(0xabcd) },
    /** a2p: u32 value. p2a: u32 value + 1. */
    0x3: { name: "DUMMY_INC", params: 4, run: (_c, m) => m.w.u32(m.r.u32() + 1) },
    /** Blocks for an event-loop turn, then answers 0x5105. */
    0x4: {
      name: "DUMMY_SLOW",
      params: 0,
      run: async (_c, m) => {
        await turn();
        m.w.u32(0x5105);
      },
    },
    /** a2p: u32 n. Queues n notifications before its reply, and one more a turn later. */
    0x5: {
      name: "DUMMY_NOTIFY",
      params: 4,
      run: (ctx, m) => {
        const n = m.r.u32();
        for (let i = 0; i < n; i++) ctx.notify(0x0, 8, (w) => (w.u32(i), w.u32(0xee)));
        void turn().then(() => ctx.notify(0x0, 8, (w) => (w.u32(n), w.u32(0xff))));
      },
    },
    /** Answers with as many payload bytes as the agent's size allows. */
    0x6: { name: "DUMMY_FILL", params: 0, run: (_c, m) => m.w.zeros(MAX_MSG) },
  },
});

interface Server {
  platform: Platform;
  handle: TransportHandle;
  dir: string;
  path: string;
  logs: string[];
  [Symbol.asyncDispose](): Promise<void>;
}

async function server(options: Record<string, unknown> = {}): Promise<Server> {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-stream-" });
  const runDir = `${dir}/run`;
  const agent = new Agent({ id: 1, name: "vm1", maxMsgSize: MAX_MSG });
  agent.grants.protocols.delete(0x10);
  agent.grants.protocols.set(P, {});
  const platform = new Platform({
    board: emptyBoard(),
    hw: { system: undefined } as never,
    vendor: { vendor: "vscmi", subVendor: "test", implementationVersion: 1 },
    agents: [agent],
    protocols: [dummy],
  });
  const logs: string[] = [];
  platform.log.sink = (level, line) => void logs.push(`${level}: ${line}`);
  let handle: TransportHandle;
  try {
    handle = await streamTransport.start(transportEnv(platform, agent, { options, runDir }));
  } catch (e) {
    await Deno.remove(dir, { recursive: true });
    throw e;
  }
  return {
    platform,
    handle,
    dir,
    path: `${runDir}/vm1.sock`,
    logs,
    async [Symbol.asyncDispose]() {
      await handle.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** A raw client: writes bytes as given, reads whole frames. */
class Peer {
  readonly #split = new FrameSplitter(1 << 20);
  readonly #frames: Uint8Array[] = [];
  #eof = false;
  readonly #buf = new Uint8Array(4096);

  constructor(readonly conn: Deno.Conn) {}

  static async unix(path: string): Promise<Peer> {
    return new Peer(await Deno.connect({ transport: "unix", path }));
  }

  async send(bytes: Uint8Array): Promise<void> {
    let off = 0;
    while (off < bytes.length) off += await this.conn.write(bytes.subarray(off));
  }

  /** Reads until `n` frames are held (or EOF / timeout); returns them. */
  async frames(n: number, timeoutMs = HANG_MS): Promise<Uint8Array[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.#frames.length < n && !this.#eof && Date.now() < deadline) {
      await this.#read(deadline);
    }
    return this.#frames.splice(0, n);
  }

  /** Whether the server closed the connection within `timeoutMs`. */
  async closed(timeoutMs = HANG_MS): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#eof && Date.now() < deadline) await this.#read(deadline);
    return this.#eof;
  }

  async #read(deadline: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const got = await Promise.race([
      this.conn.read(this.#buf).catch(() => null),
      new Promise<"timeout">((r) => timer = setTimeout(() => r("timeout"), deadline - Date.now())),
    ]);
    clearTimeout(timer);
    if (got === "timeout") return;
    if (got === null) {
      this.#eof = true;
      return;
    }
    this.#frames.push(...this.#split.push(this.#buf.subarray(0, got)));
  }

  close(): void {
    try {
      this.conn.close();
    } catch {
      // already closed
    }
  }
}

function words(...ws: number[]): Uint8Array {
  const u8 = new Uint8Array(ws.length * 4);
  const dv = new DataView(u8.buffer);
  ws.forEach((w, i) => dv.setUint32(i * 4, w >>> 0, true));
  return u8;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const inc = (token: number, v: number) => words(encodeHeader(3, 0, P, token), v);
const incReply = (token: number, v: number) => words(encodeHeader(3, 0, P, token), 0, v + 1);

Deno.test("several frames in one write → every reply, in order, each its own frame", async () => {
  await using s = await server();
  const peer = await Peer.unix(s.path);
  await peer.send(
    concat(encodeFrame(inc(1, 10)), encodeFrame(inc(2, 20)), encodeFrame(inc(3, 30))),
  );
  assertEquals(await peer.frames(3), [incReply(1, 10), incReply(2, 20), incReply(3, 30)]);
  peer.close();
});

Deno.test("a frame split across writes → answered once it is complete", async () => {
  await using s = await server();
  const peer = await Peer.unix(s.path);
  const frame = encodeFrame(inc(7, 41));
  for (const cut of [[0, 2], [2, 5], [5, 9], [9, frame.length]]) {
    await peer.send(frame.subarray(cut[0], cut[1]));
    await turn();
  }
  assertEquals(await peer.frames(1), [incReply(7, 41)]);
  peer.close();
});

Deno.test("zero-length and 3-byte frames → dropped and logged once, serving goes on", async () => {
  await using s = await server();
  const peer = await Peer.unix(s.path);
  const short = concat(words(3), new Uint8Array([1, 2, 3]));
  await peer.send(concat(words(0), short, short, encodeFrame(inc(1, 1))));
  assertEquals(await peer.frames(1), [incReply(1, 1)]);
  // The next frame answers the next request: nothing went out for the dropped frames.
  await peer.send(encodeFrame(inc(2, 2)));
  assertEquals(await peer.frames(1), [incReply(2, 2)], "nothing for the dropped frames");
  assertEquals(s.logs.filter((l) => l.includes("shorter than a header")).length, 1);
  peer.close();
});

Deno.test("a frame of exactly 4 + max message size → answered, not closed", async () => {
  await using s = await server();
  const peer = await Peer.unix(s.path);
  const body = new Uint8Array(4 + MAX_MSG);
  body.set(words(encodeHeader(3, 0, P, 9)));
  await peer.send(encodeFrame(body));
  // DUMMY_INC wants 4 parameter bytes: PROTOCOL_ERROR, but the connection stays.
  assertEquals(await peer.frames(1), [words(encodeHeader(3, 0, P, 9), Status.PROTOCOL_ERROR)]);
  await peer.send(encodeFrame(inc(2, 5)));
  assertEquals(await peer.frames(1), [incReply(2, 5)]);
  peer.close();
});

Deno.test("oversize frame → connection closed with a log naming the agent; a new connection is served", async () => {
  await using s = await server();
  const peer = await Peer.unix(s.path);
  await peer.send(words(4 + MAX_MSG + 1));
  assert(await peer.closed(), "the server should close the connection");
  assert(s.logs.some((l) => l.includes('Agent "vm1"') && l.includes("exceeds")), s.logs.join("\n"));
  peer.close();
  await until(() => s.platform.sessions.size === 0, "every session closed");
  const again = await Peer.unix(s.path);
  await again.send(encodeFrame(inc(1, 99)));
  assertEquals(await again.frames(1), [incReply(1, 99)]);
  again.close();
});

Deno.test("absurd length 0xffffffff → connection closed without allocating it", async () => {
  await using s = await server();
  const peer = await Peer.unix(s.path);
  await peer.send(words(0xffffffff, 0, 0, 0));
  assert(await peer.closed());
  peer.close();
});

Deno.test("second concurrent connection → refused and logged once; the first keeps working", async () => {
  await using s = await server();
  const first = await Peer.unix(s.path);
  await first.send(encodeFrame(inc(1, 1)));
  assertEquals(await first.frames(1), [incReply(1, 1)]);
  const second = await Peer.unix(s.path);
  assert(await second.closed(), "the second connection should be closed");
  const third = await Peer.unix(s.path);
  assert(await third.closed());
  assertEquals(s.logs.filter((l) => l.includes("second connection")).length, 1);
  await first.send(encodeFrame(inc(2, 2)));
  assertEquals(await first.frames(1), [incReply(2, 2)]);
  assertEquals(s.platform.sessions.size, 1);
  for (const p of [first, second, third]) p.close();
});

Deno.test("client disconnect → session closed, the plugin's close hook runs", async () => {
  await using s = await server();
  events.length = 0;
  const peer = await Peer.unix(s.path);
  await peer.send(encodeFrame(inc(1, 1)));
  await peer.frames(1);
  assertEquals(events, ["open:vm1"]);
  assertEquals(s.platform.sessions.size, 1);
  peer.close();
  await until(() => s.platform.sessions.size === 0, "every session closed");
  assertEquals(events, ["open:vm1", "close:vm1"]);
});

Deno.test("notifications → whole frames after the reply, and later ones while idle", async () => {
  await using s = await server();
  const peer = await Peer.unix(s.path);
  await peer.send(encodeFrame(words(encodeHeader(5, 0, P, 4), 3)));
  const note = (seq: number, tag: number) =>
    words(encodeHeader(0, MsgType.NOTIFICATION, P, 0), seq, tag);
  assertEquals(await peer.frames(5), [
    words(encodeHeader(5, 0, P, 4), 0),
    note(0, 0xee),
    note(1, 0xee),
    note(2, 0xee),
    note(3, 0xff),
  ]);
  // A notification queued from outside any request (another agent's action) also goes out.
  lastCtx!.notify(0x0, 8, (w) => (w.u32(77), w.u32(0x11)));
  assertEquals(await peer.frames(1), [note(77, 0x11)]);
  peer.close();
});

Deno.test("a blocked handler keeps order: earlier replies go out first, later ones wait", async () => {
  await using s = await server();
  const peer = await Peer.unix(s.path);
  const slow = words(encodeHeader(4, 0, P, 2));
  await peer.send(concat(encodeFrame(inc(1, 1)), encodeFrame(slow), encodeFrame(inc(3, 3))));
  assertEquals(await peer.frames(3), [
    incReply(1, 1),
    words(encodeHeader(4, 0, P, 2), 0, 0x5105),
    incReply(3, 3),
  ]);
  peer.close();
});

Deno.test("more replies than the output buffer holds → all of them, in order", async () => {
  await using s = await server({ max_msg: 1 });
  const peer = await Peer.unix(s.path);
  const fill = words(encodeHeader(6, 0, P, 0));
  const n = 40;
  await peer.send(concat(...Array.from({ length: n }, () => encodeFrame(fill))));
  const got = await peer.frames(n);
  assertEquals(got.length, n);
  for (const f of got) assertEquals(f.length, 8 + MAX_MSG);
  peer.close();
});

Deno.test("unix endpoint: socket 0600 in a 0700 run dir, stale file replaced, removed on close", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-stream-" });
  const runDir = `${dir}/run`;
  await Deno.mkdir(runDir, { mode: 0o755 });
  // A stale socket: its listener is gone, the file stays.
  const stale = Deno.listen({ transport: "unix", path: `${runDir}/vm1.sock` });
  const copy = `${dir}/keep.sock`;
  await Deno.link(`${runDir}/vm1.sock`, copy);
  stale.close();
  await Deno.rename(copy, `${runDir}/vm1.sock`);
  const agent = new Agent({ id: 1, name: "vm1" });
  agent.grants.protocols.delete(0x10);
  const platform = new Platform({
    board: emptyBoard(),
    hw: { system: undefined } as never,
    vendor: { vendor: "v", subVendor: "s", implementationVersion: 1 },
    agents: [agent],
    protocols: [],
  });
  const h = await streamTransport.start(transportEnv(platform, agent, { options: {}, runDir }));
  assertEquals(h.address, `unix:${runDir}/vm1.sock`);
  assertEquals((await Deno.stat(runDir)).mode! & 0o777, 0o700);
  assertEquals((await Deno.lstat(`${runDir}/vm1.sock`)).mode! & 0o777, 0o600);
  await assertRejects(
    () => streamTransport.start(transportEnv(platform, agent, { options: {}, runDir })),
    Error,
    "another server is listening",
  );
  await h.close();
  await assertRejects(() => Deno.lstat(`${runDir}/vm1.sock`), Deno.errors.NotFound);
  await Deno.writeTextFile(`${runDir}/vm1.sock`, "not a socket");
  await assertRejects(
    () => streamTransport.start(transportEnv(platform, agent, { options: {}, runDir })),
    Error,
    "not a socket",
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("tcp endpoint: loopback serves; a non-loopback address → refused with a clear error", async () => {
  const loopback = "tcp: Expected a loopback address (only 127.0.0.0/8, [::1] and localhost)";
  await assertRejects(() => server({ tcp: "0.0.0.0:0" }), TypeError, loopback);
  await assertRejects(() => server({ tcp: "10.1.2.3:9000" }), TypeError, loopback);
  await assertRejects(() => server({ tcp: "127.0.0.1" }), TypeError, 'tcp: Expected "HOST:PORT"');
  await assertRejects(
    () => server({ path: "a", tcp: "127.0.0.1:0" }),
    TypeError,
    "tcp: Expected no tcp address when path is set",
  );
  await assertRejects(
    () => server({ bogus: 1 }),
    TypeError,
    'transport ("path", "tcp", "max_msg", "frame_timeout_ms"), got "bogus"',
  );
  await assertRejects(
    () => server({ max_msg: 0 }),
    TypeError,
    'Agent "vm1": "stream" transport: max_msg: Expected an integer from 1 to 1024, got 0',
  );
  await using s = await server({ tcp: "127.0.0.1:0" });
  const m = /^tcp:127\.0\.0\.1:(\d+)$/.exec(s.handle.address);
  assert(m, s.handle.address);
  const peer = new Peer(await Deno.connect({ hostname: "127.0.0.1", port: Number(m[1]) }));
  await peer.send(concat(encodeFrame(inc(1, 1)), encodeFrame(inc(2, 2))));
  assertEquals(await peer.frames(2), [incReply(1, 1), incReply(2, 2)]);
  peer.close();
});

Deno.test("close() → the open connection ends and its session closes", async () => {
  const s = await server();
  const peer = await Peer.unix(s.path);
  await peer.send(encodeFrame(inc(1, 1)));
  await peer.frames(1);
  await s.handle.close();
  assertEquals(s.platform.sessions.size, 0);
  assert(await peer.closed());
  peer.close();
  await Deno.remove(s.dir, { recursive: true });
});
