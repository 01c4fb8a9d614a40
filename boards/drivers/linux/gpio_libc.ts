/**
 * The GPIO character device on the host: open(2) and ioctl(2) through the libc binding the
 * bindings already open (one dlopen per thread), paths under the hardware root.
 * @module
 */
import { addressOf, C, closeFd, errno, libc } from "../../../bindings/native/libc.ts";
import { hwPath } from "../../../core/hw_root.ts";
import type { GpioIo } from "./gpio_uapi.ts";

/** GPIO ioctls on the host, chips opened under `root`. */
export function libcGpioIo(root: string): GpioIo {
  return {
    open(path) {
      const name = new TextEncoder().encode(`${hwPath(root, path)}\0`);
      const fd = libc().open(name, C.O_RDWR | C.O_CLOEXEC, 0);
      return fd < 0 ? -errno() : fd;
    },
    ioctl(fd, request, buf) {
      const ret = libc().ioctl(fd, BigInt(request), addressOf(buf));
      return ret < 0 ? -errno() : ret;
    },
    close: closeFd,
  };
}
