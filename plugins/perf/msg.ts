/**
 * Performance domain management protocol (0x13) wire constants: message and event ids,
 * versions, attribute bits (DEN0056 §4.5).
 * @module
 */

/** Message ids, by their specification names without the `PERF_` prefix. */
export const PerfMsg = {
  PROTOCOL_ATTRIBUTES: 0x1,
  DOMAIN_ATTRIBUTES: 0x3,
  DESCRIBE_LEVELS: 0x4,
  LIMITS_SET: 0x5,
  LIMITS_GET: 0x6,
  LEVEL_SET: 0x7,
  LEVEL_GET: 0x8,
  NOTIFY_LIMITS: 0x9,
  NOTIFY_LEVEL: 0xa,
  DESCRIBE_FASTCHANNEL: 0xb,
  DOMAIN_NAME_GET: 0xc,
} as const;

/** Notification ids. */
export const PerfEvent = {
  LIMITS_CHANGED: 0x0,
  LEVEL_CHANGED: 0x1,
} as const;

/** Protocol versions vscmi speaks. */
export const V1 = 0x10000;
/** 2.0 adds fast channels (PERF_DESCRIBE_FASTCHANNEL). */
export const V2 = 0x20000;
/**
 * 3.0 adds µW power units, extended names, and "0 leaves it unchanged" in PERF_LIMITS_SET (by
 * level value; in 4.0 level-indexing mode 0 is an index).
 */
export const V3 = 0x30000;
/** 4.0 adds the indicative frequency and level index to each level, and level-indexing mode. */
export const V4 = 0x40000;

/** PROTOCOL_ATTRIBUTES flags (bits 31:16 of the first word). */
export const PowerUnit = {
  /** Power costs are in mW. */
  MILLIWATT: 1 << 0,
  /** Power costs are in µW (3.0+). */
  MICROWATT: 1 << 1,
} as const;

/** PERF_DOMAIN_ATTRIBUTES flags. */
export const DomainFlag = {
  SET_LIMITS: 0x8000_0000,
  SET_LEVEL: 0x4000_0000,
  LIMITS_NOTIFY: 0x2000_0000,
  LEVEL_NOTIFY: 0x1000_0000,
  FAST_CHANNELS: 0x0800_0000,
  EXTENDED_NAME: 0x0400_0000,
  LEVEL_INDEXING: 0x0200_0000,
} as const;

/** Rate limit field width (bits 19:0 of the rate_limit word). */
export const RATE_LIMIT_MASK = 0xfffff;

/** DESCRIBE_LEVELS: bytes of the count word and of one level entry before and from 4.0. */
export const LEVELS_HEAD = 4;
export const LEVEL_ENTRY_V1 = 12;
export const LEVEL_ENTRY_V4 = 20;

/** Bytes of a short name and of an extended name. */
export const SHORT_NAME = 16;
export const LONG_NAME = 64;

/** Linux's `MAX_OPPS`: more levels than this and its driver rejects the domain. */
export const LINUX_MAX_LEVELS = 64;
