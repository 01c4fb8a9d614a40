/**
 * A vendor protocol (0x81) whose handlers answer by throwing, for the test that loads it
 * against a second copy of the API: 0x3 throws ScmiError(OUT_OF_RANGE), 0x4
 * ScmiError(NOT_FOUND), 0x5 DriverError("busy"), 0x6 a plain Error (a bug).
 * @module
 */
import { API_MAJOR, defineProtocol, DriverError, ScmiError, Status } from "../../../mod.ts";

export default defineProtocol({
  api: API_MAJOR,
  id: 0x81,
  name: "strict",
  versions: [0x10000],
  commands: {
    0x1: { name: "PROTOCOL_ATTRIBUTES", params: 0, run: (_ctx, m) => m.w.u32(0) },
    0x3: {
      name: "STRICT_RANGE",
      params: 0,
      run: () => {
        throw new ScmiError(Status.OUT_OF_RANGE, "past the end");
      },
    },
    0x4: {
      name: "STRICT_FIND",
      params: 0,
      run: () => {
        throw new ScmiError(Status.NOT_FOUND);
      },
    },
    0x5: {
      name: "STRICT_BUSY",
      params: 0,
      run: () => {
        throw new DriverError("busy", "relocking");
      },
    },
    0x6: {
      name: "STRICT_BUG",
      params: 0,
      run: () => {
        throw new Error("a bug");
      },
    },
  },
});
