/**
 * The vhost-user wire format (QEMU `docs/interop/vhost-user.rst`), back-end side: request
 * codes, header flags, feature bits, and size-checked decoders of the payloads vscmi
 * accepts. Everything is little-endian (the host's order on Arm and x86).
 *
 * Message: u32 request, u32 flags (bits 1:0 version = 1, bit 2 REPLY, bit 3 NEED_REPLY),
 * u32 size, then `size` bytes of payload; file descriptors ride along as SCM_RIGHTS.
 * @module
 */

/** Bytes of the message header. */
export const HEADER_SIZE = 12;

/** Bytes of one SET_MEM_TABLE region: 32, or 40 with the Xen mmap extension. */
export const REGION_SIZE = 32;
export const XEN_REGION_SIZE = 40;

/** Largest payload vscmi accepts: a full SET_MEM_TABLE of Xen regions (8 + 8 × 40 bytes). */
export const MAX_PAYLOAD = 8 + 8 * XEN_REGION_SIZE;

/** Front-end → back-end request codes, by their vhost-user names. */
export const Req = {
  GET_FEATURES: 1,
  SET_FEATURES: 2,
  SET_OWNER: 3,
  RESET_OWNER: 4,
  SET_MEM_TABLE: 5,
  SET_LOG_BASE: 6,
  SET_LOG_FD: 7,
  SET_VRING_NUM: 8,
  SET_VRING_ADDR: 9,
  SET_VRING_BASE: 10,
  GET_VRING_BASE: 11,
  SET_VRING_KICK: 12,
  SET_VRING_CALL: 13,
  SET_VRING_ERR: 14,
  GET_PROTOCOL_FEATURES: 15,
  SET_PROTOCOL_FEATURES: 16,
  GET_QUEUE_NUM: 17,
  SET_VRING_ENABLE: 18,
  SEND_RARP: 19,
  NET_SET_MTU: 20,
  SET_BACKEND_REQ_FD: 21,
  IOTLB_MSG: 22,
  SET_VRING_ENDIAN: 23,
  GET_CONFIG: 24,
  SET_CONFIG: 25,
  CREATE_CRYPTO_SESSION: 26,
  CLOSE_CRYPTO_SESSION: 27,
  POSTCOPY_ADVISE: 28,
  POSTCOPY_LISTEN: 29,
  POSTCOPY_END: 30,
  GET_INFLIGHT_FD: 31,
  SET_INFLIGHT_FD: 32,
  GPU_SET_SOCKET: 33,
  RESET_DEVICE: 34,
  VRING_KICK: 35,
  GET_MAX_MEM_SLOTS: 36,
  ADD_MEM_REG: 37,
  REM_MEM_REG: 38,
  SET_STATUS: 39,
  GET_STATUS: 40,
} as const;

const REQ_NAMES = new Map<number, string>(Object.entries(Req).map(([k, v]) => [v, k]));

/** The vhost-user name of request `code`, e.g. "SET_MEM_TABLE", or "request 99". */
export function reqName(code: number): string {
  return REQ_NAMES.get(code) ?? `request ${code}`;
}

/** Header flag bits. */
export const Flag = {
  VERSION: 0x1,
  VERSION_MASK: 0x3,
  REPLY: 0x4,
  NEED_REPLY: 0x8,
} as const;

/** Virtio and vhost-user feature bits (bit numbers). */
export const FeatureBit = {
  /** VIRTIO_SCMI_F_P2A_CHANNELS: the eventq exists (notifications, delayed responses). */
  SCMI_P2A_CHANNELS: 0,
  RING_INDIRECT_DESC: 28,
  RING_EVENT_IDX: 29,
  /** VHOST_USER_F_PROTOCOL_FEATURES: vhost-user only, never shown to the guest. */
  PROTOCOL_FEATURES: 30,
  VERSION_1: 32,
} as const;

