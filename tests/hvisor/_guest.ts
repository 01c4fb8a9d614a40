/**
 * A Linux-like virtio-mmio SCMI guest driver over the EL2 simulator: every register access is
 * a trapped access of the zone's vCPU through the bridge, in the order Linux's virtio_mmio
 * and virtio_scmi make them.
 *
 * Probe (virtio_mmio `vm_probe`, `register_virtio_device`, `virtio_dev_probe`, scmi
 * `virtio_chan_setup`): MagicValue, Version (2), DeviceID (32), VendorID; Status 0 and read
 * back until 0 (reset); ACKNOWLEDGE; DRIVER; DeviceFeatures high then low word; DriverFeatures
 * high then low; FEATURES_OK, read back; per queue (cmdq 0, eventq 1): QueueSel, QueueReady
 * (must be 0), QueueNumMax, QueueNum, QueueDesc/Driver/Device low and high, QueueReady 1;
 * eventq buffers posted; DRIVER_OK.
 *
 * The interrupt handler (`vm_interrupt`) reads InterruptStatus, writes InterruptACK, and on
 * bit 0 takes the used buffers of both queues (eventq first, as Linux does), on bit 1
 * (config change) reads Status and records NEEDS_RESET.
 *
 * Register offsets from the virtio 1.2 specification, §4.2.2.
 * @module
 */
import { encodeHeader } from "../../core/header.ts";
import { until } from "../../core/_wait_test.ts";
import type { El2 } from "./_el2.ts";
import { DriverQueue, type ZoneRam } from "./_zone.ts";

/** virtio-mmio version-2 registers. */
export const Reg = {
  MAGIC: 0x000,
  VERSION: 0x004,
  DEVICE_ID: 0x008,
  VENDOR_ID: 0x00c,
  DEVICE_FEATURES: 0x010,
  DEVICE_FEATURES_SEL: 0x014,
  DRIVER_FEATURES: 0x020,
  DRIVER_FEATURES_SEL: 0x024,
  QUEUE_SEL: 0x030,
  QUEUE_NUM_MAX: 0x034,
  QUEUE_NUM: 0x038,
  QUEUE_READY: 0x044,
  QUEUE_NOTIFY: 0x050,
  INTERRUPT_STATUS: 0x060,
  INTERRUPT_ACK: 0x064,
  STATUS: 0x070,
  QUEUE_DESC_LOW: 0x080,
  QUEUE_DESC_HIGH: 0x084,
  QUEUE_DRIVER_LOW: 0x090,
  QUEUE_DRIVER_HIGH: 0x094,
  QUEUE_DEVICE_LOW: 0x0a0,
  QUEUE_DEVICE_HIGH: 0x0a4,
  CONFIG_GENERATION: 0x0fc,
} as const;

/** Device status bits. */
export const Status = {
  ACKNOWLEDGE: 1,
  DRIVER: 2,
  DRIVER_OK: 4,
  FEATURES_OK: 8,
  NEEDS_RESET: 0x40,
  FAILED: 0x80,
} as const;

/** "virt" little-endian. */
export const MAGIC = 0x7472_6976;
/** Feature bits the driver wants (Linux's virtio_scmi plus the ring features it keeps). */
const WANTED = {
  P2A: 0,
  INDIRECT_DESC: 28,
  EVENT_IDX: 29,
  VERSION_1: 32,
} as const;
/** A cmdq reply buffer and an eventq buffer: 8 bytes of header and status, 128 of payload. */
export const PDU_BYTES = 136;
/** Queue size the driver uses (at most the device's QueueNumMax). */
const QUEUE_SIZE = 64;
/** eventq buffers posted. */
const EVENT_BUFFERS = 16;

/** Where the device sits and which vCPU drives it. */
export interface GuestConfig {
  zone: number;
  cpu: number;
  base: number;
  irq: number;
  vendor: number;
  /** Feature bits to refuse although offered (e.g. EVENT_IDX: an interrupt per used buffer). */
  refuse?: bigint;
}

