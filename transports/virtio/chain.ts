/**
 * A descriptor chain taken off a virtqueue: its head index and its buffers, already checked
 * against guest memory, device-readable segments first.
 *
 * {@linkcode SplitQueue.pop} fills one `Chain` per queue and returns it again on the next
 * call, so a caller copies what it keeps (the head, the writable segments) before popping
 * again. Segment arrays grow when a longer chain arrives and are otherwise reused.
 * @module
 */

/** Why a chain was refused; the device completes such a chain with used length 0. */
export const ChainError = {
  HEAD_RANGE: "head index is not below the queue size",
  NEXT_RANGE: "next index is not below the table size",
  LOOP: "chain is longer than its descriptor table (a loop)",
  INDIRECT_FEATURE: "indirect descriptor without VIRTIO_F_INDIRECT_DESC",
  INDIRECT_NESTED: "indirect descriptor inside an indirect table",
  INDIRECT_NEXT: "indirect descriptor with NEXT set",
  INDIRECT_SIZE: "indirect table length is zero, not a multiple of 16, or above the queue size",
  INDIRECT_MEMORY: "indirect table lies outside guest memory",
  BUFFER_MEMORY: "buffer lies outside guest memory or crosses a region boundary",
  ORDER: "device-readable buffer after a device-writable one",
  TOO_LONG: "chain carries 2^32 bytes or more",
} as const;
/** One of the {@linkcode ChainError} reasons. */
export type ChainError = typeof ChainError[keyof typeof ChainError];

/** One popped chain. Zero-length descriptors carry nothing and are not listed. */
export class Chain {
  /** Head descriptor index: the id to complete the chain with. */
  head = 0;
  /** Why the chain is unusable, or null. Its segments are then meaningless. */
  error: ChainError | null = null;
  /** Number of segments; the first `readable` are device-readable, the rest device-writable. */
  count = 0;
  /** Number of device-readable segments. */
  readable = 0;
  /** Total bytes of the device-readable segments. */
  readBytes = 0;
  /** Total bytes of the device-writable segments. */
  writeBytes = 0;
  /** Per segment: guest-physical address. */
  addr: Float64Array = new Float64Array(4);
  /** Per segment: length in bytes (never 0). */
  len: Uint32Array = new Uint32Array(4);
  /** Per segment: index of the guest-memory region that holds it. */
  region: Int32Array = new Int32Array(4);
  /** Per segment: offset of its first byte in that region. */
  off: Float64Array = new Float64Array(4);

  /** Device-writable segments. */
  get writable(): number {
    return this.count - this.readable;
  }

  /** Empties the chain for a new head. */
  reset(head: number): void {
    this.head = head;
    this.error = null;
    this.count = 0;
    this.readable = 0;
    this.readBytes = 0;
    this.writeBytes = 0;
  }

  /** Appends one segment, growing the arrays when full. */
  add(addr: number, len: number, region: number, off: number, write: boolean): void {
    const k = this.count;
    if (k === this.len.length) this.#grow(k * 2);
    this.addr[k] = addr;
    this.len[k] = len;
    this.region[k] = region;
    this.off[k] = off;
    this.count = k + 1;
    if (write) this.writeBytes += len;
    else {
      this.readable++;
      this.readBytes += len;
    }
  }

  #grow(n: number): void {
    const addr = new Float64Array(n);
    const len = new Uint32Array(n);
    const region = new Int32Array(n);
    const off = new Float64Array(n);
    addr.set(this.addr);
    len.set(this.len);
    region.set(this.region);
    off.set(this.off);
    this.addr = addr;
    this.len = len;
    this.region = region;
    this.off = off;
  }
}
