import { clockKind } from "../clock/kind.ts";
import { assert, assertEquals } from "../../core/_assert_test.ts";
import { encodeHeader, MsgType } from "../../core/header.ts";
import { defineProtocol, Right } from "../../core/protocol.ts";
import type { Ctx } from "../../core/session.ts";
import { Status } from "../../core/status.ts";
import { OnVotes } from "../../core/votes.ts";
import { type Fixture, fixture } from "../../tests/harness.ts";
import { board, standIn } from "../../tests/vectors/base/fixture.ts";
import {
  BASE_PROTOCOL,
  BaseMsg,
  baseProtocol,
  type BaseSession,
  type BaseShared,
  MAX_ERROR_REPORTS,
  sendErrorEvent,
} from "./mod.ts";

const CLOCK = 0x14;
const ENABLE = 0x7;
const GREEDY = 0x9;

/**
 * A clock protocol with on/off votes: ENABLE (0x7, a2p: u32 clock, u32 on) needs WRITE;
 * GREEDY (0x9) reads three words whatever it was sent. Votes go on agent close and revoke.
 */
const votingClock = defineProtocol<undefined, OnVotes>({
  api: 1,
  id: CLOCK,
  name: "voting-clock",
  versions: [0x10000],
  kinds: [clockKind],
  commands: {
    0x1: {
      name: "PROTOCOL_ATTRIBUTES",
      params: 0,
      run: (ctx, m) => m.w.u32(ctx.ids("clock").count),
    },
    [ENABLE]: {
      name: "ENABLE",
      params: 8,
      resource: "clock",
      needs: Right.WRITE,
      run(ctx, m) {
        m.r.u32();
        ctx.shared.vote(ctx.agent.id, m.res, m.r.u32() === 1);
      },
    },
    [GREEDY]: {
      name: "GREEDY",
      params: { min: 0, max: 8 },
      run(_ctx, m) {
        m.r.u32();
        m.r.u32();
        m.r.u32();
      },
    },
  },
  setup: () => new OnVotes(),
  close: (ctx) => void ctx.shared.release(ctx.agent.id),
  onRevoke: (ctx, _kind, phys) => void ctx.shared.vote(ctx.agent.id, phys, false),
});

function base(op: number, token = 0): number {
  return encodeHeader(op, MsgType.COMMAND, BASE_PROTOCOL, token);
}
function clock(op: number): number {
  return encodeHeader(op, MsgType.COMMAND, CLOCK, 0);
}

async function setup() {
  const fx = await fixture({
    board: board(),
    protocols: [baseProtocol, votingClock, standIn(0x16, "reset")],
    agents: [
      { name: "hyp", trusted: true, protocols: { [CLOCK]: undefined } },
      {
        name: "vm1",
        protocols: { [CLOCK]: undefined, 0x16: undefined },
        grants: { clock: [0, 1], reset: [0] },
      },
      { name: "vm2", protocols: { [CLOCK]: undefined }, grants: { clock: [1] }, maxMsgSize: 24 },
      { name: "nochan", p2a: false },
    ],
  });
  const votes = fx.platform.protocols[CLOCK]!.shared as OnVotes;
  const shared = fx.platform.protocols[BASE_PROTOCOL]!.shared as BaseShared;
  let t = 0;
  shared.errors.now = () => t;
  return { fx, votes, errors: shared.errors, setTime: (ms: number) => void (t = ms) };
}

/** The words of every queued platform→agent message for `agent`. */
function drainWords(fx: Fixture, agent: string): number[][] {
  return fx.drain(agent).map((b) => {
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const out: number[] = [];
    for (let i = 0; i < b.length; i += 4) out.push(dv.getUint32(i, true));
    return out;
  });
}

const EVENT = encodeHeader(0, MsgType.NOTIFICATION, BASE_PROTOCOL, 0);

/** Sends words as `agent`; the reply as words, its status word signed. */
async function call(fx: Fixture, agent: string, words: number[]): Promise<number[]> {
  const r = await fx.words(agent, words);
  if (r.length > 1) r[1] |= 0;
  return r;
}

