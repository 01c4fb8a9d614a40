/**
 * The virtio-mmio transport's wire as an hvisor zone's Linux driver speaks it, for the
 * transport conformance suite: `prepare` starts the EL2 simulator of `tests/hvisor/` on a
 * file bridge in the run directory (the transport attaches to it when it starts); a
 * connection is the zone's driver probing the device as Linux does (the session opens at
 * DRIVER_OK), a request one command on the cmdq taken back at its used-buffer interrupt, and
 * closing is the driver going away: a device reset (the session ends).
 * @module
 */
import { until } from "../../core/_wait_test.ts";
import { Status as ScmiStatus } from "../../core/status.ts";
import type { WireAdapter, WireConnection } from "../../testing/mod.ts";
import { El2 } from "../hvisor/_el2.ts";
import {
  Guest,
  type GuestConfig,
  hostileQueue,
  MAGIC,
  PDU_BYTES,
  Reg,
  Status,
} from "../hvisor/_guest.ts";
import { ZoneRam, type ZoneRegion } from "../hvisor/_zone.ts";

/** Zone 1's RAM: 1 MiB at zone-physical 0x5000_0000, offset 1 MiB of the `mem` file. */
const REGION: ZoneRegion = { zone0Ipa: 0x10_0000, zonexIpa: 0x5000_0000, size: 0x10_0000 };
const GUEST: GuestConfig = { zone: 1, cpu: 0, base: 0x0a00_3c00, irq: 78, vendor: 0x48564953 };
/** Status of a probed device. */
const PROBED = Status.ACKNOWLEDGE | Status.DRIVER | Status.FEATURES_OK | Status.DRIVER_OK;
/** Zone-physical addresses just past the zone's RAM and just before it. */
const END = REGION.zonexIpa + REGION.size;
const BEFORE = REGION.zonexIpa - 0x100;

/** One probed driver of the zone's device. */
export class VirtioMmioWire implements WireConnection {
  #closed = false;

  constructor(readonly guest: Guest) {}

  /** One register access of the zone's vCPU at `offset` in the window, of `size` bytes. */
  access(offset: number, write: boolean, value = 0, size = 4): Promise<number> {
    const { cpu, zone, base } = this.guest.cfg;
    return this.guest.el2.access(cpu, zone, base + offset, write, value, size);
  }

  /** Fails unless the device still shows a probed, running driver and no interrupt pending. */
  async stillRunning(): Promise<void> {
    await this.guest.handled();
    this.guest.check();
    const status = await this.guest.read(Reg.STATUS);
    if (status !== PROBED) {
      throw new Error(`Status 0x${status.toString(16)}, not 0x${PROBED.toString(16)}`);
    }
    const pending = await this.guest.read(Reg.INTERRUPT_STATUS);
    if (pending !== 0) throw new Error(`InterruptStatus ${pending} with nothing sent`);
  }

  async request(message: Uint8Array): Promise<Uint8Array> {
    let reply: Uint8Array | null = null;
    void this.guest.sendMessages([message]).then(([r]) => reply = r.bytes);
    await until(() => (this.guest.check(), reply !== null), "the reply on the cmdq");
    return reply!;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.guest.leave();
  }
}

/** Fails unless every access in `accesses` answers `expect`. */
async function answers(
  c: VirtioMmioWire,
  accesses: [number, boolean, number, number][],
  expect: number,
) {
  for (const [offset, write, value, size] of accesses) {
    const got = await c.access(offset, write, value, size);
    if (got !== expect) {
      throw new Error(`${write ? "write" : "read"} of ${size} at 0x${offset.toString(16)}: ${got}`);
    }
  }
}

/** Fails unless a chain of `parts` comes back used with length 0, the device still running. */
async function refused(c: VirtioMmioWire, parts: { gpa: number; len: number; write: boolean }[]) {
  const len = await c.guest.sendChain(parts);
  if (len !== 0) throw new Error(`a chain of ${JSON.stringify(parts)} used with length ${len}`);
  await c.stillRunning();
}

/**
 * The virtio-mmio transport's wire adapter: zone 1's device on a file bridge in the run
 * directory, served by the EL2 simulator `prepare` starts.
 */
