/**
 * The two ways to reach hvisor's virtio bridge. They differ only in how they open and in the
 * three ioctls; the mappings, the ring protocol and the barriers are shared:
 *
 * | step               | `/dev/hvisor`                                    | file bridge `DIR`                          |
 * | ------------------ | ------------------------------------------------ | ------------------------------------------ |
 * | open               | `open("/dev/hvisor", O_RDWR)`                    | `DIR/bridge` and `DIR/mem`                 |
 * | HVISOR_INIT_VIRTIO | ioctl 0x100 (once per zone0 boot)                | nothing: the simulator made the bridge     |
 * | bridge             | mmap 4096 bytes at offset 0                      | mmap 4096 bytes of `DIR/bridge` at 0       |
 * | zone RAM           | mmap `size` bytes at offset `zone0_ipa`          | mmap `size` bytes of `DIR/mem` at `zone0_ipa` |
 * | HVISOR_SET_EVENTFD | ioctl 0x40040107 with an eventfd, poll it        | connect `DIR/el2.sock`, byte 0x01 = kick   |
 * | HVISOR_FINISH_REQ  | ioctl 0x102                                      | write byte 0x02 to `el2.sock`              |
 * @module
 */
import { EventFd } from "../native/eventfd.ts";
import { closeFd, libc, openReadWrite, unwrap, unwrapAgain } from "../native/libc.ts";
import { Mapping } from "../native/mmap.ts";
import { POLL_ERROR_BITS, Reactor } from "../native/poll.ts";
import { connectUnix } from "../native/socket.ts";
import { BRIDGE_MAP_SIZE, IOCTL, WIRE } from "./layout.ts";

/** An open way to the bridge. */
export interface BridgePort {
  /** Where it is, for logs (`/dev/hvisor`, `file:/tmp/sim`). */
  readonly name: string;
  /** The bridge's bytes (at least 4096, page-aligned). */
  readonly bytes: Uint8Array;
  /** Maps `size` bytes of zone0's physical memory at `zone0Ipa` (page-aligned). */
  mapMemory(zone0Ipa: number, size: number): Mapping;
  /** Calls `onKick` on the main thread whenever hvisor signals pushed requests. */
  watch(onKick: () => void, onLost: (why: string) => void): void;
  /** HVISOR_FINISH_REQ: hvisor drains `res_list`. */
  finish(): void;
  /** Stops watching, unmaps the bridge, closes everything. Idempotent. */
  close(): void;
}

/**
 * `/dev/hvisor` of the hvisor kernel module. `init`: call HVISOR_INIT_VIRTIO first (it makes
 * a fresh, zeroed bridge: only once per zone0 boot, never by a restarted vscmi, which must
 * find the requests left pending on the bridge hvisor already uses).
 */
export function openHvisorDevice(path: string, init: boolean): BridgePort {
  const fd = openReadWrite(path);
  let bridge: Mapping | null = null;
  try {
    if (init) unwrap(libc().ioctl(fd, BigInt(IOCTL.INIT_VIRTIO), 0n), "ioctl(HVISOR_INIT_VIRTIO)");
    bridge = new Mapping(fd, BRIDGE_MAP_SIZE, 0, { device: true });
  } catch (e) {
    closeFd(fd);
    throw e;
  }
  const mapped = bridge;
  let efd: EventFd | null = null;
  let reactor: Reactor | null = null;
  let closed = false;
  return {
    name: path,
    bytes: mapped.bytes,
    mapMemory: (zone0Ipa, size) => new Mapping(fd, size, 0, { base: zone0Ipa, device: true }),
    watch(onKick) {
      efd = new EventFd();
      unwrap(
        libc().ioctl(fd, BigInt(IOCTL.SET_EVENTFD), BigInt(efd.fd)),
        "ioctl(HVISOR_SET_EVENTFD)",
      );
      const e = efd;
      reactor = Reactor.acquire();
      reactor.add(e.fd, () => {
        e.drain();
        onKick();
      });
    },
    finish() {
      unwrap(libc().ioctl(fd, BigInt(IOCTL.FINISH_REQ), 0n), "ioctl(HVISOR_FINISH_REQ)");
    },
    close() {
      if (closed) return;
      closed = true;
      if (efd !== null && reactor !== null) {
        reactor.remove(efd.fd);
        Reactor.release();
      }
      efd?.close();
      mapped.unmap();
      closeFd(fd);
    },
  };
}

/** Runs `map`; a RangeError it throws (file too short) names `path`. */
function named(path: string, map: () => Mapping): Mapping {
  try {
    return map();
  } catch (e) {
    if (e instanceof RangeError) throw new RangeError(`${path}: ${e.message}`);
    throw e;
  }
}

/**
 * A file bridge in `dir`: `bridge` (at least 4096 bytes), `mem` (physical memory, usually
 * sparse) and the simulator's `el2.sock`. Throws when a file is missing or too short.
 */
export function openFileBridge(dir: string): BridgePort {
  const fds: number[] = [];
  const maps: Mapping[] = [];
  try {
    fds.push(openReadWrite(`${dir}/bridge`));
    maps.push(named(`${dir}/bridge`, () => new Mapping(fds[0], BRIDGE_MAP_SIZE, 0)));
    fds.push(openReadWrite(`${dir}/mem`));
  } catch (e) {
    maps.forEach((m) => m.unmap());
    fds.forEach(closeFd);
    throw e;
  }
  const [bridgeFd, memFd] = fds;
  let sock = -1;
  let reactor: Reactor | null = null;
  let closed = false;
  const one = new Uint8Array([WIRE.FINISH]);
  const buf = new Uint8Array(256);
  const stop = () => {
    if (sock < 0) return;
    reactor?.remove(sock);
    if (reactor !== null) Reactor.release();
    reactor = null;
    closeFd(sock);
    sock = -1;
  };
  return {
    name: `file:${dir}`,
    bytes: maps[0].bytes,
    mapMemory: (zone0Ipa, size) =>
      named(`${dir}/mem`, () => new Mapping(memFd, size, 0, { base: zone0Ipa })),
    watch(onKick, onLost) {
      sock = connectUnix(`${dir}/el2.sock`);
      reactor = Reactor.acquire();
      const s = sock;
      reactor.add(s, (revents) => {
        let kicked = false;
        try {
          for (;;) {
            const n = unwrapAgain(libc().read(s, buf, BigInt(buf.length)), "read(el2.sock)");
            if (n === -2) continue;
            if (n === -1) break;
            if (n === 0) {
              stop();
              onLost("the simulator closed el2.sock");
              return;
            }
            for (let i = 0; i < n; i++) if (buf[i] === WIRE.KICK) kicked = true;
          }
        } catch (e) {
          stop();
          onLost(`el2.sock failed: ${e instanceof Error ? e.message : e}`);
          return;
        }
        if (kicked) onKick();
        if ((revents & POLL_ERROR_BITS) !== 0 && sock >= 0) {
          stop();
          onLost("el2.sock failed");
        }
      });
    },
    finish() {
      if (sock < 0) return;
      unwrapAgain(libc().write(sock, one, 1n), "write(el2.sock)");
    },
    close() {
      if (closed) return;
      closed = true;
      stop();
      maps.forEach((m) => m.unmap());
      closeFd(bridgeFd);
      closeFd(memFd);
    },
  };
}
