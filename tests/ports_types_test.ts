/**
 * The narrow ports, shown at the type level: a handler's context, a protocol's setup
 * environment and a transport's environment expose no Platform and no other agent (each
 * `@ts-expect-error` marks a reach that must not compile; the type check fails if one does),
 * while the uses a plugin or transport needs compile. Written against the public API only,
 * as a vendor's plugin would be. The runtime tests check that the objects handed out hold
 * no way back either, and that the agent directory checks its caller's trust itself.
 */
import {
  type AgentDirectory,
  API_MAJOR,
  type Ctx,
  defineProtocol,
  type Msg,
  type Receiver,
  type SessionPort,
  type SetupEnv,
  Status,
  type TransportEnv,
} from "../mod.ts";
import { assert, assertEquals } from "../core/_assert_test.ts";
import { fixture } from "./harness.ts";
import { board, standIn } from "./vectors/base/fixture.ts";
import { transportEnv } from "../core/session_port.ts";

interface Sub {
  on: boolean;
}

/** What a handler may and may not reach. Type-checked, never run. */
export function handlerPort(ctx: Ctx<Sub, { n: number }>, m: Msg): void {
  // Its own protocol version, per-session state and protocol-wide state.
  const v: number = ctx.version + ctx.ceiling;
  ctx.state.on = ctx.shared.n > v;
  // Its agent's identity, its own id maps, its votes, its channel, fault → status, drivers.
  const me: number = ctx.agent.id;
  const trusted: boolean = ctx.agent.trusted;
  ctx.log.info(`${ctx.agent.name} ${me} ${trusted}`);
  ctx.ids("clock").toPhysical(0);
  void ctx.withdraw("clock.rate", m.res);
  ctx.notify(0, 4, (w) => w.u32(1));
  ctx.delayed(3, 0, Status.SUCCESS, 0);
  ctx.fault("CMD", new Error("x"));
  void ctx.hw.kinds.clock;
  void ctx.protocols();
  void ctx.hasCommand(3);

  // @ts-expect-error: the platform environment is not a handler's
  void ctx.env;
  // @ts-expect-error: nor the protocol runtime (every session's context)
  void ctx.rt;
  // @ts-expect-error: nor the session (its other protocols' contexts)
  void ctx.session;
  // @ts-expect-error: the agent's identity only, not its grants object
  void ctx.agent.grants;
  // @ts-expect-error: nor its transport declaration
  void ctx.agent.transport;
  // @ts-expect-error: nor its rate-limit bucket
  void ctx.agent.bucket;
}

/** What a protocol's setup gets: narrow services, never agent objects. Type-checked only. */
export function setupPort(env: SetupEnv<Sub>, caller: Ctx<Sub, unknown>): void {
  for (const r of env.receivers) {
    if (r.state.on && r.virtualId("clock", 3) >= 0) r.notify(0, 4, (w) => w.u32(r.agent.id));
    // @ts-expect-error: a receiver's virtual ids one at a time, not its id maps
    void r.ids("clock");
    // @ts-expect-error: nor its agent's grants
    void r.agent.grants;
    // @ts-expect-error: nor its session
    void r.session;
    // @ts-expect-error: nor its own vote withdrawal
    void r.withdraw;
    // @ts-expect-error: nor another agent's configured system power action (a command line)
    void r.agent.systemPower;
  }
  const dir: AgentDirectory = env.agents;
  for (const a of dir.list()) dir.setDeviceAccess(caller, a.id, 0, false);
  dir.resetConfiguration(caller, 2, true);
  env.onMalformed((offender, header) => void (offender.name + header));
  void env.votes;

  // @ts-expect-error: no list of every session
  void env.sessions;
  // @ts-expect-error: no agent object to change directly
  void dir.byId(1)?.grants;
  // @ts-expect-error: the directory gives identities, not configured actions
  void dir.list()[0].systemPower;
  // @ts-expect-error: no reset that skips the caller's trust check
  void env.resetAgent;
  // @ts-expect-error: nor the deployment's grant table
  void env.defaultGrants;
  // @ts-expect-error: a malformed message names its agent, not its session
  env.onMalformed((offender) => void offender.ctxs);
}

