import { clockKind } from "../plugins/clock/kind.ts";
import { assertEquals, assertThrows } from "./_assert_test.ts";
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

/** A minimal protocol whose `call` verbs are `call`. */
function withCall(call: unknown) {
  return () =>
    defineProtocol({
      api: 1,
      id: 0x80,
      name: "demo",
      versions: [0x10000],
      commands: { 0x1: { name: "PROTOCOL_ATTRIBUTES", params: 0, run: () => {} } },
      call: call as never,
    });
}

const run = () => Promise.resolve({ text: "", json: null });

Deno.test("defineProtocol checks the shape of the call verbs it carries", () => {
  const cases: [unknown, string][] = [
    [{ summary: "", commands: [] }, "call.summary must be a one-line description"],
    [{ summary: "Demo" }, "call.commands must be a list"],
    [{ summary: "Demo", commands: [{ name: "Bad Name", summary: "x", run }] }, "lower-case words"],
    [
      {
        summary: "Demo",
        commands: [{ name: "a", summary: "x", run }, { name: "a", summary: "y", run }],
      },
      'call command "a" is declared twice',
    ],
    [{ summary: "Demo", commands: [{ name: "a", summary: "x" }] }, 'call command "a" has no run()'],
    [{ summary: "Demo", commands: [{ name: "a", run }] }, 'call command "a" has no summary'],
    [
      { summary: "Demo", commands: [{ name: "a", summary: "x", args: "N", arity: [2, 1], run }] },
      "arity must be [fewest, most]",
    ],
    [
      { summary: "Demo", commands: [{ name: "a", summary: "x", arity: [1, 1], run }] },
      'call command "a" takes arguments but names none',
    ],
    [
      { summary: "Demo", commands: [{ name: "a", summary: "x", message: 0x100, run }] },
      "message must be a message id 0–0xFF",
    ],
  ];
  for (const [call, message] of cases) {
    assertThrows(withCall(call), TypeError, message);
  }
  // The same protocol with well-formed verbs is accepted, its verbs kept.
  const ok = withCall({
    summary: "Demo",
    commands: [{ name: "read-one", args: "N", arity: [1, 1], summary: "x", message: 0x3, run }],
  })();
  assertEquals(ok.call?.commands.map((c) => c.name), ["read-one"]);
});