Deno.test("SET_DEVICE_PERMISSIONS allow → SUCCESS; device resources get new ids", async () => {
  const { fx } = await setup();
  const h = base(BaseMsg.SET_DEVICE_PERMISSIONS);
  assertEquals(await call(fx, "hyp", [h, 2, 2, 1]), [h, Status.SUCCESS]);
  assertEquals((await call(fx, "vm1", [clock(0x1)]))[2], 4);
  assertEquals(await call(fx, "vm1", [clock(ENABLE), 3, 1]), [clock(ENABLE), Status.SUCCESS]);
  const vm1 = fx.platform.agent("vm1")!;
  assertEquals(vm1.grants.maps.clock.v2p, [0, 1, 3, 4]);
  assertEquals(vm1.grants.maps.reset.v2p, [0, 2]);
  assert(vm1.grants.devices.has(2));
});

Deno.test("SET_DEVICE_PERMISSIONS deny → SUCCESS, then NOT_FOUND; votes released", async () => {
  const { fx, votes } = await setup();
  const enable = clock(ENABLE);
  assertEquals(await call(fx, "vm1", [enable, 0, 1]), [enable, Status.SUCCESS]);
  assertEquals(await call(fx, "vm2", [enable, 0, 1]), [enable, Status.SUCCESS]); // vm2's 0 = phys 1
  assertEquals(await call(fx, "vm1", [enable, 1, 1]), [enable, Status.SUCCESS]);
  assertEquals([...votes.voters(1)].sort(), [2, 3]);
  const h = base(BaseMsg.SET_DEVICE_PERMISSIONS);
  assertEquals(await call(fx, "hyp", [h, 2, 0, 0]), [h, Status.SUCCESS]); // uart0: clocks 0, 1
  assertEquals(await call(fx, "vm1", [enable, 0, 0]), [enable, Status.NOT_FOUND]);
  assertEquals(await call(fx, "vm1", [enable, 1, 0]), [enable, Status.NOT_FOUND]);
  assertEquals(votes.effective(0), false);
  assertEquals([...votes.voters(1)], [3]); // vm2 keeps its vote
  assertEquals(await call(fx, "vm2", [enable, 0, 0]), [enable, Status.SUCCESS]);
});

Deno.test("SET_PROTOCOL_PERMISSIONS deny clock → clocks NOT_FOUND, votes released", async () => {
  const { fx, votes } = await setup();
  const set = base(BaseMsg.SET_DEVICE_PERMISSIONS);
  const proto = base(BaseMsg.SET_PROTOCOL_PERMISSIONS);
  await call(fx, "hyp", [set, 2, 2, 1]);
  await call(fx, "vm1", [clock(ENABLE), 2, 1]);
  assert(votes.has(2, 3));
  assertEquals(await call(fx, "hyp", [proto, 2, 2, CLOCK, 0]), [proto, Status.SUCCESS]);
  assertEquals(votes.has(2, 3), false);
  assertEquals(await call(fx, "vm1", [clock(ENABLE), 2, 1]), [clock(ENABLE), Status.NOT_FOUND]);
  const vm1 = fx.platform.agent("vm1")!;
  assertEquals(vm1.grants.maps.reset.v2p, [0, 2]);
});

Deno.test("RESET_AGENT_CONFIGURATION flags 0 → SUCCESS: votes dropped, grants kept", async () => {
  const { fx, votes } = await setup();
  await call(fx, "hyp", [base(BaseMsg.SET_DEVICE_PERMISSIONS), 2, 2, 1]);
  await call(fx, "vm1", [clock(ENABLE), 3, 1]);
  await call(fx, "vm2", [clock(ENABLE), 0, 1]);
  const h = base(BaseMsg.RESET_AGENT_CONFIGURATION);
  assertEquals(await call(fx, "hyp", [h, 2, 0]), [h, Status.SUCCESS]);
  assertEquals(votes.heldBy(2), []);
  assertEquals(votes.heldBy(3), [1]);
  assertEquals(fx.platform.agent("vm1")!.grants.maps.clock.v2p, [0, 1, 3, 4]);
  assertEquals(await call(fx, "vm1", [clock(ENABLE), 3, 1]), [clock(ENABLE), Status.SUCCESS]);
});

