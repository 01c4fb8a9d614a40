/**
 * The guest driver's full walk, run as its own process (`deno run -A guest_main.ts CONFIG`)
 * beside a `vscmi serve` of the same file bridge: this process is hvisor's EL2 (the
 * simulator) and the guests of every zone in CONFIG.
 *
 * CONFIG (JSON): `{ dir, memBytes, zones: [{ zone, cpu, base, irq, vendor, region }] }`; the
 * first zone makes the walk, the others probe and talk at the same time.
 *
 * It talks to the test that started it by lines: it prints `ready` once the bridge files
 * exist and el2.sock listens (start vscmi then), `restart-now` when the restart is due, then
 * reads `killed` on stdin (vscmi is gone), leaves a register read and a command pending on
 * the bridge, prints `pending`, and carries on when the restarted vscmi answers. Then
 * `restart-fresh`: the same, but vscmi starts without its state directory, and the guest
 * must be asked to reset the device. It ends with `done {json}` and exit status 0, or
 * `failed: …` and exit status 1.
 *
 * SCMI words from DEN0056: Base (0x10) PROTOCOL_ATTRIBUTES p2a: protocols 7:0;
 * DISCOVER_LIST_PROTOCOLS (0x6) a2p skip, p2a count then the ids packed in bytes. Clock (0x14)
 * ATTRIBUTES (0x3) p2a attributes (bit 0 enabled in the agent's view), name[16]; CONFIG_SET
 * (0x7) a2p id, attributes (bit 0 enable), oem value. Power (0x11) STATE_NOTIFY (0x6) a2p id,
 * enable; STATE_SET (0x4) a2p flags (bit 0 async), id, state (0 on); STATE_CHANGED
 * notification (0x0) id, agent_id, domain_id, state. Reset (0x16) PROTOCOL_ATTRIBUTES p2a
 * domains 15:0; DOMAIN_ATTRIBUTES (0x3) p2a attributes, latency, name[16]; RESET (0x4) a2p id,
 * flags (bit 0 autonomous), state.
 * @module
 */
import { until } from "../../core/_wait_test.ts";
import { El2 } from "./_el2.ts";
import { fields, Guest, type GuestConfig, Reg, type Reply, Status } from "./_guest.ts";
import { ZoneRam, type ZoneRegion } from "./_zone.ts";

/** One zone of the walk. */
export interface ZoneConfig extends GuestConfig {
  region: ZoneRegion;
}

/** What the walk is given. */
export interface WalkConfig {
  dir: string;
  memBytes: number;
  /** Bytes of `mem` this process maps (default all): enough for the zones' first regions. */
  mapBytes?: number;
  zones: ZoneConfig[];
  /**
   * Any board: probe, every protocol, a clock vote kept across a restart. Otherwise (the sim
   * board, vm1's devices) also a notification, out-of-order completion, a device reset and a
   * restart without state.
   */
  basic?: boolean;
}

/** What the walk reports on success. */
export interface WalkSummary {
  protocols: number[];
  accesses: number;
  interrupts: number;
  notifications: number;
  outOfOrder: boolean;
  connections: number;
  otherZones: number[];
}

const BASE = 0x10;
const POWER = 0x11;
const CLOCK = 0x14;
const RESET = 0x16;
const DRIVER_OK_STATUS = Status.ACKNOWLEDGE | Status.DRIVER | Status.FEATURES_OK |
  Status.DRIVER_OK;

function ok(r: Reply, what: string): Reply {
  if (r.status !== 0) throw new Error(`${what}: status ${r.status | 0}`);
  return r;
}

function expect(cond: boolean, what: string): void {
  if (!cond) throw new Error(what);
}

/** Lines from stdin, one at a time. */
async function* lines(): AsyncGenerator<string> {
  const dec = new TextDecoder();
  let buf = "";
  for await (const chunk of Deno.stdin.readable) {
    buf += dec.decode(chunk);
    for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
      yield buf.slice(0, i);
      buf = buf.slice(i + 1);
    }
  }
}

/** Every protocol the agent is offered, from Base. */
async function protocols(g: Guest): Promise<number[]> {
  const n = ok(await g.send(BASE, 0x1), "BASE_PROTOCOL_ATTRIBUTES").words[0] & 0xff;
  const list = ok(await g.send(BASE, 0x6, [0]), "BASE_DISCOVER_LIST_PROTOCOLS");
  expect(list.words[0] === n, `list gives ${list.words[0]} protocols, attributes ${n}`);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((list.words[1 + (i >> 2)] >>> (8 * (i & 3))) & 0xff);
  return out;
}

/** PROTOCOL_VERSION and PROTOCOL_ATTRIBUTES of each, all SUCCESS. */
async function touchAll(g: Guest, ids: number[]): Promise<void> {
  for (const p of [BASE, ...ids]) {
    ok(await g.send(p, 0x0), `protocol 0x${p.toString(16)} VERSION`);
    ok(await g.send(p, 0x1), `protocol 0x${p.toString(16)} ATTRIBUTES`);
  }
}

async function clockEnabled(g: Guest, id: number): Promise<boolean> {
  return (ok(await g.send(CLOCK, 0x3, [id]), "CLOCK_ATTRIBUTES").words[0] & 1) === 1;
}

/**
 * The steps that need the sim board's resources (vm1's devices): a notification, out-of-order
 * completion, a device reset in the middle of traffic. Clock 0 holds the agent's vote.
 */
