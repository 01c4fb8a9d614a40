/**
 * A protocol that breaks every rule a plugin can break on its own, for the test of the
 * protocol conformance suite: PROTOCOL_ATTRIBUTES one word too long and setting a reserved
 * bit, a multi-part command whose counts do not add up, and a "vote" command that holds
 * nothing.
 * @module
 */
import { API_MAJOR, defineProtocol } from "../../mod.ts";

export const protocol = defineProtocol({
  api: API_MAJOR,
  id: 0x92,
  name: "broken",
  versions: [0x10000, 0x20000],
  commands: {
    0x1: {
      name: "PROTOCOL_ATTRIBUTES",
      params: 0,
      run: (_ctx, m) => {
        m.w.u32(0x8000_0001);
        m.w.u32(0);
      },
    },
    0x4: {
      name: "LIST",
      params: 4,
      // Two entries a page, and always three more to come.
      run: (_ctx, m) => {
        m.w.u32(2 | (3 << 16));
        m.w.u32(0);
        m.w.u32(0);
      },
    },
    0x5: { name: "HOLD_NOTHING", params: 0, run: () => {} },
    0x6: { name: "LATER", params: 0, since: 0x20000, run: () => {} },
  },
});
