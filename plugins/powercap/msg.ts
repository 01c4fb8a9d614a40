/**
 * Power capping and monitoring protocol (0x18) wire constants: versions, message and event
 * ids, and the bit fields of its requests and replies (DEN0056 §4.10; shared/reference/
 * scmi.md §2.10).
 * @module
 */

/** Versions vscmi speaks, `(major << 16) | minor`. */
export const PowercapVersion = {
  /** SCMI 3.1: the protocol as introduced. */
  V1: 0x10000,
  /** SCMI 3.2: a cap of 0 disables capping (POWERCAP_CAP_SET) and reads back as 0. */
  V2: 0x20000,
} as const;

/** Command ids. POWERCAP_CAP_SET is also its delayed response's id. */
export const PowercapMsg = {
  PROTOCOL_ATTRIBUTES: 0x1,
  POWERCAP_DOMAIN_ATTRIBUTES: 0x3,
  POWERCAP_CAP_GET: 0x4,
  POWERCAP_CAP_SET: 0x5,
  POWERCAP_PAI_GET: 0x6,
  POWERCAP_PAI_SET: 0x7,
  POWERCAP_DOMAIN_NAME_GET: 0x8,
  POWERCAP_MEASUREMENTS_GET: 0x9,
  POWERCAP_CAP_NOTIFY: 0xa,
  POWERCAP_MEASUREMENTS_NOTIFY: 0xb,
  POWERCAP_DESCRIBE_FASTCHANNEL: 0xc,
} as const;

/** Notification ids. */
export const PowercapEvent = {
  POWERCAP_CAP_CHANGED: 0x0,
  POWERCAP_MEASUREMENTS_CHANGED: 0x1,
} as const;

/** POWERCAP_DOMAIN_ATTRIBUTES `attributes` bits. */
export const DomainAttr = {
  /** POWERCAP_CAP_CHANGED notifications can be requested. */
  CAP_CHANGE_NOTIFY: 0x8000_0000,
  /** POWERCAP_MEASUREMENTS_CHANGED notifications can be requested. */
  MEASUREMENTS_NOTIFY: 0x4000_0000,
  /** POWERCAP_CAP_SET may be asynchronous. */
  ASYNC_CAP_SET: 0x2000_0000,
  /** The name is longer than the 16-byte field; POWERCAP_DOMAIN_NAME_GET has all of it. */
  EXTENDED_NAME: 0x1000_0000,
  /** The cap can be set (min_power_cap ≠ max_power_cap). */
  CAP_CONFIG: 0x0800_0000,
  /** POWERCAP_MEASUREMENTS_GET reports the power drawn. */
  MONITORING: 0x0400_0000,
  /** The power averaging interval can be set (min_pai ≠ max_pai). */
  PAI_CONFIG: 0x0200_0000,
  /** Bits 24:23: the power unit (see {@linkcode PowerUnit}). */
  UNIT_SHIFT: 23,
  /** Fast channels exist for the domain (never set: vscmi offers none). */
  FASTCHANNELS: 0x0040_0000,
} as const;

/** Power unit codes of attribute bits 24:23. */
export const PowerUnit = { abstract: 0, uW: 1, mW: 2 } as const;

/** POWERCAP_CAP_SET `flags`; bits 31:2 are reserved. */
export const CapSetFlag = {
  /** With ASYNC: send no delayed response. */
  IGNORE_DELAYED_RESPONSE: 0x1,
  /** Answer now, apply the cap afterwards. */
  ASYNC: 0x2,
} as const;

/** parent_id of a domain with no parent (or one the agent cannot see). */
export const NO_PARENT = 0xffff_ffff;

/** Bytes of a short name and of an extended name. */
export const SHORT_NAME = 16;
export const LONG_NAME = 64;
