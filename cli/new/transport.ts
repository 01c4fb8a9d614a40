/**
 * `vscmi new transport NAME`: a transport type that listens on a Unix socket and frames each
 * message with a little-endian u32 length, one session per connection through
 * `TransportEnv.open()`, with a test that runs it against a recording session port.
 * @module
 */
import type { ApiPath, Names } from "./names.ts";
import { readme } from "./readme.ts";

/** The files of a transport scaffold, by name. */
export function transportFiles(n: Names, api: ApiPath): Record<string, string> {
  const r = api.root;
  const file = n.name.replaceAll("-", "_");
  return {
    "mod.ts": `/**
 * The "${n.dashed}" transport: a Unix socket \`<run-dir>/<agent>.${n.dashed}.sock\`; each connection
 * is one session; each message in either direction is a u32 little-endian length, then the
 * message. A length of 0 or above the agent's \`max_msg\` closes the connection (nothing is
 * delivered); so does end of stream, which closes the session.
 * @module
 */
import { API_MAJOR, defineTransport, Msg } from "${r}mod.ts";
import type { SessionPort, TransportEnv, TransportHandle } from "${r}mod.ts";

/** Reads exactly \`n\` bytes; undefined at end of stream. */
async function readFull(conn: Deno.Conn, n: number): Promise<Uint8Array | undefined> {
  const buf = new Uint8Array(n);
  let at = 0;
  while (at < n) {
    const got = await conn.read(buf.subarray(at));
    if (got === null) return undefined;
    at += got;
  }
  return buf;
}

/** Serves one connection as one session until it ends or frames badly. */
async function serveConn(conn: Deno.Conn, port: SessionPort, maxMsg: number): Promise<void> {
  const msg = new Msg();
  const out = new Uint8Array(4 + maxMsg);
  try {
    for (;;) {
      const head = await readFull(conn, 4);
      if (!head) return;
      const len = new DataView(head.buffer).getUint32(0, true);
      if (len === 0 || len > maxMsg) return;
      const body = await readFull(conn, len);
      if (!body) return;
      msg.r.reset(body, 0, len);
      msg.w.reset(out, 4, maxMsg);
      const n = await port.deliver(msg);
      if (n === 0) continue; // dropped: no reply
      new DataView(out.buffer).setUint32(0, n, true);
      await conn.write(out.subarray(0, 4 + n));
    }
  } catch {
    // A broken connection ends its session like a closed one.
  } finally {
    port.close("end");
    try {
      conn.close();
    } catch {
      // already closed
    }
  }
}

/** The "${n.dashed}" transport type (\`transport = { type = "${n.dashed}" }\`). */
export const ${n.camel}Transport = defineTransport({
  api: API_MAJOR,
  name: "${n.dashed}",
  summary: "length-framed messages over a Unix socket",
  options: {},
  start(env: TransportEnv): Promise<TransportHandle> {
    const path = \`\${env.runDir}/\${env.agent.name}.${n.dashed}.sock\`;
    const listener = Deno.listen({ transport: "unix", path });
    const conns = new Set<Deno.Conn>();
    const served = new Set<Promise<void>>();
    const accepting = (async () => {
      for await (const conn of listener) {
        conns.add(conn);
        const port = env.open({ p2a: false });
        const job = serveConn(conn, port, env.agent.maxMsgSize).finally(() => {
          conns.delete(conn);
          served.delete(job);
        });
        served.add(job);
      }
    })().catch(() => {});
    return Promise.resolve({
      address: \`unix:\${path}\`,
      p2a: false,
      async close() {
        listener.close();
        for (const c of conns) {
          try {
            c.close();
          } catch {
            // its session is ending on its own
          }
        }
        await accepting;
        await Promise.all(served);
        await Deno.remove(path).catch(() => {});
      },
    });
  },
});

export default ${n.camel}Transport;
`,
    [`${file}_test.ts`]: `/**
 * The "${n.dashed}" transport against a recording session port: replies framed with their
 * exact length, hostile framing closing the connection, sessions opened and closed.
 * @module
 */
import { deepStrictEqual } from "node:assert/strict";
import type { Msg, SessionPort, TransportEnv } from "${r}mod.ts";
import { ${n.camel}Transport } from "./mod.ts";

/** A TransportEnv whose sessions answer each message with its first word and the status 0. */
function recordingEnv(runDir: string) {
  const events: string[] = [];
  let closed!: () => void;
  const ended = new Promise<void>((resolve) => closed = resolve);
  const env = {
    options: {},
    runDir,
    log: undefined as never,
    agent: { name: "vm1", maxMsgSize: 128 },
    attachIoPause: () => Promise.resolve(() => {}),
    open(): SessionPort {
      events.push("open");
      return {
        label: "vm1",
        open: true,
        p2a: null,
        tracing: false,
        quota: 1,
        nextTurn: () => Promise.resolve(),
        sent: () => {},
        deliver(m: Msg) {
          const header = m.r.u32();
          events.push(\`deliver \${header.toString(16)}\`);
          m.w.u32(header);
          m.w.u32(0);
          return m.w.length;
        },
        close(how) {
          events.push(\`close \${how}\`);
          closed();
        },
      };
    },
  } satisfies TransportEnv;
  return { env, events, ended };
}

function frame(bytes: number[]): Uint8Array {
  const out = new Uint8Array(4 + bytes.length);
  new DataView(out.buffer).setUint32(0, bytes.length, true);
  out.set(bytes, 4);
  return out;
}

/** Every byte until the transport closes the connection (a reset counts as closing). */
async function readAll(conn: Deno.Conn): Promise<number[]> {
  const out: number[] = [];
  const buf = new Uint8Array(64);
  for (;;) {
    let n: number | null;
    try {
      n = await conn.read(buf);
    } catch (e) {
      if (e instanceof Deno.errors.ConnectionReset) return out;
      throw e;
    }
    if (n === null) return out;
    out.push(...buf.subarray(0, n));
  }
}

Deno.test("${n.dashed}: a reply comes back framed with its exact length; the session closes at end of stream", async () => {
  const dir = await Deno.makeTempDir();
  const { env, events, ended } = recordingEnv(dir);
  const handle = await ${n.camel}Transport.start(env);
  try {
    const conn = await Deno.connect({ transport: "unix", path: handle.address.slice(5) });
    await conn.write(frame([0x10, 0x00, 0x00, 0x00]));
    const reply = new Uint8Array(12);
    let at = 0;
    while (at < 12) at += (await conn.read(reply.subarray(at)))!;
    deepStrictEqual([...reply], [8, 0, 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0]);
    conn.close();
    await ended;
    deepStrictEqual(events, ["open", "deliver 10", "close end"]);
  } finally {
    await handle.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("${n.dashed}: an oversized length closes the connection and delivers nothing", async () => {
  const dir = await Deno.makeTempDir();
  const { env, events, ended } = recordingEnv(dir);
  const handle = await ${n.camel}Transport.start(env);
  try {
    const conn = await Deno.connect({ transport: "unix", path: handle.address.slice(5) });
    await conn.write(new Uint8Array([0xff, 0xff, 0xff, 0x7f, 1, 2, 3, 4]));
    deepStrictEqual(await readAll(conn), []);
    conn.close();
    await ended;
    deepStrictEqual(events, ["open", "close end"]);
  } finally {
    await handle.close();
    await Deno.remove(dir, { recursive: true });
  }
});
`,
    "README.md": readme(
      `The "${n.dashed}" transport`,
      [
        "A transport type scaffolded by `vscmi new transport`: `mod.ts` listens on a Unix socket",
        "and opens one session per connection with `TransportEnv.open()`; each message is",
        "framed by a u32 little-endian length. Give the type to the platform with the built-in",
        `transports to use it in a deployment (\`transport = { type = "${n.dashed}" }\`).`,
      ],
      `deno test -A ${file}_test.ts`,
      api,
    ),
  };
}
