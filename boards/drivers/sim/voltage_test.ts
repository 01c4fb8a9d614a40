import { voltageKind } from "../../../plugins/voltage/kind.ts";
import { assert, assertEquals, assertThrows } from "../../../core/_assert_test.ts";
import { type Board, emptyBoard } from "../../../core/board.ts";
import { DriverError } from "../../../core/driver.ts";
import { Status } from "../../../core/status.ts";
import { createSimVoltage, declaresLevel } from "./voltage.ts";
import { ManualClock } from "../../../core/timer_clock.ts";
import { settled } from "../../../core/_wait_test.ts";

/** 0: list, 20 ms to settle. 1: segment 600–700 mV step 25 mV, on. 9: another instance's. */
function board(): Board {
  const b = emptyBoard("sim-voltage");
  voltageKind.of(b).push(
    {
      id: 0,
      name: "sd",
      driver: "sim",
      levels: { kind: "list", levels: [1_800_000, 3_300_000] },
      level: 3_300_000,
      on: false,
      async: true,
      latencyUs: 20_000,
    },
    {
      id: 1,
      name: "core",
      driver: "sim",
      levels: { kind: "segment", min: 600_000, max: 700_000, step: 25_000 },
      level: 650_000,
      on: true,
      async: false,
    },
    {
      id: 9,
      name: "far",
      driver: "other",
      levels: { kind: "list", levels: [1] },
      level: 1,
      on: false,
      async: false,
    },
  );
  return b;
}

function fault(fn: () => unknown): DriverError {
  return assertThrows(fn, DriverError) as DriverError;
}

Deno.test("every output starts at its power-on level and state", () => {
  const hw = createSimVoltage(board(), "sim", { timeScale: 1 });
  assertEquals([hw.getLevel(0), hw.getLevel(1)], [3_300_000, 650_000]);
  assertEquals([hw.isOn(0), hw.isOn(1)], [false, true]);
  assertEquals(hw.history, []);
});

Deno.test("declaresLevel: list entries and segment points only", () => {
  const [sd, core] = voltageKind.of(board());
  assertEquals([1_800_000, 3_300_000, 2_500_000].map((v) => declaresLevel(sd, v)), [
    true,
    true,
    false,
  ]);
  assertEquals(
    [600_000, 625_000, 700_000, 610_000, 575_000, 725_000].map((v) => declaresLevel(core, v)),
    [true, true, true, false, false, false],
  );
});

Deno.test("setLevel of an undeclared level → DriverError range (OUT_OF_RANGE), nothing changes", () => {
  const hw = createSimVoltage(board(), "sim", { timeScale: 0 });
  for (const [id, uv] of [[0, 2_500_000], [1, 610_000], [1, 725_000], [1, 575_000]]) {
    const e = fault(() => hw.setLevel(id, uv));
    assertEquals([e.fault, e.status], ["range", Status.OUT_OF_RANGE]);
  }
  assertEquals([hw.getLevel(0), hw.getLevel(1)], [3_300_000, 650_000]);
  assertEquals(hw.history, []);
});

Deno.test("time_scale 0 makes a level change immediate", () => {
  const hw = createSimVoltage(board(), "sim", { timeScale: 0 });
  assertEquals(hw.setLevel(0, 1_800_000), undefined);
  assertEquals(hw.getLevel(0), 1_800_000);
  assertEquals(hw.history, [{ id: 0, level: 1_800_000 }]);
});

Deno.test("a change with latency really takes latency × time_scale; the level shows once settled", async () => {
  const clock = new ManualClock();
  const hw = createSimVoltage(board(), "sim", { timeScale: 1, clock });
  const out = hw.setLevel(0, 1_800_000);
  assert(out instanceof Promise, "a 20 ms change is asynchronous");
  clock.advance(19.9);
  assert(!await settled(out), "still settling before its 20 ms");
  assertEquals(hw.getLevel(0), 3_300_000, "still settling");
  clock.advance(0.1);
  await out;
  assertEquals(hw.getLevel(0), 1_800_000);
  const half = createSimVoltage(board(), "sim", { timeScale: 0.5, clock });
  const halfOut = half.setLevel(0, 1_800_000);
  clock.advance(9.9);
  assert(!await settled(halfOut), "time_scale 0.5 still settling before 10 ms");
  clock.advance(0.1);
  assert(await settled(halfOut), "time_scale 0.5 settled at 10 ms");
  assertEquals(half.getLevel(0), 1_800_000);
  assertEquals(hw.setLevel(1, 700_000), undefined, "no declared latency: immediate");
});

Deno.test("a change requested while another settles supersedes it", async () => {
  const clock = new ManualClock();
  const hw = createSimVoltage(board(), "sim", { timeScale: 1, clock });
  const first = hw.setLevel(0, 1_800_000);
  clock.advance(5);
  const second = hw.setLevel(0, 3_300_000);
  clock.advance(15);
  await first;
  assertEquals(hw.getLevel(0), 3_300_000, "the superseded change never lands");
  clock.advance(5);
  await second;
  assertEquals(hw.getLevel(0), 3_300_000);
  assertEquals(hw.history, [{ id: 0, level: 3_300_000 }]);
});

Deno.test("setOn switches the output at once and records only real switches", () => {
  const hw = createSimVoltage(board(), "sim", { timeScale: 1 });
  hw.setOn(0, true);
  hw.setOn(0, true);
  hw.setOn(1, false);
  assertEquals([hw.isOn(0), hw.isOn(1)], [true, false]);
  assertEquals(hw.history, [{ id: 0, on: true }, { id: 1, on: false }]);
});

Deno.test("a domain another instance drives → DriverError invalid", () => {
  const hw = createSimVoltage(board(), "sim", { timeScale: 0 });
  assertEquals(fault(() => hw.getLevel(9)).fault, "invalid");
  assertEquals(fault(() => hw.setOn(9, true)).fault, "invalid");
  assertEquals(fault(() => hw.isOn(42)).fault, "invalid");
});