Deno.test("RESET_AGENT_CONFIGURATION flags 1 → SUCCESS: grants revert", async () => {
  const { fx, votes } = await setup();
  await call(fx, "hyp", [base(BaseMsg.SET_DEVICE_PERMISSIONS), 2, 2, 1]);
  await call(fx, "hyp", [base(BaseMsg.SET_DEVICE_PERMISSIONS), 2, 0, 0]);
  await call(fx, "vm1", [clock(ENABLE), 2, 1]);
  const h = base(BaseMsg.RESET_AGENT_CONFIGURATION);
  assertEquals(await call(fx, "hyp", [h, 2, 1]), [h, Status.SUCCESS]);
  assertEquals(votes.heldBy(2), []);
  const g = fx.platform.agent("vm1")!.grants;
  assertEquals(g.maps.clock.v2p, [0, 1]);
  assertEquals(g.maps.reset.v2p, [0]);
  assertEquals(g.devices.size, 0);
  assertEquals(await call(fx, "vm1", [clock(ENABLE), 2, 1]), [clock(ENABLE), Status.NOT_FOUND]);
  assertEquals(await call(fx, "vm1", [clock(ENABLE), 1, 1]), [clock(ENABLE), Status.SUCCESS]);
});

Deno.test("RESET_AGENT_CONFIGURATION of itself → SUCCESS, subscription dropped", async () => {
  const { fx } = await setup();
  await call(fx, "hyp", [base(BaseMsg.NOTIFY_ERRORS), 1]);
  const ctx = fx.session("hyp").ctxs[BASE_PROTOCOL] as Ctx<BaseSession>;
  assert(ctx.state.notifyErrors);
  const h = base(BaseMsg.RESET_AGENT_CONFIGURATION, 9);
  assertEquals(await call(fx, "hyp", [h, 1, 0]), [h, Status.SUCCESS]);
  assertEquals(ctx.state.notifyErrors, false);
  await call(fx, "vm1", [base(BaseMsg.PROTOCOL_VERSION), 0]);
  assertEquals(fx.drain("hyp"), []);
});

Deno.test("malformed message → BASE_ERROR_EVENT to a trusted subscriber", async () => {
  const { fx } = await setup();
  const n = base(BaseMsg.NOTIFY_ERRORS);
  assertEquals(await call(fx, "hyp", [n, 1]), [n, Status.SUCCESS]);
  const bad = base(BaseMsg.DISCOVER_AGENT, 77);
  assertEquals(await call(fx, "vm1", [bad]), [bad, Status.PROTOCOL_ERROR]);
  assertEquals(drainWords(fx, "hyp"), [[EVENT, 2, 1, bad, 0]]);
  assertEquals(fx.drain("vm1"), []);
  assert(fx.logs.some((l) => l.startsWith('warn: Agent "vm1" sent a malformed message')));
});

Deno.test("a handler reading past its parameters counts as malformed → event", async () => {
  const { fx } = await setup();
  await call(fx, "hyp", [base(BaseMsg.NOTIFY_ERRORS), 1]);
  const g = clock(GREEDY);
  assertEquals(await call(fx, "vm1", [g, 5]), [g, Status.PROTOCOL_ERROR]);
  assertEquals(drainWords(fx, "hyp"), [[EVENT, 2, 1, g, 0]]);
});

Deno.test("errors other than PROTOCOL_ERROR send no event", async () => {
  const { fx } = await setup();
  await call(fx, "hyp", [base(BaseMsg.NOTIFY_ERRORS), 1]);
  await call(fx, "vm1", [base(0x30)]); // NOT_SUPPORTED
  await call(fx, "vm1", [clock(ENABLE), 9, 1]); // NOT_FOUND
  await call(fx, "vm1", [base(BaseMsg.SET_DEVICE_PERMISSIONS), 2, 0, 1]); // DENIED
  assertEquals(fx.drain("hyp"), []);
});

Deno.test("rate limit: one event per agent per second, held reports go with the next", async () => {
  const { fx, errors, setTime } = await setup();
  await call(fx, "hyp", [base(BaseMsg.NOTIFY_ERRORS), 1]);
  const bad = (t: number) => base(BaseMsg.PROTOCOL_ATTRIBUTES, t);
  await call(fx, "vm1", [bad(1), 0]);
  setTime(10);
  await call(fx, "vm1", [bad(2), 0]);
  await call(fx, "vm2", [bad(3), 0]); // another agent has its own window
  setTime(999);
  await call(fx, "vm1", [bad(4), 0]);
  assertEquals(drainWords(fx, "hyp"), [[EVENT, 2, 1, bad(1), 0], [EVENT, 3, 1, bad(3), 0]]);
  setTime(1000);
  await call(fx, "vm1", [bad(5), 0]);
  assertEquals(drainWords(fx, "hyp"), [[EVENT, 2, 3, bad(2), 0, bad(4), 0, bad(5), 0]]);
  assertEquals(errors.dropped, 0);
});

