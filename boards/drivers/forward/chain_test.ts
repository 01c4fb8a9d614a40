/**
 * The forward chain end to end: guests → vscmi mediator (examples/forward/mediator.toml, the
 * forward driver) → vscmi firmware (examples/forward/firmware.toml), each server on its own
 * run directory, guests on the stream transport. What the firmware receives is read from its
 * trace.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { assert, assertEquals } from "../../../core/_assert_test.ts";
import { HANG_MS, settled, until } from "../../../core/_wait_test.ts";
import { headerMessageId, headerProtocol, headerType, MsgType } from "../../../core/header.ts";
import { Logger } from "../../../core/log.ts";
import { Status } from "../../../core/status.ts";
import { ManualClock } from "../../../core/timer_clock.ts";
import { ScmiClient } from "../../../client/mod.ts";
import { loadDeployment } from "../../../server/manifest/mod.ts";
import { type Server, startServer } from "../../../server/serve.ts";
import { BUILTINS } from "../../../builtins.ts";
import { simDriver } from "../sim.ts";
import { forwardDriverWith } from "./mod.ts";

const EXAMPLE = fileURLToPath(new URL("../../../examples/forward/", import.meta.url));
const CLOCK = 0x14;
const RATE_SET = 0x5;
const RATE_GET = 0x6;
const ATTRIBUTES = 0x3;
const RATE_NOTIFY = 0x9;
const MHZ = 1_000_000;
const POWER = 0x11;
const STATE_SET = 0x4;
const STATE_NOTIFY = 0x6;
/** apb_clk: the firmware's id, and the virtual id both guests know it by. */
const APB_FW = 10;
const APB = 3;

function quiet(): Logger {
  const log = new Logger();
  log.sink = (_l, line) => Deno.env.get("FWD_DEBUG") && console.log(line);
  return log;
}

/** The firmware, recording each CLOCK_RATE_SET it receives as [clock id, rate]. */
async function startFirmware(dir: string, seen: [number, number][]): Promise<Server> {
  const dep = await loadDeployment(join(EXAMPLE, "firmware.toml"), BUILTINS);
  return await startServer(dep, {
    runDir: join(dir, "fw"),
    stateDir: null,
    control: false,
    log: quiet(),
    trace: "text",
    traceWrite(line) {
      const m = /CLOCK_RATE_SET flags=\S+ clock_id=(\d+) rate=(\d+)/.exec(line);
      if (m && line.startsWith("mediator")) seen.push([Number(m[1]), Number(m[2])]);
    },
  });
}

async function startMediator(dir: string, clock: ManualClock): Promise<Server> {
  const drivers = [simDriver, forwardDriverWith({ clock })];
  const dep = await loadDeployment(join(EXAMPLE, "mediator.toml"), { ...BUILTINS, drivers });
  return await startServer(dep, {
    runDir: join(dir, "med"),
    stateDir: null,
    control: false,
    log: quiet(),
  });
}

const guest = (dir: string, name: string) =>
  ScmiClient.connect({ kind: "unix", path: join(dir, "med", `${name}.sock`) });

const isRateChanged = (m: Uint8Array) => {
  const h = new DataView(m.buffer, m.byteOffset).getUint32(0, true);
  return headerProtocol(h) === CLOCK && headerMessageId(h) === 0;
};

const isPowerChanged = (m: Uint8Array) => {
  const h = new DataView(m.buffer, m.byteOffset).getUint32(0, true);
  return headerProtocol(h) === POWER && headerMessageId(h) === 0;
};

const rate = (hz: number) => [hz % 0x1_0000_0000, Math.floor(hz / 0x1_0000_0000)];

