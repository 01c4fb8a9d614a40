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

/** 4-byte register reads and writes, direct or through a bridge. */
export interface RegisterIo {
  r(offset: number): number | Promise<number>;
  w(offset: number, value: number): void | Promise<void>;
}

/** Register access helpers bound to one device. */
export function regs(dev: MmioScmiDevice) {
  return {
    r: (offset: number) => dev.access(offset, 4, false, 0),
    w: (offset: number, value: number) => void dev.access(offset, 4, true, value),
  };
}

/** Sets up queue `index` of `num` entries in `ram` through the queue registers. */
export async function setupQueue(io: RegisterIo, ram: GuestRam, index: number, num: number) {
  const w = io.w;
  const q = new GuestQueue(ram, num);
  await w(Reg.QUEUE_SEL, index);
  await w(Reg.QUEUE_NUM, num);
  await w(Reg.QUEUE_DESC_LOW, q.desc);
  await w(Reg.QUEUE_DESC_HIGH, 0);
  await w(Reg.QUEUE_DRIVER_LOW, q.avail);
  await w(Reg.QUEUE_DRIVER_HIGH, 0);
  await w(Reg.QUEUE_DEVICE_LOW, q.used);
  await w(Reg.QUEUE_DEVICE_HIGH, 0);
  await w(Reg.QUEUE_READY, 1);
  return q;
}

/**
 * Probes as Linux does, through `io` (a device's own accesses, or the file bridge), and
 * returns the two queues; eventq buffers (`posted`, 136 bytes each) are offered before
 * DRIVER_OK.
 */
export async function probe(
  io: RegisterIo,
  ram: GuestRam,
  opts: { features?: bigint; num?: number; posted?: number } = {},
): Promise<{ cmd: GuestQueue; evt: GuestQueue }> {
  const { r, w } = io;
  const features = opts.features ?? (VERSION_1 | P2A);
  await w(Reg.STATUS, 0);
  await w(Reg.STATUS, Status.ACKNOWLEDGE);
  await w(Reg.STATUS, Status.ACKNOWLEDGE | Status.DRIVER);
  await w(Reg.DEVICE_FEATURES_SEL, 1);
  const offered = BigInt(await r(Reg.DEVICE_FEATURES)) << 32n;
  await w(Reg.DEVICE_FEATURES_SEL, 0);
  const accepted = features & (offered | BigInt(await r(Reg.DEVICE_FEATURES)));
  await w(Reg.DRIVER_FEATURES_SEL, 1);
  await w(Reg.DRIVER_FEATURES, Number(accepted >> 32n));
  await w(Reg.DRIVER_FEATURES_SEL, 0);
  await w(Reg.DRIVER_FEATURES, Number(accepted & 0xffff_ffffn));
  await w(Reg.STATUS, Status.ACKNOWLEDGE | Status.DRIVER | Status.FEATURES_OK);
  const cmd = await setupQueue(io, ram, 0, opts.num ?? 16);
  const evt = await setupQueue(io, ram, 1, opts.num ?? 16);
  for (let i = 0; i < (opts.posted ?? 0); i++) evt.add([{ write: true, len: 136 }]);
  evt.publish();
  await w(Reg.QUEUE_NOTIFY, 1);
  await w(Reg.STATUS, Status.ACKNOWLEDGE | Status.DRIVER | Status.FEATURES_OK | Status.DRIVER_OK);
  return { cmd, evt };
}