/** Protocol feature bits (bit numbers). */
export const ProtocolBit = {
  MQ: 0,
  LOG_SHMFD: 1,
  REPLY_ACK: 3,
  BACKEND_REQ: 5,
  CONFIG: 9,
  RESET_DEVICE: 13,
  CONFIGURE_MEM_SLOTS: 15,
  STATUS: 16,
  /** VHOST_USER_PROTOCOL_F_XEN_MMAP: regions carry Xen mmap flags and a domain id. */
  XEN_MMAP: 17,
} as const;

/**
 * The `xen mmap flags` of a region (vhost-user "Memory region description"): bit 0 foreign
 * mapping (`/dev/xen/privcmd`), bit 1 grant mapping (`/dev/xen/gntdev`), and "map only on
 * demand" — bit 8 in the specification, 0x8 in rust-vmm's vm-memory, which
 * xen-vhost-frontend sends; both are recognised.
 */
export const XenMmapFlag = {
  FOREIGN: 0x1,
  GRANT: 0x2,
  NO_ADVANCE_MAP: 0x100,
  NO_ADVANCE_MAP_VM_MEMORY: 0x8,
} as const;

/** `1n << bit`. */
export function bit(n: number): bigint {
  return 1n << BigInt(n);
}

/** SET_VRING_KICK/CALL/ERR payload: bits 7:0 queue index, bit 8 "no descriptor passed". */
export const VRING_IDX_MASK = 0xff;
export const VRING_NOFD = 0x100;

/** A malformed front-end message: the connection is dropped with this text in the log. */
export class ProtocolViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProtocolViolation";
  }
}

/** A decoded message header. */
export interface MsgHeader {
  request: number;
  flags: number;
  size: number;
}

/** Decodes the 12-byte header at `at` of `dv`; checks the version and the payload size. */
export function decodeHeader(dv: DataView, at = 0): MsgHeader {
  const request = dv.getUint32(at, true);
  const flags = dv.getUint32(at + 4, true);
  const size = dv.getUint32(at + 8, true);
  if ((flags & Flag.VERSION_MASK) !== Flag.VERSION) {
    throw new ProtocolViolation(
      `${reqName(request)} has protocol version ${flags & Flag.VERSION_MASK} (expected 1)`,
    );
  }
  if (size > MAX_PAYLOAD) {
    throw new ProtocolViolation(
      `${reqName(request)} announces a ${size}-byte payload (at most ${MAX_PAYLOAD})`,
    );
  }
  return { request, flags, size };
}

/** Throws unless the payload of `req` is exactly `want` bytes. */
export function expectSize(req: number, size: number, want: number): void {
  if (size !== want) {
    throw new ProtocolViolation(
      `${reqName(req)} carries a ${size}-byte payload (expected ${want})`,
    );
  }
}

/** A u64 payload as a bigint. */
export function readU64(dv: DataView, at: number): bigint {
  return dv.getBigUint64(at, true);
}

/** SET_VRING_NUM / SET_VRING_BASE / GET_VRING_BASE / SET_VRING_ENABLE: {u32 index, u32 num}. */
export interface VringState {
  index: number;
  num: number;
}

export function decodeVringState(dv: DataView, at: number): VringState {
  return { index: dv.getUint32(at, true), num: dv.getUint32(at + 4, true) };
}

/**
 * SET_VRING_ADDR: {u32 index, u32 flags (bit 0: log), u64 desc, u64 used, u64 avail,
 * u64 log} — ring addresses in the front-end's virtual address space. 40 bytes.
 */
export interface VringAddr {
  index: number;
  flags: number;
  desc: bigint;
  used: bigint;
  avail: bigint;
  log: bigint;
}

export const VRING_ADDR_SIZE = 40;

export function decodeVringAddr(dv: DataView, at: number): VringAddr {
  return {
    index: dv.getUint32(at, true),
    flags: dv.getUint32(at + 4, true),
    desc: dv.getBigUint64(at + 8, true),
    used: dv.getBigUint64(at + 16, true),
    avail: dv.getBigUint64(at + 24, true),
    log: dv.getBigUint64(at + 32, true),
  };
}

