/**
 * Test support: a zone0 kernel answering the SCMI helper ioctls the way hvisor-tool
 * c724e91's `driver/virtio/scmi/*.c` do (enables and runtime-PM references counted, ids past
 * the node's lists answered -ENOENT/-ENODEV, DESCRIBE_RATES answered with nothing filled),
 * recording every argument structure it is handed, as hex, before it answers.
 * @module
 */
import { HvisorIoctl, OFF } from "./abi.ts";

/** A clock of the fake node. */
export interface FakeClock {
  name: string;
  rate: number;
  /** `clk_prepare_enable` count. */
  refs: number;
}

/** One ioctl the fake saw. */
export interface FakeCall {
  request: number;
  /** The argument bytes as handed in, hex, trailing zero bytes dropped. */
  hex: string;
}

/** Hex of `b` without its trailing zero bytes. */
export function trimmedHex(b: Uint8Array): string {
  let end = b.length;
  while (end > 0 && b[end - 1] === 0) end--;
  return Array.from(b.subarray(0, end), (x) => x.toString(16).padStart(2, "0")).join("");
}

/** The fake kernel; `ioctl` is what the helper is given. */
export class FakeZone0 {
  clocks: FakeClock[];
  resets: { asserted: boolean; pulses: number }[];
  powers: { name: string; refs: number }[];
  calls: FakeCall[] = [];
  /** errno the next call fails with, once. */
  failNext = 0;

  constructor(clocks: FakeClock[], resets: number, powers: string[]) {
    this.clocks = clocks;
    this.resets = Array.from({ length: resets }, () => ({ asserted: false, pulses: 0 }));
    this.powers = powers.map((name) => ({ name, refs: 0 }));
  }

  /** The calls so far, then forgets them. */
  take(): FakeCall[] {
    const c = this.calls;
    this.calls = [];
    return c;
  }

  ioctl = (request: number, arg: Uint8Array): number => {
    this.calls.push({ request, hex: trimmedHex(arg) });
    if (this.failNext) {
      const e = this.failNext;
      this.failNext = 0;
      return -e;
    }
    const v = new DataView(arg.buffer, arg.byteOffset, arg.byteLength);
    const cmd = v.getUint32(OFF.subcmd, true);
    const id = v.getUint32(OFF.id, true);
    const name = (at: number, s: string) => arg.set(new TextEncoder().encode(s.slice(0, 63)), at);
    if (request === HvisorIoctl.CLOCK) {
      if (cmd === 1) return v.setUint32(OFF.count, this.clocks.length, true), 0;
      const c = this.clocks[id];
      if (cmd < 1 || cmd > 8) return -22;
      if (cmd === 3) return 0;
      if (!c) return -2;
      switch (cmd) {
        case 2:
          v.setUint32(OFF.clockAttr.enabled, c.refs > 0 ? 1 : 0, true);
          v.setUint32(OFF.clockAttr.parentId, 0xffffffff, true);
          name(OFF.clockAttr.name, c.name);
          v.setUint32(OFF.clockAttr.isValid, 1, true);
          return 0;
        case 4:
          return v.setBigUint64(OFF.rateGet.rate, BigInt(c.rate), true), 0;
        case 5: // the kernel rounds down to whole kHz here
          c.rate = Math.floor(Number(v.getBigUint64(OFF.rateSet.rate, true)) / 1000) * 1000;
          return 0;
        case 6:
          return v.setUint32(OFF.config.config, c.refs > 0 ? 1 : 0, true), 0;
        case 7:
          if (v.getUint32(OFF.config.config, true) & 1) c.refs++;
          else if (c.refs > 0) c.refs--;
          return 0;
        case 8:
          return name(OFF.clockName.name, c.name), 0;
      }
    }
    if (request === HvisorIoctl.RESET) {
      if (cmd === 1) return v.setUint32(OFF.count, this.resets.length, true), 0;
      if (cmd !== 2) return -22;
      const r = this.resets[id];
      if (!r) return -2;
      const flags = v.getUint32(OFF.reset.flags, true);
      if (flags === 0) r.asserted = false;
      else if (flags === 2) r.asserted = true;
      else if (flags === 1) r.pulses++;
      else return -22;
      return 0;
    }
    if (request === HvisorIoctl.POWER) {
      if (cmd === 1) return v.setUint32(OFF.count, this.powers.length, true), 0;
      const p = this.powers[id];
      if (!p) return -19;
      switch (cmd) {
        case 2:
          return name(OFF.powerAttr.name, p.name), 0;
        case 3: {
          const s = v.getUint32(OFF.powerState.state, true);
          if (s === 0) p.refs++;
          else if (s === 0x40000000) p.refs--;
          else return -22;
          return 0;
        }
        case 4:
          return v.setUint32(OFF.powerState.state, p.refs > 0 ? 0 : 0x40000000, true), 0;
      }
      return -22;
    }
    return -25; // ENOTTY
  };
}
