/**
 * Per-message state of the virtio-scmi device, pooled: the `Msg` the dispatcher works on, the
 * scratch buffers for requests and replies that span several descriptors, and what is needed
 * to complete the chain later (head, writable segments). Also the copy helpers between
 * descriptor segments and flat buffers.
 * @module
 */
import { Msg } from "../../core/msg.ts";
import type { Chain } from "./chain.ts";
import type { GuestMemory } from "./guest_memory.ts";

/** Device-writable segments of one chain, kept until the chain is completed. */
export class Segments {
  count = 0;
  /** Total bytes. */
  bytes = 0;
  region: Int32Array = new Int32Array(1);
  off: Float64Array = new Float64Array(1);
  len: Uint32Array = new Uint32Array(1);

  /** Copies the writable segments of `c`. */
  keep(c: Chain): void {
    const n = c.writable;
    if (n > this.len.length) {
      this.region = new Int32Array(n);
      this.off = new Float64Array(n);
      this.len = new Uint32Array(n);
    }
    for (let k = 0; k < n; k++) {
      this.region[k] = c.region[c.readable + k];
      this.off[k] = c.off[c.readable + k];
      this.len[k] = c.len[c.readable + k];
    }
    this.count = n;
    this.bytes = c.writeBytes;
  }
}

/** One in-flight command. */
export class Slot {
  readonly m: Msg = new Msg();
  /** Request scratch: 4 + the agent's message size. */
  readonly req: Uint8Array;
  /** Reply scratch: 8 + the agent's message size. */
  readonly rep: Uint8Array;
  /** Where the reply goes when it is not written in place. */
  readonly out: Segments = new Segments();
  head = 0;
  /** The queue generation the chain came from; a completion for an older one is dropped. */
  gen = 0;
  /** The writer points straight into guest memory (one writable segment). */
  direct = false;
  /** Completion callbacks for a blocked dispatch, bound once per slot. */
  readonly done: (len: number) => void;
  readonly fail: (e: unknown) => void;

  constructor(
    maxMsgSize: number,
    done: (slot: Slot, len: number) => void,
    fail: (slot: Slot, e: unknown) => void,
  ) {
    this.req = new Uint8Array(4 + maxMsgSize);
    this.rep = new Uint8Array(8 + maxMsgSize);
    this.done = (len) => done(this, len);
    this.fail = (e) => fail(this, e);
  }
}

/**
 * Copies the bytes of segments `[from, from + count)` of `c` into `dst`, at most `max` bytes.
 * Returns the bytes copied.
 */
export function gather(
  mem: GuestMemory,
  c: Chain,
  from: number,
  count: number,
  dst: Uint8Array,
  max: number,
): number {
  let d = 0;
  for (let k = from; k < from + count && d < max; k++) {
    const src = mem.bytes(c.region[k]);
    const at = c.off[k];
    const n = Math.min(c.len[k], max - d);
    for (let i = 0; i < n; i++) dst[d + i] = src[at + i];
    d += n;
  }
  return d;
}

/** Copies the first `len` bytes of `src` across the segments `out`, in order. */
export function scatter(mem: GuestMemory, src: Uint8Array, len: number, out: Segments): void {
  let s = 0;
  for (let k = 0; k < out.count && s < len; k++) {
    const dst = mem.bytes(out.region[k]);
    const at = out.off[k];
    const n = Math.min(out.len[k], len - s);
    for (let i = 0; i < n; i++) dst[at + i] = src[s + i];
    s += n;
  }
}
