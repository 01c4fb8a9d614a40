/**
 * The 32-bit SCMI message header (DEN0056 §4.1.2): message id 7:0, type 9:8,
 * protocol id 17:10, token 27:18, bits 31:28 reserved.
 * @module
 */

/** Message types carried in header bits 9:8. */
export const MsgType = {
  COMMAND: 0,
  DELAYED_RESPONSE: 2,
  NOTIFICATION: 3,
} as const;
/** One of the values of {@linkcode MsgType}. */
export type MsgType = typeof MsgType[keyof typeof MsgType];

/** The decoded fields of a header. */
export interface Header {
  /** Message id within the protocol (bits 7:0). */
  messageId: number;
  /** Message type (bits 9:8), one of {@linkcode MsgType}. */
  type: number;
  /** Protocol id (bits 17:10). */
  protocolId: number;
  /** Sequence token (bits 27:18), echoed in the reply. */
  token: number;
}

/** Bits 31:28, reserved: a header with any of them set is malformed. */
export const HEADER_RESERVED = 0xf000_0000;

/** Whether `h` has reserved bits set (31:28). */
export function headerReserved(h: number): boolean {
  return (h & HEADER_RESERVED) !== 0;
}

/** Message id (bits 7:0). */
export function headerMessageId(h: number): number {
  return h & 0xff;
}
/** Message type (bits 9:8). */
export function headerType(h: number): number {
  return (h >>> 8) & 0x3;
}
/** Protocol id (bits 17:10). */
export function headerProtocol(h: number): number {
  return (h >>> 10) & 0xff;
}
/** Token (bits 27:18). */
export function headerToken(h: number): number {
  return (h >>> 18) & 0x3ff;
}

/** Builds a header word; every field is masked to its width, reserved bits are zero. */
export function encodeHeader(
  messageId: number,
  type: number,
  protocolId: number,
  token: number,
): number {
  return ((messageId & 0xff) | ((type & 0x3) << 8) | ((protocolId & 0xff) << 10) |
    ((token & 0x3ff) << 18)) >>> 0;
}

/** Splits a header word into its fields. */
export function decodeHeader(h: number): Header {
  return {
    messageId: headerMessageId(h),
    type: headerType(h),
    protocolId: headerProtocol(h),
    token: headerToken(h),
  };
}
