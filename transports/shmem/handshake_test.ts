/**
 * The shmem handshake as Linux's `arm_scmi` agent performs it, byte for byte: the agent's
 * tx_prepare, the doorbell, and every read and write the platform then makes of the area, in
 * order — polling and with completion interrupts; SMC routing by function id and by the
 * arm,scmi-smc-param page/offset; the P2A channel of a mailbox agent.
 */
import { assert, assertEquals } from "../../core/_assert_test.ts";
import { encodeHeader, MsgType } from "../../core/header.ts";
import { Msg } from "../../core/msg.ts";
import { SMCCC_NOT_SUPPORTED } from "./binding.ts";
import { DEMO, DemoMsg, endpoint, fx, hexOf } from "./_fixture_test.ts";
import { LinuxChannel, LinuxP2a } from "./_linux_agent_test.ts";
import { HEADER, LENGTH, STATUS } from "./layout.ts";

const FID = 0x8200_0010;
const SMC = { doorbell: "smc", function_id: FID, channels: [{ offset: 0x100, size: 0x80 }] };
const MBOX = {
  doorbell: "mailbox",
  channels: [{ offset: 0x0, size: 0x80, number: 3 }],
  p2a: { offset: 0x80, size: 0x80, number: 4 },
};
const BASE_VERSION = encodeHeader(0x0, MsgType.COMMAND, 0x10, 5);
const le32 = (v: number) => hexOf(new Uint8Array(new Uint32Array([v >>> 0]).buffer));

/** The reply the platform gives `vm1` for `header` + `params`, through the core directly. */
async function oracle(header: number, params = new Uint8Array(0)): Promise<Uint8Array> {
  const req = new Uint8Array(4 + params.length);
  new DataView(req.buffer).setUint32(0, header, true);
  req.set(params, 4);
  const s = fx.platform.openSession(fx.platform.agent("vm1")!, { p2a: false });
  try {
    const m = new Msg();
    const out = new Uint8Array(256);
    m.r.reset(req, 0, req.length);
    m.w.reset(out, 0, out.length);
    return out.slice(0, await fx.platform.dispatch(s, m));
  } finally {
    fx.platform.closeSession(s);
  }
}

Deno.test("a polled command: the platform reads the fixed fields and the message, writes length, header and payload, then FREE", async () => {
  using t = endpoint(SMC);
  const ch = new LinuxChannel(t.mem, 0x100, 0x80);
  assert(ch.free, "the platform hands the channel to the agent at start");
  ch.prepare(BASE_VERSION, new Uint8Array(0), true);
  t.mem.recording = true;
  assertEquals(await t.ep.doorbell(BigInt(FID), 0n, 0n, 0n), 0n);
  t.mem.recording = false;
  const reply = await oracle(BASE_VERSION);
  assertEquals(t.mem.log, [
    `r ${0x100} ${HEADER}`, // channel_status, flags, length at once
    `r ${0x100 + HEADER} 4`, // the header (no parameters)
    `w ${0x100 + LENGTH} ${le32(reply.length)}${hexOf(reply)}`,
    `w ${0x100 + STATUS} ${le32(1)}`, // FREE, last; no interrupt: the agent polls
  ]);
  assert(ch.pollDone(BASE_VERSION));
  const got = ch.fetch(4);
  assertEquals(got.status, 0);
  assertEquals(got.length, reply.length);
  assertEquals(hexOf(got.payload), hexOf(reply.subarray(8)));
});

Deno.test("with completion interrupts: the interrupt of the channel's number follows FREE", async () => {
  using t = endpoint(MBOX);
  const ch = new LinuxChannel(t.mem, 0x0, 0x80);
  const params = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
  const header = encodeHeader(DemoMsg.ECHO, MsgType.COMMAND, DEMO, 77);
  ch.prepare(header, params, false);
  t.mem.recording = true;
  assertEquals(await t.ep.doorbell(3n, 0n, 0n, 0n), 0n);
  t.mem.recording = false;
  const reply = await oracle(header, params);
  assertEquals(t.mem.log, [
    `r 0 ${HEADER}`,
    `r ${HEADER} 12`,
    `w ${LENGTH} ${le32(reply.length)}${hexOf(reply)}`,
    `w ${STATUS} ${le32(1)}`,
    "irq 3",
  ]);
  const got = ch.fetch();
  assertEquals([got.status, hexOf(got.payload)], [0, hexOf(params)]);
});

