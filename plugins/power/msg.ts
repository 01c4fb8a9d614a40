/**
 * Wire constants of the Power domain management protocol (DEN0056 §4.3): message and event ids
 * and bit fields, written once and used by both the handlers (`mod.ts`) and the `vscmi call`
 * verbs (`call.ts`).
 * @module
 */

/** Power domain management protocol versions this plugin speaks, `(major << 16) | minor`. */
export const PowerVersion = { V1: 0x10000, V2: 0x20000, V3: 0x30000, V3_1: 0x30001 } as const;

/** Command ids (DEN0056 §4.3.2). */
export const PowerMsg = {
  POWER_DOMAIN_ATTRIBUTES: 0x3,
  POWER_STATE_SET: 0x4,
  POWER_STATE_GET: 0x5,
  POWER_STATE_NOTIFY: 0x6,
  POWER_STATE_CHANGE_REQUESTED_NOTIFY: 0x7,
  POWER_DOMAIN_NAME_GET: 0x8,
} as const;

/** POWER_DOMAIN_ATTRIBUTES bits. */
export const PowerDomainAttr = {
  STATE_CHANGE_NOTIFY: 0x80000000,
  ASYNC_SET: 0x40000000,
  SYNC_SET: 0x20000000,
  CHANGE_REQUESTED_NOTIFY: 0x10000000,
  EXTENDED_NAME: 0x08000000,
} as const;

/** Notification ids (DEN0056 §4.3.3). */
export const PowerEvent = {
  POWER_STATE_CHANGED: 0x0,
  POWER_STATE_CHANGE_REQUESTED: 0x1,
} as const;
