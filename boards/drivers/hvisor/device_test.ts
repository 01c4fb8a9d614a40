/**
 * The FFI device: opening names the path when it fails, and an ioctl reaches the kernel with
 * the argument's address (a regular file answers ENOTTY, which the helper reports).
 */
import { assert, assertEquals, assertThrows } from "../../../core/_assert_test.ts";
import { DriverError } from "../../../core/driver.ts";
import { Status } from "../../../core/status.ts";
import { openHvisor } from "./device.ts";
import { HvisorHelper } from "./helper.ts";

Deno.test("device: a missing device is an error naming its path", () => {
  const e = assertThrows(() => openHvisor("/nonexistent/dev/hvisor"));
  assert(e.message.includes("/nonexistent/dev/hvisor"), e.message);
});

Deno.test("device: an ioctl on a file that is not the hvisor device → ENOTTY as HARDWARE_ERROR", async () => {
  const file = await Deno.makeTempFile();
  const dev = openHvisor(file);
  try {
    assertEquals(dev.ioctl(0xc0580120, new Uint8Array(88)), -25);
    const e = assertThrows(() => new HvisorHelper(dev.ioctl).clockCount(), DriverError);
    assertEquals((e as DriverError).status, Status.HARDWARE_ERROR);
    assert(e.message.includes("errno 25"), e.message);
  } finally {
    dev.close();
    await Deno.remove(file);
  }
});
