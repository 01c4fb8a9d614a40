/**
 * `vscmi check`'s access report: what each driver says per resource, read and write for a
 * driver that says nothing, nothing for a driver that did not start, and the report's lines.
 * @module
 */
import { assertEquals } from "../core/_assert_test.ts";
import type { Board } from "../core/board.ts";
import type { BoardDriver } from "../core/driver.ts";
import { accessReport, resourceAccess } from "./check_access.ts";

const board: Board = {
  name: "t",
  settings: {},
  drivers: [],
  devices: [],
  resources: {
    clock: [
      { id: 0, name: "a", driver: "hw" },
      { id: 1, name: "b", driver: "hw" },
      { id: 2, name: "c", driver: "quiet" },
    ],
    reset: [{ id: 5, name: "r", driver: "gone" }],
  },
};

const hw: BoardDriver = {
  name: "hw",
  access: (cls, id) =>
    cls === "clock" && id === 1
      ? { read: true, write: false, why: "debugfs clock writes are compiled out" }
      : { read: true, write: true },
};

Deno.test("each resource gets its driver's answer, read/write when the driver says nothing", () => {
  const lines = resourceAccess(board, new Map([["hw", hw], ["quiet", { name: "quiet" }]]));
  assertEquals(lines.map((l) => [l.kind, l.name, l.access.read, l.access.write]), [
    ["clock", "a", true, true],
    ["clock", "b", true, false],
    ["clock", "c", true, true],
    ["reset", "r", false, false],
  ]);
  assertEquals(accessReport(lines), [
    "  hardware access:",
    "    clock: 2 read/write: a, c",
    '    clock b (1, driver "hw"): read only: debugfs clock writes are compiled out',
    '    reset r (5, driver "gone"): no access: its driver did not start',
  ]);
});
