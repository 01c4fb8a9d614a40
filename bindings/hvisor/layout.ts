/**
 * hvisor's virtio bridge (`struct virtio_bridge`, little-endian, 2136 bytes) and the
 * hvisor kernel module's ioctl numbers, as of hvisor 6a3fb78 and hvisor-tool c724e91.
 * @module
 */

/** Slots of the request and result rings (a power of 2; one slot stays free). */
export const MAX_REQ = 32;
/** Entries of `cfg_flags` / `cfg_values`: one per physical CPU (4 before 2025-04). */
export const MAX_CPUS = 32;
/** Entries of `mmio_addrs`. */
export const MAX_DEVS = 8;

/** Byte offsets of the bridge's fields. */
export const BRIDGE = {
  REQ_FRONT: 0,
  REQ_REAR: 4,
  RES_FRONT: 8,
  RES_REAR: 12,
  REQ_LIST: 16,
  RES_LIST: 1296,
  CFG_FLAGS: 1552,
  CFG_VALUES: 1808,
  MMIO_ADDRS: 2064,
  MMIO_AVAIL: 2128,
  NEED_WAKEUP: 2129,
  /** sizeof(struct virtio_bridge). */
  SIZE: 2136,
} as const;

/** One `struct device_req` (40 bytes) of `req_list`. */
export const REQ = {
  SRC_CPU: 0,
  ADDRESS: 8,
  SIZE: 16,
  VALUE: 24,
  SRC_ZONE: 32,
  IS_WRITE: 36,
  NEED_INTERRUPT: 37,
  BYTES: 40,
} as const;

/** One `struct device_res` (8 bytes) of `res_list`. */
export const RES = { TARGET_ZONE: 0, IRQ_ID: 4, BYTES: 8 } as const;

/** What is mapped of the bridge (offset 0 of the device, or of `DIR/bridge`). */
export const BRIDGE_MAP_SIZE = 4096;

/** ioctl numbers of `/dev/hvisor`. */
export const IOCTL = {
  /** `_IO(1, 0)`: allocate the bridge and hand it to hvisor. */
  INIT_VIRTIO: 0x100,
  /** `_IO(1, 2)`: hvisor drains `res_list` and injects the interrupts. */
  FINISH_REQ: 0x102,
  /** `_IOW(1, 7, int)`: the eventfd hvisor's requests wake (since 2026-02). */
  SET_EVENTFD: 0x40040107,
} as const;

/** Bytes on the file bridge's `el2.sock`. */
export const WIRE = {
  /** Simulator → vscmi: requests were pushed (what the eventfd carries). */
  KICK: 0x01,
  /** vscmi → simulator: one FINISH_REQ. */
  FINISH: 0x02,
} as const;
