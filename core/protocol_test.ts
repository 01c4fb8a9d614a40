import { clockKind } from "../plugins/clock/kind.ts";
import { assertThrows } from "./_assert_test.ts";
import { defineProtocol } from "./protocol.ts";

Deno.test("defineProtocol refuses a command whose resource id lies past its smallest parameters", () => {
  assertThrows(
    () =>
      defineProtocol({
        api: 1,
        id: 0x80,
        name: "bad",
        versions: [0x10000],
        kinds: [clockKind],
        commands: {
          0x1: { name: "PROTOCOL_ATTRIBUTES", params: 0, run: () => {} },
          0x3: { name: "SHORT", params: { min: 4 }, resource: "clock", at: 4, run: () => {} },
        },
      }),
    TypeError,
    "reads its resource id past its parameters",
  );
});
