/**
 * Wire constants of the clock management protocol (0x14, DEN0056 §4.6): message and event
 * ids, versions, and the bit fields of its requests and replies.
 * @module
 */

/** Clock protocol versions vscmi speaks, `(major << 16) | minor`. */
export const ClockVersion = {
  /** SCMI 1.0–3.0: attributes, rates, enable. */
  V1: 0x10000,
  /** SCMI 3.1: extended names, rate notifications, enable latency. */
  V2: 0x20000,
  /** SCMI 3.2: CONFIG_GET, extended configuration, parents, permissions. */
  V3: 0x30000,
} as const;

/** Clock protocol command ids. CLOCK_RATE_SET is also its delayed response's id. */
export const ClockMsg = {
  PROTOCOL_ATTRIBUTES: 0x1,
  CLOCK_ATTRIBUTES: 0x3,
  CLOCK_DESCRIBE_RATES: 0x4,
  CLOCK_RATE_SET: 0x5,
  CLOCK_RATE_GET: 0x6,
  CLOCK_CONFIG_SET: 0x7,
  CLOCK_NAME_GET: 0x8,
  CLOCK_RATE_NOTIFY: 0x9,
  CLOCK_RATE_CHANGE_REQUESTED_NOTIFY: 0xa,
  CLOCK_CONFIG_GET: 0xb,
  CLOCK_POSSIBLE_PARENTS_GET: 0xc,
  CLOCK_PARENT_SET: 0xd,
  CLOCK_PARENT_GET: 0xe,
  CLOCK_GET_PERMISSIONS: 0xf,
} as const;

/** Clock protocol notification ids. */
export const ClockEvent = {
  CLOCK_RATE_CHANGED: 0x0,
  CLOCK_RATE_CHANGE_REQUESTED: 0x1,
} as const;
export type ClockEvent = typeof ClockEvent[keyof typeof ClockEvent];

/** CLOCK_ATTRIBUTES `attributes` bits. */
export const ClockAttr = {
  /** 2.0+: CLOCK_RATE_CHANGED notifications can be requested for this clock. */
  RATE_CHANGED_NOTIFY: 0x8000_0000,
  /** 2.0+: CLOCK_RATE_CHANGE_REQUESTED notifications can be requested for this clock. */
  RATE_CHANGE_REQUESTED_NOTIFY: 0x4000_0000,
  /** 2.0+: the name is longer than the 16-byte field; CLOCK_NAME_GET has all of it. */
  EXTENDED_NAME: 0x2000_0000,
  /** 3.0+: CLOCK_POSSIBLE_PARENTS_GET lists parents. */
  PARENTS: 0x1000_0000,
  /** 3.0+: the clock has extended configuration types (CLOCK_CONFIG_SET/GET). */
  EXTENDED_CONFIG: 0x0800_0000,
  /** 3.0+: the agent's rights are restricted; CLOCK_GET_PERMISSIONS tells which. */
  RESTRICTED: 0x0000_0002,
  /** The clock is enabled (in this agent's view). */
  ENABLED: 0x0000_0001,
} as const;

/** CLOCK_RATE_SET `flags` bits; bits 31:4 are reserved. */
export const RateFlag = {
  /** Reply now, finish later with CLOCK_RATE_SET_COMPLETE (delayed response). */
  ASYNC: 1 << 0,
  /** With ASYNC: finish later, send no delayed response. */
  IGNORE_DELAYED_RESPONSE: 1 << 1,
  /** Round up (1) or down (0) when the rate is not one the clock supports. */
  ROUND_UP: 1 << 2,
  /** Round to the closest supported rate; overrides ROUND_UP. */
  ROUND_AUTO: 1 << 3,
} as const;
/** Every defined CLOCK_RATE_SET flag. */
export const RATE_FLAGS = 0xf;

/** CLOCK_DESCRIBE_RATES `num_rates_flags` fields. */
export const RatesFlag = {
  /** Bits 11:0: rates in this reply. */
  RETURNED_MAX: 0xfff,
  /** Bit 12: the reply is a {min, max, step} triplet. */
  RANGE: 1 << 12,
  /** Bits 31:16: rates after these. */
  REMAINING_SHIFT: 16,
  REMAINING_MAX: 0xffff,
} as const;

/** CLOCK_POSSIBLE_PARENTS_GET `num_parent_flags` fields: returned 7:0, remaining 31:24. */
export const ParentsFlag = {
  RETURNED_MAX: 0xff,
  REMAINING_SHIFT: 24,
  REMAINING_MAX: 0xff,
} as const;

/** CLOCK_CONFIG_SET `attributes` fields. */
export const ConfigAttr = {
  /** Bits 1:0 (only bit 0 before 3.0): the requested state. */
  STATE_MASK: 0x3,
  /** Bits 23:16 (3.0+): extended configuration type; 0 = none. */
  TYPE_SHIFT: 16,
  TYPE_MASK: 0xff,
} as const;

/** CLOCK_CONFIG_SET state values (3.0 layout; before 3.0 only DISABLE and ENABLE). */
export const ClockState = {
  DISABLE: 0,
  ENABLE: 1,
  /** Reserved by the specification. */
  RESERVED: 2,
  /** Leave the state as it is (with an extended configuration type). */
  UNCHANGED: 3,
} as const;

/** Extended configuration types (CLOCK_CONFIG_SET bits 23:16, CLOCK_CONFIG_GET flags 7:0). */
export const ConfigType = {
  NONE: 0x00,
  DUTY_CYCLE: 0x01,
  PHASE: 0x02,
  /** 0x03–0x7F are reserved. */
  RESERVED_FIRST: 0x03,
  /** 0x80–0xFF are OEM-defined. */
  OEM_FIRST: 0x80,
} as const;

/** CLOCK_GET_PERMISSIONS bits; bits 28:0 are reserved. */
export const ClockPerm = {
  STATE: 0x8000_0000,
  PARENT: 0x4000_0000,
  RATE: 0x2000_0000,
} as const;
/** Every permission bit: an unrestricted agent. */
export const ALL_PERMS = 0xe000_0000;

/**
 * Most asynchronous CLOCK_RATE_SET requests one session may have pending
 * (PROTOCOL_ATTRIBUTES bits 23:16). Linux issues an asynchronous request only while fewer than
 * this many of its own are in flight, so a value of 1 would mean "never".
 */
export const MAX_ASYNC = 8;

/** Bytes of the short name in CLOCK_ATTRIBUTES and of the name in CLOCK_NAME_GET. */
export const SHORT_NAME = 16;
export const LONG_NAME = 64;
