/**
 * A vhost-user front-end for the tests and the bench, playing QEMU's part: guest memory in
 * a memfd, the driver side of split rings, kick/call eventfds, and the control messages with
 * their file descriptors. It speaks the same wire format the back-end parses, encoded here
 * independently from the layouts in the vhost-user specification.
 * @module
 */
import { EventFd } from "../native/eventfd.ts";
import { C, closeFd, libc, unwrap, unwrapAgain } from "../native/libc.ts";
import { Mapping } from "../native/mmap.ts";
import { bit, ProtocolBit, Req } from "./protocol.ts";
import { connectUnix, FdSocket } from "../native/socket.ts";

/** Where the test guest's RAM starts, guest-physical. */
export const GUEST_BASE = 0x4000_0000;
/** A made-up front-end virtual address of the same RAM (only used for translation). */
export const FRONT_UVA = 0x7f12_3400_0000n;

/** Guest RAM in a memfd, mapped here too. */
export class TestGuestMemory {
  readonly fd: number;
  readonly map: Mapping;
  readonly bytes: Uint8Array;
  readonly dv: DataView;

  /** A new memfd of `size` bytes at `gpa`, or (with `fd`) another mapping of an existing one. */
  constructor(readonly size = 1 << 20, readonly gpa = GUEST_BASE, fd = -1) {
    if (fd < 0) {
      const name = new TextEncoder().encode("vscmi-test-guest\0");
      fd = unwrap(libc().memfd_create(name, C.MFD_CLOEXEC), "memfd_create");
      unwrap(libc().ftruncate(fd, BigInt(size)), "ftruncate");
    }
    this.fd = fd;
    this.map = new Mapping(this.fd, size);
    this.bytes = this.map.bytes;
    this.dv = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
  }

  /** Front-end virtual address of guest-physical `gpa`. */
  uva(gpa: number): bigint {
    return FRONT_UVA + BigInt(gpa - this.gpa);
  }

  close(): void {
    this.map.unmap();
    closeFd(this.fd);
  }
}

/** Ring placement inside the test guest: each ring gets its own 64 KiB window. */
export function ringLayout(index: number, size: number) {
  const base = GUEST_BASE + 0x1_0000 * (1 + index);
  return { size, desc: base, avail: base + 16 * size, used: base + 0x8000 };
}

/** Where buffers for ring `index` live. */
export function bufferBase(index: number): number {
  return GUEST_BASE + 0x8_0000 + 0x2_0000 * index;
}

/** The driver side of one split ring in the test guest. */
export class DriverRing {
  #nextDesc = 0;
  #availIdx = 0;
  #usedSeen = 0;
  readonly size: number;
  readonly desc: number;
  readonly avail: number;
  readonly used: number;

  constructor(readonly mem: TestGuestMemory, layout: ReturnType<typeof ringLayout>) {
    this.size = layout.size;
    this.desc = layout.desc;
    this.avail = layout.avail;
    this.used = layout.used;
  }