export function virtioMmioWire(): WireAdapter<VirtioMmioWire> {
  let el2: El2 | null = null;
  const inside = REGION.zonexIpa + REGION.size - 0x1000;
  return {
    options: (runDir) => ({
      device: `file:${runDir}/hvisor`,
      zone: GUEST.zone,
      base: GUEST.base,
      irq: GUEST.irq,
      memory: [{ zone0_ipa: REGION.zone0Ipa, zonex_ipa: REGION.zonexIpa, size: REGION.size }],
    }),
    async prepare(runDir) {
      await Deno.mkdir(`${runDir}/hvisor`);
      const sim = el2 = await El2.create(`${runDir}/hvisor`, {
        memBytes: REGION.zone0Ipa + REGION.size,
      });
      return async () => {
        el2 = null;
        await sim.close();
      };
    },
    async connect() {
      if (el2 === null) throw new Error("no EL2 simulator: prepare was not called");
      await el2.waitConnections(1);
      // A fresh driver lays its queues out anew in the zone's RAM.
      const guest = new Guest(el2, new ZoneRam(el2.mem, REGION), GUEST);
      await guest.probe();
      return new VirtioMmioWire(guest);
    },
    hostile: {
      // Only aligned 4-byte accesses are valid: the others read 0 and write nothing (a 1-byte
      // Status 0 would reset the device).
      "unaligned and wrong-width register accesses": async (c) => {
        await answers(c, [
          [Reg.MAGIC, false, 0, 1],
          [Reg.MAGIC, false, 0, 2],
          [Reg.MAGIC, false, 0, 8],
          [Reg.MAGIC + 2, false, 0, 4],
          [Reg.STATUS, true, 0, 1],
          [Reg.STATUS, true, 0, 2],
          [Reg.STATUS + 1, true, 0, 4],
          [Reg.STATUS, true, 0, 8],
        ], 0);
        if (await c.access(Reg.MAGIC, false) !== MAGIC) throw new Error("MagicValue lost");
        await c.stillRunning();
      },
      // Buffers outside the zone's RAM, across its ends, or too short for a reply: each chain
      // used with length 0, nothing else done.
      "descriptor chains pointing outside zone RAM": async (c) => {
        const reply = { gpa: inside, len: PDU_BYTES, write: true };
        await refused(c, [{ gpa: END, len: 8, write: false }, reply]);
        await refused(c, [{ gpa: END - 4, len: 8, write: false }, reply]);
        await refused(c, [{ gpa: BEFORE, len: 8, write: false }, reply]);
        await refused(c, [{ gpa: 2 ** 52, len: 8, write: false }, reply]);
        await refused(c, [{ gpa: inside, len: 8, write: false }, {
          gpa: END - 8,
          len: PDU_BYTES,
          write: true,
        }]);
        await refused(c, [{ gpa: inside, len: 8, write: false }, {
          gpa: REGION.zone0Ipa,
          len: PDU_BYTES,
          write: true,
        }]);
        await refused(c, [{ gpa: inside, len: 8, write: false }, {
          gpa: inside + 0x100,
          len: 4,
          write: true,
        }]);
      },
      // A request shorter than a header: used with length 0; one longer than the agent's
      // largest: answered PROTOCOL_ERROR, 8 bytes.
      "requests shorter than a header and longer than the agent's largest": async (c) => {
        const reply = { gpa: inside + 0x200, len: PDU_BYTES, write: true };
        await refused(c, [{ gpa: inside, len: 2, write: false }, reply]);
        c.guest.ram.bytes(inside, 4 + 128 + 4).fill(0);
        const len = await c.guest.sendChain([
          { gpa: inside, len: 4 + 128 + 4, write: false },
          reply,
        ]);
        const status = c.guest.ram.dv.getInt32(c.guest.ram.off(reply.gpa + 4, 4), true);
        if (len !== 8 || status !== ScmiStatus.PROTOCOL_ERROR) {
          throw new Error(`an oversized request: used length ${len}, status ${status}`);
        }
        await c.stillRunning();
      },
      // QueueNotify naming a queue the device does not have: ignored.
      "a notify on a queue that does not exist": async (c) => {
        const { cpu, zone, base } = c.guest.cfg;
        for (const q of [2, 0xffff, 0xffff_ffff]) {
          await c.guest.el2.notify(cpu, zone, base + Reg.QUEUE_NOTIFY, q);
        }
        await c.stillRunning();
      },
      // Rings the driver puts outside its RAM: DEVICE_NEEDS_RESET and a configuration-change
      // interrupt, after which only a reset is obeyed.
      "a descriptor table outside zone RAM": async (c) => {
        await hostileQueue(c.guest, { desc: END, avail: inside, used: inside + 0x800 }, [
          { addr: inside + 0x400, len: PDU_BYTES, flags: 2 },
        ]);
        await until(
          () => (c.guest.check(), c.guest.needsReset),
          "the configuration-change interrupt",
        );
        const status = await c.guest.read(Reg.STATUS);
        if ((status & Status.NEEDS_RESET) === 0) throw new Error(`Status 0x${status.toString(16)}`);
      },
    },
  };
}
