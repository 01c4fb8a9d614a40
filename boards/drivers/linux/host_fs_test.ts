import { assert, assertEquals, assertThrows } from "../../../core/_assert_test.ts";
import { DriverError } from "../../../core/driver.ts";
import { Status } from "../../../core/status.ts";
import { Logger } from "../../../core/log.ts";
import { HostFsError, hostOp, realHostFs } from "./host_fs.ts";
import { dryRunFs, dryRunGpio } from "./dry_run.ts";
import { GPIO_IOCTL, lineRequest } from "./gpio_uapi.ts";
import { GpioChipModel } from "./_gpio_model_test.ts";

Deno.test("a recorded tree's .modes decides writability under --hw-root", async () => {
  const root = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${root}/sys/a`, { recursive: true });
    await Deno.writeTextFile(`${root}/sys/a/ro`, "1\n");
    await Deno.writeTextFile(`${root}/sys/a/rw`, "1\n");
    await Deno.symlink("a", `${root}/sys/b`);
    await Deno.writeTextFile(`${root}/.modes`, "444 sys/a/ro\n644 sys/a/rw\n");
    const fs = realHostFs(root);
    assertEquals([fs.writable("/sys/a/ro"), fs.writable("/sys/b/rw")], [false, true]);
    const e = assertThrows(() => fs.write("/sys/b/ro", "2"), HostFsError) as HostFsError;
    assertEquals(e.code, "EACCES");
    assertEquals(await Deno.readTextFile(`${root}/sys/a/ro`), "1\n");
    fs.write("/sys/b/rw", "2");
    assertEquals(fs.read("/sys/a/rw"), "2");
    assertEquals(
      (assertThrows(() => fs.read("/sys/a/none"), HostFsError) as HostFsError).code,
      "ENOENT",
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("kernel errnos become the SCMI statuses of their driver faults", () => {
  const cases: [string, number][] = [
    ["EACCES", Status.DENIED],
    ["EPERM", Status.DENIED],
    ["EINVAL", Status.INVALID_PARAMETERS],
    ["ERANGE", Status.OUT_OF_RANGE],
    ["EBUSY", Status.BUSY],
    ["EOPNOTSUPP", Status.NOT_SUPPORTED],
    ["EIO", Status.HARDWARE_ERROR],
    ["ENOENT", Status.HARDWARE_ERROR],
  ];
  for (const [code, status] of cases) {
    const e = assertThrows(() =>
      hostOp("x", () => {
        throw new HostFsError(code, "/sys/x");
      }), DriverError) as DriverError;
    assertEquals(e.status, status, code);
  }
  // Anything else thrown inside still comes out as a status.
  const e = assertThrows(() =>
    hostOp("x", () => {
      throw new TypeError("boom");
    }), DriverError) as DriverError;
  assertEquals(e.status, Status.HARDWARE_ERROR);
});

Deno.test("--dry-run logs writes and line requests instead of making them", () => {
  const lines: string[] = [];
  const log = new Logger();
  log.sink = (_l, line) => lines.push(line);
  let written = 0;
  const fs = dryRunFs(
    {
      read: () => "x",
      write: () => void written++,
      writable: () => true,
      exists: () => true,
      list: () => [],
      kind: () => "file",
      readlink: () => "",
      mode: () => 0o644,
    },
    "host",
    log,
  );
  fs.write("/sys/x/scaling_setspeed", "600000");
  assertEquals(written, 0);
  assert(lines[0].includes(`would write "600000" to /sys/x/scaling_setspeed`), lines[0]);
  const chip = new GpioChipModel("/dev/gpiochip0", 4);
  const io = dryRunGpio(chip, "host", log);
  const req = lineRequest(1, "vscmi", 1 << 3, 1);
  assertEquals(io.ioctl(3, GPIO_IOCTL.V2_GET_LINE, req.buf), 0);
  assertEquals([chip.lines[1].consumer, req.fd()], ["", -1]);
  assert(lines[1].includes("would ioctl 0xc250b407"), lines[1]);
});