  #off(gpa: number): number {
    return gpa - this.mem.gpa;
  }

  /** Writes one raw descriptor at table slot `i`. */
  writeDesc(i: number, addr: number, len: number, flags: number, next: number): void {
    const dv = this.mem.dv;
    const o = this.#off(this.desc) + 16 * i;
    dv.setBigUint64(o, BigInt(addr), true);
    dv.setUint32(o + 8, len, true);
    dv.setUint16(o + 12, flags, true);
    dv.setUint16(o + 14, next, true);
  }

  /**
   * Adds a chain of buffers (readable ones first, as the caller lists them) and makes it
   * available. Returns the head index.
   */
  add(bufs: { gpa: number; len: number; write: boolean }[]): number {
    const head = this.#nextDesc % this.size;
    bufs.forEach((b, k) => {
      const i = (head + k) % this.size;
      const last = k === bufs.length - 1;
      this.writeDesc(i, b.gpa, b.len, (last ? 0 : 1) | (b.write ? 2 : 0), (i + 1) % this.size);
    });
    this.#nextDesc += bufs.length;
    this.publish(head);
    return head;
  }

  /**
   * Puts `head` in the available ring and bumps avail.idx. Also sets used_event (read by a
   * device with EVENT_IDX) so the next used buffer interrupts.
   */
  publish(head: number): void {
    const dv = this.mem.dv;
    const a = this.#off(this.avail);
    dv.setUint16(a + 4 + 2 * this.size, this.#usedSeen, true);
    dv.setUint16(a + 4 + 2 * (this.#availIdx % this.size), head, true);
    this.#availIdx = (this.#availIdx + 1) & 0xffff;
    dv.setUint16(a + 2, this.#availIdx, true);
  }

  /** used.idx as the device left it. */
  get usedIdx(): number {
    return this.mem.dv.getUint16(this.#off(this.used) + 2, true);
  }

  /** Used elements not taken yet. */
  takeUsed(): { id: number; len: number }[] {
    const out: { id: number; len: number }[] = [];
    const dv = this.mem.dv;
    const u = this.#off(this.used);
    while (this.#usedSeen !== this.usedIdx) {
      const e = u + 4 + 8 * (this.#usedSeen % this.size);
      out.push({ id: dv.getUint32(e, true), len: dv.getUint32(e + 4, true) });
      this.#usedSeen = (this.#usedSeen + 1) & 0xffff;
    }
    return out;
  }
}

/**
 * How long the test front-end waits for the back-end before calling it a hang. Generous on
 * purpose: it only stops a stuck test, it is never what a test asserts, and a back-end on a
 * machine whose every core is busy may take seconds to answer.
 */
export const HANG_MS = 60_000;

/** A reply as received. */
export interface Reply {
  request: number;
  flags: number;
  payload: DataView;
}

/** The control side: one connection to the back-end's socket. */
export class Frontend {
  readonly sock: FdSocket;
  readonly #buf = new Uint8Array(new ArrayBuffer(4096));
  #have = 0;

  constructor(fd: number) {
    this.sock = new FdSocket(fd);
  }

  /** Connects to a back-end listening at `path`, retrying while the socket is not there. */
  static async connect(path: string, timeoutMs = HANG_MS): Promise<Frontend> {
    const t0 = Date.now();
    for (;;) {
      try {
        return new Frontend(connectUnix(path));
      } catch (e) {
        if (Date.now() - t0 > timeoutMs) throw e;
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  }

  /** Sends one request; `payload` may be any length (malformed on purpose in tests). */
  send(request: number, payload: Uint8Array = new Uint8Array(0), fds: number[] = [], flags = 1) {
    const msg = new Uint8Array(12 + payload.length);
    const dv = new DataView(msg.buffer);
    dv.setUint32(0, request, true);
    dv.setUint32(4, flags, true);
    dv.setUint32(8, payload.length, true);
    msg.set(payload, 12);
    this.sock.send(msg, fds);
  }

  /** Waits for one reply (or rejects after `timeoutMs`, or when the back-end hangs up). */
  async reply(timeoutMs = HANG_MS): Promise<Reply> {
    const t0 = Date.now();
    for (;;) {
      if (this.#have >= 12) {
        const size = new DataView(this.#buf.buffer).getUint32(8, true);
        if (this.#have >= 12 + size) {
          const copy = this.#buf.slice(0, 12 + size);
          this.#buf.copyWithin(0, 12 + size, this.#have);
          this.#have -= 12 + size;
          const dv = new DataView(copy.buffer);
          return {
            request: dv.getUint32(0, true),
            flags: dv.getUint32(4, true),
            payload: new DataView(copy.buffer, 12, size),
          };
        }
      }
      const fds: number[] = [];
      const n = this.sock.recv(this.#buf, this.#have, this.#buf.length - this.#have, fds);
      for (const fd of fds) closeFd(fd);
      if (n === 0) throw new Error("The back-end closed the connection");
      if (n > 0) {
        this.#have += n;
        continue;
      }
      if (Date.now() - t0 > timeoutMs) throw new Error("No reply from the back-end");
      await new Promise((r) => setTimeout(r, 1));
    }
  }

  /** Resolves true once the back-end has closed the connection (false after `timeoutMs`). */
  async closedByPeer(timeoutMs = HANG_MS): Promise<boolean> {
    const t0 = Date.now();
    const scratch = new Uint8Array(new ArrayBuffer(256));
    for (;;) {
      let n: number;
      try {
        n = this.sock.recv(scratch, 0, scratch.length, []);
      } catch {
        return true;
      }
      if (n === 0) return true;
      if (Date.now() - t0 > timeoutMs) return false;
      if (n < 0) await new Promise((r) => setTimeout(r, 2));
    }
  }

  /** Sends and awaits the reply's u64. */
  async getU64(request: number): Promise<bigint> {
    this.send(request);
    const r = await this.reply();
    if (r.request !== request || (r.flags & 0x4) === 0 || r.payload.byteLength !== 8) {
      throw new Error(`Bad reply to request ${request}`);
    }
    return r.payload.getBigUint64(0, true);
  }

  close(): void {
    this.sock.close();
  }
}

/** Little-endian payload builders. */
export const P = {
  u64(v: bigint | number): Uint8Array {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt(v), true);
    return b;
  },
  state(index: number, num: number): Uint8Array {
    const b = new Uint8Array(8);
    const dv = new DataView(b.buffer);
    dv.setUint32(0, index, true);
    dv.setUint32(4, num, true);
    return b;
  },
  addr(index: number, desc: bigint, used: bigint, avail: bigint): Uint8Array {
    const b = new Uint8Array(40);
    const dv = new DataView(b.buffer);
    dv.setUint32(0, index, true);
    dv.setBigUint64(8, desc, true);
    dv.setBigUint64(16, used, true);
    dv.setBigUint64(24, avail, true);
    return b;
  },
  memTable(regions: { gpa: number; size: number; uva: bigint; offset?: number }[]): Uint8Array {
    const b = new Uint8Array(8 + 32 * regions.length);
    const dv = new DataView(b.buffer);
    dv.setUint32(0, regions.length, true);
    regions.forEach((r, i) => {
      const o = 8 + 32 * i;
      dv.setBigUint64(o, BigInt(r.gpa), true);
      dv.setBigUint64(o + 8, BigInt(r.size), true);
      dv.setBigUint64(o + 16, r.uva, true);
      dv.setBigUint64(o + 24, BigInt(r.offset ?? 0), true);
    });
    return b;
  },
  /**
   * SET_MEM_TABLE with the Xen mmap extension: each 32-byte region followed by u32 Xen mmap
   * flags and u32 domain id.
   */
  memTableXen(
    regions: {
      gpa: bigint | number;
      size: number;
      uva: bigint;
      offset?: number;
      flags: number;
      domid: number;
    }[],
  ): Uint8Array {
    const b = new Uint8Array(8 + 40 * regions.length);
    const dv = new DataView(b.buffer);
    dv.setUint32(0, regions.length, true);
    regions.forEach((r, i) => {
      const o = 8 + 40 * i;
      dv.setBigUint64(o, BigInt(r.gpa), true);
      dv.setBigUint64(o + 8, BigInt(r.size), true);
      dv.setBigUint64(o + 16, r.uva, true);
      dv.setBigUint64(o + 24, BigInt(r.offset ?? 0), true);
      dv.setUint32(o + 32, r.flags, true);
      dv.setUint32(o + 36, r.domid, true);
    });
    return b;
  },
};

/** The doorbells of one ring, front-end side. */
export class RingFds {
  readonly kick = new EventFd();
  readonly call = new EventFd();
  readonly err = new EventFd();

  /** Rings the kick doorbell. */
  ring(): void {
    this.kick.signal();
  }

  /** Waits until the back-end signalled the call eventfd; returns the count. */
  async waitCall(timeoutMs = HANG_MS): Promise<number> {
    const t0 = Date.now();
    for (;;) {
      const n = this.call.drain();
      if (n > 0) return n;
      if (Date.now() - t0 > timeoutMs) throw new Error("The back-end did not signal the call fd");
      await new Promise((r) => setTimeout(r, 1));
    }
  }

  close(): void {
    this.kick.close();
    this.call.close();
    this.err.close();
  }
}

/** Whether a non-blocking read of `fd` would find data (for assertions). */
export function readable(fd: number): boolean {
  const pfd = new Uint8Array(new ArrayBuffer(8));
  const dv = new DataView(pfd.buffer);
  dv.setInt32(0, fd, true);
  dv.setInt16(4, C.POLLIN, true);
  return unwrapAgain(libc().poll(pfd, 1n, 0), "poll") > 0;
}

/** Header flags: version 1 and NEED_REPLY. */
export const NEED_REPLY = 0x1 | 0x8;

/**
 * QEMU's start-up sequence, up to running rings 0 and 1 of `size` entries (placed by
 * {@linkcode ringLayout}); accepts every feature offered but XEN_MMAP, which QEMU outside Xen
 * does not know. With `xen`, a Xen front-end's: XEN_MMAP acknowledged and the guest memory
 * sent as one Xen region with those flags and domain (the memfd stands in for the Xen
 * device). Returns the ring doorbells.
 */
export async function startUp(
  fe: Frontend,
  mem: TestGuestMemory,
  size = 8,
  xen?: { flags: number; domid: number },
): Promise<RingFds[]> {
  const expect0 = async () => {
    const r = await fe.reply();
    if (r.payload.getBigUint64(0, true) !== 0n) throw new Error(`Request ${r.request} failed`);
  };
  const features = await fe.getU64(Req.GET_FEATURES);
  const pf = await fe.getU64(Req.GET_PROTOCOL_FEATURES);
  const xenBit = bit(ProtocolBit.XEN_MMAP);
  fe.send(Req.SET_PROTOCOL_FEATURES, P.u64(xen ? pf : pf & ~xenBit));
  const queues = await fe.getU64(Req.GET_QUEUE_NUM);
  if (queues !== 2n) throw new Error(`GET_QUEUE_NUM answered ${queues}`);
  fe.send(Req.SET_OWNER);
  fe.send(Req.SET_FEATURES, P.u64(features));
  const region = { gpa: mem.gpa, size: mem.size, uva: mem.uva(mem.gpa) };
  fe.send(
    Req.SET_MEM_TABLE,
    xen ? P.memTableXen([{ ...region, ...xen }]) : P.memTable([region]),
    [mem.fd],
    NEED_REPLY,
  );
  await expect0();
  const rings: RingFds[] = [];
  for (const i of [0, 1]) {
    const l = ringLayout(i, size);
    const fds = new RingFds();
    rings.push(fds);
    fe.send(Req.SET_VRING_NUM, P.state(i, size));
    fe.send(Req.SET_VRING_BASE, P.state(i, 0));
    fe.send(Req.SET_VRING_ADDR, P.addr(i, mem.uva(l.desc), mem.uva(l.used), mem.uva(l.avail)));
    fe.send(Req.SET_VRING_KICK, P.u64(i), [fds.kick.fd]);
    fe.send(Req.SET_VRING_CALL, P.u64(i), [fds.call.fd]);
    fe.send(Req.SET_VRING_ENABLE, P.state(i, 1), [], NEED_REPLY);
    await expect0();
  }
  return rings;
}
