/**
 * The GPIO character device's v2 interface (`include/uapi/linux/gpio.h`): ioctl request
 * numbers, line flags, and the structures the linux driver sends, laid out as the kernel reads
 * them (little-endian, 64-bit fields 8-byte aligned). An ioctl goes through {@linkcode GpioIo},
 * which the driver gets from libc on the host and tests get from a model.
 * @module
 */

/** The kernel's ioctl number: direction, size, type 0xB4, number. */
function ioc(dir: number, nr: number, size: number): number {
  return ((dir << 30) | (size << 16) | (0xb4 << 8) | nr) >>> 0;
}
const READ = 2;
const READ_WRITE = 3;

/** Struct sizes, bytes. */
export const SIZE = {
  chipInfo: 68,
  lineInfo: 256,
  lineConfig: 272,
  lineRequest: 592,
  lineValues: 16,
} as const;

/** Request numbers. */
export const GPIO_IOCTL = {
  GET_CHIPINFO: ioc(READ, 0x01, SIZE.chipInfo),
  V2_GET_LINEINFO: ioc(READ_WRITE, 0x05, SIZE.lineInfo),
  V2_GET_LINE: ioc(READ_WRITE, 0x07, SIZE.lineRequest),
  V2_LINE_SET_CONFIG: ioc(READ_WRITE, 0x0d, SIZE.lineConfig),
  V2_LINE_GET_VALUES: ioc(READ_WRITE, 0x0e, SIZE.lineValues),
  V2_LINE_SET_VALUES: ioc(READ_WRITE, 0x0f, SIZE.lineValues),
} as const;

/** `gpio_v2_line_flag` bits (all below 2^32, so plain numbers). */
export const LineFlag = {
  USED: 1 << 0,
  ACTIVE_LOW: 1 << 1,
  INPUT: 1 << 2,
  OUTPUT: 1 << 3,
  OPEN_DRAIN: 1 << 6,
  OPEN_SOURCE: 1 << 7,
  BIAS_PULL_UP: 1 << 8,
  BIAS_PULL_DOWN: 1 << 9,
  BIAS_DISABLED: 1 << 10,
} as const;

/** `gpio_v2_line_attr_id`. */
const ATTR_OUTPUT_VALUES = 2;

/** How the driver reaches the character device: open a chip, ioctl on an fd, close. */
export interface GpioIo {
  /** Opens `path` (a hardware path, under the hardware root) read-write; the fd, or -errno. */
  open(path: string): number;
  /** ioctl(2) with a pointer to `buf`; 0 (or a non-negative result), or -errno. */
  ioctl(fd: number, request: number, buf: Uint8Array): number;
  /** Closes an fd. */
  close(fd: number): void;
}

const enc = new TextEncoder();

function putName(view: DataView, at: number, s: string): void {
  const b = enc.encode(s).subarray(0, 31);
  new Uint8Array(view.buffer, view.byteOffset + at, 32).set(b);
}

/** Writes a `gpio_v2_line_config` at `at`: flags for every line, and output values if any. */
function putConfig(view: DataView, at: number, flags: number, outputs?: number): void {
  view.setBigUint64(at, BigInt(flags), true);
  if (outputs === undefined) return;
  view.setUint32(at + 8, 1, true); // num_attrs
  const a = at + 32; // attrs[0]: { attr { id, padding, values }, mask }
  view.setUint32(a, ATTR_OUTPUT_VALUES, true);
  view.setBigUint64(a + 8, BigInt(outputs), true);
  view.setBigUint64(a + 16, 1n, true);
}

/** A `gpio_v2_line_request` for one line `offset`; the fd comes back at byte 588. */
export function lineRequest(offset: number, consumer: string, flags: number, output?: number) {
  const buf = new Uint8Array(SIZE.lineRequest);
  const v = new DataView(buf.buffer);
  v.setUint32(0, offset, true);
  putName(v, 256, consumer);
  putConfig(v, 288, flags, output);
  v.setUint32(560, 1, true); // num_lines
  return { buf, fd: () => v.getInt32(588, true) };
}

/** A `gpio_v2_line_config` for the requested line. */
export function lineConfig(flags: number, output?: number): Uint8Array {
  const buf = new Uint8Array(SIZE.lineConfig);
  putConfig(new DataView(buf.buffer), 0, flags, output);
  return buf;
}

/** A `gpio_v2_line_values` for the first requested line. */
export function lineValues(value = 0): { buf: Uint8Array; value(): number } {
  const buf = new Uint8Array(SIZE.lineValues);
  const v = new DataView(buf.buffer);
  v.setBigUint64(0, BigInt(value & 1), true);
  v.setBigUint64(8, 1n, true);
  return { buf, value: () => Number(v.getBigUint64(0, true) & 1n) };
}

/** A `gpio_v2_line_info` query for line `offset`; its flags once the kernel filled it. */
export function lineInfo(offset: number): { buf: Uint8Array; flags(): number } {
  const buf = new Uint8Array(SIZE.lineInfo);
  const v = new DataView(buf.buffer);
  v.setUint32(64, offset, true);
  return { buf, flags: () => Number(v.getBigUint64(72, true) & 0xffff_ffffn) };
}

/** errno numbers the GPIO ioctls return, by name. */
const ERRNO: Record<number, string> = {
  1: "EPERM",
  2: "ENOENT",
  5: "EIO",
  6: "ENXIO",
  13: "EACCES",
  16: "EBUSY",
  19: "ENODEV",
  22: "EINVAL",
  95: "EOPNOTSUPP",
};

/** The errno name of a negative result. */
export function errnoName(ret: number): string {
  return ERRNO[-ret] ?? `errno ${-ret}`;
}
