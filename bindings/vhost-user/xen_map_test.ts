/**
 * Xen guest memory through injected ioctls: the exact argument bytes of
 * IOCTL_PRIVCMD_MMAPBATCH_V2, IOCTL_GNTDEV_MAP_GRANT_REF and IOCTL_GNTDEV_UNMAP_GRANT_REF,
 * what vscmi does with the answers, and hostile region values refused before any ioctl.
 *
 * How the vectors were obtained: the ioctl numbers, struct sizes and field offsets were
 * printed by a C program compiled with gcc 12.2.0 (Debian 12) against linux-libc-dev 6.1's
 * `/usr/include/xen/privcmd.h` and `/usr/include/xen/gntdev.h` on x86_64, with the two
 * types those headers take from the kernel's `xen/interface/xen.h` declared as the kernel
 * does (`domid_t` u16, `grant_ref_t` u32; `xen_pfn_t` u64 on arm64, unsigned long on
 * x86_64). It printed:
 *
 *     IOCTL_PRIVCMD_MMAPBATCH_V2 0x205004
 *     sizeof mmapbatch_v2 32 num@0 dom@4 addr@8 arr@16 err@24
 *     IOCTL_GNTDEV_MAP_GRANT_REF 0x184700
 *     IOCTL_GNTDEV_UNMAP_GRANT_REF 0x104701
 *     sizeof map_grant_ref 24 count@0 pad@4 index@8 refs@16; grant_ref 8 domid@0 ref@4
 *     sizeof unmap_grant_ref 16 index@0 count@8
 *
 * aarch64 encodes `_IOC` the same way (asm-generic: nr bits 0–7, type 8–15, size 16–29,
 * direction 30–31, _IOC_NONE = 0), which the first test recomputes.
 *
 * A memfd stands in for `/dev/xen/privcmd` and `/dev/xen/gntdev`: its mmap gives the pages
 * the Xen device would have filled, so the bytes vscmi sees can be checked too.
 */
import { assert, assertEquals, assertThrows } from "../../core/_assert_test.ts";
import { C, closeFd, libc, unwrap } from "../native/libc.ts";
import { XenMmapFlag } from "./protocol.ts";
import {
  DOMID_FIRST_RESERVED,
  type Ioctl,
  mapXenRegion,
  MAX_XEN_PAGES,
  XEN_GRANT_ADDR_OFF,
  XenArgSize,
  XenIoctl,
  type XenRegion,
} from "./xen_map.ts";

/** `_IOC(_IOC_NONE, type, nr, size)` as asm-generic/ioctl.h encodes it. */
const ioc = (type: string, nr: number, size: number) =>
  BigInt((0 << 30) | (size << 16) | (type.charCodeAt(0) << 8) | nr);

Deno.test("ioctl numbers and argument sizes → as Linux's uapi xen headers define them", () => {
  assertEquals(XenIoctl.PRIVCMD_MMAPBATCH_V2, 0x205004n);
  assertEquals(XenIoctl.PRIVCMD_MMAPBATCH_V2, ioc("P", 4, 32));
  assertEquals(XenIoctl.GNTDEV_MAP_GRANT_REF, 0x184700n);
  assertEquals(XenIoctl.GNTDEV_MAP_GRANT_REF, ioc("G", 0, 24));
  assertEquals(XenIoctl.GNTDEV_UNMAP_GRANT_REF, 0x104701n);
  assertEquals(XenIoctl.GNTDEV_UNMAP_GRANT_REF, ioc("G", 1, 16));
  assertEquals(XenArgSize.MMAPBATCH_V2, 32);
  // sizeof(struct ioctl_gntdev_map_grant_ref) counts one grant_ref: 16 + 8.
  assertEquals(XenArgSize.MAP_GRANT_REF_HEAD + XenArgSize.GRANT_REF, 24);
  assertEquals(XenArgSize.UNMAP_GRANT_REF, 16);
});

