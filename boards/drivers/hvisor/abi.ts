/**
 * The SCMI helper ioctls of hvisor's zone0 kernel module (`hvisor.ko`), as hvisor-tool
 * c724e91 declares them in `include/hvisor.h`: three requests on `/dev/hvisor`, each taking
 * one fixed-size argument structure whose first two words are the sub-command and a data
 * length, followed by a union per sub-command. Ids are indexes into the `clocks`, `resets`
 * and `power-domains` lists of zone0's device-tree node with compatible `"hvisor"`.
 *
 * Layouts are those of LP64 Linux (aarch64 and x86_64 agree): `abi_test.ts` holds the
 * `offsetof`/`sizeof` values a C compiler gave for the header, and checks these against them.
 * The sub-commands were renumbered in 2026-07 under the same request numbers; these are the
 * numbers from that change on.
 * @module
 */

/** The ioctl request numbers (`_IOWR(1, 32 + n, struct …)`). */
export const HvisorIoctl = {
  /** `HVISOR_SCMI_CLOCK_IOCTL`: struct hvisor_scmi_clock_args, 88 bytes. */
  CLOCK: 0xc0580120,
  /** `HVISOR_SCMI_RESET_IOCTL`: struct hvisor_scmi_reset_args, 20 bytes. */
  RESET: 0xc0140121,
  /** `HVISOR_SCMI_POWER_IOCTL`: struct hvisor_scmi_power_args, 80 bytes. */
  POWER: 0xc0500122,
} as const;

/** Size of each request's argument structure, bytes. */
export const ARG_SIZE = { clock: 88, reset: 20, power: 80 } as const;

/** Clock sub-commands (`subcmd` of struct hvisor_scmi_clock_args). */
export const ClockCmd = {
  GET_COUNT: 1,
  GET_ATTRIBUTES: 2,
  DESCRIBE_RATES: 3,
  RATE_GET: 4,
  RATE_SET: 5,
  CONFIG_GET: 6,
  CONFIG_SET: 7,
  NAME_GET: 8,
} as const;

/** Reset sub-commands. */
export const ResetCmd = { GET_COUNT: 1, RESET: 2 } as const;

/** Power sub-commands. */
export const PowerCmd = { GET_COUNT: 1, GET_ATTRIBUTES: 2, STATE_SET: 3, STATE_GET: 4 } as const;

/** `flags` of the RESET sub-command (the module's `SCMI_RESET_*`). */
export const ResetFlags = { DEASSERT: 0, RESET: 1, ASSERT: 2 } as const;

/** Byte offsets inside the argument structures (the union starts at 8 in all three). */
export const OFF = {
  subcmd: 0,
  dataLen: 4,
  /** `u.clock_count`, `u.reset_count`, `u.power_count`. */
  count: 8,
  /** The first field of every per-resource union member: `clock_id` / `domain_id`. */
  id: 8,
  clockAttr: { enabled: 12, parentId: 16, name: 20, isValid: 84 },
  clockRates: { rateIndex: 12, numRates: 16, remaining: 20, rates: 24, max: 8 },
  /** `u.clock_rate_info.rate` (RATE_GET): a u64 after 4 bytes of padding. */
  rateGet: { rate: 16 },
  rateSet: { flags: 12, rate: 16 },
  config: { flags: 12, config: 16, extendedConfigVal: 20 },
  clockName: { name: 12 },
  reset: { flags: 12, resetState: 16 },
  powerAttr: { flags: 12, name: 16 },
  powerState: { state: 12 },
  /** Every name field is `char[64]`, NUL-terminated. */
  nameLen: 64,
} as const;

/**
 * One ioctl on the open device: `request` with the argument structure `arg` (read and
 * written in place). Returns 0 or more on success, `-errno` on failure; never throws.
 */
export type IoctlFn = (request: number, arg: Uint8Array) => number;