/** A reply taken from the cmdq. */
export interface Reply {
  header: number;
  status: number;
  /** The words after the status. */
  words: number[];
  /** The used length the device wrote. */
  len: number;
  /** The reply's bytes, header first (`len` of them). */
  bytes: Uint8Array;
}

/** A message taken from the eventq: a notification or a delayed response. */
export interface P2a {
  header: number;
  words: number[];
}

/** Header fields. */
export function fields(h: number) {
  return {
    id: h & 0xff,
    type: (h >>> 8) & 3,
    protocol: (h >>> 10) & 0xff,
    token: (h >>> 18) & 0x3ff,
  };
}

/** The guest driver of one zone's virtio-scmi device. */
export class Guest {
  cmdq: DriverQueue | null = null;
  eventq: DriverQueue | null = null;
  features = 0n;
  /** Messages from the eventq, in the order taken. */
  readonly events: P2a[] = [];
  /** Replies in the order the used ring gave them (tokens). */
  readonly completionOrder: number[] = [];
  /** Interrupts taken, and config-change interrupts among them. */
  interrupts = 0;
  configChanges = 0;
  /** Set by a config-change interrupt whose Status read shows NEEDS_RESET. */
  needsReset = false;
  /** Every register access made, for the bench and reports. */
  accesses = 0;
  #token = 0;
  readonly #waiting = new Map<number, (r: Reply) => void>();
  /** Chains of {@linkcode sendChain} by head: resolved with their used length. */
  readonly #rawWaiting = new Map<number, (len: number) => void>();
  #irqChain: Promise<void> = Promise.resolve();
  #irqError: unknown = null;

