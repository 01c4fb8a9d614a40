/**
 * The native-call layer on its own: errno reporting, eventfds, descriptor passing with
 * SCM_RIGHTS, shared mappings, the poll Worker, and the size checks of the wire decoders.
 */
import { until } from "../../core/_wait_test.ts";
import { assert, assertEquals, assertThrows } from "../../core/_assert_test.ts";
import { EventFd, signalFd } from "./eventfd.ts";
import { closeFd, libc, LibcError, unwrap } from "./libc.ts";
import { Mapping } from "./mmap.ts";
import { Reactor } from "./poll.ts";
import { decodeHeader, decodeMemTable, ProtocolViolation } from "../vhost-user/protocol.ts";
import { acceptUnix, connectUnix, FdSocket, listenUnix } from "./socket.ts";
import { P, TestGuestMemory } from "../vhost-user/_frontend.ts";

Deno.test("unwrap(-1) → LibcError naming the call, errno and the C library's text", () => {
  const e = assertThrows(() => unwrap(libc().close(-1), "close"), LibcError) as LibcError;
  assertEquals(e.errno, 9);
  assert(e.message.startsWith("close failed: Bad file descriptor (errno 9)"), e.message);
  assertEquals(unwrap(5n, "x"), 5);
});

Deno.test("eventfd: signals add up, a drain returns the sum and clears it; close is idempotent", () => {
  const e = new EventFd();
  assertEquals(e.drain(), 0);
  e.signal();
  e.signal();
  signalFd(e.fd);
  assertEquals(e.drain(), 3);
  assertEquals(e.drain(), 0);
  e.close();
  e.close();
  assertEquals(e.fd, -1);
});

Deno.test("a descriptor sent with SCM_RIGHTS arrives as a new fd for the same eventfd", async () => {
  const dir = await Deno.makeTempDir();
  const lfd = listenUnix(`${dir}/s`);
  const a = new FdSocket(connectUnix(`${dir}/s`));
  const b = new FdSocket(acceptUnix(lfd));
  const ev = new EventFd();
  try {
    a.send(new Uint8Array([1, 2, 3]), [ev.fd]);
    const buf = new Uint8Array(new ArrayBuffer(16));
    const fds: number[] = [];
    assertEquals(b.recv(buf, 0, 16, fds), 3);
    assertEquals([...buf.subarray(0, 3)], [1, 2, 3]);
    assertEquals(fds.length, 1);
    assert(fds[0] !== ev.fd, "a new descriptor number");
    signalFd(fds[0]);
    assertEquals(ev.drain(), 1);
    closeFd(fds[0]);
    assertEquals(b.recv(buf, 0, 16, []), -1, "nothing pending → -1");
    a.close();
    assertEquals(b.recv(buf, 0, 16, []), 0, "peer closed → 0");
  } finally {
    ev.close();
    a.close();
    b.close();
    closeFd(lfd);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a socket path longer than sun_path → RangeError", () => {
  assertThrows(() => listenUnix(`/tmp/${"x".repeat(120)}`), RangeError, "too long");
});

Deno.test("two shared mappings of one memfd see each other's writes; past the file → RangeError", () => {
  const g = new TestGuestMemory(1 << 16);
  const m = new Mapping(g.fd, 0x1000, 0x2000);
  try {
    m.bytes[5] = 0xab;
    assertEquals(g.bytes[0x2005], 0xab);
    assertThrows(() => new Mapping(g.fd, 1 << 16, 1), RangeError, "65537 bytes");
    m.unmap();
    m.unmap();
    assert(!m.mapped);
  } finally {
    g.close();
  }
});

Deno.test("the poll Worker runs a handler on the main thread when its eventfd is signalled", async () => {
  const r = Reactor.acquire();
  const e = new EventFd();
  try {
    let seen = 0;
    const got = new Promise<void>((resolve) => {
      r.add(e.fd, () => {
        seen += e.drain();
        resolve();
      });
    });
    e.signal();
    await got;
    assertEquals(seen, 1);
    r.remove(e.fd);
    assertEquals(r.size, 0);
  } finally {
    e.close();
    Reactor.release();
  }
});

Deno.test("a descriptor ready soon after a round is dispatched by the lingering main thread; a quiet one by the Worker", async () => {
  const r = Reactor.acquire();
  const e = new EventFd();
  try {
    let calls = 0;
    /** Whether each round ran from the main thread's own poll. */
    const lingered: boolean[] = [];
    let next = () => {};
    r.add(e.fd, () => {
      e.drain();
      calls++;
      lingered.push(r.lingering);
      next();
    });
    // The second signal goes out while the first round is being handled: the main thread
    // polls again before it would hand the set back to the Worker.
    next = () => {
      next = () => {};
      e.signal();
    };
    e.signal();
    await until(() => calls === 2, "two rounds");
    assertEquals(lingered[1], true, "the second without the Worker");
    // Once the set has been quiet for the linger window, the Worker waits again.
    await until(() => !r.lingering, "the linger window to end");
    e.signal();
    await until(() => calls === 3, "a third round");
    assertEquals(lingered[2], false, "a quiet set is the Worker's");
    r.remove(e.fd);
  } finally {
    e.close();
    Reactor.release();
  }
});

Deno.test("wire decoders: version ≠ 1, oversized payload, overlapping regions → ProtocolViolation", () => {
  const h = new DataView(new ArrayBuffer(12));
  h.setUint32(0, 1, true);
  h.setUint32(4, 0, true);
  assertThrows(() => decodeHeader(h), ProtocolViolation, "version 0");
  h.setUint32(4, 1, true);
  h.setUint32(8, 1000, true);
  assertThrows(() => decodeHeader(h), ProtocolViolation, "1000-byte");
  const t = P.memTable([
    { gpa: 0x4000_0000, size: 0x1000, uva: 0x10_0000n },
    { gpa: 0x4000_0800, size: 0x1000, uva: 0x20_0000n },
  ]);
  const dv = new DataView(t.buffer);
  assertThrows(() => decodeMemTable(dv, 0, t.length, 2), ProtocolViolation, "overlap");
  assertThrows(() => decodeMemTable(dv, 0, t.length, 1), ProtocolViolation, "1 file descriptors");
  assertThrows(() => decodeMemTable(dv, 0, t.length - 4, 2), ProtocolViolation, "carries 68 bytes");
});
