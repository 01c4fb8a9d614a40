/** A vendor protocol module written for another API major (2), for the manifest tests. @module */
import { defineProtocol } from "../../../mod.ts";

export default defineProtocol({
  api: 2,
  id: 0x80,
  name: "future",
  versions: [0x10000],
  commands: {
    0x1: { name: "PROTOCOL_ATTRIBUTES", params: 0, run: (_ctx, m) => m.w.u32(0) },
  },
});