/** What a transport gets: its agent's name and limits, sessions as ports. Type-checked only. */
export function transportPort(env: TransportEnv, m: Msg): void {
  const port: SessionPort = env.open({ p2a: true, p2aLimit: 8, label: env.agent.name });
  const room: number = env.agent.maxMsgSize;
  if (port.tracing) m.t0 = room;
  const len = port.deliver(m);
  if (typeof len !== "number") void len.then((n) => n + port.quota);
  void port.nextTurn();
  port.p2a?.shift();
  port.close("end");
  void env.attachIoPause();
  env.log.info(env.runDir);

  // @ts-expect-error: no platform
  void env.platform;
  // @ts-expect-error: the agent's name and limits, not its grants
  void env.agent.grants;
  // @ts-expect-error: a port delivers; it does not hand out the session
  void port.session;
  // @ts-expect-error: nor the session's protocol contexts
  void port.ctxs;
  // @ts-expect-error: nor its agent
  void port.agent;
}

/** A receiver is what the fan-out sees of another session: not a handler context. */
export function receiverIsNotCtx(r: Receiver<Sub>): void {
  // @ts-expect-error: a receiver cannot be used as a handler's context
  const ctx: Ctx<Sub, unknown> = r;
  void ctx;
}

/** A vendor protocol that changes another agent's device access, checking no trust itself. */
function careless(seen: object[]) {
  return defineProtocol<undefined, AgentDirectory>({
    api: API_MAJOR,
    id: 0x90,
    name: "careless",
    versions: [0x10000],
    setup: (env) => (seen.push(env), env.agents),
    commands: {
      0x1: { name: "PROTOCOL_ATTRIBUTES", params: 0, run: (_c, m) => m.w.u32(0) },
      0x3: {
        name: "GRANT_DEVICE",
        params: 8,
        run(ctx, m) {
          seen.push(ctx);
          const target = m.r.u32();
          return ctx.shared.setDeviceAccess(ctx, target, m.r.u32(), true);
        },
      },
    },
  });
}

const GRANT = (0x3 | (0x90 << 10)) >>> 0;

Deno.test("the agent directory refuses an untrusted caller even when its handler does not check", async () => {
  const seen: object[] = [];
  const fx = await fixture({
    board: board(),
    protocols: [standIn(0x10), careless(seen)],
    agents: [
      { name: "vm1", protocols: { 0x90: undefined } },
      { name: "vm2", protocols: { 0x90: undefined } },
      { name: "hyp", trusted: true, protocols: { 0x90: undefined } },
    ],
  });
  const vm2 = fx.platform.agent("vm2")!;
  assertEquals(await fx.words("vm1", [GRANT, 2, 0]), [GRANT, Status.DENIED >>> 0]);
  assertEquals([...vm2.grants.devices], [], "vm1 changed nothing for vm2");
  assertEquals(await fx.words("hyp", [GRANT, 2, 0]), [GRANT, Status.SUCCESS]);
  assertEquals([...vm2.grants.devices], [0]);
  assertEquals(await fx.words("hyp", [GRANT, 9, 0]), [GRANT, Status.NOT_FOUND >>> 0]);
  // The board has clocks and reset domains; a protocol carrying neither sees no driver of them.
  const ctx = seen.find((o): o is Ctx => "ids" in o)!;
  assertEquals(Object.keys(ctx.hw.kinds), []);
  assertEquals(ctx.hw.bySlot.filter((x) => x !== undefined), []);
  // The fan-out shows each session's identity, state and channel, no more.
  const env = seen.find((o): o is SetupEnv => "receivers" in o)!;
  const receivers = [...env.receivers];
  assertEquals(receivers.map((r) => r.agent.name), ["vm1", "vm2", "hyp"]);
  for (const r of receivers) {
    for (const key of ["ids", "withdraw", "session", "shared"]) assert(!(key in r), key);
    assertEquals(Object.keys(r.agent).sort(), ["id", "maxMsgSize", "name", "trusted"]);
  }
  // What the platform handed out holds no way back to it or to other agents.
  for (const o of seen) {
    for (const key of ["env", "rt", "session", "platform", "sessions", "agentById"]) {
      assert(!(key in o), `${key} reachable from ${o.constructor.name}`);
    }
  }
});

Deno.test("a transport's environment carries no platform", async () => {
  const fx = await fixture({ agents: [{ name: "vm1" }] });
  const env = transportEnv(fx.platform, fx.platform.agent("vm1")!, { options: {}, runDir: "/x" });
  assert(!("platform" in env));
  assertEquals(Object.keys(env.agent).sort(), ["maxMsgSize", "name"]);
  const port = env.open({ p2a: false });
  for (const key of ["session", "agent", "ctxs", "platform"]) assert(!(key in port), key);
  port.close("end");
});