/** One region of SET_MEM_TABLE (32 bytes). */
export interface MemRegionDesc {
  /** Guest-physical address of the region. */
  gpa: bigint;
  size: bigint;
  /** Where the front-end mapped it (its virtual address). */
  uva: bigint;
  /** Where the region starts in the file behind its descriptor. */
  mmapOffset: bigint;
  /** With XEN_MMAP negotiated: the region's Xen mmap flags and the guest's domain id. */
  xen?: { flags: number; domid: number };
}

/** Most regions in one SET_MEM_TABLE (VHOST_MEMORY_BASELINE_NREGIONS). */
export const MAX_REGIONS = 8;

/**
 * SET_MEM_TABLE: {u32 nregions, u32 padding, nregions × {u64 gpa, u64 size, u64 uva,
 * u64 mmap_offset}}, each region followed by {u32 xen mmap flags, u32 domid} when `xen`
 * (XEN_MMAP negotiated). Checks the count against the payload size and `fdCount`, and that
 * regions are non-empty and do not overlap in either address space.
 */
export function decodeMemTable(
  dv: DataView,
  at: number,
  size: number,
  fdCount: number,
  xen = false,
): MemRegionDesc[] {
  if (size < 8) throw new ProtocolViolation(`SET_MEM_TABLE carries only ${size} bytes`);
  const n = dv.getUint32(at, true);
  if (n === 0 || n > MAX_REGIONS) {
    throw new ProtocolViolation(
      `SET_MEM_TABLE lists ${n} regions (expected 1 to ${MAX_REGIONS})`,
    );
  }
  const rs = xen ? XEN_REGION_SIZE : REGION_SIZE;
  // QEMU sends the whole fixed-size table; a minimal sender may send just n entries.
  if (size !== 8 + rs * n && size !== 8 + rs * MAX_REGIONS) {
    throw new ProtocolViolation(
      `SET_MEM_TABLE with ${n} ${xen ? "Xen " : ""}regions carries ${size} bytes (expected ${
        8 + rs * n
      })`,
    );
  }
  if (fdCount !== n) {
    throw new ProtocolViolation(
      `SET_MEM_TABLE lists ${n} regions but came with ${fdCount} file descriptors`,
    );
  }
  const regions: MemRegionDesc[] = [];
  for (let i = 0; i < n; i++) {
    const o = at + 8 + rs * i;
    const r: MemRegionDesc = {
      gpa: dv.getBigUint64(o, true),
      size: dv.getBigUint64(o + 8, true),
      uva: dv.getBigUint64(o + 16, true),
      mmapOffset: dv.getBigUint64(o + 24, true),
    };
    if (xen) r.xen = { flags: dv.getUint32(o + 32, true), domid: dv.getUint32(o + 36, true) };
    if (r.size === 0n || r.size > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new ProtocolViolation(`SET_MEM_TABLE region ${i} has size ${r.size}`);
    }
    if (r.gpa + r.size > 1n << 64n || r.uva + r.size > 1n << 64n) {
      throw new ProtocolViolation(`SET_MEM_TABLE region ${i} wraps the address space`);
    }
    for (const [j, o2] of regions.entries()) {
      if (overlap(r.gpa, r.size, o2.gpa, o2.size) || overlap(r.uva, r.size, o2.uva, o2.size)) {
        throw new ProtocolViolation(`SET_MEM_TABLE regions ${j} and ${i} overlap`);
      }
    }
    regions.push(r);
  }
  return regions;
}

function overlap(a: bigint, an: bigint, b: bigint, bn: bigint): boolean {
  return a < b + bn && b < a + an;
}

/**
 * Writes a reply header for `request` with `size` payload bytes at the start of `dv`
 * (flags: version 1 | REPLY).
 */
export function encodeReplyHeader(dv: DataView, request: number, size: number): void {
  dv.setUint32(0, request, true);
  dv.setUint32(4, Flag.VERSION | Flag.REPLY, true);
  dv.setUint32(8, size, true);
}
