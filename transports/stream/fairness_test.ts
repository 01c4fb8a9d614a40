/**
 * Fair turns on the stream transport, without timing: two agents' connections over fake
 * sockets the test feeds, a scheduler whose pause the test ends, and a protocol that records
 * the order in which messages are dispatched.
 */
import { DEFAULT_FRAME_TIMEOUT_MS } from "../../core/stall_watch.ts";
import { assertEquals } from "../../core/_assert_test.ts";
import { recordRequest, settle, turnsPlatform } from "../../core/_turns_test.ts";
import { encodeFrame, FrameSplitter } from "./framing.ts";
import { connectionLimits, StreamConnection } from "./_connection.ts";
import { sessionOpener } from "../../core/session_port.ts";

/** A socket the test feeds: reads wait for `feed`, writes are kept. */
class FakeConn {
  reads = 0;
  readonly replies = new FrameSplitter();
  readonly got: number[] = [];
  #held: Uint8Array[] = [];
  #reader: { buf: Uint8Array; done: (n: number | null) => void } | null = null;
  #closed = false;

  feed(bytes: Uint8Array): void {
    this.#held.push(bytes);
    this.#serve();
  }
  read(buf: Uint8Array): Promise<number | null> {
    this.reads++;
    return new Promise((done) => {
      this.#reader = { buf, done };
      this.#serve();
    });
  }
  write(bytes: Uint8Array): Promise<number> {
    for (const r of this.replies.push(bytes)) {
      this.got.push(new DataView(r.buffer).getUint32(8, true));
    }
    return Promise.resolve(bytes.length);
  }
  close(): void {
    this.#closed = true;
    this.#serve();
  }
  #serve(): void {
    const r = this.#reader;
    if (r === null) return;
    if (this.#closed) {
      this.#reader = null;
      r.done(null);
      return;
    }
    const chunk = this.#held.shift();
    if (chunk === undefined) return;
    this.#reader = null;
    const n = Math.min(chunk.length, r.buf.length);
    r.buf.set(chunk.subarray(0, n));
    if (n < chunk.length) this.#held.unshift(chunk.subarray(n));
    r.done(n);
  }
}

/** `count` RECORD requests numbered from `from`, framed back to back. */
function requests(from: number, count: number): Uint8Array {
  const frames: Uint8Array[] = [];
  for (let i = from; i < from + count; i++) frames.push(encodeFrame(recordRequest(i)));
  const out = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
  let at = 0;
  for (const f of frames) (out.set(f, at), at += f.length);
  return out;
}

function rig(quota: number) {
  const t = turnsPlatform(quota);
  const { platform } = t;
  const conns = t.agents.map((agent) => {
    const fake = new FakeConn();
    const c = new StreamConnection(
      fake as unknown as Deno.Conn,
      sessionOpener(platform, agent),
      connectionLimits(agent, 32, DEFAULT_FRAME_TIMEOUT_MS),
      { label: agent.name, log: platform.log, onClosed: () => {} },
    );
    return { fake, c };
  });
  return {
    ...t,
    a: conns[0],
    b: conns[1],
    async close() {
      for (const { fake, c } of conns) {
        fake.close();
        await c.done;
      }
    },
  };
}

Deno.test("a flooding agent's backlog is served in turns: another agent's requests go as they arrive, not after the backlog", async () => {
  const r = rig(4);
  r.a.fake.feed(requests(0, 10));
  await settle(r.paused);
  // a's first turn went at once; it wants more, and waits for the next round.
  assertEquals(r.dispatched, ["a0", "a1", "a2", "a3"]);
  assertEquals(r.sched.waiting.map((x) => x.name), ["a"]);
  r.b.fake.feed(requests(0, 3));
  await settle(() => r.b.fake.got.length === 3);
  // b went in the pause, before the round: it did not wait for a's six other requests.
  assertEquals(r.dispatched.slice(4), ["b0", "b1", "b2"]);
  assertEquals(r.b.fake.got, [0, 1, 2], "b's replies went out in its turn");
  assertEquals(r.paused(), true, "the round a waits for has not started");
  r.release();
  await settle(() => r.paused() && r.dispatched.length === 11);
  assertEquals(r.dispatched.slice(7), ["a4", "a5", "a6", "a7"]);
  r.release();
  await settle(() => r.a.fake.got.length === 10);
  assertEquals(r.dispatched.slice(11), ["a8", "a9"]);
  assertEquals(r.a.fake.got, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  await r.close();
});

Deno.test("two agents with backlogs alternate one turn each per round", async () => {
  const r = rig(2);
  r.a.fake.feed(requests(0, 6));
  r.b.fake.feed(requests(0, 6));
  await settle(() => r.paused() && r.dispatched.length === 4);
  assertEquals(r.dispatched, ["a0", "a1", "b0", "b1"]);
  for (let round = 0; round < 2; round++) {
    r.release();
    await settle(() => r.paused() && r.dispatched.length === 8 + 4 * round);
  }
  assertEquals(r.dispatched.slice(4), ["a2", "a3", "b2", "b3", "a4", "a5", "b4", "b5"]);
  await settle(() => r.a.fake.got.length === 6 && r.b.fake.got.length === 6);
  await r.close();
});

Deno.test("a connection holding unanswered requests reads no more until they are answered", async () => {
  const r = rig(2);
  r.a.fake.feed(requests(0, 6));
  await settle(r.paused);
  assertEquals(r.a.fake.reads, 1);
  // The peer keeps sending: it stays in its socket while a's requests wait for turns.
  r.a.fake.feed(requests(6, 6));
  for (let round = 0; round < 2; round++) {
    await settle(r.paused);
    assertEquals(r.a.fake.reads, 1, `no read while requests wait (round ${round})`);
    r.release();
  }
  // The backlog answered, the connection reads the rest.
  await settle(() => r.a.fake.reads === 2);
  assertEquals(r.a.fake.got, [0, 1, 2, 3, 4, 5]);
  assertEquals(r.a.fake.reads, 2);
  for (let i = 0; i < 3; i++) {
    await settle(() => r.paused() || r.a.fake.got.length === 12);
    if (r.paused()) r.release();
  }
  await settle(() => r.a.fake.got.length === 12);
  assertEquals(r.a.fake.got, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  await r.close();
});
