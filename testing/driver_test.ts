import { assertEquals } from "../core/_assert_test.ts";
import { DriverError } from "../core/driver.ts";
import { loadBoard, simBoardPath } from "../server/manifest/mod.ts";
import { BUILTINS } from "../builtins.ts";
import { BUILTIN_CONTRACTS } from "./contracts.ts";
import { driverConformance } from "./driver.ts";
import { recorder } from "./_recorder_test.ts";

const [clock, reset, power] = BUILTIN_CONTRACTS;

Deno.test("driverConformance: a driver that throws a plain error, answers nonsense or lacks an operation fails; statuses pass", async () => {
  const board = await loadBoard(simBoardPath(), BUILTINS);
  const { t, outcomes } = recorder();
  const refuse = () => {
    throw new DriverError("invalid", "no");
  };
  await driverConformance(t, {
    board,
    contracts: [clock!, reset!, power!],
    driver: {
      name: "sim",
      // Every operation refuses with a status: conforming.
      clock: {
        getRate: refuse,
        setRate: refuse,
        isEnabled: () => false,
        setEnabled: refuse,
      },
      // A plain TypeError for a hostile vendor state.
      reset: {
        isAsserted: () => false,
        setAsserted: () => {},
        pulse: (_id: number, state: number) => {
          if (state > 0xffff) throw new TypeError("state out of range");
        },
      },
      // No setState at all.
      power: { getState: () => 0 },
    },
  });
  assertEquals(outcomes, {
    "clock: the contract's operations, errors as statuses": "ok",
    "reset: the contract's operations, errors as statuses": "failed",
    "power: the contract's operations, errors as statuses": "failed",
  });
});

Deno.test("driverConformance: a getter answering a non-number fails", async () => {
  const board = await loadBoard(simBoardPath(), BUILTINS);
  const { t, outcomes } = recorder();
  await driverConformance(t, {
    board,
    contracts: [power!],
    driver: { name: "sim", power: { getState: () => "on", setState: () => {} } },
  });
  assertEquals(outcomes, { "power: the contract's operations, errors as statuses": "failed" });
});
