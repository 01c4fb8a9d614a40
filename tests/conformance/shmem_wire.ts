/**
 * The shmem transport's wire as a Linux agent and its VMM shim speak it, over the file
 * binding, for the transport conformance suite: a connection is the shim's doorbell and
 * interrupt sockets and the agent's shared memory; a request is written into the channel area
 * as Linux's `arm_scmi` does (channel_status 0, flags, length, header, parameters), the
 * doorbell rung, and the reply read back once the platform handed the area back (FREE) —
 * polled on SMC, after the completion interrupt on a mailbox.
 *
 * A shmem agent's session lasts from the server's start to its stop (there is no connection
 * to end), which the suite is told with `sessions: { perTransport }`.
 * @module
 */
import { FileShim } from "../../bindings/file/_shim_test.ts";
import { SMCCC_NOT_SUPPORTED } from "../../transports/shmem/binding.ts";
import { LinuxChannel, Words } from "../../transports/shmem/_linux_agent_test.ts";
import { ChannelStatus, HEADER, LENGTH, STATUS } from "../../transports/shmem/layout.ts";
import type { WireAdapter, WireConnection } from "../../testing/mod.ts";
import { Status } from "../../core/status.ts";

/** Why a shmem agent has one session for the transport's lifetime. */
export const SHMEM_SESSIONS =
  "shmem: shared memory shows no agent coming or going, a session lasts the server's lifetime";

/** The SMC agent's function id. */
const FID = 0x8200_0010;
/** Guest-physical address of the shared memory (arm,scmi-smc-param passes the area's page and offset). */
const SHM_BASE = 0x1_2345_6800;
/** The A2P area: room for a header, a status and the suite agent's largest payload (128). */
const AREA = { offset: 0, size: 0x100 } as const;
/** The mailbox agent's channel numbers. */
const A2P_NUMBER = 0;
const P2A_NUMBER = 1;

/**
 * How the agent rings: an SMC trap with the channel's function id, one that also passes the
 * area's page and offset (`arm,scmi-smc-param`), or a mailbox doorbell.
 */
export type ShmemDoorbell = "smc" | "smc-param" | "mailbox";

/** a0–a2 of a trap: the SMC function id (or mailbox channel), then smc-param's page, offset. */
type Trap = readonly [number, bigint, bigint];

/** One agent channel over the file binding. */
export class ShmemWire implements WireConnection {
  readonly ch: LinuxChannel;
  readonly w: Words;
  #closed = false;

  constructor(readonly shim: FileShim, readonly doorbell: ShmemDoorbell) {
    this.ch = new LinuxChannel(shim.mem, AREA.offset, AREA.size);
    this.w = new Words(shim.mem);
  }

  /** a0–a2 of this channel's doorbell. */
  get trap(): Trap {
    if (this.doorbell === "mailbox") return [A2P_NUMBER, 0n, 0n];
    if (this.doorbell === "smc") return [FID, 0n, 0n];
    const at = SHM_BASE + AREA.offset;
    return [FID, BigInt(Math.floor(at / 4096)), BigInt(at % 4096)];
  }

  /** The whole area as it is now. */
  area(): Uint8Array {
    const b = new Uint8Array(AREA.size);
    this.shim.mem.read(AREA.offset, b);
    return b;
  }

  /** Writes `message` (header first) into the area as Linux's tx_prepare does. */
  post(message: Uint8Array): number {
    const dv = new DataView(message.buffer, message.byteOffset, message.byteLength);
    const header = dv.getUint32(0, true);
    this.ch.prepare(header, message.subarray(4), this.doorbell !== "mailbox");
    return header;
  }

  /**
   * Rings the channel's doorbell (or `trap`), expecting `answer`; on a mailbox a served
   * message then raises the completion interrupt of the channel.
   */
  async ring(answer = 0n, trap: Trap = this.trap): Promise<void> {
    const got = await this.shim.ring(...trap);
    if (got !== answer) throw new Error(`doorbell answered 0x${got.toString(16)}, not ${answer}`);
    if (this.doorbell === "mailbox" && answer === 0n && trap[0] === A2P_NUMBER) {
      const n = await this.shim.nextIrq();
      if (n !== A2P_NUMBER) throw new Error(`interrupt of channel ${n}, not ${A2P_NUMBER}`);
    }
  }

  /** The reply in the area, header first, as long as its length field says. */
  reply(header: number): Uint8Array {
    if (!this.ch.pollDone(header)) throw new Error("the channel was handed back without a reply");
    const r = this.ch.fetch();
    if (r.length !== 8 + r.payload.length) {
      throw new Error(`length field ${r.length} for a reply of ${8 + r.payload.length} bytes`);
    }
    const out = new Uint8Array(r.length);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, r.header, true);
    dv.setUint32(4, r.status, true);
    out.set(r.payload, 8);
    return out;
  }

  async request(message: Uint8Array): Promise<Uint8Array> {
    const header = this.post(message);
    await this.ring();
    return this.reply(header);
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.shim.close();
    }
    return Promise.resolve();
  }
}

/**
 * A request of `payload` parameter bytes, all zero: the suite's sessions answer it with a
 * header, SUCCESS and no payload.
 */