Deno.test("a doorbell completes only when the reply is in the channel; a second doorbell meanwhile takes nothing new", async () => {
  using t = endpoint(SMC);
  const ch = new LinuxChannel(t.mem, 0x100, 0x80);
  const header = encodeHeader(DemoMsg.SLOW, MsgType.COMMAND, DEMO, 9);
  ch.prepare(header, new Uint8Array([0xaa, 0, 0, 0]), true);
  let done = false;
  const first = t.ep.doorbell(BigInt(FID), 0n, 0n, 0n).then((a0) => {
    done = true;
    return a0;
  });
  assert(!ch.free && !done, "the handler waits: the channel is still the platform's");
  t.mem.recording = true;
  const second = t.ep.doorbell(BigInt(FID), 0n, 0n, 0n);
  assertEquals(await first, 0n);
  assertEquals(await second, 0n);
  t.mem.recording = false;
  // The second doorbell read nothing: one reply, one FREE.
  assertEquals(t.mem.log.filter((a) => a.startsWith("r")), []);
  assertEquals(t.mem.log.length, 2);
  const got = ch.fetch();
  assertEquals([got.status, hexOf(got.payload)], [0, "aa000000"]);
});

Deno.test("an unknown function id answers SMCCC NOT_SUPPORTED and touches no memory", async () => {
  using t = endpoint(SMC);
  new LinuxChannel(t.mem, 0x100, 0x80).prepare(BASE_VERSION, new Uint8Array(0), true);
  t.mem.recording = true;
  assertEquals(await t.ep.doorbell(BigInt(FID + 1), 0n, 0n, 0n), SMCCC_NOT_SUPPORTED);
  assertEquals(SMCCC_NOT_SUPPORTED, 0xffff_ffff_ffff_ffffn);
  // A mailbox number that is no channel of the agent, the same.
  using m = endpoint(MBOX);
  m.mem.recording = true;
  assertEquals(await m.ep.doorbell(5n, 0n, 0n, 0n), SMCCC_NOT_SUPPORTED);
  assertEquals([t.mem.log, m.mem.log], [[], []]);
});

Deno.test("arm,scmi-smc-param: one function id, the channel chosen by the page and offset in a1/a2", async () => {
  const base = 0x8_0000_0000;
  using t = endpoint({
    doorbell: "hvc",
    function_id: FID,
    smc_param: true,
    shm_base: base,
    channels: [{ offset: 0x0, size: 0x80 }, { offset: 0x1080, size: 0x80 }],
  });
  const a = new LinuxChannel(t.mem, 0x0, 0x80);
  const b = new LinuxChannel(t.mem, 0x1080, 0x80);
  b.prepare(BASE_VERSION, new Uint8Array(0), true);
  const page = BigInt(Math.floor((base + 0x1080) / 4096)), off = BigInt((base + 0x1080) % 4096);
  assertEquals(await t.ep.doorbell(BigInt(FID), page - 1n, off + 0x1000n, 0n), SMCCC_NOT_SUPPORTED);
  assert(!b.free, "an address that is not the channel's did not ring it");
  assertEquals(await t.ep.doorbell(BigInt(FID), page, off, 0n), 0n);
  assert(b.free && b.pollDone(BASE_VERSION));
  assertEquals(b.fetch().status, 0);
  assert(a.free, "the other channel was not touched");
});

Deno.test("a length past the area sets ERROR | FREE and nothing else is read or written", async () => {
  using t = endpoint(SMC);
  const ch = new LinuxChannel(t.mem, 0x100, 0x80);
  ch.prepare(BASE_VERSION, new Uint8Array(0), false);
  ch.w.set(0x100 + LENGTH, 0x80 - HEADER + 1);
  t.mem.recording = true;
  assertEquals(await t.ep.doorbell(BigInt(FID), 0n, 0n, 0n), 0n);
  assertEquals(t.mem.log, [`r ${0x100} ${HEADER}`, `w ${0x100 + STATUS} ${le32(3)}`, "irq 0"]);
  assert(ch.pollDone(BASE_VERSION), "Linux sees the channel back (ERROR)");
});

Deno.test("a doorbell on a channel the agent did not post (FREE still set) reads nothing more", async () => {
  using t = endpoint(SMC);
  t.mem.recording = true;
  assertEquals(await t.ep.doorbell(BigInt(FID), 0n, 0n, 0n), 0n);
  assertEquals(t.mem.log, [`r ${0x100} ${HEADER}`]);
});

