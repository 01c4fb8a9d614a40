/**
 * Typed calls on hvisor's SCMI helper ioctls: each builds the argument structure in a buffer
 * kept per request (zeroed before each call, nothing allocated per call), issues the ioctl
 * through the function it was given, and reads the answer. A failed ioctl becomes a
 * `DriverError` whose fault follows the errno, so the dispatcher answers the guest with
 * the matching SCMI status; nothing else is thrown.
 * @module
 */
import { DriverError, type DriverFault } from "../../../core/driver.ts";
import { ARG_SIZE, ClockCmd, HvisorIoctl, type IoctlFn, OFF, PowerCmd, ResetCmd } from "./abi.ts";

/** errno values the helper returns, and the fault each stands for. */
const ERRNO_FAULT: Readonly<Record<number, DriverFault>> = {
  1: "denied", // EPERM
  2: "invalid", // ENOENT: no such index in the hvisor node
  13: "denied", // EACCES
  16: "busy", // EBUSY
  19: "invalid", // ENODEV
  22: "invalid", // EINVAL
  34: "range", // ERANGE
  95: "unsupported", // EOPNOTSUPP
  524: "unsupported", // ENOTSUPP (kernel-internal)
};

/** Reads a NUL-terminated `char[64]` at `at`; ASCII only, others become '?'. */
function cString(buf: Uint8Array, at: number): string {
  let s = "";
  for (let i = 0; i < OFF.nameLen; i++) {
    const c = buf[at + i];
    if (c === 0) break;
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : "?";
  }
  return s;
}

/** What GET_ATTRIBUTES tells of a clock. */
export interface ClockAttributes {
  /** Whether the kernel has it enabled. */
  readonly enabled: boolean;
  /** The kernel's name for it. */
  readonly name: string;
}

/** The helper ioctls of one open `/dev/hvisor`, typed. */
export class HvisorHelper {
  readonly #ioctl: IoctlFn;
  readonly #clock = new Uint8Array(ARG_SIZE.clock);
  readonly #reset = new Uint8Array(ARG_SIZE.reset);
  readonly #power = new Uint8Array(ARG_SIZE.power);
  readonly #clockView = new DataView(this.#clock.buffer);
  readonly #resetView = new DataView(this.#reset.buffer);
  readonly #powerView = new DataView(this.#power.buffer);

  /** @param ioctl issues one request on the device (the FFI one on a board, a fake in tests) */
  constructor(ioctl: IoctlFn) {
    this.#ioctl = ioctl;
  }