function message(token: number, payload = 4): Uint8Array {
  const m = new Uint8Array(4 + payload);
  new DataView(m.buffer).setUint32(0, (0x3 | 0x80 << 10 | token << 18) >>> 0, true);
  return m;
}

/** Fails unless the area is as `before` but for channel_status, which must be `status`. */
function untouched(c: ShmemWire, before: Uint8Array, status: number): void {
  const now = c.area();
  const got = c.w.get(AREA.offset + STATUS);
  if (got !== status) throw new Error(`channel_status ${got}, not ${status}`);
  before.set(now.subarray(STATUS, STATUS + 4), STATUS);
  const at = now.findIndex((b, i) => b !== before[i]);
  if (at >= 0) throw new Error(`the platform wrote byte ${at} of the area`);
}

/** A length field the platform must refuse with ERROR | FREE, touching nothing else. */
async function badLength(c: ShmemWire, length: number): Promise<void> {
  c.post(message(1));
  c.w.set(AREA.offset + LENGTH, length);
  const before = c.area();
  await c.ring();
  untouched(c, before, ChannelStatus.ERROR | ChannelStatus.FREE);
}

/** The shmem transport's wire adapter for an agent with `doorbell`, on the file binding. */
export function shmemWire(doorbell: ShmemDoorbell): WireAdapter<ShmemWire> {
  const channel = doorbell === "mailbox"
    ? { ...AREA, number: A2P_NUMBER }
    : { ...AREA, function_id: FID };
  const hostile: Record<string, (c: ShmemWire) => Promise<void>> = {
    // A length past the end of the area: ERROR | FREE, nothing else read or written.
    "a length past the area": (c) => badLength(c, AREA.size - HEADER + 1),
    "a length of 4 GiB - 1": (c) => badLength(c, 0xffff_ffff),
    // A length under a header's 4 bytes: the same.
    "a length shorter than a header": (c) => badLength(c, 3),
    // A message longer than the agent's largest, inside the area: answered PROTOCOL_ERROR.
    "a message longer than the agent's largest": async (c) => {
      const header = c.post(message(2, 128 + 4));
      await c.ring();
      const r = new DataView(c.reply(header).buffer);
      if (r.byteLength !== 8 || r.getInt32(4, true) !== Status.PROTOCOL_ERROR) {
        throw new Error(`a ${r.byteLength}-byte reply with status ${r.getInt32(4, true)}`);
      }
    },
    // A doorbell with the channel still FREE (nothing posted): answered, nothing taken.
    "a doorbell with the channel not marked busy": async (c) => {
      c.post(message(3));
      c.w.set(AREA.offset + STATUS, ChannelStatus.FREE);
      const before = c.area();
      const answer = await c.shim.ring(...c.trap);
      if (answer !== 0n) throw new Error(`doorbell answered 0x${answer.toString(16)}`);
      untouched(c, before, ChannelStatus.FREE);
    },
    // A doorbell naming no channel of the agent: NOT_SUPPORTED, the posted message left for
    // the right doorbell.
    [doorbell === "mailbox" ? "an unknown mailbox channel" : "an unknown SMC function id"]: async (
      c,
    ) => {
      const header = c.post(message(4));
      const before = c.area();
      const [, a1, a2] = c.trap;
      await c.ring(SMCCC_NOT_SUPPORTED, doorbell === "mailbox" ? [7, 0n, 0n] : [FID + 1, a1, a2]);
      untouched(c, before, 0);
      await c.ring();
      // Served: its header echoed, SUCCESS and the 0 payload bytes its parameter asks for.
      if (c.reply(header).length !== 8) throw new Error("the message was not served");
    },
    // Part of a doorbell record, then the shim goes.
    "a doorbell record cut short, then gone": async (c) => {
      await c.shim.doorbell.write(new Uint8Array(10));
    },
  };
  if (doorbell === "smc-param") {
    // The channel's function id with the page and offset of no area: NOT_SUPPORTED.
    hostile["the function id with another page and offset"] = async (c) => {
      const header = c.post(message(5));
      const before = c.area();
      const [, a1, a2] = c.trap;
      for (const trap of [[FID, a1 + 1n, a2], [FID, a1, a2 + 4n], [FID, 0n, 0n]] as const) {
        await c.ring(SMCCC_NOT_SUPPORTED, trap);
      }
      untouched(c, before, 0);
      await c.ring();
      if (c.reply(header).length !== 8) throw new Error("the message was not served");
    };
  }
  if (doorbell === "mailbox") {
    // The P2A channel's doorbell (the agent handed the area back) with nothing to send.
    hostile["a doorbell on the P2A channel with nothing waiting"] = async (c) => {
      const before = c.area();
      await c.ring(0n, [P2A_NUMBER, 0n, 0n]);
      untouched(c, before, ChannelStatus.FREE);
    };
  }
  return {
    options: () =>
      doorbell === "mailbox"
        ? {
          doorbell: "mailbox",
          channels: [channel],
          p2a: { offset: 0x100, size: 0x100, number: P2A_NUMBER },
        }
        : doorbell === "smc"
        ? { doorbell: "smc", channels: [channel] }
        : { doorbell: "smc", smc_param: true, shm_base: SHM_BASE, channels: [channel] },
    connect: async (_handle, runDir) => new ShmemWire(await FileShim.open(runDir, "vm1"), doorbell),
    hostile,
  };
}