  constructor(readonly el2: El2, readonly ram: ZoneRam, readonly cfg: GuestConfig) {
    el2.onInterrupt(cfg.zone, (irq) => {
      if (irq !== cfg.irq) {
        this.#irqError = new Error(`interrupt ${irq} for zone ${cfg.zone}, expected ${cfg.irq}`);
        return;
      }
      this.#irqChain = this.#irqChain.then(() => this.#interrupt()).catch((e) => {
        this.#irqError = e;
      });
    });
  }

  /** Resolves once every interrupt delivered so far has been handled. */
  async handled(): Promise<void> {
    for (let c = this.#irqChain;; c = this.#irqChain) {
      await c;
      if (c === this.#irqChain) return;
    }
  }

  /** Fails if an interrupt handler failed. */
  check(): void {
    if (this.#irqError !== null) throw this.#irqError;
  }

  read(reg: number): Promise<number> {
    this.accesses++;
    return this.el2.access(this.cfg.cpu, this.cfg.zone, this.cfg.base + reg, false);
  }
  async write(reg: number, v: number): Promise<void> {
    this.accesses++;
    await this.el2.access(this.cfg.cpu, this.cfg.zone, this.cfg.base + reg, true, v >>> 0);
  }

  async #addStatus(bits: number): Promise<void> {
    await this.write(Reg.STATUS, (await this.read(Reg.STATUS)) | bits);
  }

  /** Linux's device reset: Status 0, then read it back until the device shows 0. */
  async reset(): Promise<void> {
    await this.write(Reg.STATUS, 0);
    for (let i = 0; (await this.read(Reg.STATUS)) !== 0; i++) {
      if (i === 1000) throw new Error("Status stays non-zero after reset");
    }
    this.cmdq = this.eventq = null;
    this.#waiting.clear();
    this.#rawWaiting.clear();
    this.needsReset = false;
  }

  /** The whole probe; throws what Linux would refuse. */
  async probe(): Promise<void> {
    const magic = await this.read(Reg.MAGIC);
    if (magic !== MAGIC) throw new Error(`MagicValue ${magic.toString(16)}`);
    const version = await this.read(Reg.VERSION);
    if (version !== 2) throw new Error(`Version ${version}`);
    const id = await this.read(Reg.DEVICE_ID);
    if (id !== 32) throw new Error(`DeviceID ${id}`);
    const vendor = await this.read(Reg.VENDOR_ID);
    if (vendor !== this.cfg.vendor) throw new Error(`VendorID ${vendor.toString(16)}`);
    await this.reset();
    await this.#addStatus(Status.ACKNOWLEDGE);
    await this.#addStatus(Status.DRIVER);
    await this.write(Reg.DEVICE_FEATURES_SEL, 1);
    let offered = BigInt(await this.read(Reg.DEVICE_FEATURES)) << 32n;
    await this.write(Reg.DEVICE_FEATURES_SEL, 0);
    offered |= BigInt(await this.read(Reg.DEVICE_FEATURES));
    if ((offered & (1n << 32n)) === 0n) throw new Error("device without VERSION_1");
    let want = 0n;
    for (const bit of Object.values(WANTED)) want |= 1n << BigInt(bit);
    this.features = offered & want & ~(this.cfg.refuse ?? 0n);
    await this.write(Reg.DRIVER_FEATURES_SEL, 1);
    await this.write(Reg.DRIVER_FEATURES, Number(this.features >> 32n));
    await this.write(Reg.DRIVER_FEATURES_SEL, 0);
    await this.write(Reg.DRIVER_FEATURES, Number(this.features & 0xffff_ffffn));
    await this.#addStatus(Status.FEATURES_OK);
    if (((await this.read(Reg.STATUS)) & Status.FEATURES_OK) === 0) {
      throw new Error("device refused FEATURES_OK");
    }
    const has = (bit: number) => (this.features & (1n << BigInt(bit))) !== 0n;
    this.cmdq = await this.#setupQueue(0, has(WANTED.EVENT_IDX), has(WANTED.INDIRECT_DESC));
    if (has(WANTED.P2A)) {
      this.eventq = await this.#setupQueue(1, has(WANTED.EVENT_IDX), has(WANTED.INDIRECT_DESC));
      for (let i = 0; i < EVENT_BUFFERS; i++) this.eventq.add(null, PDU_BYTES);
    }
    await this.#addStatus(Status.DRIVER_OK);
    if (this.eventq) await this.#kick(1, this.eventq);
  }

  async #setupQueue(index: number, eventIdx: boolean, indirect: boolean): Promise<DriverQueue> {
    await this.write(Reg.QUEUE_SEL, index);
    if ((await this.read(Reg.QUEUE_READY)) !== 0) throw new Error(`queue ${index} already ready`);
    const max = await this.read(Reg.QUEUE_NUM_MAX);
    if (max === 0) throw new Error(`queue ${index} does not exist`);
    const size = Math.min(max, QUEUE_SIZE);
    const q = new DriverQueue(this.ram, size, eventIdx, indirect);
    await this.write(Reg.QUEUE_NUM, size);
    for (
      const [lo, addr] of [[Reg.QUEUE_DESC_LOW, q.desc], [Reg.QUEUE_DRIVER_LOW, q.avail], [
        Reg.QUEUE_DEVICE_LOW,
        q.used,
      ]]
    ) {
      await this.write(lo, addr % 0x1_0000_0000);
      await this.write(lo + 4, Math.floor(addr / 0x1_0000_0000));
    }
    await this.write(Reg.QUEUE_READY, 1);
    return q;
  }

  async #kick(index: number, q: DriverQueue): Promise<void> {
    if (q.kickPrepare()) {
      this.accesses++;
      await this.el2.notify(this.cfg.cpu, this.cfg.zone, this.cfg.base + Reg.QUEUE_NOTIFY, index);
    }
  }

  /** The next token (10 bits, as Linux's xfer ids wrap). */
  nextToken(): number {
    return this.#token = (this.#token + 1) & 0x3ff;
  }

  /**
   * Sends one command (header fields and parameter words) on the cmdq; resolves to its reply
   * when the interrupt handler takes it.
   */
  async send(protocol: number, message: number, params: readonly number[] = []): Promise<Reply> {
    const [reply] = await this.sendAll([{ protocol, message, params }]);
    return reply;
  }

  /** Sends several commands with one notification; their replies, in the order sent. */
  sendAll(
    cmds: { protocol: number; message: number; params?: readonly number[] }[],
  ): Promise<Reply[]> {
    return this.sendMessages(cmds.map(({ protocol, message, params = [] }) => {
      const msg = new Uint8Array(4 + 4 * params.length);
      const dv = new DataView(msg.buffer);
      dv.setUint32(0, encodeHeader(message, 0, protocol, this.nextToken()), true);
      params.forEach((w, i) => dv.setUint32(4 + 4 * i, w >>> 0, true));
      return msg;
    }));
  }

  /**
   * Sends whole messages (header and parameters; their tokens must differ from those in
   * flight) with one notification; their replies, in the order sent.
   */
  async sendMessages(msgs: readonly Uint8Array[]): Promise<Reply[]> {
    const q = this.cmdq;
    if (q === null) throw new Error("the device is not probed");
    const replies = msgs.map((msg) => {
      const token = fields(new DataView(msg.buffer, msg.byteOffset).getUint32(0, true)).token;
      const p = new Promise<Reply>((resolve) => this.#waiting.set(token, resolve));
      q.add(msg, PDU_BYTES);
      return p;
    });
    await this.#kick(0, q);
    return Promise.all(replies);
  }

  /**
   * Makes one chain of `parts` available on the cmdq as they are (buffers anywhere, even
   * outside the zone's RAM) and notifies; resolves to the used length the device wrote.
   */
  async sendChain(parts: readonly { gpa: number; len: number; write: boolean }[]): Promise<number> {
    const q = this.cmdq;
    if (q === null) throw new Error("the device is not probed");
    const head = q.addParts(parts);
    const used = new Promise<number>((resolve) => this.#rawWaiting.set(head, resolve));
    await this.#kick(0, q);
    return await used;
  }

  /**
   * The driver goes (unbound, or its zone shut down): the device reset, Status 0 and read back
   * until 0 — unless vscmi has gone away, when the vCPU stops waiting for an answer.
   */
  async leave(): Promise<void> {
    const { cpu, zone, base } = this.cfg;
    if (await this.el2.accessUnlessGone(cpu, zone, base + Reg.STATUS, true, 0) === null) return;
    for (let i = 0;; i++) {
      const s = await this.el2.accessUnlessGone(cpu, zone, base + Reg.STATUS, false);
      if (s === null || s === 0) break;
      if (i === 1000) throw new Error("Status stays non-zero after reset");
    }
    this.cmdq = this.eventq = null;
    this.#waiting.clear();
    this.#rawWaiting.clear();
  }

  /**
   * The agent's reset domain whose name (RESET_DOMAIN_ATTRIBUTES, DEN0056 §4.8: attributes,
   * latency, name[16]) is `name`.
   */
  async resetDomain(name: string): Promise<number> {
    const RESET = 0x16;
    const n = (await this.send(RESET, 0x1)).words[0] & 0xffff;
    for (let id = 0; id < n; id++) {
      const a = await this.send(RESET, 0x3, [id]);
      if (a.status === 0 && name16(a.words, 2) === name) return id;
    }
    throw new Error(`no reset domain ${name}`);
  }

  /** Waits until the eventq holds `n` messages in all; the first `n`. */
  async waitEvents(n: number): Promise<P2a[]> {
    await until(() => (this.check(), this.events.length >= n), `${n} eventq messages`);
    return this.events.slice(0, n);
  }

  /** vm_interrupt, then the vring callbacks. */
  async #interrupt(): Promise<void> {
    this.interrupts++;
    const status = await this.read(Reg.INTERRUPT_STATUS);
    await this.write(Reg.INTERRUPT_ACK, status);
    if (status & 2) {
      this.configChanges++;
      if ((await this.read(Reg.STATUS)) & Status.NEEDS_RESET) this.needsReset = true;
    }
    if ((status & 1) === 0) return;
    if (this.eventq) {
      const got = this.eventq.takeUsed();
      for (const u of got) {
        const b = this.ram.bytes(u.buf, u.len);
        this.events.push({ header: u32(b, 0), words: words(b, 4) });
      }
      // Linux posts each eventq buffer back once it has handled the message.
      for (let i = 0; i < got.length; i++) this.eventq.add(null, PDU_BYTES);
      if (got.length > 0) await this.#kick(1, this.eventq);
    }
    if (this.cmdq) {
      for (const u of this.cmdq.takeUsed()) {
        const raw = this.#rawWaiting.get(u.head);
        if (raw !== undefined) {
          this.#rawWaiting.delete(u.head);
          raw(u.len);
          continue;
        }
        const b = this.ram.bytes(u.buf, u.len);
        if (u.len < 8) throw new Error(`cmdq reply of ${u.len} bytes`);
        const header = u32(b, 0);
        const token = fields(header).token;
        const resolve = this.#waiting.get(token);
        if (resolve === undefined) {
          throw new Error(`reply for token ${token}, which is not waiting`);
        }
        this.#waiting.delete(token);
        this.completionOrder.push(token);
        resolve({ header, status: u32(b, 4), words: words(b, 8), len: u.len, bytes: b.slice() });
      }
    }
  }
}

