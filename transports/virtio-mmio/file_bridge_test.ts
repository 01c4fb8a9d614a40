/**
 * The virtio-mmio transport served through a file bridge, in this process: the simulator
 * of `bindings/hvisor/_file_sim_test.ts` plays hvisor and a zone's vCPU, the server runs the
 * deployment as `vscmi serve` does. Probe, a command and its interrupt, a vscmi restart the
 * guest does not notice, and a start without kept registers.
 * @module
 */
import { assert, assertEquals } from "../../core/_assert_test.ts";
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

async function setup() {
  const dir = await Deno.makeTempDir({ prefix: "vscmi-mmio-" });
  await Deno.mkdir(`${dir}/sim`);
  const sim = FileSim.create(`${dir}/sim`, ZONE0_IPA + RAM);
  const file = `${dir}/vscmi.toml`;
  await Deno.writeTextFile(
    file,
    `board = ${JSON.stringify(simBoardPath())}

[[agent]]
name = "zone1"
protocols = ["clock"]
[agent.transport]
type = "virtio-mmio"
device = "file:sim"
zone = 1
base = 0x${BASE.toString(16)}
irq = ${IRQ}
memory = [{ zone0_ipa = 0x${ZONE0_IPA.toString(16)}, zonex_ipa = 0x${
      ZONEX_IPA.toString(16)
    }, size = 0x${RAM.toString(16)} }]
`,
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
