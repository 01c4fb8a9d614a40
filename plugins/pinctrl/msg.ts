/**
 * Wire constants of the Pin control protocol (0x19, DEN0056E §4.11): message ids, the
 * version, selectors and the bit fields of its requests and replies.
 * @module
 */

/** Pin control protocol id. */
export const PINCTRL_PROTOCOL = 0x19;

/** Pin control protocol versions vscmi speaks, `(major << 16) | minor`. */
export const PinctrlVersion = {
  /** SCMI 3.2. */
  V1: 0x10000,
} as const;

/** Pin control protocol command ids. */
export const PinctrlMsg = {
  PROTOCOL_ATTRIBUTES: 0x1,
  PINCTRL_ATTRIBUTES: 0x3,
  PINCTRL_LIST_ASSOCIATIONS: 0x4,
  PINCTRL_SETTINGS_GET: 0x5,
  PINCTRL_SETTINGS_CONFIGURE: 0x6,
  PINCTRL_REQUEST: 0x7,
  PINCTRL_RELEASE: 0x8,
  PINCTRL_NAME_GET: 0x9,
  PINCTRL_SET_PERMISSIONS: 0xa,
} as const;

/** What an identifier names: the selector (bits 1:0) of the commands' flags; 3 is reserved. */
export const Selector = { PIN: 0, GROUP: 1, FUNCTION: 2 } as const;
export type Selector = typeof Selector[keyof typeof Selector];

/** Wire value of "no function". */
export const NO_FUNCTION_ID = 0xffff_ffff;

/** PINCTRL_ATTRIBUTES `attributes` bits. */
export const PinctrlAttr = {
  /** The name is longer than the 16-byte field; PINCTRL_NAME_GET has all of it. */
  EXTENDED_NAME: 0x8000_0000,
  /** A function that makes its pins GPIOs. */
  GPIO_FUNCTION: 0x0002_0000,
  /** A function that applies to single pins, not to groups. */
  PIN_ONLY_FUNCTION: 0x0001_0000,
  /** Bits 15:0: number of elements (1 for a pin, pins of a group, groups or pins of a function). */
  ELEMENTS: 0x0000_ffff,
} as const;

/** PINCTRL_SETTINGS_GET `attributes` fields. */
export const SettingsGet = {
  /** Bits 19:18: what to return, one of {@linkcode ConfigFlag}. */
  FLAG_SHIFT: 18,
  /** Bits 17:16: selector (pin or group). */
  SELECTOR_SHIFT: 16,
  /** Bits 15:8: configurations to skip (flag ALL). */
  SKIP_SHIFT: 8,
  /** Bits 7:0: the configuration type (flag ONE). */
  TYPE_MASK: 0xff,
  /** Bits 31:20 are reserved. */
  RESERVED: 0xfff0_0000,
} as const;

/** PINCTRL_SETTINGS_GET config flag values; 3 is reserved. */
export const ConfigFlag = {
  /** The value of one configuration type. */
  ONE: 0,
  /** Every configuration, from a skip index, as many as fit. */
  ALL: 1,
  /** Only the function selected. */
  FUNCTION: 2,
} as const;

/** PINCTRL_SETTINGS_CONFIGURE `attributes` fields. */
export const SettingsConfigure = {
  /** Bits 1:0: selector (pin or group). */
  SELECTOR_MASK: 0x3,
  /** Bits 9:2: number of configurations that follow. */
  COUNT_SHIFT: 2,
  /** Bit 10: `function_id` is valid, select it. */
  FUNCTION_VALID: 0x400,
  /** Bits 31:11 are reserved. */
  RESERVED: 0xffff_f800,
} as const;

/** PINCTRL_SET_PERMISSIONS `flags`: bit 2 allows (1) or denies (0); bits 31:3 reserved. */
export const PermissionFlag = {
  ALLOW: 0x4,
  RESERVED: 0xffff_fff8,
} as const;

/** Bits 31:2 of the plain `flags` words (ATTRIBUTES, LIST_ASSOCIATIONS, REQUEST, …). */
export const FLAGS_RESERVED = 0xffff_fffc;

/** PINCTRL_LIST_ASSOCIATIONS reply: bits 11:0 returned, 31:16 remaining. */
export const MAX_RETURNED = 0xfff;