Deno.test("mailbox P2A: a notification goes in after the reply, once the agent freed the area", async () => {
  using t = endpoint(MBOX);
  const ch = new LinuxChannel(t.mem, 0x0, 0x80);
  const rx = new LinuxP2a(t.mem, 0x80, 0x80);
  const header = encodeHeader(DemoMsg.NOTIFY, MsgType.COMMAND, DEMO, 1);
  ch.prepare(header, new Uint8Array([2, 0, 0, 0]), false);
  t.mem.recording = true;
  assertEquals(await t.ep.doorbell(3n, 0n, 0n, 0n), 0n);
  t.mem.recording = false;
  const n0 = encodeHeader(0, MsgType.NOTIFICATION, DEMO, 0);
  const reply = await oracle(header, new Uint8Array([0, 0, 0, 0]));
  assertEquals(t.mem.log, [
    `r 0 ${HEADER}`,
    `r ${HEADER} 8`,
    `w ${LENGTH} ${le32(reply.length)}${hexOf(reply)}`,
    `w ${STATUS} ${le32(1)}`,
    "irq 3",
    // The first notification: the P2A area was FREE.
    `r ${0x80 + STATUS} 4`,
    `w ${0x80 + STATUS} ${le32(0)}`,
    `w ${0x80 + LENGTH} ${le32(8)}`,
    `w ${0x80 + HEADER} ${le32(n0)}${le32(0xa0)}`,
    "irq 4",
    // The second waits: the agent has not handed the area back.
    `r ${0x80 + STATUS} 4`,
  ]);
  t.mem.log.length = 0;
  t.mem.recording = true;
  t.clock.advance(5);
  assertEquals(t.mem.log.filter((a) => a.startsWith("w")), [], "still busy: nothing written");
  assertEquals(hexOf(rx.take()), `${le32(n0)}${le32(0xa0)}`);
  t.mem.log.length = 0;
  t.clock.advance(1);
  const n1 = encodeHeader(1, MsgType.NOTIFICATION, DEMO, 0);
  assertEquals(t.mem.log, [
    `r ${0x80 + STATUS} 4`,
    `w ${0x80 + STATUS} ${le32(0)}`,
    `w ${0x80 + LENGTH} ${le32(8)}`,
    `w ${0x80 + HEADER} ${le32(n1)}${le32(0xa1)}`,
    "irq 4",
  ]);
});

Deno.test("mailbox P2A: a delayed response follows its command's reply; nothing goes while no interrupt can reach the agent", async () => {
  using t = endpoint(MBOX);
  t.setInterrupts(false);
  const ch = new LinuxChannel(t.mem, 0x0, 0x80);
  const rx = new LinuxP2a(t.mem, 0x80, 0x80);
  const header = encodeHeader(DemoMsg.DELAYED, MsgType.COMMAND, DEMO, 33);
  ch.prepare(header, new Uint8Array(0), true);
  t.mem.recording = true;
  await t.ep.doorbell(3n, 0n, 0n, 0n);
  assertEquals(t.mem.log.filter((a) => a.startsWith(`w ${0x80}`)), [], "no listener: held");
  t.setInterrupts(true);
  t.mem.log.length = 0;
  t.ep.drainP2a();
  assertEquals(t.mem.log.at(-1), "irq 4");
  const dr = rx.take();
  const dv = new DataView(dr.buffer);
  assertEquals(
    dv.getUint32(0, true),
    encodeHeader(DemoMsg.DELAYED, MsgType.DELAYED_RESPONSE, DEMO, 33),
  );
  assertEquals([dv.getInt32(4, true), dv.getUint32(8, true)], [0, 0xd1]);
});

Deno.test("an SMC agent's session has no P2A channel: Base offers it no error notifications", async () => {
  const pma = encodeHeader(0x2, MsgType.COMMAND, 0x10, 1);
  const notifyErrors = new Uint8Array([0x8, 0, 0, 0]);
  using s = endpoint(SMC);
  using m = endpoint(MBOX);
  assertEquals([s.ep.p2a, m.ep.p2a], [false, true]);
  const smc = new LinuxChannel(s.mem, 0x100, 0x80);
  smc.prepare(pma, notifyErrors, true);
  await s.ep.doorbell(BigInt(FID), 0n, 0n, 0n);
  const mb = new LinuxChannel(m.mem, 0x0, 0x80);
  mb.prepare(pma, notifyErrors, true);
  await m.ep.doorbell(3n, 0n, 0n, 0n);
  assertEquals([smc.fetch().status, mb.fetch().status], [-4, 0]); // NOT_FOUND vs SUCCESS
});
