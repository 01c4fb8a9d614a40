/**
 * Power domain management protocol message ids (DEN0056 §4.3): written once, used by the handlers (`mod.ts`) and the `vscmi call`
 * verbs (`call.ts`).
 * @module
 */

/** Command ids (DEN0056 §4.3.2). */
export const PowerMsg = {
  POWER_DOMAIN_ATTRIBUTES: 0x3,
  POWER_STATE_SET: 0x4,
  POWER_STATE_GET: 0x5,
  POWER_STATE_NOTIFY: 0x6,
  POWER_STATE_CHANGE_REQUESTED_NOTIFY: 0x7,
  POWER_DOMAIN_NAME_GET: 0x8,
} as const;
