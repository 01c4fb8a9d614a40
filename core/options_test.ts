/**
 * Option checks: an OptionError may point below its option (a key inside a table the option
 * holds), and both the problem list and the code-path assertion name that key.
 * @module
 */
import { assertEquals, assertThrows } from "./_assert_test.ts";
import { assertOptions, OptionError, optionProblems } from "./options.ts";

const decl = { options: { clocks: "register fields per clock" } };
const check = () => {
  throw new OptionError("clocks", "a bit from 0 to 15", 17, ["uart", "gate", "bit"]);
};

Deno.test("an OptionError with a path is a problem at the key below its option", () => {
  const { problems } = optionProblems("the test driver", decl, { clocks: {} }, check);
  assertEquals(problems, [{
    option: "clocks",
    path: ["uart", "gate", "bit"],
    at: "value",
    message: "Expected a bit from 0 to 15, got 17",
  }]);
});

Deno.test("assertOptions names the whole key path of an OptionError", () => {
  const e = assertThrows(() =>
    assertOptions("driver r", "the test driver", decl, { clocks: {} }, check)
  );
  assertEquals(e.message, "driver r: clocks.uart.gate.bit: Expected a bit from 0 to 15, got 17");
  assertEquals(
    new OptionError("clocks", "a table", 1, ["a"]).message,
    "clocks.a: expected a table, got 1",
  );
});
