/**
 * Board-driver interface for pin control. Physical ids only: pins and groups as the board
 * numbers them, functions by their physical ids. The Pin control protocol plugin checks what
 * the specification decides (visibility, rights, ownership between agents, reserved
 * configuration types, which functions fit a pin or group) before it calls a driver; a
 * driver decides what the hardware decides (which configuration types a pin has, values it
 * cannot take, read-only types) and answers a group consistently with its pins.
 *
 * Configuration values are the SCMI ones: a u32 per configuration type (DEN0056E pin
 * control protocol, configuration type table), see {@linkcode PinConfig}.
 * @module
 */

/** What a command acts on: one pin, or a group (every pin of it at once). */
export type PinTarget = "pin" | "group";

/** `getFunction` answer when no function is selected (SCMI 0xFFFFFFFF on the wire). */
export const NO_FUNCTION: number = -1;

/**
 * SCMI pin configuration types (DEN0056E, pin control configuration type table). Types 21–191
 * are reserved; 192–255 are OEM-defined ({@linkcode PIN_CONFIG_OEM_FIRST}).
 */
export const PinConfig = {
  /** Writing it puts the pin (or each pin of a group) back in its default configuration. */
  DEFAULT: 0,
  BIAS_BUS_HOLD: 1,
  BIAS_DISABLE: 2,
  BIAS_HIGH_IMPEDANCE: 3,
  BIAS_PULL_UP: 4,
  BIAS_PULL_DEFAULT: 5,
  BIAS_PULL_DOWN: 6,
  DRIVE_OPEN_DRAIN: 7,
  DRIVE_OPEN_SOURCE: 8,
  DRIVE_PUSH_PULL: 9,
  DRIVE_STRENGTH: 10,
  INPUT_DEBOUNCE: 11,
  /** 0 input disabled, 1 enabled. */
  INPUT_MODE: 12,
  PULL_MODE: 13,
  /** The level the pin reads. */
  INPUT_VALUE: 14,
  INPUT_SCHMITT: 15,
  LOW_POWER_MODE: 16,
  /** 0 output disabled, 1 enabled. */
  OUTPUT_MODE: 17,
  /** 0 drive low, 1 drive high. */
  OUTPUT_VALUE: 18,
  POWER_SOURCE: 19,
  SLEW_RATE: 20,
} as const;

/** Highest standard configuration type; 21 up to 191 are reserved. */
export const PIN_CONFIG_LAST_STANDARD = 20;
/** First OEM-defined configuration type; OEM types run up to 255. */
export const PIN_CONFIG_OEM_FIRST = 192;

/** Whether `type` (0–255) is a configuration type SCMI defines or leaves to the OEM. */
export function isPinConfigType(type: number): boolean {
  return (type >= 0 && type <= PIN_CONFIG_LAST_STANDARD) ||
    (type >= PIN_CONFIG_OEM_FIRST && type <= 0xff);
}

/**
 * Configuration types by snake_case name, for manifests (`bias_pull_up = 1` in a pin's
 * `config` table means type 4 with value 1). OEM types are named `oem_192` … `oem_255`.
 * Default (0) is an action, not a value a pin holds, and has no name here.
 */
export const PIN_CONFIG_NAMES: Readonly<Record<string, number>> = Object.freeze(
  Object.fromEntries([
    ...Object.entries(PinConfig).filter(([, t]) => t !== PinConfig.DEFAULT).map((
      [name, t],
    ) => [name.toLowerCase(), t]),
    ...Array.from({ length: 0x100 - PIN_CONFIG_OEM_FIRST }, (_, i) => {
      const t = PIN_CONFIG_OEM_FIRST + i;
      return [`oem_${t}`, t];
    }),
  ]),
);

/**
 * What a board driver implements for pins, groups and functions: configuration, function selection
 * and pin requests (physical ids).
 */
export interface PinctrlHw {
  /**
   * The configuration types pin or group `id` has, ascending, without
   * {@linkcode PinConfig.DEFAULT}: what PINCTRL_SETTINGS_GET lists when asked for every
   * configuration. A group has the types every one of its pins has. The array is the
   * driver's own and must not change while the board runs.
   */
  configTypes(target: PinTarget, id: number): readonly number[];
  /**
   * The value of configuration `type` of a pin, or of a group (a value consistent with its
   * pins; drivers document their rule when pins differ). Throws DriverError("unsupported")
   * for a type the pin or group does not have.
   */
  getConfig(target: PinTarget, id: number, type: number): number;
  /**
   * Applies `count` configurations, given as `pairs[2i]` = type and `pairs[2i + 1]` = value,
   * in order, to a pin or to every pin of a group. All or nothing: every pair is checked
   * before anything changes (DriverError "unsupported" for a type the target lacks,
   * "invalid" for a value the hardware cannot take or a read-only type). `pairs` belongs to
   * the caller and is valid only until the method returns or first awaits.
   */
  setConfigs(
    target: PinTarget,
    id: number,
    pairs: ArrayLike<number>,
    count: number,
  ): void | Promise<void>;
  /**
   * The physical id of the function selected on a pin, or on a group (the function every
   * pin of it carries), or {@linkcode NO_FUNCTION}.
   */
  getFunction(target: PinTarget, id: number): number;
  /**
   * Selects function `fn` (physical id) on a pin or on every pin of a group;
   * {@linkcode NO_FUNCTION} deselects. Throws DriverError("invalid") for a function the
   * board does not allow there.
   */
  setFunction(target: PinTarget, id: number, fn: number): void | Promise<void>;
}
