/** A vendor protocol module for the manifest tests: 0x80, versions 1.0 and 1.1. @module */
import { defineProtocol } from "../../../mod.ts";

export const protocol = defineProtocol({
  api: 1,
  id: 0x80,
  name: "vendor",
  versions: [0x10000, 0x10001],
  commands: {
    0x1: { name: "PROTOCOL_ATTRIBUTES", params: 0, run: (_ctx, m) => m.w.u32(0) },
  },
});
