/**
 * What a virtio-mmio agent's guest needs in its device tree besides the SCMI node, written
 * the way hvisor's own zone examples write it: a `virtio_mmio@BASE` node with the window, the
 * interrupt as a GIC SPI (INTID − 32), edge-rising, and `dma-coherent`.
 * @module
 */
import type { GuestDt, GuestDtView } from "../../core/transport.ts";
import { checkVirtioMmioOptions } from "./options.ts";

/** Two 32-bit cells of a 64-bit value, as `reg` under a root with #address-cells = <2>. */
function cells(n: number): string {
  return `0x${Math.floor(n / 2 ** 32).toString(16)} 0x${(n % 2 ** 32).toString(16)}`;
}

/** The `virtio_mmio@…` node of the agent's device and the comment saying how it is reached. */
export function virtioMmioGuestDt(view: GuestDtView): GuestDt {
  const o = checkVirtioMmioOptions(view.options);
  const spi = o.irq - 32;
  return {
    comment: `the virtio_mmio node below, a virtio-scmi device of hvisor zone ${o.zone}: hvisor ` +
      "traps its window and zone0's vscmi answers. Interrupts use the root's interrupt-parent " +
      "(the GIC).",
    nodes: [
      `virtio_mmio@${o.base.toString(16)} {`,
      '\tcompatible = "virtio,mmio";',
      `\treg = <${cells(o.base)} ${cells(o.size)}>;`,
      `\tinterrupts = <0x0 0x${
        spi.toString(16)
      } 0x1>; /* GIC_SPI ${spi} IRQ_TYPE_EDGE_RISING: INTID ${o.irq} */`,
      "\tdma-coherent;",
      "};",
    ],
  };
}
