/**
 * Split virtqueues and the virtio-scmi device, independent of any hypervisor: the
 * vhost-user and virtio-mmio bindings give them guest memory, kicks and interrupts.
 * @module
 */
export { Chain, ChainError } from "./chain.ts";
export {
  DEVICE_FEATURES,
  FeatureBit,
  featureMask,
  hasFeature,
  ScmiQueue,
  VIRTIO_ID_SCMI,
} from "./features.ts";
export {
  gpaNumber,
  type GuestMemory,
  type GuestRegion,
  MAX_GPA,
  RegionMemory,
} from "./guest_memory.ts";
export { VirtioScmiDevice, type VirtioScmiOptions, type VirtioScmiStats } from "./scmi_device.ts";
export {
  atomicFence,
  AVAIL_F_NO_INTERRUPT,
  DescFlag,
  MAX_QUEUE_SIZE,
  SplitQueue,
  type SplitQueueOptions,
  splitQueueSizes,
  USED_F_NO_NOTIFY,
} from "./split_queue.ts";