/**
 * A hostile driver: resets the device and sets queue 0 up by hand at `desc`/`avail`/`used`
 * (any addresses), with VERSION_1 only, then DRIVER_OK; makes `chains` available — each one
 * descriptor at `addr`/`len`/`flags` — where the tables lie in the zone's RAM, and notifies.
 */
export async function hostileQueue(
  g: Guest,
  ring: { desc: number; avail: number; used: number },
  chains: { addr: number; len: number; flags: number }[],
): Promise<void> {
  await g.write(Reg.STATUS, 0);
  await g.read(Reg.STATUS);
  await g.write(Reg.STATUS, Status.ACKNOWLEDGE | Status.DRIVER);
  await g.write(Reg.DRIVER_FEATURES_SEL, 1);
  await g.write(Reg.DRIVER_FEATURES, 1); // VERSION_1
  await g.write(Reg.DRIVER_FEATURES_SEL, 0);
  await g.write(Reg.DRIVER_FEATURES, 0);
  await g.write(Reg.STATUS, Status.ACKNOWLEDGE | Status.DRIVER | Status.FEATURES_OK);
  await g.write(Reg.QUEUE_SEL, 0);
  await g.write(Reg.QUEUE_NUM, 8);
  const regs: [number, number][] = [
    [Reg.QUEUE_DESC_LOW, ring.desc],
    [Reg.QUEUE_DRIVER_LOW, ring.avail],
    [Reg.QUEUE_DEVICE_LOW, ring.used],
  ];
  for (const [lo, a] of regs) {
    await g.write(lo, a % 0x1_0000_0000);
    await g.write(lo + 4, Math.floor(a / 0x1_0000_0000));
  }
  await g.write(Reg.QUEUE_READY, 1);
  await g.write(
    Reg.STATUS,
    Status.ACKNOWLEDGE | Status.DRIVER | Status.FEATURES_OK | Status.DRIVER_OK,
  );
  const ram = g.ram;
  const { zonexIpa, size } = ram.region;
  const inRam = (a: number, n: number) => a >= zonexIpa && a + n <= zonexIpa + size;
  chains.forEach((c, i) => {
    if (inRam(ring.desc + 16 * i, 16)) ram.setDesc(ring.desc, i, c.addr, c.len, c.flags, 0);
    if (inRam(ring.avail + 4 + 2 * i, 2)) ram.setU16(ring.avail + 4 + 2 * i, i);
  });
  if (inRam(ring.avail, 4)) ram.setU16(ring.avail + 2, chains.length);
  await g.el2.notify(g.cfg.cpu, g.cfg.zone, g.cfg.base + Reg.QUEUE_NOTIFY, 0);
}

function name16(words: number[], from: number): string {
  const b = new Uint8Array(16);
  const dv = new DataView(b.buffer);
  for (let i = 0; i < 4; i++) dv.setUint32(4 * i, words[from + i], true);
  return new TextDecoder().decode(b).replace(/\0.*$/s, "");
}

function u32(b: Uint8Array, at: number): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(at, true);
}
function words(b: Uint8Array, from: number): number[] {
  const out: number[] = [];
  for (let i = from; i + 4 <= b.length; i += 4) out.push(u32(b, i));
  return out;
}
