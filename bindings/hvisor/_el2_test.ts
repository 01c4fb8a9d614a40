/**
 * Test helper: hvisor's side of the virtio bridge (what EL2 does when a zone's vCPU traps
 * on a virtio-mmio window), over the bridge's bytes: push a request, wake the consumer when
 * `need_wakeup` is set, read answers and drain results. Also a port with no native calls,
 * for the ring logic alone.
 * @module
 */
import { BRIDGE, MAX_REQ, REQ, RES } from "./layout.ts";
import type { BridgePort } from "./port.ts";

/** One access as hvisor queues it. */
export interface Access {
  cpu: number;
  zone: number;
  address: number;
  size?: number;
  value?: number;
  write?: boolean;
  notify?: boolean;
}

/** hvisor's half of a bridge. */
export class El2 {
  readonly dv: DataView;
  readonly idx: Uint32Array;
  readonly flags: BigUint64Array;
  readonly values: BigUint64Array;
  /** Wake-ups sent (need_wakeup was set when a request was pushed). */
  kicks = 0;

  constructor(readonly bytes: Uint8Array, readonly kick: () => void = () => {}) {
    const buf = bytes.buffer as ArrayBuffer;
    this.dv = new DataView(buf, bytes.byteOffset, BRIDGE.SIZE);
    this.idx = new Uint32Array(buf, bytes.byteOffset, 4);
    this.flags = new BigUint64Array(buf, bytes.byteOffset + BRIDGE.CFG_FLAGS, 32);
    this.values = new BigUint64Array(buf, bytes.byteOffset + BRIDGE.CFG_VALUES, 32);
  }

  get full(): boolean {
    return ((Atomics.load(this.idx, 1) + 1) % MAX_REQ) === Atomics.load(this.idx, 0);
  }

  get needWakeup(): boolean {
    return Atomics.load(this.bytes, BRIDGE.NEED_WAKEUP) === 1;
  }

  /**
   * Pushes `a` as hvisor does (slot, barrier, rear); returns the cfg_flags value the vCPU
   * waits to see change, or null when the ring is full. Wakes the consumer when asked to.
   */
  push(a: Access, wake = true): bigint | null {
    if (this.full) return null;
    const old = Atomics.load(this.flags, a.cpu);
    const rear = Atomics.load(this.idx, 1);
    const at = BRIDGE.REQ_LIST + rear * REQ.BYTES;
    this.dv.setBigUint64(at + REQ.SRC_CPU, BigInt(a.cpu), true);
    this.dv.setBigUint64(at + REQ.ADDRESS, BigInt(a.address), true);
    this.dv.setBigUint64(at + REQ.SIZE, BigInt(a.size ?? 4), true);
    this.dv.setBigUint64(at + REQ.VALUE, BigInt(a.value ?? 0), true);
    this.dv.setUint32(at + REQ.SRC_ZONE, a.zone, true);
    this.dv.setUint8(at + REQ.IS_WRITE, a.write || a.notify ? 1 : 0);
    this.dv.setUint8(at + REQ.NEED_INTERRUPT, a.notify ? 1 : 0);
    Atomics.store(this.idx, 1, (rear + 1) % MAX_REQ);
    if (wake && this.needWakeup) {
      this.kicks++;
      this.kick();
    }
    return old;
  }

  /** Whether the vCPU that saw `old` has its answer. */
  answered(cpu: number, old: bigint): boolean {
    return Atomics.load(this.flags, cpu) !== old;
  }

  /** The answer value of `cpu`. */
  value(cpu: number): number {
    return Number(this.values[cpu]);
  }

  /** Drains res_list as FINISH_REQ does: the (zone, irq) pairs pushed since last time. */
  results(): [number, number][] {
    const out: [number, number][] = [];
    while (Atomics.load(this.idx, 2) !== Atomics.load(this.idx, 3)) {
      const front = Atomics.load(this.idx, 2);
      const at = BRIDGE.RES_LIST + front * RES.BYTES;
      out.push([this.dv.getUint32(at, true), this.dv.getUint32(at + 4, true)]);
      Atomics.store(this.idx, 2, (front + 1) % MAX_REQ);
    }
    return out;
  }
}

/** A port over plain memory: kicks and FINISH_REQs are counted, nothing is native. */
export function memoryPort(bytes = new Uint8Array(4096)) {
  const state = { onKick: null as (() => void) | null, finishes: 0, closed: false };
  const port: BridgePort = {
    name: "memory",
    bytes,
    mapMemory: () => {
      throw new RangeError("memoryPort maps no zone memory");
    },
    watch: (onKick) => void (state.onKick = onKick),
    finish: () => void state.finishes++,
    close: () => void (state.closed = true),
  };
  return { port, state, el2: new El2(bytes, () => state.onKick?.()) };
}
