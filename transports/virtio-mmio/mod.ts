/**
 * The `virtio-mmio` transport: vscmi as the virtio-mmio SCMI device of an hvisor zone. The
 * guest's accesses to the device's MMIO window trap to hvisor, which queues them on the
 * virtio bridge shared with zone0; vscmi answers them from a register model
 * (`registers.ts`) and serves the queues with the hypervisor-neutral virtio-scmi device of
 * `transports/virtio/`. The bridge itself is `bindings/hvisor/`.
 * @module
 */
import { defineTransport, type TransportEnv, type TransportHandle } from "../../core/transport.ts";
import { virtioMmioGuestDt } from "./guest_dt.ts";
import { checkVirtioMmioOptions, VIRTIO_MMIO_OPTIONS } from "./options.ts";

export const virtioMmioTransport = defineTransport({
  api: 1,
  name: "virtio-mmio",
  summary: "virtio-mmio SCMI device of an hvisor zone, on hvisor's virtio bridge",
  options: VIRTIO_MMIO_OPTIONS,
  checkOptions(options) {
    checkVirtioMmioOptions(options);
  },
  start: startVirtioMmio,
  guestDt: virtioMmioGuestDt,
});

function startVirtioMmio(env: TransportEnv): Promise<TransportHandle> {
  checkVirtioMmioOptions(env.options);
  return Promise.reject(
    new Error(`Agent "${env.agent.name}": the virtio-mmio transport cannot start yet`),
  );
}
