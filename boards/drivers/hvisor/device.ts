/**
 * Opening `/dev/hvisor` for its SCMI helper ioctls, through the libc layer the bindings
 * already load (one dlopen per thread for the whole program).
 * @module
 */
import { addressOf, C, closeFd, errno, libc, unwrap } from "../../../bindings/native/libc.ts";
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
    l.open(new TextEncoder().encode(`${path}\0`), C.O_RDWR | C.O_CLOEXEC, 0),
    "open",
    path,
  );
  return {
    ioctl: (request, arg) => {
      // The argument structure's address; `arg` stays referenced for the whole call.
      const ret = l.ioctl(fd, BigInt(request), addressOf(arg));
      return ret < 0 ? -errno() : ret;
    },
    close: () => closeFd(fd),
  };
}
