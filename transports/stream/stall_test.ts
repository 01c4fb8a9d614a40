/**
 * Stalled and abandoned connections never hold an agent's slot: frames on an injected clock
 * over an in-memory connection, then the same over real sockets with a tiny timeout, waiting
 * on the connection's end, never on elapsed time.
 */
import { assert, assertEquals, assertRejects } from "../../core/_assert_test.ts";
import { Agent } from "../../core/agent.ts";
import { emptyBoard } from "../../core/board.ts";
import { encodeHeader } from "../../core/header.ts";
import { Platform } from "../../core/platform.ts";
import { defineProtocol } from "../../core/protocol.ts";
import { ManualClock } from "../../core/timer_clock.ts";
import type { TransportHandle } from "../../core/transport.ts";
import { connectionLimits, StreamConnection } from "./_connection.ts";
import { encodeFrame, FrameSplitter } from "./framing.ts";
import { streamTransport } from "./mod.ts";
import { sessionOpener, transportEnv } from "../../core/session_port.ts";

const P = 0x80;
const TIMEOUT = 100;

const dummy = defineProtocol({
  api: 1,
  id: P,
  name: "dummy",
  versions: [0x10000],
  commands: {
    0x1: { name: "PROTOCOL_ATTRIBUTES", params: 0, run: (_c, m) => m.w.u32(0) },
    /** a2p: u32 value. p2a: u32 value + 1. */
    0x3: { name: "DUMMY_INC", params: 4, run: (_c, m) => m.w.u32(m.r.u32() + 1) },
  },
});

function words(...ws: number[]): Uint8Array {
  const u8 = new Uint8Array(ws.length * 4);
  const dv = new DataView(u8.buffer);
  ws.forEach((w, i) => dv.setUint32(i * 4, w >>> 0, true));
  return u8;
}
const inc = (token: number, v: number) => encodeFrame(words(encodeHeader(3, 0, P, token), v));
const incReply = (token: number, v: number) => words(encodeHeader(3, 0, P, token), 0, v + 1);

function platform(): { platform: Platform; agent: Agent; logs: string[] } {
  const agent = new Agent({ id: 1, name: "vm1", maxMsgSize: 32 });
  agent.grants.protocols.delete(0x10);
  agent.grants.protocols.set(P, {});
  const p = new Platform({
    board: emptyBoard(),
    hw: { system: undefined } as never,
    vendor: { vendor: "vscmi", subVendor: "test", implementationVersion: 1 },
    agents: [agent],
    protocols: [dummy],
  });
  const logs: string[] = [];
  p.log.sink = (level, line) => void logs.push(`${level}: ${line}`);
  return { platform: p, agent, logs };
}

/**
 * An in-memory connection the test drives: `fed` resolves once the server is back in
 * `read`, so everything the bytes caused (replies, the frame clock) has happened. Writes
 * are taken at once, or held while `holdWrites` is set.
 */
class FakeConn {
  readonly written = new FrameSplitter();
  readonly replies: Uint8Array[] = [];
  holdWrites = false;
  closed = false;
  #read: { buf: Uint8Array; done: (n: number | null) => void; fail: (e: Error) => void } | null =
    null;
  #reading: (() => void) | null = null;

  read(buf: Uint8Array): Promise<number | null> {
    return new Promise((done, fail) => {
      if (this.closed) return fail(new Deno.errors.BadResource("closed"));
      this.#read = { buf, done, fail };
      this.#reading?.();
    });
  }

  write(bytes: Uint8Array): Promise<number> {
    if (this.closed) return Promise.reject(new Deno.errors.BadResource("closed"));
    if (this.holdWrites) return new Promise(() => {});
    this.replies.push(...this.written.push(bytes));
    return Promise.resolve(bytes.length);
  }

  close(): void {
    this.closed = true;
    this.#read?.fail(new Deno.errors.BadResource("closed"));
  }

