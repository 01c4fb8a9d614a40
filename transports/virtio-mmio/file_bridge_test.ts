/**
 * The virtio-mmio transport served through a file bridge, in this process: the simulator
 * of `bindings/hvisor/_file_sim_test.ts` plays hvisor and a zone's vCPU, the server runs the
 * deployment as `vscmi serve` does. Probe, a command and its interrupt, a vscmi restart the
 * guest does not notice, and a start without kept registers.
 * @module
 */
import { assert, assertEquals, assertRejects } from "../../core/_assert_test.ts";
import { Logger } from "../../core/log.ts";
import { until } from "../../core/_wait_test.ts";
import { BUILTINS } from "../../builtins.ts";
import { loadDeployment, simBoardPath } from "../../server/manifest/mod.ts";
import { startServer } from "../../server/serve.ts";
import { FileSim } from "../../bindings/hvisor/_file_sim_test.ts";
import { GuestRam, words } from "../virtio/_driver_test.ts";
import { Interrupt, Reg, Status } from "./registers.ts";
import { probe } from "./_probe_test.ts";

const ZONE0_IPA = 0x20_0000;
const ZONEX_IPA = 0x5000_0000;
const RAM = 0x10_0000;
const BASE = 0xa003c00;
const IRQ = 78;
const ALL = Status.ACKNOWLEDGE | Status.DRIVER | Status.FEATURES_OK | Status.DRIVER_OK;

/** One zone's agent: zone `zone`, window at `BASE`, its RAM after the previous zone's. */
function agentToml(zone: number): string {
  return `
[[agent]]
name = "zone${zone}"
protocols = ["clock"]
[agent.transport]
type = "virtio-mmio"
device = "file:sim"
zone = ${zone}
base = 0x${BASE.toString(16)}
irq = ${IRQ + zone - 1}
memory = [{ zone0_ipa = 0x${(ZONE0_IPA * zone).toString(16)}, zonex_ipa = 0x${
    ZONEX_IPA.toString(16)
  }, size = 0x${RAM.toString(16)} }]
`;
}

async function setup(zones = 1) {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-mmio-" });
  await Deno.mkdir(`${dir}/sim`);
  const sim = FileSim.create(`${dir}/sim`, ZONE0_IPA * zones + RAM);
  const file = `${dir}/vscmi.toml`;
  await Deno.writeTextFile(
    file,
    `board = ${JSON.stringify(simBoardPath())}\n` +
      Array.from({ length: zones }, (_, i) => agentToml(i + 1)).join(""),
  );
  const dep = await loadDeployment(file, BUILTINS);
  const lines: string[] = [];
  const log = new Logger();
  log.sink = (level, line) => void lines.push(`${level}: ${line}`);
  const serve = () =>
    startServer(dep, {
      runDir: `${dir}/run`,
      stateDir: `${dir}/state`,
      log,
      control: false,
    });
  const ram = new GuestRam(RAM, ZONEX_IPA, sim.mem(ZONE0_IPA, RAM));
  return { dir, sim, serve, ram, lines, io: sim.io(1, BASE) };
}

const PROTOCOL_VERSION = words([0x10 << 10]);

