/**
 * The virtio-mmio version-2 register map (virtio 1.2 §4.2.2) and the device status bits
 * (§2.1): offsets within the device's MMIO window, all 32-bit registers.
 * @module
 */

/** Register offsets. */
export const Reg = {
  MAGIC_VALUE: 0x000,
  VERSION: 0x004,
  DEVICE_ID: 0x008,
  VENDOR_ID: 0x00c,
  DEVICE_FEATURES: 0x010,
  DEVICE_FEATURES_SEL: 0x014,
  DRIVER_FEATURES: 0x020,
  DRIVER_FEATURES_SEL: 0x024,
  QUEUE_SEL: 0x030,
  QUEUE_NUM_MAX: 0x034,
  QUEUE_NUM: 0x038,
  QUEUE_READY: 0x044,
  QUEUE_NOTIFY: 0x050,
  INTERRUPT_STATUS: 0x060,
  INTERRUPT_ACK: 0x064,
  STATUS: 0x070,
  QUEUE_DESC_LOW: 0x080,
  QUEUE_DESC_HIGH: 0x084,
  QUEUE_DRIVER_LOW: 0x090,
  QUEUE_DRIVER_HIGH: 0x094,
  QUEUE_DEVICE_LOW: 0x0a0,
  QUEUE_DEVICE_HIGH: 0x0a4,
  SHM_SEL: 0x0ac,
  SHM_LEN_LOW: 0x0b0,
  SHM_LEN_HIGH: 0x0b4,
  SHM_BASE_LOW: 0x0b8,
  SHM_BASE_HIGH: 0x0bc,
  QUEUE_RESET: 0x0c0,
  CONFIG_GENERATION: 0x0fc,
  /** Device configuration space starts here (virtio-scmi has none: it reads 0). */
  CONFIG: 0x100,
} as const;

/** MagicValue: "virt" little-endian. */
export const MAGIC = 0x74726976;
/** Version of the register layout: 2, the non-legacy one. */
export const MMIO_VERSION = 2;

/** Device status bits. */
export const Status = {
  ACKNOWLEDGE: 1,
  DRIVER: 2,
  DRIVER_OK: 4,
  FEATURES_OK: 8,
  DEVICE_NEEDS_RESET: 64,
  FAILED: 128,
} as const;

/** InterruptStatus bits. */
export const Interrupt = {
  /** Used Buffer Notification. */
  VRING: 1,
  /** Configuration Change Notification (also raised with DEVICE_NEEDS_RESET). */
  CONFIG: 2,
} as const;

/** Largest queue the device accepts (QueueNumMax of cmdq and eventq). */
export const QUEUE_NUM_MAX = 256;
