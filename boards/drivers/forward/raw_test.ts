/**
 * The raw-mode channel against Linux's real behaviour, recorded on the e2e guest's kernel
 * (`testdata/raw_mode.txt`, made by `testdata/record_raw.sh`): the files answer each written
 * message with the reply the kernel gave to the same bytes, and `notification` with what it
 * gave after the rate change.
 */
import { assertEquals, assertRejects } from "../../../core/_assert_test.ts";
import { ScmiError, Status } from "../../../core/status.ts";
import { ManualClock } from "../../../core/timer_clock.ts";
import { until } from "../../../core/_wait_test.ts";
import { Link } from "./link.ts";
import { openRaw, type RawFiles } from "./raw.ts";

interface Recording {
  /** Reply read from `message` after each written message (hex → hex). */
  replies: Map<string, string>;
  /** Writes the kernel refused. */
  refused: Set<string>;
  /** Notifications read, in order. */
  notifications: string[];
}

async function recording(): Promise<Recording> {
  const text = await Deno.readTextFile(new URL("./testdata/raw_mode.txt", import.meta.url));
  const rec: Recording = { replies: new Map(), refused: new Set(), notifications: [] };
  let last = "";
  for (const line of text.split("\n")) {
    const w = /^@@ \S+ write message ([0-9a-f]+) rc=(\d+)/.exec(line);
    if (w) {
      last = w[1];
      if (w[2] !== "0") rec.refused.add(w[1]);
      continue;
    }
    const r = /^@@ \S+ read (message|notification) rc=0 bytes=([0-9a-f]*)$/.exec(line);
    if (!r || r[2] === "") continue;
    if (r[1] === "message") rec.replies.set(last, r[2]);
    else rec.notifications.push(r[2]);
  }
  return rec;
}

const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
const bytes = (h: string) => new Uint8Array(h.match(/../g)!.map((x) => parseInt(x, 16)));

const TOKEN_MASK = 0x0ffc_0000;

/** `message` with its token cleared: the recorded kernel answered each token alike. */
function untokened(b: Uint8Array): string {
  const c = b.slice();
  if (c.length >= 4) {
    const dv = new DataView(c.buffer);
    dv.setUint32(0, dv.getUint32(0, true) & ~TOKEN_MASK, true);
  }
  return hex(c);
}

/**
 * Raw-mode files that answer as the recorded kernel did: the reply to the same message (the
 * kernel keeps the token written, as the recording with token 7 shows), a refused write for
 * what it refused (shorter than a header, or as long as the longest refused), and the
 * recorded notifications on `notification` once `release` lets them out.
 */
function recordedFiles(rec: Recording) {
  const replies = new Map([...rec.replies].map(([w, r]) => [untokened(bytes(w)), r]));
  const tooLong = Math.max(...[...rec.refused].map((h) => h.length / 2));
  let reply: Uint8Array | undefined;
  const notes: string[] = [];
  let wake: (() => void) | undefined;
  const files: RawFiles = {
    write(name, b) {
      if (name !== "message") return Promise.reject(new Error(`unexpected write to ${name}`));
      if (b.length < 4 || b.length >= tooLong) {
        return Promise.reject(new Error("Invalid argument"));
      }
      const r = replies.get(untokened(b));
      if (r === undefined) return Promise.reject(new Error(`not recorded: ${hex(b)}`));
      reply = bytes(r);
      const dv = new DataView(reply.buffer);
      const token = new DataView(b.buffer, b.byteOffset).getUint32(0, true) & TOKEN_MASK;
      dv.setUint32(0, (dv.getUint32(0, true) & ~TOKEN_MASK) | token, true);
      return Promise.resolve();
    },
    async read(name) {
      if (name === "message") return reply ?? new Uint8Array();
      while (notes.length === 0) await new Promise<void>((r) => wake = r);
      return bytes(notes.shift()!);
    },
  };
  return {
    files,
    release() {
      notes.push(...rec.notifications);
      wake?.();
    },
  };
}

function rawLink(files: RawFiles): Link {
  return new Link({
    connect: (ev) => Promise.resolve(openRaw(files, ev, () => new Promise(() => {}))),
    clock: new ManualClock(),
    timeoutMs: 1000,
    what: "raw:test",
  });
}

const u32 = (b: Uint8Array, at: number) =>
  new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(at, true);

Deno.test("raw mode: replies as Linux gave them, matched by token; errors are the downstream's status", async () => {
  const rec = await recording();
  const { files, release } = recordedFiles(rec);
  const link = rawLink(files);
  try {
    // BASE PROTOCOL_VERSION: 2.1; then CLOCK_RATE_GET of clock 0 with token 1: 24 MHz.
    assertEquals((await link.call(0x10, 0x0)).u32(), 0x20001);
    const r = await link.request(0x14, 0x6, [0]);
    assertEquals(r.status, Status.SUCCESS);
    assertEquals(u32(r.bytes, 0) >>> 18 & 0x3ff, 1);
    assertEquals(u32(r.payload, 0), 24_000_000);
    // An unknown protocol is the kernel's NOT_SUPPORTED reply, a bad clock id NOT_FOUND.
    assertEquals((await link.request(0x99, 0x0)).status, Status.NOT_SUPPORTED);
    const e = await assertRejects(
      () => link.call(0x14, 0x5, [0, 7, 48_000_000, 0]),
      ScmiError,
    ) as ScmiError;
    assertEquals(e.status, Status.NOT_FOUND);
    // A message the kernel refuses to take (too long for the channel) is COMMS_ERROR.
    const big = await assertRejects(
      () => link.request(0x10, 0x0, new Array(63).fill(0)),
      ScmiError,
    ) as ScmiError;
    assertEquals(big.status, Status.COMMS_ERROR);
    // Notifications read from `notification` reach the link's listeners whole.
    const got: Uint8Array[] = [];
    link.onEvent((m) => got.push(m));
    assertEquals((await link.request(0x14, 0x9, [0, 1])).status, Status.SUCCESS);
    release();
    await until(() => got.length === rec.notifications.length, "the notifications");
    assertEquals(got.map(hex), rec.notifications);
    assertEquals(u32(got[0], 12), 48_000_000);
  } finally {
    link.close();
  }
});
