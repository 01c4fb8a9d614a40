/**
 * Wire constants of the Base protocol (DEN0056 §4.2): message and event ids
 * and bit fields, written once and used by both the handlers (`mod.ts`) and the `vscmi call`
 * verbs (`call.ts`).
 * @module
 */

/** Base message ids, by their specification names. */
export const BaseMsg = {
  PROTOCOL_VERSION: 0x0,
  PROTOCOL_ATTRIBUTES: 0x1,
  PROTOCOL_MESSAGE_ATTRIBUTES: 0x2,
  DISCOVER_VENDOR: 0x3,
  DISCOVER_SUB_VENDOR: 0x4,
  DISCOVER_IMPLEMENTATION_VERSION: 0x5,
  DISCOVER_LIST_PROTOCOLS: 0x6,
  DISCOVER_AGENT: 0x7,
  NOTIFY_ERRORS: 0x8,
  SET_DEVICE_PERMISSIONS: 0x9,
  SET_PROTOCOL_PERMISSIONS: 0xa,
  RESET_AGENT_CONFIGURATION: 0xb,
  NEGOTIATE_PROTOCOL_VERSION: 0x10,
} as const;

/** DISCOVER_AGENT's id for "the calling agent" (Base ≥ 2.0). */
export const AGENT_SELF = 0xffffffff;