  /** Resolves when the server waits in `read`. */
  idle(): Promise<void> {
    if (this.#read !== null) return Promise.resolve();
    return new Promise((r) => this.#reading = () => (this.#reading = null, r()));
  }

  /** Hands `bytes` to the pending read; resolves when the server reads again. */
  async feed(bytes: Uint8Array): Promise<void> {
    await this.idle();
    const r = this.#read!;
    this.#read = null;
    r.buf.set(bytes);
    r.done(bytes.length);
    if (!this.holdWrites) await this.idle();
  }
}

function connect() {
  const { platform: p, agent, logs } = platform();
  const clock = new ManualClock(5000);
  const fake = new FakeConn();
  let released = 0;
  const c = new StreamConnection(
    fake as unknown as Deno.Conn,
    sessionOpener(p, agent),
    connectionLimits(agent, 8, TIMEOUT),
    { label: "vm1@unix:/run/vm1.sock", log: p.log, clock, onClosed: () => released++ },
  );
  return { c, fake, clock, p, logs, released: () => released };
}

Deno.test("a request frame left incomplete → closed at its deadline, logged, slot released", async () => {
  const { fake, clock, p, logs, released } = connect();
  const next = inc(2, 20);
  await fake.feed(Uint8Array.from([...inc(1, 10), ...next.subarray(0, 3)]));
  assertEquals(fake.replies, [incReply(1, 10)], "the whole frame before it is answered");
  clock.advance(TIMEOUT - 1);
  assertEquals([released(), fake.closed], [0, false]);
  clock.advance(1);
  assertEquals([released(), fake.closed], [1, true]);
  assertEquals(p.sessions.size, 0);
  assertEquals(logs, [
    'warn: Agent "vm1": closed its stream connection vm1@unix:/run/vm1.sock: a request frame stayed incomplete for 100 ms',
  ]);
});

Deno.test("a frame trickled in byte by byte → still due 100 ms after its first byte", async () => {
  const { fake, clock, released } = connect();
  const frame = inc(1, 1);
  for (let i = 0; i < 6; i++) {
    await fake.feed(frame.subarray(i, i + 1));
    clock.advance(15);
  }
  assertEquals(released(), 0);
  clock.advance(TIMEOUT - 6 * 15 - 1);
  assertEquals(released(), 0);
  clock.advance(1);
  assertEquals(released(), 1);
});

Deno.test("frames completed within their time, then a long idle → the connection stays", async () => {
  const { fake, clock, released } = connect();
  const frame = inc(1, 1);
  await fake.feed(frame.subarray(0, 5));
  clock.advance(TIMEOUT - 1);
  // The rest of the first frame and the start of the next, which gets its own full time.
  await fake.feed(Uint8Array.from([...frame.subarray(5), ...inc(2, 2).subarray(0, 2)]));
  clock.advance(TIMEOUT - 1);
  await fake.feed(inc(2, 2).subarray(2));
  clock.advance(100 * TIMEOUT);
  assertEquals(released(), 0);
  assertEquals(fake.replies, [incReply(1, 1), incReply(2, 2)]);
  assertEquals(clock.pending, 0, "an idle connection holds no timer");
});

Deno.test("a reply the peer does not take → closed at the write's deadline", async () => {
  const { fake, clock, released, logs } = connect();
  fake.holdWrites = true;
  await fake.feed(inc(1, 1));
  clock.advance(TIMEOUT - 1);
  assertEquals(released(), 0);
  clock.advance(1);
  assertEquals(released(), 1);
  assert(logs.some((l) => l.includes("a write was not taken by the peer")), logs.join("\n"));
});

Deno.test("yieldSlot: a connection silent since it opened yields after the timeout; one that spoke never", async () => {
  const silent = connect();
  await silent.fake.idle();
  assertEquals(silent.c.yieldsBy, 5000 + TIMEOUT);
  silent.clock.advance(TIMEOUT - 1);
  assertEquals(silent.c.yieldSlot(), false);
  silent.clock.advance(1);
  assertEquals(silent.c.yieldSlot(), true);
  assertEquals(silent.released(), 1);

  const spoke = connect();
  await spoke.fake.feed(inc(1, 1));
  assertEquals(spoke.c.yieldsBy, -Infinity);
  spoke.clock.advance(100 * TIMEOUT);
  assertEquals(spoke.c.yieldSlot(), false);
  assertEquals(spoke.released(), 0);
  // Mid-frame: it yields when the frame is due, not before.
  await spoke.fake.feed(inc(2, 2).subarray(0, 4));
  assertEquals(spoke.c.yieldsBy, spoke.clock.now() + TIMEOUT);
  assertEquals(spoke.c.yieldSlot(), false);
  spoke.c.close();
});

// Real sockets, frame_timeout_ms tiny: the tests wait for the server to close a connection.

async function serve(options: Record<string, unknown>) {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-stall-" });
  const { platform: p, agent, logs } = platform();
  let handle: TransportHandle;
  try {
    handle = await streamTransport.start(transportEnv(p, agent, { options, runDir: `${dir}/run` }));
  } catch (e) {
    await Deno.remove(dir, { recursive: true });
    throw e;
  }
  return {
    platform: p,
    logs,
    path: `${dir}/run/vm1.sock`,
    async [Symbol.asyncDispose]() {
      await handle.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** A client on the agent's socket. */
class Client {
  readonly #split = new FrameSplitter();
  readonly #buf = new Uint8Array(1024);
  readonly #frames: Uint8Array[] = [];
  private constructor(readonly conn: Deno.UnixConn) {}

  static async open(path: string): Promise<Client> {
    return new Client(await Deno.connect({ transport: "unix", path }));
  }

  async send(bytes: Uint8Array): Promise<void> {
    for (let at = 0; at < bytes.length;) at += await this.conn.write(bytes.subarray(at));
  }

  /** The next frame, or null when the server closed the connection. */
  async next(): Promise<Uint8Array | null> {
    while (this.#frames.length === 0) {
      const n = await this.conn.read(this.#buf).catch(() => null);
      if (n === null) return null;
      this.#frames.push(...this.#split.push(this.#buf.subarray(0, n)));
    }
    return this.#frames.shift()!;
  }

  close(): void {
    try {
      this.conn.close();
    } catch {
      // already closed
    }
  }
}

Deno.test("real socket: half a frame → the server closes the connection; the agent connects again", async () => {
  await using s = await serve({ frame_timeout_ms: 1 });
  const a = await Client.open(s.path);
  await a.send(inc(1, 1).subarray(0, 6));
  assertEquals(await a.next(), null);
  a.close();
  assert(s.logs.some((l) => l.includes("stayed incomplete for 1 ms")), s.logs.join("\n"));
  const b = await Client.open(s.path);
  await b.send(inc(2, 2));
  assertEquals(await b.next(), incReply(2, 2));
  b.close();
});

Deno.test("real socket: a stalled connection holds the slot only until its frame is due", async () => {
  await using s = await serve({ frame_timeout_ms: 200 });
  const stalled = await Client.open(s.path);
  await stalled.send(Uint8Array.from([...inc(1, 1), ...inc(2, 2).subarray(0, 3)]));
  assertEquals(await stalled.next(), incReply(1, 1)); // the half frame is on the clock now
  const guest = await Client.open(s.path);
  await guest.send(inc(3, 3));
  assertEquals(await guest.next(), incReply(3, 3));
  assertEquals(await stalled.next(), null);
  stalled.close();
  guest.close();
});

Deno.test("real socket: a connection that never spoke yields to a newcomer; one that spoke keeps the slot", async () => {
  await using s = await serve({ frame_timeout_ms: 20 });
  const silent = await Client.open(s.path);
  const guest = await Client.open(s.path);
  await guest.send(inc(1, 1));
  assertEquals(await guest.next(), incReply(1, 1));
  assertEquals(await silent.next(), null);
  assert(s.logs.some((l) => l.includes("it sent nothing in 20 ms")), s.logs.join("\n"));
  const intruder = await Client.open(s.path);
  assertEquals(await intruder.next(), null, "the guest's connection is in use: refused");
  await guest.send(inc(2, 2));
  assertEquals(await guest.next(), incReply(2, 2));
  for (const c of [silent, guest, intruder]) c.close();
});

Deno.test("frame_timeout_ms outside 1–60000 or not an integer → a TypeError naming the option", async () => {
  for (const bad of [0, -5, 60_001, 1.5, "2000"]) {
    await assertRejects(
      () => serve({ frame_timeout_ms: bad }),
      TypeError,
      `Agent "vm1": "stream" transport: frame_timeout_ms: Expected an integer from 1 to 60000, got ${
        typeof bad === "string" ? `"${bad}"` : bad
      }`,
    );
  }
});