/** A memfd of `size` bytes named `name`, which may be sealed. */
function memfd(size: number, name: string): number {
  const MFD_ALLOW_SEALING = 0x2;
  const fd = unwrap(
    libc().memfd_create(new TextEncoder().encode(`${name}\0`), C.MFD_CLOEXEC | MFD_ALLOW_SEALING),
    "memfd",
  );
  unwrap(libc().ftruncate(fd, BigInt(size)), "ftruncate");
  return fd;
}

/**
 * Whether no writable shared mapping of memfd `fd` is left: adding the F_SEAL_WRITE seal fails
 * with EBUSY while one exists (memfd_create(2)). Seals the memfd when it succeeds.
 */
function noMappingOf(fd: number): boolean {
  const F_ADD_SEALS = 1033;
  const F_SEAL_WRITE = 0x8;
  return libc().fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE) === 0;
}

/** The address of the first byte of `bytes`. */
function addressOfView(bytes: Uint8Array): bigint {
  return BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(bytes)));
}

interface Call {
  fd: number;
  request: bigint;
  /** The argument as the ioctl received it. */
  arg: Uint8Array;
  /** The frame numbers behind the `arr` pointer of MMAPBATCH_V2, read during the call. */
  frames?: bigint[];
}

/** An ioctl that records its calls; `answer` may write into the argument and pick the result. */
function recorder(answer: (c: Call, arg: Uint8Array) => number = () => 0) {
  const calls: Call[] = [];
  const ioctl: Ioctl = (fd, request, arg) => {
    const c: Call = { fd, request, arg: arg.slice() };
    if (request === XenIoctl.PRIVCMD_MMAPBATCH_V2) {
      const dv = new DataView(arg.buffer, arg.byteOffset);
      const num = dv.getUint32(0, true);
      const arr = Deno.UnsafePointer.create(dv.getBigUint64(16, true))!;
      const view = new Deno.UnsafePointerView(arr);
      c.frames = Array.from({ length: num }, (_, i) => view.getBigUint64(8 * i));
    }
    calls.push(c);
    return answer(c, arg);
  };
  return { calls, ioctl };
}

function u64At(b: Uint8Array, at: number): bigint {
  return new DataView(b.buffer, b.byteOffset).getBigUint64(at, true);
}

const foreign = (over: Partial<XenRegion> = {}): XenRegion => ({
  gpa: 0x4000_0000n,
  size: 4 * 4096,
  mmapOffset: 0n,
  flags: XenMmapFlag.FOREIGN,
  domid: 5,
  ...over,
});

Deno.test("foreign region → privcmd mapped, MMAPBATCH_V2 with the exact frames of domain 5; the bytes are the guest's", () => {
  const fd = memfd(4 * 4096, "vscmi-xen-foreign");
  const { calls, ioctl } = recorder();
  try {
    const m = mapXenRegion(fd, foreign(), ioctl);
    try {
      assert(!noMappingOf(fd), "mapped while in use");
      assertEquals(calls.length, 1);
      const c = calls[0];
      assertEquals(c.fd, fd);
      assertEquals(c.request, 0x205004n);
      assertEquals(c.arg.length, 32);
      // num = 4, dom = 5, 2 bytes of padding before the 8-aligned addr.
      assertEquals([...c.arg.subarray(0, 8)], [4, 0, 0, 0, 5, 0, 0, 0]);
      // addr: where the privcmd descriptor was mapped, i.e. the bytes handed to the device.
      assertEquals(u64At(c.arg, 8), addressOfView(m.bytes));
      assertEquals(c.frames, [0x40000n, 0x40001n, 0x40002n, 0x40003n]);
      assert(u64At(c.arg, 24) !== 0n, "the err array pointer is set");
      assertEquals(m.bytes.length, 4 * 4096);
      // The mapping is the descriptor's (here the memfd's) pages.
      m.bytes[4096 + 7] = 0x5a;
      const again = mapXenRegion(fd, foreign(), recorder().ioctl);
      assertEquals(again.bytes[4096 + 7], 0x5a);
      again.unmap();
    } finally {
      m.unmap();
    }
    assert(noMappingOf(fd), "unmapped");
  } finally {
    closeFd(fd);
  }
});

