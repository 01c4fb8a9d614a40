/**
 * Reset domain management protocol message ids (DEN0056 §4.8): written once, used by the handlers (`mod.ts`) and the `vscmi call`
 * verbs (`call.ts`).
 * @module
 */

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
