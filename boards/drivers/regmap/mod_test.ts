/**
 * A regmap instance as a whole: a device that can only be read is mapped read-only, its
 * writes DENIED and reported so by `access`; the RK3588 board passes the driver conformance
 * suite (every contract call on every resource answers or fails with a status).
 * @module
 */
import { assert, assertEquals, assertThrows } from "../../../core/_assert_test.ts";
import { DriverError } from "../../../core/driver.ts";
import { Logger } from "../../../core/log.ts";
import { Status } from "../../../core/status.ts";
import { BUILTIN_CONTRACTS, driverConformance } from "../../../testing/mod.ts";
import type { ClockHw } from "../../../plugins/clock/hw.ts";
import { C, LibcError } from "../../../bindings/native/libc.ts";
import { createRegmap } from "./mod.ts";
import { CLOCK_BOARD, MIXED_BOARD, readBoardText, rig } from "./_fixture.ts";

Deno.test("a device that refuses writing is mapped read-only: writes DENIED, access says why", () => {
  const { board } = readBoardText(CLOCK_BOARD);
  const asked: boolean[] = [];
  const logs: string[] = [];
  const log = new Logger();
  log.sink = (level, line) => void logs.push(`${level}: ${line}`);
  const driver = createRegmap(
    { name: "r", options: board.drivers[0].options, board, log, hwRoot: "/hw" },
    {
      map: (path, _at, size, readOnly) => {
        asked.push(readOnly);
        if (!readOnly) throw new LibcError("open", C.EACCES, path);
        return { bytes: new Uint8Array(size), unmap() {} };
      },
    },
  );
  assertEquals(
    asked,
    [false, true, false, true],
    "each window: read-write refused, then read-only",
  );
  const clocks = driver.clock as ClockHw;
  assert(clocks.isEnabled(3));
  const e = assertThrows(() => clocks.setEnabled(3, false), DriverError) as DriverError;
  assertEquals(e.status, Status.DENIED);
  const a = driver.access!("clock", 3);
  assertEquals([a.read, a.write], [true, false]);
  assert(a.why?.includes("/hw/dev/mem can be opened for reading only"), a.why);
  assertEquals(logs.filter((l) => l.startsWith("warn:")).length, 2);
});

Deno.test("a device that cannot be opened at all fails the start naming the window and device", () => {
  const { board } = readBoardText(CLOCK_BOARD);
  const e = assertThrows(() =>
    createRegmap({ name: "r", options: board.drivers[0].options, board, hwRoot: "/nowhere" })
  );
  assert(
    e.message.startsWith('cannot map window "a" (0x1000, 256 bytes) of /nowhere/dev/mem'),
    e.message,
  );
});

Deno.test("the RK3588 board passes the driver conformance suite", async (t) => {
  const text = await Deno.readTextFile(new URL("../../rk3588.toml", import.meta.url));
  const r = rig(text);
  await driverConformance(t, { driver: r.driver, board: r.board, contracts: BUILTIN_CONTRACTS });
});

Deno.test("clocks, resets and power domains in shared registers pass the conformance suite", async (t) => {
  const r = rig(MIXED_BOARD);
  await driverConformance(t, { driver: r.driver, board: r.board, contracts: BUILTIN_CONTRACTS });
});

Deno.test("a dry run maps the device read-only and copies it", () => {
  const { board } = readBoardText(CLOCK_BOARD);
  const asked: boolean[] = [];
  const driver = createRegmap(
    { name: "r", options: board.drivers[0].options, board, dryRun: true },
    {
      map: (_path, _at, size, readOnly) => {
        asked.push(readOnly);
        return { bytes: new Uint8Array(size), unmap() {} };
      },
    },
  );
  assertEquals(asked, [true, true]);
  (driver.clock as ClockHw).setEnabled(3, false);
  assertEquals((driver.clock as ClockHw).isEnabled(3), false, "the copy takes the write");
});