Deno.test("foreign region of a size that is not whole pages → rounded up to pages, view exactly the size", () => {
  const fd = memfd(2 * 4096, "vscmi-xen-round");
  const { calls, ioctl } = recorder();
  try {
    const m = mapXenRegion(fd, foreign({ size: 4096 + 10 }), ioctl);
    assertEquals(calls[0].frames, [0x40000n, 0x40001n]);
    assertEquals(m.bytes.length, 4096 + 10);
    m.unmap();
  } finally {
    closeFd(fd);
  }
});

Deno.test("foreign frames Xen did not map (err array, ENOENT) → error naming domain, first frame and count; nothing stays mapped", () => {
  const fd = memfd(4 * 4096, "vscmi-xen-enoent");
  const { ioctl } = recorder((_c, arg) => {
    // The kernel writes -ENOENT for frames 1 and 2 and fails the call with ENOENT.
    const dv = new DataView(arg.buffer, arg.byteOffset);
    const at = Deno.UnsafePointer.create(dv.getBigUint64(24, true))!;
    const errs = new Int32Array(Deno.UnsafePointerView.getArrayBuffer(at, 16));
    errs[1] = -2;
    errs[2] = -2;
    return 2;
  });
  try {
    const e = assertThrows(() => mapXenRegion(fd, foreign(), ioctl), Error);
    assertEquals(
      e.message,
      "Xen domain 5 did not map guest frame 0x40001 (nor 1 more): No such file or directory",
    );
    assert(noMappingOf(fd), "the privcmd mapping is gone");
  } finally {
    closeFd(fd);
  }
});

Deno.test("MMAPBATCH_V2 refused as a whole (EINVAL) → error with the errno; nothing stays mapped", () => {
  const fd = memfd(4 * 4096, "vscmi-xen-einval");
  const { ioctl } = recorder(() => 22);
  try {
    const e = assertThrows(() => mapXenRegion(fd, foreign(), ioctl), Error);
    assertEquals(
      e.message,
      "Xen domain 5: foreign mapping of 4 pages refused: Invalid argument (errno 22)",
    );
    assert(noMappingOf(fd), "the privcmd mapping is gone");
  } finally {
    closeFd(fd);
  }
});

const grant = (over: Partial<XenRegion> = {}): XenRegion => ({
  gpa: XEN_GRANT_ADDR_OFF | (0x10n << 12n),
  size: 3 * 4096,
  mmapOffset: 0n,
  flags: XenMmapFlag.GRANT,
  domid: 7,
  ...over,
});

Deno.test("grant region → MAP_GRANT_REF with refs 0x10..0x12 of domain 7 (bit 63 dropped); mapped at the offset gntdev answered", () => {
  const fd = memfd(8 * 4096, "vscmi-xen-grant");
  const { calls, ioctl } = recorder((_c, arg) => {
    new DataView(arg.buffer, arg.byteOffset).setBigUint64(8, 2n * 4096n, true);
    return 0;
  });
  try {
    const probe = mapXenRegion(fd, foreign({ size: 8 * 4096 }), recorder().ioctl);
    probe.bytes[2 * 4096] = 0xa5; // first byte at gntdev offset 2 pages
    const m = mapXenRegion(fd, grant(), ioctl);
    try {
      assertEquals(calls.length, 1);
      assertEquals(calls[0].fd, fd);
      assertEquals(calls[0].request, 0x184700n);
      assertEquals([...calls[0].arg], [
        ...[3, 0, 0, 0], // count
        ...[0, 0, 0, 0], // pad
        ...[0, 0, 0, 0, 0, 0, 0, 0], // index (answered by gntdev)
        ...[7, 0, 0, 0, 0x10, 0, 0, 0], // {domid, ref}
        ...[7, 0, 0, 0, 0x11, 0, 0, 0],
        ...[7, 0, 0, 0, 0x12, 0, 0, 0],
      ]);
      assertEquals(m.bytes.length, 3 * 4096);
      assertEquals(m.bytes[0], 0xa5);
    } finally {
      m.unmap();
      probe.unmap();
    }
    assert(noMappingOf(fd), "unmapped");
  } finally {
    closeFd(fd);
  }
});