Deno.test("file bridge: a fresh start asks for a reset; probe, a command, its interrupt; a restart the guest does not notice", async () => {
  const { dir, sim, serve, ram, io } = await setup();
  let server = await serve();
  try {
    await until(() => sim.connected, "vscmi connected to el2.sock");
    // No registers were kept: the device needs a reset and says so with an interrupt.
    await until(() => sim.irqs.length === 1, "the config-change interrupt");
    assertEquals(sim.irqs, [[1, IRQ]]);
    assertEquals(await io.r(Reg.STATUS), Status.DEVICE_NEEDS_RESET);
    assertEquals(await io.r(Reg.INTERRUPT_STATUS), Interrupt.CONFIG);
    await io.w(Reg.INTERRUPT_ACK, Interrupt.CONFIG);
    assertEquals(await io.r(Reg.MAGIC_VALUE), 0x74726976);
    assertEquals(await io.r(Reg.VENDOR_ID), 0x48564953);

    const { cmd } = await probe(io, ram, { posted: 4 });
    assertEquals(await io.r(Reg.STATUS), ALL);
    const send = async () => {
      const head = cmd.add([{ write: false, len: 4, data: PROTOCOL_VERSION }, {
        write: true,
        len: 136,
      }]);
      cmd.publish();
      const before = sim.irqs.length;
      await io.w(Reg.QUEUE_NOTIFY, 0);
      await until(() => sim.irqs.length > before, "the used-buffer interrupt");
      const used = cmd.takeUsed();
      assertEquals(used.map((u) => [u.id, u.len]), [[head, 12]]);
      const reply = new DataView(ram.read(cmd.partAddr(head, 1), 12).buffer);
      assertEquals(reply.getUint32(8, true), 0x20001);
      assertEquals((await io.r(Reg.INTERRUPT_STATUS)) & Interrupt.VRING, Interrupt.VRING);
      await io.w(Reg.INTERRUPT_ACK, Interrupt.VRING);
    };
    await send();

    // vscmi stops; meanwhile the driver sends a command (its QueueNotify waits on the
    // bridge) and a vCPU reads Status and spins.
    await server.close();
    await until(() => !sim.connected, "vscmi gone");
    const head = cmd.add([{ write: false, len: 4, data: PROTOCOL_VERSION }, {
      write: true,
      len: 136,
    }]);
    cmd.publish();
    const irqs = sim.irqs.length;
    await io.w(Reg.QUEUE_NOTIFY, 0);
    const pending = io.r(Reg.STATUS);
    server = await serve();
    assertEquals(await pending, ALL, "the access left pending is answered from the kept registers");
    await until(() => cmd.usedIdx === 2, "the command sent during the restart served");
    assertEquals(cmd.takeUsed().map((u) => [u.id, u.len]), [[head, 12]]);
    await until(() => sim.irqs.length > irqs, "the interrupt after the restart");
    await io.w(Reg.INTERRUPT_ACK, Interrupt.VRING);
    await until(() => sim.connections === 2 && sim.connected, "vscmi connected again");
    await send();
    assertEquals(await io.r(Reg.STATUS), ALL);
  } finally {
    await server.close();
    await sim.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("file bridge: a device reset in the middle of traffic ends the session; the driver probes again", async () => {
  const { dir, sim, serve, ram, io } = await setup();
  const server = await serve();
  try {
    await until(() => sim.connected, "vscmi connected to el2.sock");
    await probe(io, ram);
    assertEquals(server.platform.sessions.size, 1);
    await io.w(Reg.STATUS, 0);
    assertEquals(server.platform.sessions.size, 0);
    assertEquals(await io.r(Reg.STATUS), 0);
    const ram2 = new GuestRam(RAM, ZONEX_IPA, ram.bytes);
    ram2.alloc(0x8000);
    await probe(io, ram2);
    assertEquals(server.platform.sessions.size, 1);
    assert(sim.finishes >= 1);
  } finally {
    await server.close();
    await sim.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("file bridge: two zones on one bridge, probed at once from different CPUs, each interrupted on its own irq", async () => {
  const { dir, sim, serve } = await setup(2);
  const server = await serve();
  try {
    await until(() => sim.connected, "vscmi connected to el2.sock");
    assertEquals(sim.connections, 1, "one owner, one connection for both agents");
    await until(() => sim.irqs.length === 2, "both config-change interrupts");
    const zones = [1, 2].map((zone) => ({
      zone,
      io: sim.io(zone, BASE, zone * 3),
      ram: new GuestRam(RAM, ZONEX_IPA, sim.mem(ZONE0_IPA * zone, RAM)),
    }));
    const queues = await Promise.all(zones.map((z) => probe(z.io, z.ram)));
    for (const [i, z] of zones.entries()) {
      const { cmd } = queues[i];
      cmd.add([{ write: false, len: 4, data: PROTOCOL_VERSION }, { write: true, len: 136 }]);
      cmd.publish();
      const before = sim.irqs.filter(([zone]) => zone === z.zone).length;
      await z.io.w(Reg.QUEUE_NOTIFY, 0);
      await until(
        () => sim.irqs.filter(([zone]) => zone === z.zone).length > before,
        `zone ${z.zone}'s interrupt`,
      );
      assertEquals(cmd.takeUsed().map((u) => u.len), [12]);
    }
    assertEquals(
      [...new Set(sim.irqs.map(([zone, irq]) => `${zone}:${irq}`))].sort(),
      [`1:${IRQ}`, `2:${IRQ + 1}`],
    );
    assertEquals(server.platform.sessions.size, 2);
  } finally {
    await server.close();
    await sim.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("file bridge missing → serve fails naming the agent and the file", async () => {
  const { dir, sim, serve } = await setup();
  await sim.close();
  await Deno.remove(`${dir}/sim/bridge`);
  try {
    const e = await assertRejects(() => serve());
    assert(e instanceof Error);
    assert(e.message.startsWith('Agent "zone1": open failed'), e.message);
    assert(e.message.includes(`${dir}/sim/bridge`), e.message);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("file bridge: the simulator hanging up el2.sock is logged; vscmi goes on and closes cleanly", async () => {
  const { dir, sim, serve, lines } = await setup();
  const server = await serve();
  try {
    await until(() => sim.connected, "vscmi connected to el2.sock");
    sim.hangUp();
    await until(
      () => lines.some((l) => l.includes("the simulator closed el2.sock")),
      "the hang-up logged",
    );
    assertEquals(lines.filter((l) => l.includes("el2.sock")).length, 1);
  } finally {
    await server.close();
    await sim.close();
    await Deno.remove(dir, { recursive: true });
  }
});
