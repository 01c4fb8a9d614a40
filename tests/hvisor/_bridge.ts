/**
 * hvisor's side of the file bridge, for tests: the `struct virtio_bridge` layout written out
 * here from the byte offsets (independently of vscmi's binding, so a mistake on either
 * side shows), the two files (`bridge`, a sparse `mem`) created and mapped MAP_SHARED as vscmi
 * maps them, and the producer/consumer halves hvisor plays: pushing trapped accesses into
 * `req_list`, watching `cfg_flags`, taking `res_list`.
 *
 * The ring convention is hvisor-tool's: 32 slots, indexes wrap with `& 31`, and a ring is
 * full when `(rear + 1) & 31 == front`, so at most 31 entries wait at once.
 * @module
 */
import { Mapping } from "../../bindings/native/mmap.ts";
import { C, closeFd, libc, unwrap } from "../../bindings/native/libc.ts";

/** Byte offsets and sizes of `struct virtio_bridge` (little-endian, 2136 bytes). */
export const Layout = {
  REQ_FRONT: 0,
  REQ_REAR: 4,
  RES_FRONT: 8,
  RES_REAR: 12,
  REQ_LIST: 16,
  /** One request: src_cpu u64 @0, address u64 @8, size u64 @16, value u64 @24, src_zone u32 @32, is_write u8 @36, need_interrupt u8 @37. */
  REQ_BYTES: 40,
  RES_LIST: 1296,
  /** One result: target_zone u32 @0, irq_id u32 @4. */
  RES_BYTES: 8,
  CFG_FLAGS: 1552,
  CFG_VALUES: 1808,
  MMIO_ADDRS: 2064,
  MMIO_AVAIL: 2128,
  NEED_WAKEUP: 2129,
  SIZE: 2136,
  /** Slots of each ring, and of cfg_flags/cfg_values (one per physical CPU). */
  SLOTS: 32,
} as const;

/** Size of the `bridge` file: at least a page, the bridge at offset 0. */
export const BRIDGE_FILE_BYTES = 4096;

/** One trapped access as hvisor queues it. */
export interface Request {
  cpu: number;
  zone: number;
  address: number;
  size: number;
  value: number;
  write: boolean;
  /** 1 only for QueueNotify: the vCPU does not wait for an answer. */
  notify: boolean;
}

/** One interrupt vscmi asks hvisor to inject. */
export interface Interrupt {
  zone: number;
  irq: number;
}

/** Full barrier between our stores and loads on the shared page (a locked RMW). */
const FENCE = new Int32Array(new SharedArrayBuffer(4));
function fence(): void {
  Atomics.add(FENCE, 0, 0);
}

/** hvisor's view of the bridge page. */
export class Bridge {
  readonly dv: DataView;
  readonly #i32: Int32Array;
  readonly #flags: BigInt64Array;
  readonly #u8: Uint8Array;

  constructor(readonly bytes: Uint8Array) {
    if (bytes.byteLength < Layout.SIZE) throw new RangeError("bridge smaller than the struct");
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#i32 = new Int32Array(bytes.buffer, bytes.byteOffset, Layout.SIZE / 4);
    this.#flags = new BigInt64Array(bytes.buffer, bytes.byteOffset + Layout.CFG_FLAGS, 32);
    this.#u8 = new Uint8Array(bytes.buffer, bytes.byteOffset, Layout.SIZE);
  }

  #load(off: number): number {
    return Atomics.load(this.#i32, off / 4) >>> 0;
  }
  #store(off: number, v: number): void {
    Atomics.store(this.#i32, off / 4, v | 0);
  }

