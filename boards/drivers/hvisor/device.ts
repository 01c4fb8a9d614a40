/**
 * Opening `/dev/hvisor` for its SCMI helper ioctls, through the libc layer the vhost-user
 * binding already loads (one dlopen per thread for the whole program).
 * @module
 */
import { C, closeFd, errno, libc, unwrap } from "../../../bindings/vhost-user/libc.ts";
import type { IoctlFn } from "./abi.ts";

/** An open hvisor device: its ioctl and how to close it. */
export interface HvisorDevice {
  /** Issues one request; 0 or more, or `-errno`. */
  readonly ioctl: IoctlFn;
  /** Closes the descriptor. */
  close(): void;
}

/** Opens the device at `path` (read-write); throws LibcError naming the path when it cannot. */
export function openHvisor(path: string): HvisorDevice {
  const l = libc();
  const fd = unwrap(
    l.open(new TextEncoder().encode(`${path}\0`), C.O_RDWR | C.O_CLOEXEC),
    "open",
    path,
  );
  return {
    ioctl: (request, arg) => {
      const ret = l.ioctl(fd, BigInt(request), arg);
      return ret < 0 ? -errno() : ret;
    },
    close: () => closeFd(fd),
  };
}
