/**
 * Numbers of the virtio-scmi device: its device id, queue indices and feature bits (virtio
 * 1.2 §5.17 "SCMI Device", §6 "Reserved Feature Bits").
 * @module
 */

/** Virtio device id of the SCMI device. */
export const VIRTIO_ID_SCMI = 32;

/** The device's virtqueues. */
export const ScmiQueue = {
  /** Agent→platform commands and their synchronous replies. */
  CMDQ: 0,
  /** Platform→agent notifications and delayed responses (only with P2A_CHANNELS). */
  EVENTQ: 1,
} as const;
/** Queue index 0 (cmdq) or 1 (eventq). */
export type ScmiQueue = typeof ScmiQueue[keyof typeof ScmiQueue];

/** Feature bit numbers this device knows. */
export const FeatureBit = {
  /** VIRTIO_SCMI_F_P2A_CHANNELS: the eventq exists (notifications, delayed responses). */
  SCMI_P2A_CHANNELS: 0,
  /** VIRTIO_SCMI_F_SHARED_MEMORY: statistics shared-memory regions (never offered). */
  SCMI_SHARED_MEMORY: 1,
  /** VIRTIO_F_INDIRECT_DESC (VIRTIO_RING_F_INDIRECT_DESC). */
  RING_INDIRECT_DESC: 28,
  /** VIRTIO_F_EVENT_IDX (VIRTIO_RING_F_EVENT_IDX). */
  RING_EVENT_IDX: 29,
  /** VIRTIO_F_VERSION_1: a modern (non-legacy) device; little-endian rings. */
  VERSION_1: 32,
} as const;

/** The mask of one feature bit. */
export function featureMask(bit: number): bigint {
  return 1n << BigInt(bit);
}

/** Whether `features` has `bit` set. */
export function hasFeature(features: bigint | number, bit: number): boolean {
  return (BigInt(features) & featureMask(bit)) !== 0n;
}

/**
 * Every feature the vscmi virtio-scmi device offers: VERSION_1, P2A_CHANNELS (always, since
 * Linux expects an eventq), INDIRECT_DESC and EVENT_IDX.
 */
export const DEVICE_FEATURES: bigint = featureMask(FeatureBit.VERSION_1) |
  featureMask(FeatureBit.SCMI_P2A_CHANNELS) |
  featureMask(FeatureBit.RING_INDIRECT_DESC) |
  featureMask(FeatureBit.RING_EVENT_IDX);
