/**
 * Property tests of the shmem endpoint against a hostile agent: anything written into its
 * channel areas (lengths past the area or under a header, forged channel_status and flags
 * bits, random headers and parameters), doorbells with random a0–a3, doorbells on channels
 * already being handled, P2A areas handed back or never. Whatever the agent does:
 * - a doorbell never throws and answers 0 or SMCCC NOT_SUPPORTED — 0 whenever it names a
 *   channel of the agent, NOT_SUPPORTED otherwise;
 * - every read and write the platform makes lies inside one declared channel area;
 * - a channel the platform answered is FREE again, with the agent's header echoed when the
 *   length was good.
 */
import fc from "fast-check";
import { assert, assertEquals } from "../../core/_assert_test.ts";
import { encodeHeader, MsgType } from "../../core/header.ts";
import { SMCCC_NOT_SUPPORTED } from "./binding.ts";
import { DEMO, DemoMsg, endpoint } from "./_fixture_test.ts";
import { Words } from "./_linux_agent_test.ts";
import { ChannelStatus, FLAGS, HEADER, LENGTH, STATUS } from "./layout.ts";

const FID = 0xc200_0001;
const SMC = {
  doorbell: "smc",
  function_id: FID,
  channels: [{ offset: 0x100, size: 0x80 }, { offset: 0x400, size: 0x100, function_id: FID + 1 }],
};
const MBOX = {
  doorbell: "mailbox",
  channels: [{ offset: 0x100, size: 0x80, number: 7 }, { offset: 0x400, size: 0x100, number: 9 }],
  p2a: { offset: 0x800, size: 0x40, number: 8 },
};
const AREAS = [[0x100, 0x80], [0x400, 0x100], [0x800, 0x40]] as const;

const HEADERS = [
  encodeHeader(0x0, MsgType.COMMAND, 0x10, 1),
  encodeHeader(0x8, MsgType.COMMAND, 0x10, 2), // BASE_NOTIFY_ERRORS
  encodeHeader(DemoMsg.SLOW, MsgType.COMMAND, DEMO, 3),
  encodeHeader(DemoMsg.ECHO, MsgType.COMMAND, DEMO, 4),
  encodeHeader(DemoMsg.NOTIFY, MsgType.COMMAND, DEMO, 5),
  encodeHeader(DemoMsg.DELAYED, MsgType.COMMAND, DEMO, 6),
  encodeHeader(0x1, MsgType.NOTIFICATION, 0x10, 7),
  0xffff_ffff,
];

type Action =
  | {
    k: "post";
    ch: number;
    header: number;
    params: number[];
    length: number | null;
    status: number;
    flags: number;
  }
  | { k: "ring"; ch: number; twice: boolean }
  | { k: "raw"; a: [bigint, bigint, bigint, bigint] }
  | { k: "scribble"; area: number; at: number; bytes: number[] }
  | { k: "free" }
  | { k: "tick" };

const u64 = fc.oneof(
  fc.constantFrom(0n, 1n, 7n, 8n, 9n, BigInt(FID), BigInt(FID + 1), 0xffff_ffffn, 2n ** 64n - 1n),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
);
const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant("post" as const),
      ch: fc.integer({ min: 0, max: 1 }),
      header: fc.oneof(fc.constantFrom(...HEADERS), fc.integer({ min: 0, max: 0xffff_ffff })),
      params: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 40 }),
      length: fc.option(
        fc.oneof(
          fc.constantFrom(0, 3, 4, 0x80 - HEADER, 0x80 - HEADER + 1, 0x100 - HEADER + 1),
          fc.integer({ min: 0, max: 0xffff_ffff }),
        ),
        { freq: 3 },
      ),
      status: fc.oneof(fc.constantFrom(0, 1, 2, 3), fc.integer({ min: 0, max: 0xffff_ffff })),
      flags: fc.oneof(fc.constantFrom(0, 1), fc.integer({ min: 0, max: 0xffff_ffff })),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant("ring" as const),
      ch: fc.integer({ min: 0, max: 1 }),
      twice: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ k: fc.constant("raw" as const), a: fc.tuple(u64, u64, u64, u64) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant("scribble" as const),
      area: fc.integer({ min: 0, max: 2 }),
      at: fc.integer({ min: 0, max: 0xff }),
      bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 16 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ k: "free" as const }) },
  { weight: 1, arbitrary: fc.constant({ k: "tick" as const }) },
);

/** Whether access `a` (`r OFF LEN` / `w OFF HEX`) lies inside one declared area. */
function inside(a: string): boolean {
  const [op, off, arg] = a.split(" ");
  if (op === "irq") return true;
  const start = Number(off);
  const len = op === "r" ? Number(arg) : arg.length / 2;
  return AREAS.some(([o, s]) => start >= o && start + len <= o + s);
}

Deno.test("a hostile agent crashes nothing and makes the platform touch nothing outside its areas", async () => {
  await fc.assert(
    fc.asyncProperty(fc.boolean(), fc.array(action, { maxLength: 30 }), async (mbox, actions) => {
      using t = endpoint(mbox ? MBOX : SMC, 0x1000);
      const w = new Words(t.mem);
      const ring = (ch: number): [bigint, bigint, bigint, bigint] =>
        mbox ? [ch === 0 ? 7n : 9n, 0n, 0n, 0n] : [BigInt(FID + ch), 0n, 0n, 0n];
      const pending: Promise<bigint>[] = [];
      t.mem.recording = true;
      for (const a of actions) {
        t.mem.recording = false; // the agent's own writes are not the platform's
        if (a.k === "post") {
          const [o, size] = AREAS[a.ch];
          w.set(o + STATUS, a.status);
          w.set(o + FLAGS, a.flags);
          w.set(o + LENGTH, a.length ?? 4 + a.params.length);
          w.set(o + HEADER, a.header);
          t.mem.write(o + HEADER + 4, new Uint8Array(a.params.slice(0, size - HEADER - 4)));
        } else if (a.k === "scribble") {
          const [o, size] = AREAS[a.area];
          const at = a.at % size;
          t.mem.write(o + at, new Uint8Array(a.bytes.slice(0, size - at)));
        } else if (a.k === "free") {
          w.set(0x800 + STATUS, ChannelStatus.FREE);
        }
        t.mem.recording = true;
        if (a.k === "ring") {
          const p = t.ep.doorbell(...ring(a.ch));
          if (a.twice) pending.push(t.ep.doorbell(...ring(a.ch)));
          assertEquals(await p, 0n);
        } else if (a.k === "raw") {
          const [a0, a1, a2, a3] = a.a;
          const known = mbox
            ? [7n, 8n, 9n].includes(a0)
            : a0 === BigInt(FID) || a0 === BigInt(FID + 1);
          assertEquals(await t.ep.doorbell(a0, a1, a2, a3), known ? 0n : SMCCC_NOT_SUPPORTED);
        } else if (a.k === "tick") {
          t.clock.advance(1);
        }
      }
      for (const p of pending) assertEquals(await p, 0n);
      const outside = t.mem.log.filter((a) => !inside(a));
      assertEquals(outside, []);
      // Every A2P channel is the agent's again after its doorbells settled, unless the agent
      // scribbled on it since.
      for (const a of actions.slice(-1)) {
        if (a.k === "ring") {
          assert((w.get(AREAS[a.ch][0] + STATUS) & ChannelStatus.FREE) !== 0, "channel FREE");
        }
      }
    }),
    { numRuns: 300 },
  );
});