Deno.test("rate limit: past the held-report cap errors are dropped and counted", async () => {
  const { fx, errors, setTime } = await setup();
  await call(fx, "hyp", [base(BaseMsg.NOTIFY_ERRORS), 1]);
  const bad = (t: number) => base(BaseMsg.DISCOVER_VENDOR, t);
  for (let t = 0; t < 10; t++) await call(fx, "vm1", [bad(t), 0]);
  setTime(5000);
  await call(fx, "vm1", [bad(10), 0]);
  const events = drainWords(fx, "hyp");
  assertEquals(events.length, 2);
  assertEquals(events[1].slice(0, 3), [EVENT, 2, MAX_ERROR_REPORTS]);
  const reports = events[1].slice(3).filter((_, i) => i % 2 === 0);
  assertEquals(reports, [1, 2, 3, 4, 5, 6, 7, 10].map(bad));
  assertEquals(errors.dropped, 2);
});

Deno.test("an untrusted subscriber hears only about itself, within its message size", async () => {
  const { fx, setTime } = await setup();
  assertEquals((await call(fx, "vm2", [base(BaseMsg.NOTIFY_ERRORS), 1]))[1], Status.SUCCESS);
  await call(fx, "vm1", [base(BaseMsg.PROTOCOL_VERSION), 0]);
  assertEquals(fx.drain("vm2"), []);
  const bad = (t: number) => base(BaseMsg.PROTOCOL_VERSION, t);
  for (let t = 1; t <= 3; t++) await call(fx, "vm2", [bad(t), 0]);
  setTime(2000);
  await call(fx, "vm2", [bad(4), 0]);
  // maxMsgSize 24: agent_id + error_status + two reports; the most recent two are kept.
  assertEquals(drainWords(fx, "vm2"), [[EVENT, 3, 1, bad(1), 0], [
    EVENT,
    3,
    2,
    bad(3),
    0,
    bad(4),
    0,
  ]]);
});

Deno.test("NOTIFY_ERRORS 0 unsubscribes; reserved bits → INVALID_PARAMETERS", async () => {
  const { fx } = await setup();
  const n = base(BaseMsg.NOTIFY_ERRORS);
  await call(fx, "hyp", [n, 1]);
  assertEquals(await call(fx, "hyp", [n, 3]), [n, Status.INVALID_PARAMETERS]);
  await call(fx, "vm1", [base(BaseMsg.PROTOCOL_VERSION, 1), 0]);
  assertEquals(fx.drain("hyp").length, 1);
  assertEquals(await call(fx, "hyp", [n, 0]), [n, Status.SUCCESS]);
  await call(fx, "vm2", [base(BaseMsg.PROTOCOL_VERSION, 2), 0]);
  assertEquals(fx.drain("hyp"), []);
});

Deno.test("NOTIFY_ERRORS on a session without a P2A channel → NOT_SUPPORTED", async () => {
  const { fx } = await setup();
  const n = base(BaseMsg.NOTIFY_ERRORS);
  assertEquals(await call(fx, "nochan", [n, 1]), [n, Status.NOT_SUPPORTED]);
  const attrs = base(BaseMsg.PROTOCOL_MESSAGE_ATTRIBUTES);
  assertEquals(await call(fx, "nochan", [attrs, BaseMsg.NOTIFY_ERRORS]), [attrs, Status.NOT_FOUND]);
});

Deno.test("a closed or reconnected session no longer receives error events", async () => {
  const { fx } = await setup();
  await call(fx, "hyp", [base(BaseMsg.NOTIFY_ERRORS), 1]);
  fx.reconnect("hyp");
  await call(fx, "vm1", [base(BaseMsg.PROTOCOL_VERSION, 1), 0]);
  assertEquals(fx.drain("hyp"), []);
});

Deno.test("sendErrorEvent sets the fatal bit and reaches only subscribers", async () => {
  const { fx, errors } = await setup();
  const receivers = errors.receivers;
  assertEquals(sendErrorEvent(receivers, 2, [0x1234]), 0);
  await call(fx, "hyp", [base(BaseMsg.NOTIFY_ERRORS), 1]);
  assertEquals(sendErrorEvent(receivers, 2, [0x1234], true), 1);
  assertEquals(drainWords(fx, "hyp"), [[EVENT, 2, 0x8000_0001, 0x1234, 0]]);
});
