/**
 * Test support: a model of one GPIO chip behind the character device, as the kernel's v2
 * ioctls and gpio-sim behave, for the linux driver's injected {@linkcode GpioIo}. It reads
 * the structures at the byte offsets of `include/uapi/linux/gpio.h` on its own (not through
 * the driver's encoders), so a layout mistake in either shows. Rules it keeps: a line
 * requested by someone else is EBUSY; a request or configuration needs exactly one of input
 * and output, drive flags need output; values are set only on outputs (EPERM); an input reads
 * its pull (up 1, down 0) or, with bias disabled or unset, the level `external` gives it.
 * @module
 */
import type { GpioIo } from "./gpio_uapi.ts";

const F = {
  USED: 1n << 0n,
  INPUT: 1n << 2n,
  OUTPUT: 1n << 3n,
  OPEN_DRAIN: 1n << 6n,
  OPEN_SOURCE: 1n << 7n,
  PULL_UP: 1n << 8n,
  PULL_DOWN: 1n << 9n,
};

/** One line's state. */
export interface ModelLine {
  flags: bigint;
  value: number;
  consumer: string;
  /** The level the outside world drives an input to, when it has no pull. */
  external: number;
}

export class GpioChipModel implements GpioIo {
  readonly lines: ModelLine[];
  /** Every ioctl request number, in order. */
  readonly calls: number[] = [];
  readonly #requests = new Map<number, number>();
  #nextFd = 10;

  constructor(readonly path: string, count: number) {
    this.lines = Array.from({ length: count }, () => ({
      flags: F.INPUT,
      value: 0,
      consumer: "",
      external: 0,
    }));
  }

  open(path: string): number {
    return path === this.path ? 3 : -2;
  }

  close(fd: number): void {
    const line = this.#requests.get(fd);
    if (line !== undefined) this.lines[line].consumer = "";
    this.#requests.delete(fd);
  }

  /** The errno of flags the kernel refuses, or 0. */
  #check(flags: bigint): number {
    const dir = flags & (F.INPUT | F.OUTPUT);
    if (dir !== F.INPUT && dir !== F.OUTPUT) return -22;
    if ((flags & (F.OPEN_DRAIN | F.OPEN_SOURCE)) && !(flags & F.OUTPUT)) return -22;
    if ((flags & F.PULL_UP) && (flags & F.PULL_DOWN)) return -22;
    return 0;
  }

  /** Output values from a config's attributes at `at` (num_attrs at +8, attrs at +32). */
  #outputs(v: DataView, at: number): number | undefined {
    for (let i = 0; i < v.getUint32(at + 8, true); i++) {
      const a = at + 32 + 24 * i;
      if (v.getUint32(a, true) === 2 && (v.getBigUint64(a + 16, true) & 1n)) {
        return Number(v.getBigUint64(a + 8, true) & 1n);
      }
    }
    return undefined;
  }

  #configure(line: number, flags: bigint, out: number | undefined): void {
    const l = this.lines[line];
    l.flags = flags;
    if (flags & F.OUTPUT) l.value = out ?? l.value;
  }

  ioctl(fd: number, request: number, buf: Uint8Array): number {
    this.calls.push(request);
    const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    switch (request) {
      case 0xc100b405: { // V2_GET_LINEINFO, 256 bytes
        if (fd !== 3 || buf.length !== 256) return -22;
        const off = v.getUint32(64, true);
        if (off >= this.lines.length) return -22;
        const l = this.lines[off];
        v.setBigUint64(72, l.flags | (l.consumer ? F.USED : 0n), true);
        return 0;
      }
      case 0xc250b407: { // V2_GET_LINE, 592 bytes
        if (fd !== 3 || buf.length !== 592 || v.getUint32(560, true) !== 1) return -22;
        const off = v.getUint32(0, true);
        if (off >= this.lines.length) return -22;
        if (this.lines[off].consumer) return -16;
        const flags = v.getBigUint64(288, true);
        const bad = this.#check(flags);
        if (bad) return bad;
        const name = new TextDecoder().decode(buf.subarray(256, 288)).replace(/\0.*$/s, "");
        this.#configure(off, flags, this.#outputs(v, 288));
        this.lines[off].consumer = name;
        const rfd = this.#nextFd++;
        this.#requests.set(rfd, off);
        v.setInt32(588, rfd, true);
        return 0;
      }
      case 0xc110b40d: { // V2_LINE_SET_CONFIG, 272 bytes
        const off = this.#requests.get(fd);
        if (off === undefined) return -9;
        if (buf.length !== 272) return -22;
        const flags = v.getBigUint64(0, true);
        const bad = this.#check(flags);
        if (bad) return bad;
        this.#configure(off, flags, this.#outputs(v, 0));
        return 0;
      }
      case 0xc010b40e: { // V2_LINE_GET_VALUES
        const off = this.#requests.get(fd);
        if (off === undefined) return -9;
        const l = this.lines[off];
        const level = l.flags & F.OUTPUT
          ? l.value
          : l.flags & F.PULL_UP
          ? 1
          : l.flags & F.PULL_DOWN
          ? 0
          : l.external;
        v.setBigUint64(0, BigInt(level) & v.getBigUint64(8, true), true);
        return 0;
      }
      case 0xc010b40f: { // V2_LINE_SET_VALUES
        const off = this.#requests.get(fd);
        if (off === undefined) return -9;
        const l = this.lines[off];
        if (!(l.flags & F.OUTPUT)) return -1;
        if (v.getBigUint64(8, true) & 1n) l.value = Number(v.getBigUint64(0, true) & 1n);
        return 0;
      }
      default:
        return -25;
    }
  }
}
