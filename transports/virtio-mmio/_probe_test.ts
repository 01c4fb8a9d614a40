/**
 * Test helper: a virtio-mmio driver in the test process that probes an
 * {@linkcode MmioScmiDevice} through register accesses as Linux's virtio_mmio + virtio_scmi
 * do (reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK, both queues, DRIVER_OK), over the
 * in-memory guest of `transports/virtio/_driver_test.ts`.
 * @module
 */
import { FeatureBit, featureMask } from "../virtio/features.ts";
import { GuestQueue, type GuestRam } from "../virtio/_driver_test.ts";
import type { MmioScmiDevice } from "./device.ts";
import { Reg, Status } from "./registers.ts";

export const VERSION_1 = featureMask(FeatureBit.VERSION_1);
export const P2A = featureMask(FeatureBit.SCMI_P2A_CHANNELS);
export const EVENT_IDX = featureMask(FeatureBit.RING_EVENT_IDX);

/** Register access helpers bound to one device. */
export function regs(dev: MmioScmiDevice) {
  return {
    r: (offset: number) => dev.access(offset, 4, false, 0),
    w: (offset: number, value: number) => void dev.access(offset, 4, true, value),
  };
}

/** Sets up queue `index` of `num` entries in `ram` through the queue registers. */
export function setupQueue(dev: MmioScmiDevice, ram: GuestRam, index: number, num: number) {
  const { w } = regs(dev);
  const q = new GuestQueue(ram, num);
  w(Reg.QUEUE_SEL, index);
  w(Reg.QUEUE_NUM, num);
  w(Reg.QUEUE_DESC_LOW, q.desc);
  w(Reg.QUEUE_DESC_HIGH, 0);
  w(Reg.QUEUE_DRIVER_LOW, q.avail);
  w(Reg.QUEUE_DRIVER_HIGH, 0);
  w(Reg.QUEUE_DEVICE_LOW, q.used);
  w(Reg.QUEUE_DEVICE_HIGH, 0);
  w(Reg.QUEUE_READY, 1);
  return q;
}

/**
 * Probes as Linux does and returns the two queues; eventq buffers (`posted`, 136 bytes
 * each) are offered before DRIVER_OK.
 */
export function probe(
  dev: MmioScmiDevice,
  ram: GuestRam,
  opts: { features?: bigint; num?: number; posted?: number } = {},
) {
  const { r, w } = regs(dev);
  const features = opts.features ?? (VERSION_1 | P2A);
  w(Reg.STATUS, 0);
  w(Reg.STATUS, Status.ACKNOWLEDGE);
  w(Reg.STATUS, Status.ACKNOWLEDGE | Status.DRIVER);
  w(Reg.DEVICE_FEATURES_SEL, 1);
  const offered = BigInt(r(Reg.DEVICE_FEATURES)) << 32n;
  w(Reg.DEVICE_FEATURES_SEL, 0);
  const accepted = features & (offered | BigInt(r(Reg.DEVICE_FEATURES)));
  w(Reg.DRIVER_FEATURES_SEL, 1);
  w(Reg.DRIVER_FEATURES, Number(accepted >> 32n));
  w(Reg.DRIVER_FEATURES_SEL, 0);
  w(Reg.DRIVER_FEATURES, Number(accepted & 0xffff_ffffn));
  w(Reg.STATUS, Status.ACKNOWLEDGE | Status.DRIVER | Status.FEATURES_OK);
  const cmd = setupQueue(dev, ram, 0, opts.num ?? 16);
  const evt = setupQueue(dev, ram, 1, opts.num ?? 16);
  for (let i = 0; i < (opts.posted ?? 0); i++) evt.add([{ write: true, len: 136 }]);
  evt.publish();
  w(Reg.QUEUE_NOTIFY, 1);
  w(Reg.STATUS, Status.ACKNOWLEDGE | Status.DRIVER | Status.FEATURES_OK | Status.DRIVER_OK);
  return { cmd, evt };
}