  #call(request: number, buf: Uint8Array, what: string): void {
    let ret: number;
    try {
      ret = this.#ioctl(request, buf);
    } catch (e) {
      throw new DriverError("hardware", `${what}: ${e instanceof Error ? e.message : e}`);
    }
    if (ret < 0) {
      const fault = ERRNO_FAULT[-ret] ?? "hardware";
      throw new DriverError(fault, `${what}: the hvisor helper answered errno ${-ret}`);
    }
  }

  #clockCall(cmd: number, id: number, what: string): DataView {
    this.#clock.fill(0);
    this.#clockView.setUint32(OFF.subcmd, cmd, true);
    if (id >= 0) this.#clockView.setUint32(OFF.id, id, true);
    this.#call(HvisorIoctl.CLOCK, this.#clock, what);
    return this.#clockView;
  }

  #clockPrep(cmd: number, id: number): DataView {
    this.#clock.fill(0);
    this.#clockView.setUint32(OFF.subcmd, cmd, true);
    this.#clockView.setUint32(OFF.id, id, true);
    return this.#clockView;
  }

  /** CLOCK GET_COUNT: how many clocks the hvisor node lists. */
  clockCount(): number {
    return this.#clockCall(ClockCmd.GET_COUNT, -1, "clock GET_COUNT").getUint32(OFF.count, true);
  }

  /** CLOCK GET_ATTRIBUTES of clock `id`. */
  clockAttributes(id: number): ClockAttributes {
    const v = this.#clockCall(ClockCmd.GET_ATTRIBUTES, id, `clock ${id} GET_ATTRIBUTES`);
    return {
      enabled: v.getUint32(OFF.clockAttr.enabled, true) !== 0,
      name: cString(this.#clock, OFF.clockAttr.name),
    };
  }

  /** CLOCK NAME_GET of clock `id`. */
  clockName(id: number): string {
    this.#clockCall(ClockCmd.NAME_GET, id, `clock ${id} NAME_GET`);
    return cString(this.#clock, OFF.clockName.name);
  }

  /**
   * CLOCK DESCRIBE_RATES of clock `id`, every page: the discrete rates the helper lists, Hz.
   * hvisor-tool c724e91's module answers success without filling any, so this is empty there.
   */
  clockRates(id: number): number[] {
    const rates: number[] = [];
    for (let page = 0; page < 64; page++) {
      const v = this.#clockPrep(ClockCmd.DESCRIBE_RATES, id);
      v.setUint32(OFF.clockRates.rateIndex, rates.length, true);
      this.#call(HvisorIoctl.CLOCK, this.#clock, `clock ${id} DESCRIBE_RATES`);
      const n = Math.min(v.getUint32(OFF.clockRates.numRates, true), OFF.clockRates.max);
      for (let i = 0; i < n; i++) {
        rates.push(Number(v.getBigUint64(OFF.clockRates.rates + 8 * i, true)));
      }
      if (n === 0 || v.getUint32(OFF.clockRates.remaining, true) === 0) break;
    }
    return rates;
  }

  /** CLOCK RATE_GET: the rate clock `id` runs at, Hz. */
  rateGet(id: number): number {
    const v = this.#clockCall(ClockCmd.RATE_GET, id, `clock ${id} RATE_GET`);
    return Number(v.getBigUint64(OFF.rateGet.rate, true));
  }

  /** CLOCK RATE_SET: asks the kernel for `rate` Hz (it rounds to what the clock can do). */
  rateSet(id: number, rate: number): void {
    if (!Number.isSafeInteger(rate) || rate < 0) {
      throw new DriverError("range", `clock ${id}: ${rate} Hz is no rate`);
    }
    const v = this.#clockPrep(ClockCmd.RATE_SET, id);
    v.setBigUint64(OFF.rateSet.rate, BigInt(rate), true);
    this.#call(HvisorIoctl.CLOCK, this.#clock, `clock ${id} RATE_SET ${rate} Hz`);
  }

  /** CLOCK CONFIG_GET: whether clock `id` is enabled. */
  configGet(id: number): boolean {
    const v = this.#clockCall(ClockCmd.CONFIG_GET, id, `clock ${id} CONFIG_GET`);
    return (v.getUint32(OFF.config.config, true) & 1) !== 0;
  }

  /**
   * CLOCK CONFIG_SET: one `clk_prepare_enable` (on) or `clk_disable_unprepare` (off) in the
   * kernel. Each call counts there, so callers send transitions only.
   */
  configSet(id: number, on: boolean): void {
    const v = this.#clockPrep(ClockCmd.CONFIG_SET, id);
    v.setUint32(OFF.config.config, on ? 1 : 0, true);
    this.#call(HvisorIoctl.CLOCK, this.#clock, `clock ${id} CONFIG_SET ${on ? "on" : "off"}`);
  }

  /** RESET GET_COUNT: how many reset lines the hvisor node lists. */
  resetCount(): number {
    this.#reset.fill(0);
    this.#resetView.setUint32(OFF.subcmd, ResetCmd.GET_COUNT, true);
    this.#call(HvisorIoctl.RESET, this.#reset, "reset GET_COUNT");
    return this.#resetView.getUint32(OFF.count, true);
  }

  /** RESET RESET of line `id` with `flags` (`ResetFlags`) and SCMI reset state `state`. */
  reset(id: number, flags: number, state: number): void {
    this.#reset.fill(0);
    const v = this.#resetView;
    v.setUint32(OFF.subcmd, ResetCmd.RESET, true);
    v.setUint32(OFF.id, id, true);
    v.setUint32(OFF.reset.flags, flags, true);
    v.setUint32(OFF.reset.resetState, state >>> 0, true);
    this.#call(HvisorIoctl.RESET, this.#reset, `reset ${id} RESET flags ${flags}`);
  }

  #powerCall(cmd: number, id: number, what: string, state = 0): DataView {
    this.#power.fill(0);
    const v = this.#powerView;
    v.setUint32(OFF.subcmd, cmd, true);
    if (id >= 0) v.setUint32(OFF.id, id, true);
    if (cmd === PowerCmd.STATE_SET) v.setUint32(OFF.powerState.state, state >>> 0, true);
    this.#call(HvisorIoctl.POWER, this.#power, what);
    return v;
  }

  /** POWER GET_COUNT: how many power domains the hvisor node lists. */
  powerCount(): number {
    return this.#powerCall(PowerCmd.GET_COUNT, -1, "power GET_COUNT").getUint32(OFF.count, true);
  }

  /** POWER GET_ATTRIBUTES: the name of domain `id`. */
  powerName(id: number): string {
    this.#powerCall(PowerCmd.GET_ATTRIBUTES, id, `power ${id} GET_ATTRIBUTES`);
    return cString(this.#power, OFF.powerAttr.name);
  }

  /** POWER STATE_GET: the power-state word of domain `id` (ON 0 or OFF 0x40000000). */
  powerGet(id: number): number {
    const v = this.#powerCall(PowerCmd.STATE_GET, id, `power ${id} STATE_GET`);
    return v.getUint32(OFF.powerState.state, true);
  }

  /**
   * POWER STATE_SET: one runtime-PM get (ON) or put (OFF) in the kernel; each counts there,
   * so callers send transitions only.
   */
  powerSet(id: number, state: number): void {
    this.#powerCall(PowerCmd.STATE_SET, id, `power ${id} STATE_SET 0x${state.toString(16)}`, state);
  }
}
