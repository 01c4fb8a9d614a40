import { assertEquals } from "./_assert_test.ts";
import { DriverError } from "./driver.ts";
import { faultStatus } from "./fault.ts";
import { Logger } from "./log.ts";
import { Status } from "./status.ts";

function logger(): { log: Logger; lines: string[] } {
  const log = new Logger();
  const lines: string[] = [];
  log.sink = (level, line) => void lines.push(`${level}: ${line}`);
  return { log, lines };
}

Deno.test("a driver fault answers its own status and logs nothing", () => {
  const { log, lines } = logger();
  assertEquals(faultStatus(log, "k", "clock X", new DriverError("busy")), Status.BUSY);
  assertEquals(lines, []);
});

Deno.test("a bug answers GENERIC_ERROR and is logged once per key", () => {
  const { log, lines } = logger();
  assertEquals(faultStatus(log, "k", "clock X", "boom"), Status.GENERIC_ERROR);
  assertEquals(faultStatus(log, "k", "clock X", "boom"), Status.GENERIC_ERROR);
  assertEquals(lines, ["error: clock X failed: boom"]);
});
