/**
 * Wire constants of the System power management protocol (DEN0056 §4.4): message and event ids
 * and bit fields, written once and used by both the handlers (`mod.ts`) and the `vscmi call`
 * verbs (`call.ts`).
 * @module
 */

/** System power management protocol versions this plugin speaks, `(major << 16) | minor`. */
export const SystemVersion = { V1: 0x10000, V2: 0x20000, V2_1: 0x20001 } as const;

/** Command ids (DEN0056 §4.4.2). */
export const SystemMsg = {
  SYSTEM_POWER_STATE_SET: 0x3,
  SYSTEM_POWER_STATE_GET: 0x4,
  SYSTEM_POWER_STATE_NOTIFY: 0x5,
} as const;

/** Notification ids (DEN0056 §4.4.3). */
export const SystemEvent = {
  SYSTEM_POWER_STATE_NOTIFIER: 0x0,
} as const;

/** PROTOCOL_MESSAGE_ATTRIBUTES bits for SYSTEM_POWER_STATE_SET. */
export const SystemSetAttr = {
  WARM_RESET: 0x80000000,
  SUSPEND: 0x40000000,
} as const;
