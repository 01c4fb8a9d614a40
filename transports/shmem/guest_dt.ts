/**
 * What a shmem agent's guest needs in its device tree (`vscmi dt`): one `arm,scmi-shmem` node
 * per channel area under `reserved-memory`, at `shm_base` + the area's offset; the SCMI node's
 * compatible (`arm,scmi-smc`, `arm,scmi-smc-param` or, for a mailbox, `arm,scmi`) and its
 * `arm,smc-id` or `mboxes`, and `shmem`.
 * @module
 */
import type { GuestDt, GuestDtView } from "../../core/transport.ts";
import type { AreaConfig } from "./options.ts";
import { checkShmemOptions } from "./options.ts";

/** Two 32-bit cells of a 64-bit value, as `reg` under #address-cells = <2>. */
function cells(n: number): string {
  return `0x${Math.floor(n / 2 ** 32).toString(16)} 0x${(n % 2 ** 32).toString(16)}`;
}

const hex = (n: number) => `0x${n.toString(16)}`;

/** The agent's reserved-memory nodes and SCMI node properties. */
export function shmemGuestDt(view: GuestDtView): GuestDt {
  const cfg = checkShmemOptions(view.options, [String(view.options.binding ?? "file")]);
  const base = cfg.shmBase ?? 0;
  const stem = view.agent.replace(/[^A-Za-z0-9_]/g, "_");
  const label = (i: number | "rx") => `${stem}_shmem_${i}`;
  const area = (l: string, a: AreaConfig) => [
    `\t${l}: scmi-shmem@${(base + a.offset).toString(16)} {`,
    '\t\tcompatible = "arm,scmi-shmem";',
    `\t\treg = <${cells(base + a.offset)} ${cells(a.size)}>;`,
    "\t\tno-map;",
    "\t};",
  ];
  const nodes = [
    "reserved-memory {",
    "\t#address-cells = <2>;",
    "\t#size-cells = <2>;",
    "\tranges;",
    ...cfg.channels.flatMap((c, i) => area(label(i), c)),
    ...(cfg.p2a ? area(label("rx"), cfg.p2a) : []),
    "};",
  ];
  const where = cfg.shmBase === null
    ? "shm_base is not declared, so the addresses below start at 0: set it to where the VMM " +
      "maps the shared memory."
    : `The shared memory is at guest-physical ${hex(base)}.`;
  const more = cfg.channels.length > 1
    ? ` Channels after the first are for protocol nodes of their own (shmem = <&${label(1)}> …${
      cfg.doorbell === "mailbox" ? " with their mboxes" : ""
    }).`
    : "";
  if (cfg.doorbell === "mailbox") {
    const tx = cfg.channels[0].number;
    return {
      comment: `shared-memory channels rung by mailbox channel ${tx}` +
        (cfg.p2a ? `, notifications on channel ${cfg.p2a.number}` : "") +
        `. &mailbox is the VMM's mailbox controller (one cell: the channel number). ${where}` +
        more,
      compatible: "arm,scmi",
      properties: [
        cfg.p2a
          ? `mboxes = <&mailbox ${tx}>, <&mailbox ${cfg.p2a.number}>;`
          : `mboxes = <&mailbox ${tx}>;`,
        cfg.p2a ? 'mbox-names = "tx", "rx";' : 'mbox-names = "tx";',
        cfg.p2a ? `shmem = <&${label(0)}>, <&${label("rx")}>;` : `shmem = <&${label(0)}>;`,
      ],
      nodes,
    };
  }
  return {
    comment: `a shared-memory channel rung by ${cfg.doorbell.toUpperCase()} function id ` +
      `${hex(cfg.channels[0].functionId!)} (the kernel's SMCCC conduit decides SMC or HVC); ` +
      `no notifications or asynchronous commands. ${where}${more}`,
    compatible: cfg.smcParam ? "arm,scmi-smc-param" : "arm,scmi-smc",
    properties: [`arm,smc-id = <${hex(cfg.channels[0].functionId!)}>;`, `shmem = <&${label(0)}>;`],
    nodes,
  };
}