Deno.test("grant offset the descriptor cannot be mapped at → UNMAP_GRANT_REF gives the references back, exact bytes", () => {
  const fd = memfd(4 * 4096, "vscmi-xen-grant-bad");
  const { calls, ioctl } = recorder((c, arg) => {
    // An offset that is not page-aligned: mmap refuses it (EINVAL).
    if (c.request === XenIoctl.GNTDEV_MAP_GRANT_REF) {
      new DataView(arg.buffer, arg.byteOffset).setBigUint64(8, 0x123n, true);
    }
    return 0;
  });
  try {
    assertThrows(() => mapXenRegion(fd, grant(), ioctl), Error, "mmap failed: Invalid argument");
    assertEquals(calls.length, 2);
    assertEquals(calls[1].request, 0x104701n);
    assertEquals([...calls[1].arg], [0x23, 0x01, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0]);
  } finally {
    closeFd(fd);
  }
});

Deno.test("MAP_GRANT_REF refused (EPERM) → error naming domain, references and errno; no mmap, no unmap", () => {
  const fd = memfd(4 * 4096, "vscmi-xen-grant-eperm");
  const { calls, ioctl } = recorder(() => 1);
  try {
    const e = assertThrows(() => mapXenRegion(fd, grant(), ioctl), Error);
    assertEquals(
      e.message,
      "Xen domain 7: grant references 0x10…+3 not mapped: Operation not permitted (errno 1)",
    );
    assertEquals(calls.length, 1);
    assert(noMappingOf(fd));
  } finally {
    closeFd(fd);
  }
});

Deno.test("hostile Xen regions → refused with the reason before any ioctl or mapping", () => {
  const fd = memfd(4096, "vscmi-xen-hostile");
  const cases: [Partial<XenRegion>, string][] = [
    [{ flags: 0 }, "Xen mmap flags 0x0 name neither or both of foreign (0x1) and grant (0x2)"],
    [{ flags: 3 }, "Xen mmap flags 0x3 name neither or both of foreign (0x1) and grant (0x2)"],
    [{ flags: 0x11 }, "unknown Xen mmap flags 0x11"],
    [
      { flags: 0x101 },
      "Xen mmap flags 0x101 ask for mapping on demand only, which vscmi does not do",
    ],
    [{ flags: 0xa }, "Xen mmap flags 0xa ask for mapping on demand only, which vscmi does not do"],
    [{ domid: 0 }, "Xen domain 0 is not a guest's (1 to 32751)"],
    [{ domid: DOMID_FIRST_RESERVED }, "Xen domain 32752 is not a guest's (1 to 32751)"],
    [{ domid: 0xffff_ffff }, "Xen domain 4294967295 is not a guest's (1 to 32751)"],
    [{ mmapOffset: 4096n }, "mmap offset 0x1000 is not 0, as Xen regions need"],
    [{ gpa: 0x4000_0010n }, "guest address 0x40000010 is not on a 4096-byte page"],
    [
      { size: MAX_XEN_PAGES * 4096 + 1 },
      `${MAX_XEN_PAGES * 4096 + 1} bytes exceed the ${MAX_XEN_PAGES} pages a Xen region may map`,
    ],
    [
      { flags: XenMmapFlag.GRANT, gpa: 0xffff_ffffn << 12n, size: 2 * 4096 },
      "grant references 0xffffffff + 2 do not fit Xen's 32-bit references",
    ],
  ];
  const { calls, ioctl } = recorder();
  try {
    for (const [over, why] of cases) {
      const e = assertThrows(() => mapXenRegion(fd, foreign(over), ioctl), RangeError);
      assertEquals(e.message, why);
    }
    assertEquals(calls.length, 0);
    assert(noMappingOf(fd));
  } finally {
    closeFd(fd);
  }
});
