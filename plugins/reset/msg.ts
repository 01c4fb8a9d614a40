/**
 * Wire constants of the Reset domain management protocol (DEN0056 §4.8): message and event ids
 * and bit fields, written once and used by both the handlers (`mod.ts`) and the `vscmi call`
 * verbs (`call.ts`).
 * @module
 */

/** Reset domain management protocol versions this plugin speaks, `(major << 16) | minor`. */
export const ResetVersion = { V1: 0x10000, V2: 0x20000, V3: 0x30000, V3_1: 0x30001 } as const;

/** Reset domain protocol message ids (commands; RESET is also its delayed response's id). */
export const ResetMsg = {
  PROTOCOL_ATTRIBUTES: 0x1,
  RESET_DOMAIN_ATTRIBUTES: 0x3,
  RESET: 0x4,
  RESET_NOTIFY: 0x5,
  RESET_DOMAIN_NAME_GET: 0x6,
} as const;

/** Reset domain protocol notification ids. */
export const ResetEvent = {
  RESET_ISSUED: 0x0,
} as const;

/** RESET `flags` bits; bits 31:3 are reserved. */
export const ResetFlag = {
  /** The platform asserts then releases the domain itself. */
  AUTONOMOUS: 1 << 0,
  /** Without AUTONOMOUS: 1 holds the domain in reset, 0 releases it. */
  EXPLICIT_ASSERT: 1 << 1,
  /** With AUTONOMOUS only: reply now, send RESET_COMPLETE when done. */
  ASYNC: 1 << 2,
} as const;

/** RESET_DOMAIN_ATTRIBUTES `attributes` bits. */
export const ResetAttr = {
  ASYNC: 0x8000_0000,
  NOTIFY: 0x4000_0000,
  /** 3.0 and later: RESET_DOMAIN_NAME_GET has a longer name. */
  EXTENDED_NAME: 0x2000_0000,
} as const;