async function simSteps(g: Guest, ids: number[]): Promise<{ slow: number; outOfOrder: boolean }> {
  // A notification on the eventq after an asynchronous command.
  ok(await g.send(POWER, 0x6, [2, 1]), "POWER_STATE_NOTIFY");
  ok(await g.send(POWER, 0x4, [1, 2, 0]), "POWER_STATE_SET async");
  const [ev] = await g.waitEvents(1);
  const f = fields(ev.header);
  expect(f.type === 3 && f.protocol === POWER && f.id === 0, `eventq message ${JSON.stringify(f)}`);
  expect(ev.words[1] === 2 && ev.words[2] === 0, `STATE_CHANGED words ${ev.words.slice(0, 3)}`);

  // Out-of-order completion: a slow reset, then a quick command, one notification.
  const slow = await g.resetDomain("gpu_rst");
  const before = g.completionOrder.length;
  const [r1, r2] = await g.sendAll([
    { protocol: RESET, message: 0x4, params: [slow, 1, 0] },
    { protocol: BASE, message: 0x0 },
  ]);
  ok(r1, "RESET gpu_rst");
  ok(r2, "BASE version");
  const order = g.completionOrder.slice(before);
  const outOfOrder = order[0] === fields(r2.header).token && order[1] === fields(r1.header).token;
  expect(outOfOrder, `completion order ${order}: the quick command should complete first`);

  // A device reset in the middle of traffic: the slow reset is in flight when Status is 0.
  const oldCmdq = g.cmdq!;
  void g.send(RESET, 0x4, [slow, 1, 0]);
  await g.reset();
  // Once Status reads 0 the reset is done: nothing may reach the old rings from now on.
  const usedBefore = oldCmdq.usedIdx;
  await g.probe();
  // The reset ended the session: its clock vote is gone.
  expect(!(await clockEnabled(g, 0)), "clock vote survived a device reset");
  await touchAll(g, ids);
  expect(oldCmdq.usedIdx === usedBefore, "the device wrote the old cmdq after the reset");

  return { slow, outOfOrder };
}

/** The walk; throws on the first thing Linux would not accept. */
export async function walk(
  el2: El2,
  cfg: WalkConfig,
  say: (line: string) => void,
  hear: () => Promise<string>,
): Promise<WalkSummary> {
  const guests = cfg.zones.map((z) => new Guest(el2, new ZoneRam(el2.mem, z.region), z));
  const [g, ...others] = guests;
  await el2.waitConnections(1);

  // Every zone probes at once, each on its own vCPU.
  await Promise.all(guests.map((x) => x.probe()));
  for (const x of guests) {
    expect((await x.read(Reg.STATUS)) === DRIVER_OK_STATUS, `zone ${x.cfg.zone} not DRIVER_OK`);
  }
  const others1 = Promise.all(others.map(async (o) => (await protocols(o)).length));

  // Every protocol the zone may use.
  const ids = await protocols(g);
  await touchAll(g, ids);

  ok(await g.send(CLOCK, 0x7, [0, 1, 0]), "CLOCK_CONFIG_SET enable");
  expect(await clockEnabled(g, 0), "clock 0 enabled in the agent's view");
  const sim = cfg.basic ? null : await simSteps(g, ids);

  // A vscmi restart in the middle of traffic, which the guest does not notice.
  // The slow reset may be taken, completed or neither when vscmi dies: the guest gets its one
  // reply either way.
  ok(await g.send(CLOCK, 0x7, [0, 1, 0]), "CLOCK_CONFIG_SET enable");
  const interruptsBefore = g.configChanges;
  const inFlight = sim ? g.send(RESET, 0x4, [sim.slow, 1, 0]) : g.send(BASE, 0x0);
  say("restart-now");
  expect((await hear()) === "killed", "expected `killed`");
  const pendingCmd = g.send(CLOCK, 0x3, [0]);
  const pendingRead = g.read(Reg.STATUS);
  say("pending");
  expect((await pendingRead) === DRIVER_OK_STATUS, "Status after the restart");
  expect((ok(await pendingCmd, "CLOCK_ATTRIBUTES").words[0] & 1) === 1, "vote kept across restart");
  ok(await inFlight, "a command in flight across the restart");
  await touchAll(g, ids);
  expect(g.configChanges === interruptsBefore && !g.needsReset, "the restart was visible");
  expect((await g.read(Reg.STATUS)) === DRIVER_OK_STATUS, "Status at the end");

  // A vscmi that starts without the saved registers asks for a reset (NEEDS_RESET and a
  // configuration-change interrupt); the driver resets, probes again and carries on.
  if (!cfg.basic) {
    say("restart-fresh");
    expect((await hear()) === "killed", "expected `killed`");
    await until(() => (g.check(), g.needsReset), "NEEDS_RESET after a restart without state");
    await g.reset();
    await g.probe();
    await touchAll(g, ids);
  }

  const otherZones = await others1;
  for (const x of guests) x.check();
  return {
    protocols: ids,
    accesses: guests.reduce((n, x) => n + x.accesses, 0),
    interrupts: g.interrupts,
    notifications: g.events.length,
    outOfOrder: sim?.outOfOrder ?? false,
    connections: el2.connections,
    otherZones,
  };
}

if (import.meta.main) {
  const cfg = JSON.parse(Deno.args[0]) as WalkConfig;
  const out = (line: string) => console.log(line);
  const input = lines();
  const el2 = await El2.create(cfg.dir, { memBytes: cfg.memBytes, mapBytes: cfg.mapBytes });
  out("ready");
  let code = 0;
  try {
    const summary = await walk(el2, cfg, out, async () => (await input.next()).value ?? "");
    out(`done ${JSON.stringify(summary)}`);
  } catch (e) {
    out(`failed: ${e instanceof Error ? e.stack : e}`);
    code = 1;
  }
  await el2.close();
  Deno.exit(code);
}
