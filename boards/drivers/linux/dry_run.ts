/** `--dry-run` for the linux driver: writes and line changes logged instead of made. @module */
import type { Logger } from "../../../core/log.ts";
import type { HostFs } from "./host_fs.ts";
import { GPIO_IOCTL, type GpioIo } from "./gpio_uapi.ts";

/** `io` whose line requests and changes are logged instead of made. */
export function dryRunGpio(io: GpioIo, name: string, log: Logger | undefined): GpioIo {
  const changes = new Set<number>([
    GPIO_IOCTL.V2_GET_LINE,
    GPIO_IOCTL.V2_LINE_SET_CONFIG,
    GPIO_IOCTL.V2_LINE_SET_VALUES,
  ]);
  return {
    ...io,
    ioctl(fd, request, buf) {
      if (!changes.has(request)) return io.ioctl(fd, request, buf);
      log?.info(`Driver "${name}": dry run: would ioctl 0x${request.toString(16)} on fd ${fd}`);
      // A request that was not made hands back no line: later reads of it fail.
      if (request === GPIO_IOCTL.V2_GET_LINE) new DataView(buf.buffer).setInt32(588, -1, true);
      return 0;
    },
  };
}

/** `fs` whose writes are logged instead of made. */
export function dryRunFs(fs: HostFs, name: string, log: Logger | undefined): HostFs {
  return {
    ...fs,
    write(path, text) {
      log?.info(`Driver "${name}": dry run: would write "${text}" to ${path}`);
    },
  };
}
