/**
 * Voltage domain management protocol (0x17) wire constants: versions, message ids and the
 * bit fields of its requests and replies (DEN0056 §4.9; shared/reference/scmi.md §2.9).
 * @module
 */

/** Versions vscmi speaks, `(major << 16) | minor`. */
export const VoltageVersion = {
  /** SCMI 3.0: attributes, levels, config, level set/get. */
  V1: 0x10000,
  /** SCMI 3.1: asynchronous level set, extended names (VOLTAGE_DOMAIN_NAME_GET). */
  V2: 0x20000,
  /** SCMI 3.2: no layout change (NEGOTIATE_PROTOCOL_VERSION, answered by the core). */
  V2_1: 0x20001,
} as const;

/** Command ids. VOLTAGE_LEVEL_SET is also its delayed response's id. */
export const VoltageMsg = {
  PROTOCOL_ATTRIBUTES: 0x1,
  VOLTAGE_DOMAIN_ATTRIBUTES: 0x3,
  VOLTAGE_DESCRIBE_LEVELS: 0x4,
  VOLTAGE_CONFIG_SET: 0x5,
  VOLTAGE_CONFIG_GET: 0x6,
  VOLTAGE_LEVEL_SET: 0x7,
  VOLTAGE_LEVEL_GET: 0x8,
  VOLTAGE_DOMAIN_NAME_GET: 0x9,
} as const;

/** VOLTAGE_DOMAIN_ATTRIBUTES `attributes` bits (2.0+; 1.0 reserves every bit). */
export const DomainAttr = {
  /** VOLTAGE_LEVEL_SET may be asynchronous on this domain. */
  ASYNC_LEVEL_SET: 0x8000_0000,
  /** The name is longer than the 16-byte field; VOLTAGE_DOMAIN_NAME_GET has all of it. */
  EXTENDED_NAME: 0x4000_0000,
} as const;

/** VOLTAGE_DESCRIBE_LEVELS `flags`. */
export const LevelsFlag = {
  /** Bits 11:0: levels in this reply. */
  RETURNED_MAX: 0xfff,
  /** Bit 12: the reply is one {min, max, step} triplet rather than a list. */
  SEGMENT: 1 << 12,
  /** Bits 31:16: list levels after this reply. */
  REMAINING_SHIFT: 16,
  REMAINING_MAX: 0xffff,
} as const;

/**
 * VOLTAGE_CONFIG_SET/GET `config`: bits 31:4 reserved; bit 3 set = an IMPLEMENTATION DEFINED
 * mode in bits 2:0; bit 3 clear = an architectural mode, 0 off or 7 on (others reserved).
 */
export const VoltageConfig = {
  MODE_MASK: 0xf,
  IMPLEMENTATION_DEFINED: 0x8,
  OFF: 0x0,
  ON: 0x7,
} as const;

/** VOLTAGE_LEVEL_SET `flags` bit 0 (2.0+): answer now, finish with a delayed response. */
export const LEVEL_SET_ASYNC = 1;

/** Bytes of a short name and of an extended name. */
export const SHORT_NAME = 16;
export const LONG_NAME = 64;