Deno.test("forward chain: policy at the mediator, merged votes at the firmware, notifications to subscribers, COMMS_ERROR while the firmware is down and service after it returns", async () => {
  const dir = await Deno.makeTempDir();
  const seen: [number, number][] = [];
  let fw = await startFirmware(dir, seen);
  const clock = new ManualClock();
  const med = await startMediator(dir, clock);
  const vm1 = await guest(dir, "vm1");
  const vm2 = await guest(dir, "vm2");
  try {
    // vm2 sees its four clocks and not vm1's uart0_clk (firmware id 14): the id after its
    // last is NOT_FOUND, and no name it sees is vm1's.
    const names: string[] = [];
    for (let id = 0; id < 4; id++) {
      const r = await vm2.request(CLOCK, ATTRIBUTES, [id]);
      assertEquals(r.status, Status.SUCCESS);
      names.push(new TextDecoder().decode(r.payload.subarray(4, 20)).replace(/\0.*$/s, ""));
    }
    assertEquals(names, ["uart1_clk", "usb_bus_clk", "usb_ref_clk", "apb_clk"]);
    assertEquals((await vm2.request(CLOCK, ATTRIBUTES, [4])).status, Status.NOT_FOUND);
    assertEquals(
      (await vm2.request(CLOCK, RATE_SET, [0, 4, ...rate(48 * MHZ)])).status,
      Status.NOT_FOUND,
    );
    // vm1's console clock reaches the firmware with the firmware's id; asked asynchronously,
    // its delayed response comes once the firmware has answered.
    assertEquals((await vm1.request(CLOCK, RATE_SET, [1, 0, ...rate(48 * MHZ)])).status, 0);
    const done = await vm1.waitFor((m) => {
      const h = new DataView(m.buffer, m.byteOffset).getUint32(0, true);
      return headerType(h) === MsgType.DELAYED_RESPONSE && headerMessageId(h) === RATE_SET;
    }, HANG_MS);
    assert(done !== null, "the delayed response came");
    const dd = new DataView(done.buffer, done.byteOffset);
    assertEquals([dd.getInt32(4, true), dd.getUint32(8, true), dd.getUint32(12, true)], [
      0,
      0,
      48 * MHZ,
    ]);
    assertEquals(seen, [[14, 48 * MHZ]]);
    seen.length = 0;

    // Only vm1 subscribes to apb_clk's rate changes.
    assertEquals((await vm1.request(CLOCK, RATE_NOTIFY, [APB, 1])).status, 0);
    // Both vote for the shared APB clock (policy max): the firmware sees the merged rate
    // only when it changes, never the guests' votes themselves.
    assertEquals((await vm1.request(CLOCK, RATE_SET, [0, APB, ...rate(50 * MHZ)])).status, 0);
    assertEquals((await vm2.request(CLOCK, RATE_SET, [0, APB, ...rate(100 * MHZ)])).status, 0);
    assertEquals((await vm1.request(CLOCK, RATE_SET, [0, APB, ...rate(100 * MHZ)])).status, 0);
    assertEquals((await vm2.request(CLOCK, RATE_SET, [0, APB, ...rate(50 * MHZ)])).status, 0);
    assertEquals(seen, [[APB_FW, 50 * MHZ], [APB_FW, 100 * MHZ]]);
    const fwRate = await vm2.request(CLOCK, RATE_GET, [APB]);
    assertEquals(
      new DataView(fwRate.payload.buffer, fwRate.payload.byteOffset).getUint32(0, true),
      100 * MHZ,
    );
    // vm1, the subscriber, heard of the change vm2 made; vm2 heard nothing.
    const note = await vm1.waitFor(isRateChanged, HANG_MS);
    assert(note !== null, "vm1 got CLOCK_RATE_CHANGED");
    assertEquals(new DataView(note.buffer, note.byteOffset).getUint32(8, true), APB);
    assertEquals(vm2.notifications.length, 0);

    // Another agent of the firmware changes apb_clk: the firmware tells the mediator, which
    // subscribed once for the clock, and the mediator tells vm1, its subscriber, not vm2.
    vm1.notifications.length = 0;
    const hostFile = join(dir, "host.toml");
    await Deno.writeTextFile(
      hostFile,
      '[[agent]]\nname = "host"\ntransport = { type = "stream" }\n' +
        'protocols = ["clock", "power"]\nclocks = ["apb_clk"]\npower_domains = ["pd_usb"]\n',
    );
    await fw.addAgents(hostFile);
    const host = await ScmiClient.connect({ kind: "unix", path: join(dir, "fw", "host.sock") });
    try {
      assertEquals((await host.request(CLOCK, RATE_SET, [0, 0, ...rate(50 * MHZ)])).status, 0);
      const heard = await vm1.waitFor(isRateChanged, HANG_MS);
      assert(heard !== null, "vm1 heard of the firmware's change");
      const dv = new DataView(heard.buffer, heard.byteOffset);
      assertEquals([dv.getUint32(4, true), dv.getUint32(8, true), dv.getUint32(12, true)], [
        0,
        APB,
        50 * MHZ,
      ]);
      // Likewise a power domain: vm2 subscribed to pd_usb (its domain 0), which the
      // firmware's host switches on.
      assertEquals((await vm2.request(POWER, STATE_NOTIFY, [0, 1])).status, 0);
      assertEquals(vm2.notifications.length, 0);
      assertEquals((await host.request(POWER, STATE_SET, [0, 0, 0])).status, 0);
      const on = await vm2.waitFor(isPowerChanged, HANG_MS);
      assert(on !== null, "vm2 heard pd_usb go on");
      const pv = new DataView(on.buffer, on.byteOffset);
      assertEquals([pv.getUint32(4, true), pv.getUint32(8, true), pv.getUint32(12, true)], [
        0,
        0,
        0,
      ]);
    } finally {
      await host.close();
    }
    assertEquals(vm2.notifications.filter(isRateChanged).length, 0);
    assertEquals(vm1.notifications.filter(isPowerChanged).length, 0);

    // The firmware stops: guests get COMMS_ERROR, not a hang.
    await fw.close();
    seen.length = 0;
    assertEquals(
      (await vm1.request(CLOCK, RATE_SET, [0, 0, ...rate(96 * MHZ)])).status,
      Status.COMMS_ERROR,
    );
    assertEquals((await vm2.request(CLOCK, RATE_GET, [APB])).status, Status.COMMS_ERROR);

    // It comes back: one timeout after the last attempt the mediator reconnects by itself
    // and sends what the firmware must hold again (vm1's console rate, the merged APB rate);
    // then it serves requests again.
    fw = await startFirmware(dir, seen);
    assertEquals(seen, []);
    clock.advance(1000);
    await until(() => seen.length === 2, "the mediator to reconnect and send the held rates");
    assertEquals(seen, [[14, 48 * MHZ], [APB_FW, 100 * MHZ]]);
    assertEquals((await vm1.request(CLOCK, RATE_SET, [0, 0, ...rate(96 * MHZ)])).status, 0);
    assertEquals(seen, [[14, 48 * MHZ], [APB_FW, 100 * MHZ], [14, 96 * MHZ]]);
  } finally {
    await vm1.close();
    await vm2.close();
    await med.close();
    await fw.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("forward chain: a firmware that stops answering gives COMMS_ERROR once the timeout has passed on the injected clock, and the mediator connects again", async () => {
  const dir = await Deno.makeTempDir();
  const seen: [number, number][] = [];
  const fw = await startFirmware(dir, seen);
  const clock = new ManualClock();
  const med = await startMediator(dir, clock);
  const vm1 = await guest(dir, "vm1");
  await fw.close();
  // The firmware is gone (its socket too): COMMS_ERROR at once, and the link holds no channel.
  assertEquals(
    (await vm1.request(CLOCK, RATE_SET, [0, 0, ...rate(96 * MHZ)])).status,
    Status.COMMS_ERROR,
  );
  // A silent firmware: take the socket over with a listener that accepts and never answers.
  const silent = Deno.listen({ transport: "unix", path: join(dir, "fw", "mediator.sock") });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const c of silent) held.push(c);
  })();
  try {
    const pending = vm1.request(CLOCK, RATE_SET, [0, 0, ...rate(96 * MHZ)]);
    await until(() => held.length === 1, "the mediator to connect to the silent firmware");
    // Wait until the mediator's request has reached the silent firmware.
    const buf = new Uint8Array(64);
    assert((await held[0].read(buf))! > 0, "the mediator sent its request");
    clock.advance(999);
    assert(!await settled(pending), "no answer before the timeout");
    clock.advance(1);
    assertEquals((await pending).status, Status.COMMS_ERROR);
    // The next request connects again.
    const again = vm1.request(CLOCK, RATE_SET, [0, 0, ...rate(96 * MHZ)]);
    await until(() => held.length === 2, "a second connection");
    clock.advance(1000);
    assertEquals((await again).status, Status.COMMS_ERROR);
  } finally {
    await vm1.close();
    await med.close();
    silent.close();
    for (const c of held) c.close();
    await accepting.catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});
