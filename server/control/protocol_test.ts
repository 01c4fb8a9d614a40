import { assert, assertEquals } from "../../core/_assert_test.ts";
import { parseRequest } from "./protocol.ts";
// The request schema knows the kinds defined in the process: those of the built-in protocols.
import "../../builtins.ts";

function refused(line: string): { id: unknown; code: string; message: string } {
  const r = parseRequest(line);
  assert(!r.ok, `"${line}" should be refused`);
  return { id: r.id, code: r.error.code, message: r.error.message };
}

Deno.test("agents request → parsed with its id", () => {
  const r = parseRequest('{"id":7,"cmd":"agents"}');
  assert(r.ok);
  assertEquals(r.request, { id: 7, cmd: "agents" });
});

Deno.test("grant with virtual and readOnly → parsed; agent and resource as names or ids", () => {
  const r = parseRequest(
    '{"cmd":"grant","agent":2,"kind":"clock","resource":"pll_video","virtual":9,"readOnly":true}',
  );
  assert(r.ok);
  assertEquals(r.request, {
    cmd: "grant",
    agent: 2,
    kind: "clock",
    resource: "pll_video",
    virtual: 9,
    readOnly: true,
  });
});

Deno.test("text that is not JSON → bad-request, id null", () => {
  const r = refused("{oops");
  assertEquals([r.id, r.code], [null, "bad-request"]);
  assert(r.message.startsWith("Not JSON"), r.message);
});

Deno.test("JSON that is not an object → bad-request", () => {
  for (const line of ["[]", "3", "null", '"agents"']) {
    assertEquals(refused(line).code, "bad-request");
  }
});

Deno.test("unknown command → bad-request naming it and listing the known ones, id echoed", () => {
  const r = refused('{"id":"x","cmd":"frobnicate"}');
  assertEquals(r.id, "x");
  assert(r.message.includes('"frobnicate"') && r.message.includes("remove-agent"), r.message);
});

Deno.test("missing field → bad-request saying which one is missing", () => {
  const r = refused('{"id":3,"cmd":"revoke","agent":"vm2","resource":"usb"}');
  assertEquals(r.id, 3);
  assert(r.message.includes("kind: missing, expected device or one of clock"), r.message);
});

Deno.test("unknown key, bad kind, negative virtual id → bad-request each", () => {
  assert(refused('{"cmd":"agents","verbose":true}').message.includes('unknown key "verbose"'));
  assert(
    refused('{"cmd":"resource","kind":"device","resource":"usb"}').message.includes("kind:"),
  );
  const v = refused('{"cmd":"grant","agent":"a","kind":"clock","resource":"c","virtual":-1}');
  assert(v.message.includes("virtual: expected a virtual id"), v.message);
});
