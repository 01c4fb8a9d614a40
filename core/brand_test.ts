import { assertEquals } from "./_assert_test.ts";
import { DriverError, isDriverError } from "./driver.ts";
import { isScmiError, ScmiError, Status } from "./status.ts";
import { CapacityError, isCapacityError } from "./writer.ts";

Deno.test("each error class knows its own brand; a subclass is no DriverError", () => {
  const plain = new ScmiError(Status.DENIED);
  const driver = new DriverError("busy");
  const capacity = new CapacityError(8, 4);
  const is = (e: unknown) => [isScmiError(e), isDriverError(e), isCapacityError(e)];
  assertEquals(is(plain), [true, false, false]);
  assertEquals(is(driver), [true, true, false]);
  assertEquals(is(capacity), [true, false, true]);
  assertEquals(is(new Error("x")), [false, false, false]);
  assertEquals(is(null), [false, false, false]);
  assertEquals([driver instanceof ScmiError, plain instanceof DriverError], [true, false]);
});

Deno.test("a brand without a numeric status is not an ScmiError", () => {
  const forged = { [Symbol.for("vscmi.ScmiError")]: true, status: "DENIED" };
  assertEquals(isScmiError(forged), false);
  const branded = { [Symbol.for("vscmi.ScmiError")]: true, status: Status.BUSY };
  assertEquals([isScmiError(branded), branded instanceof ScmiError], [true, true]);
});

Deno.test("a vendor's own subclass keeps the ordinary instanceof", () => {
  class PllError extends ScmiError {}
  const mine = new PllError(Status.HARDWARE_ERROR);
  assertEquals([mine instanceof PllError, mine instanceof ScmiError, isScmiError(mine)], [
    true,
    true,
    true,
  ]);
  assertEquals(new ScmiError(Status.HARDWARE_ERROR) instanceof PllError, false);
});
