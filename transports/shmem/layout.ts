/**
 * The `arm,scmi-shmem` channel area as Linux's SCMI agent drives it, and the memory a shmem
 * binding hands the transport. Offsets from the start of one channel area; little-endian.
 *
 * | offset | field          | notes                                                   |
 * | -----: | -------------- | ------------------------------------------------------- |
 * |      0 | reserved       |                                                         |
 * |      4 | channel_status | bit 0 FREE (the agent may write), bit 1 ERROR           |
 * |      8 | reserved       | 8 bytes                                                 |
 * |     16 | flags          | bit 0: the agent wants a completion interrupt           |
 * |     20 | length         | bytes of header + payload that follow (4 + parameters)  |
 * |     24 | msg_header     |                                                         |
 * |     28 | msg_payload    | parameters; in a reply the status then the return values |
 * @module
 */

/** Offset of channel_status in a channel area. */
export const STATUS = 4;
/** Offset of flags in a channel area. */
export const FLAGS = 16;
/** Offset of length in a channel area. */
export const LENGTH = 20;
/** Offset of msg_header in a channel area (the message, header first, starts here). */
export const HEADER = 24;

/** channel_status bits. */
export const ChannelStatus = {
  /** The channel belongs to the agent: a reply is in it, or it may post a message. */
  FREE: 1,
  /** The platform could not take the message the agent posted. */
  ERROR: 2,
} as const;

/** flags bit 0: the agent asked for a completion interrupt (0: it polls). */
export const INTR_ENABLED = 1;

/** The smallest channel area: the fixed fields, a header and a status. */
export const MIN_AREA = HEADER + 8;

/**
 * The shared memory of one agent's channels, as a binding provides it: the file the VMM maps
 * as guest memory, or memory a hypervisor maps. Offsets are from its first byte; a read past
 * what exists gives zeros.
 */
export interface ShmemMemory {
  /** Bytes the memory spans. */
  readonly size: number;
  /** Copies `dst.length` bytes from `offset` into `dst`. */
  read(offset: number, dst: Uint8Array): void;
  /** Copies `src` to `offset`. */
  write(offset: number, src: Uint8Array): void;
}

/** {@linkcode ShmemMemory} over bytes in this process (tests, a binding with a mapping). */
export class BytesMemory implements ShmemMemory {
  /** Memory over `bytes` (not copied). */
  constructor(readonly bytes: Uint8Array) {}

  get size(): number {
    return this.bytes.length;
  }

  read(offset: number, dst: Uint8Array): void {
    const src = this.bytes.subarray(offset, offset + dst.length);
    dst.set(src);
    if (src.length < dst.length) dst.fill(0, src.length);
  }

  write(offset: number, src: Uint8Array): void {
    this.bytes.set(src, offset);
  }
}
