import { assert, assertEquals, assertRejects } from "../core/_assert_test.ts";
import { Agent } from "../core/agent.ts";
import { emptyBoard } from "../core/board.ts";
import { headerToken, headerType, MsgType } from "../core/header.ts";
import { Platform } from "../core/platform.ts";
import { defineProtocol } from "../core/protocol.ts";
import { Status } from "../core/status.ts";
import { streamTransport } from "../transports/stream/mod.ts";
import { ClientError, ScmiClient } from "./stream.ts";
import { transportEnv } from "../core/session_port.ts";
import { turn } from "../core/_wait_test.ts";

const P = 0x80;

/** DEMO_SLOW requests still unanswered; released when a test's server goes away. */
const held: (() => void)[] = [];

const demo = defineProtocol({
  api: 1,
  id: P,
  name: "demo",
  versions: [0x10000],
  commands: {
    0x1: { name: "PROTOCOL_ATTRIBUTES", params: 0, run: (_c, m) => m.w.u32(0x1234) },
    /** a2p: u32 v. p2a: u32 v. Then a notification (v) and a delayed response (v + 1). */
    0x3: {
      name: "DEMO_ECHO_LATER",
      params: 4,
      run(ctx, m) {
        const v = m.r.u32();
        m.w.u32(v);
        const token = headerToken(m.header);
        // One event-loop turn later, as slow hardware would answer.
        void turn().then(() => {
          ctx.notify(0x0, 4, (w) => w.u32(v));
          ctx.delayed(0x3, token, 0, 4, (w) => w.u32(v + 1));
        });
      },
    },
    /** Answers only when the test's server goes away. */
    0x4: {
      name: "DEMO_SLOW",
      params: 0,
      run: () => new Promise<void>((r) => held.push(r)),
    },
  },
});

async function server() {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-client-" });
  const agent = new Agent({ id: 1, name: "vm1" });
  agent.grants.protocols.delete(0x10);
  agent.grants.protocols.set(P, {});
  const platform = new Platform({
    board: emptyBoard(),
    hw: { system: undefined } as never,
    vendor: { vendor: "v", subVendor: "s", implementationVersion: 1 },
    agents: [agent],
    protocols: [demo],
  });
  platform.log.sink = () => {};
  const handle = await streamTransport.start(
    transportEnv(platform, agent, { options: {}, runDir: dir }),
  );
  return {
    path: `${dir}/vm1.sock`,
    async [Symbol.asyncDispose]() {
      for (const release of held.splice(0)) release();
      await handle.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("request → reply matched by token: header, status and payload split", async () => {
  await using s = await server();
  const c = await ScmiClient.connect({ kind: "unix", path: s.path });
  const r1 = await c.request(P, 0x1);
  const r2 = await c.request(P, 0x9);
  assertEquals(headerToken(r1.header), 0);
  assertEquals(headerToken(r2.header), 1);
  assertEquals(r1.status, Status.SUCCESS);
  assertEquals([...r1.payload], [0x34, 0x12, 0, 0]);
  assertEquals(r2.status, Status.NOT_SUPPORTED);
  assertEquals(r2.payload.length, 0);
  await c.close();
});

Deno.test("concurrent requests → each reply reaches its own caller", async () => {
  await using s = await server();
  const c = await ScmiClient.connect({ kind: "unix", path: s.path });
  const replies = await Promise.all([1, 2, 3, 4].map((v) => c.request(P, 0x3, [v])));
  assertEquals(
    replies.map((r) => new DataView(r.payload.buffer, r.payload.byteOffset).getUint32(0, true)),
    [1, 2, 3, 4],
  );
  await c.close();
});

Deno.test("notifications and delayed responses are collected; waitFor finds the delayed one", async () => {
  await using s = await server();
  const c = await ScmiClient.connect({ kind: "unix", path: s.path });
  const r = await c.request(P, 0x3, [41]);
  const token = headerToken(r.header);
  const delayed = await c.waitFor((m) => {
    const h = new DataView(m.buffer, m.byteOffset).getUint32(0, true);
    return headerType(h) === MsgType.DELAYED_RESPONSE && headerToken(h) === token;
  });
  assert(delayed !== null);
  assertEquals(new DataView(delayed.buffer, delayed.byteOffset).getUint32(8, true), 42);
  const rest = await c.collect(20);
  assertEquals(rest.length, 1);
  const h = new DataView(rest[0].buffer, rest[0].byteOffset).getUint32(0, true);
  assertEquals(headerType(h), MsgType.NOTIFICATION);
  await c.close();
});

Deno.test("no reply within the timeout → ClientError naming the message", async () => {
  await using s = await server();
  const c = await ScmiClient.connect({ kind: "unix", path: s.path });
  await assertRejects(() => c.request(P, 0x4, [], 50), ClientError, "message 0x4 within 50 ms");
  await c.close();
});

Deno.test("the connection ends → pending requests reject with ClientError", async () => {
  await using s = await server();
  const c = await ScmiClient.connect({ kind: "unix", path: s.path });
  const pending = c.request(P, 0x4, [], 5000);
  await turn();
  const closing = c.close();
  await assertRejects(() => pending, ClientError);
  await closing;
  await assertRejects(() => c.request(P, 0x1), ClientError);
});

Deno.test("the server goes away while a request is being written → it rejects, and nothing is left unobserved", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-client-" });
  const path = `${dir}/gone.sock`;
  const listener = Deno.listen({ transport: "unix", path });
  const unobserved: unknown[] = [];
  const watch = (e: PromiseRejectionEvent) => {
    unobserved.push(e.reason);
    e.preventDefault();
  };
  globalThis.addEventListener("unhandledrejection", watch);
  try {
    const accepted = listener.accept();
    const c = await ScmiClient.connect({ kind: "unix", path });
    const peer = await accepted;
    // Far more than a socket buffer holds: the write waits for a reader that never reads.
    const big = new Uint8Array(8 << 20);
    const sending = c.send(big, 5000);
    peer.close();
    await assertRejects(() => sending);
    await c.close();
    // Let a rejection nobody handles surface.
    for (let i = 0; i < 3; i++) await turn();
    assertEquals(unobserved, []);
  } finally {
    globalThis.removeEventListener("unhandledrejection", watch);
    listener.close();
    await Deno.remove(dir, { recursive: true });
  }
});