  get reqFront(): number {
    return this.#load(Layout.REQ_FRONT);
  }
  get reqRear(): number {
    return this.#load(Layout.REQ_REAR);
  }
  get resFront(): number {
    return this.#load(Layout.RES_FRONT);
  }
  get resRear(): number {
    return this.#load(Layout.RES_REAR);
  }
  get needWakeup(): boolean {
    return Atomics.load(this.#u8, Layout.NEED_WAKEUP) !== 0;
  }

  /** Requests waiting in req_list (pushed, not yet taken by vscmi). */
  get waiting(): number {
    return (this.reqRear - this.reqFront) & (Layout.SLOTS - 1);
  }

  /** Whether req_list has no free slot (hvisor-tool's `is_queue_full`). */
  get full(): boolean {
    return ((this.reqRear + 1) & (Layout.SLOTS - 1)) === this.reqFront;
  }

  /**
   * Queues one access at req_rear and publishes it (the entry first, then the index, as
   * hvisor does with a barrier between). Returns false when the ring is full.
   */
  push(r: Request): boolean {
    if (this.full) return false;
    const rear = this.reqRear;
    this.writeEntry(rear, r);
    fence();
    this.#store(Layout.REQ_REAR, (rear + 1) & (Layout.SLOTS - 1));
    return true;
  }

  /** Writes slot `slot` of req_list without publishing it (hostile tests fill slots raw). */
  writeEntry(slot: number, r: Request): void {
    const o = Layout.REQ_LIST + Layout.REQ_BYTES * slot;
    const dv = this.dv;
    dv.setBigUint64(o, BigInt(r.cpu), true);
    dv.setBigUint64(o + 8, BigInt(r.address), true);
    dv.setBigUint64(o + 16, BigInt(r.size), true);
    dv.setBigUint64(o + 24, BigInt(r.value >>> 0), true);
    dv.setUint32(o + 32, r.zone >>> 0, true);
    dv.setUint8(o + 36, r.write ? 1 : 0);
    dv.setUint8(o + 37, r.notify ? 1 : 0);
  }

  /** cfg_flags[cpu]: vscmi increments it once the access of `cpu` is answered. */
  flag(cpu: number): bigint {
    return Atomics.load(this.#flags, cpu);
  }

  /** cfg_values[cpu]: the value of the answered read. */
  value(cpu: number): number {
    return Number(this.dv.getBigUint64(Layout.CFG_VALUES + 8 * cpu, true) & 0xffff_ffffn);
  }

  /** Whether res_list has no free slot (vscmi must hold further interrupts). */
  get resFull(): boolean {
    return ((this.resRear + 1) & (Layout.SLOTS - 1)) === this.resFront;
  }

  /** Takes every result vscmi pushed to res_list, advancing res_front. */
  takeResults(): Interrupt[] {
    const out: Interrupt[] = [];
    let front = this.resFront;
    const rear = this.resRear;
    fence();
    while (front !== rear) {
      const o = Layout.RES_LIST + Layout.RES_BYTES * front;
      out.push({ zone: this.dv.getUint32(o, true), irq: this.dv.getUint32(o + 4, true) });
      front = (front + 1) & (Layout.SLOTS - 1);
    }
    this.#store(Layout.RES_FRONT, front);
    return out;
  }
}

/** Maps `size` bytes of the file at `path` (from offset 0) MAP_SHARED, read-write. */
export function mapFile(path: string, size: number): Mapping {
  const path0 = new TextEncoder().encode(`${path}\0`);
  const fd = unwrap(libc().open(path0, C.O_RDWR | C.O_CLOEXEC, 0), "open", path);
  try {
    return new Mapping(fd, size);
  } finally {
    closeFd(fd); // the mapping keeps the file
  }
}

/** The two files of the file bridge, created in `dir` and mapped. */
export interface BridgeFiles {
  bridge: Bridge;
  /** The whole `mem` file: zone RAM lies at each region's zone0_ipa. */
  mem: Uint8Array;
  unmap(): void;
}

/**
 * Creates `dir/bridge` (a zeroed page) and `dir/mem` (sparse, `memBytes` long) and maps the
 * bridge and the first `mapBytes` of mem.
 */
export async function bridgeFiles(
  dir: string,
  memBytes: number,
  mapBytes = memBytes,
): Promise<BridgeFiles> {
  await Deno.writeFile(`${dir}/bridge`, new Uint8Array(BRIDGE_FILE_BYTES));
  const f = await Deno.open(`${dir}/mem`, { create: true, write: true, truncate: true });
  await f.truncate(memBytes);
  f.close();
  const b = mapFile(`${dir}/bridge`, BRIDGE_FILE_BYTES);
  const m = mapFile(`${dir}/mem`, Math.min(mapBytes, memBytes));
  return {
    bridge: new Bridge(b.bytes),
    mem: m.bytes,
    unmap() {
      b.unmap();
      m.unmap();
    },
  };
}
