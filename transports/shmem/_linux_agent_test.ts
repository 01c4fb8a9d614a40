/**
 * Test helper: an SCMI agent on one shmem channel that reads and writes the area exactly as
 * Linux's `arm_scmi` shmem code does (tx_prepare, poll_done, fetch_response,
 * fetch_notification, clear_channel), over any {@linkcode ShmemMemory}. Used in-process by
 * the transport's tests and in a separate process by `tests/shmem/`.
 * @module
 */
import {
  ChannelStatus,
  FLAGS,
  HEADER,
  INTR_ENABLED,
  LENGTH,
  type ShmemMemory,
  STATUS,
} from "./layout.ts";

/** A reply as Linux fetches it: header word, status, and the bytes after the status. */
export interface FetchedReply {
  header: number;
  status: number;
  payload: Uint8Array;
  /** The length field as the platform wrote it. */
  length: number;
  /** channel_status after the reply. */
  channelStatus: number;
}

/** Reads and writes 32-bit words of a ShmemMemory. */
export class Words {
  readonly #b = new Uint8Array(4);
  readonly #dv = new DataView(this.#b.buffer);
  constructor(readonly mem: ShmemMemory) {}
  get(offset: number): number {
    this.mem.read(offset, this.#b);
    return this.#dv.getUint32(0, true);
  }
  set(offset: number, v: number): void {
    this.#dv.setUint32(0, v >>> 0, true);
    this.mem.write(offset, this.#b);
  }
}

/** One A2P channel as Linux drives it. */
export class LinuxChannel {
  readonly w: Words;
  constructor(readonly mem: ShmemMemory, readonly offset: number, readonly size: number) {
    this.w = new Words(mem);
  }

  /** Whether the platform handed the channel back (FREE). */
  get free(): boolean {
    return (this.w.get(this.offset + STATUS) & ChannelStatus.FREE) !== 0;
  }

  /**
   * shmem_tx_prepare: (the channel must be FREE) channel_status = 0, flags (INTR_ENABLED unless
   * polling), length = 4 + parameters, header, parameters — each its own write, in this order.
   */
  prepare(header: number, params: Uint8Array, poll: boolean): void {
    if (!this.free) throw new Error("Timeout waiting for a free TX channel");
    const o = this.offset;
    this.w.set(o + STATUS, 0);
    this.w.set(o + FLAGS, poll ? 0 : INTR_ENABLED);
    this.w.set(o + LENGTH, 4 + params.length);
    this.w.set(o + HEADER, header);
    if (params.length) this.mem.write(o + HEADER + 4, params);
  }

  /** shmem_poll_done: the token in msg_header is ours and FREE or ERROR is set. */
  pollDone(header: number): boolean {
    const token = (this.w.get(this.offset + HEADER) >>> 18) & 0x3ff;
    if (token !== ((header >>> 18) & 0x3ff)) return false;
    return (this.w.get(this.offset + STATUS) &
      (ChannelStatus.FREE | ChannelStatus.ERROR)) !== 0;
  }

  /** shmem_fetch_response: length, status, then min(rxLen, length - 8) bytes. */
  fetch(rxLen = this.size - HEADER - 8): FetchedReply {
    const o = this.offset;
    const length = this.w.get(o + LENGTH);
    const status = this.w.get(o + HEADER + 4) | 0;
    const n = Math.max(0, Math.min(rxLen, length > 8 ? length - 8 : 0, this.size - HEADER - 8));
    const payload = new Uint8Array(n);
    this.mem.read(o + HEADER + 8, payload);
    return {
      header: this.w.get(o + HEADER),
      status,
      payload,
      length,
      channelStatus: this.w.get(o + STATUS),
    };
  }
}

/** The P2A channel as Linux's mailbox transport drives it. */
export class LinuxP2a {
  readonly w: Words;
  constructor(readonly mem: ShmemMemory, readonly offset: number, readonly size: number) {
    this.w = new Words(mem);
  }

  /**
   * On the P2A interrupt: shmem_read_header, shmem_fetch_notification (length, then
   * length - 4 payload bytes), shmem_clear_channel (channel_status = FREE). Returns the whole
   * message, header first.
   */
  take(): Uint8Array {
    const o = this.offset;
    const header = this.w.get(o + HEADER);
    const length = this.w.get(o + LENGTH);
    const n = Math.max(0, Math.min(length > 4 ? length - 4 : 0, this.size - HEADER - 4));
    const out = new Uint8Array(4 + n);
    new DataView(out.buffer).setUint32(0, header, true);
    this.mem.read(o + HEADER + 4, out.subarray(4));
    this.w.set(o + STATUS, ChannelStatus.FREE);
    return out;
  }
}
