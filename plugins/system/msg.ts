/**
 * System power management protocol message ids (DEN0056 §4.4): written once, used by the handlers (`mod.ts`) and the `vscmi call`
 * verbs (`call.ts`).
 * @module
 */

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
