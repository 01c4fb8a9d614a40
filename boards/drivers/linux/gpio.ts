/**
 * Pins as GPIO lines of the character device (`/dev/gpiochip<n>`, v2 ioctls), for the pins the
 * board declares in the `gpio` option (`pin name = { chip, line }`). A pin has the
 * configuration types a GPIO line has: bias (disable, pull-up, pull-down), drive (push-pull,
 * open drain, open source), input and output mode, output value, and its input value
 * (read-only). The first change requests the line for vscmi (consumer "vscmi") and keeps it;
 * later ones reconfigure it, and an output value alone is set without reconfiguring. A group
 * is all its pins at once, all or nothing: when the kernel refuses one line, the lines changed
 * before it get their previous configuration and value back (a line requested for the change
 * is given back to the kernel), and the refusal is answered. A group reads as its first pin.
 * Pins carry no function: only "none" can be selected. What the kernel refuses becomes the
 * SCMI status of its errno.
 * @module
 */
import { groupKind, pinKind } from "../../../plugins/pinctrl/kind.ts";
import {
  NO_FUNCTION,
  PinConfig,
  type PinctrlHw,
  type PinTarget,
} from "../../../plugins/pinctrl/hw.ts";
import { DriverError, type HwResourceAccess } from "../../../core/driver.ts";
import { faultOf } from "./host_fs.ts";
import {
  errnoName,
  GPIO_IOCTL,
  type GpioIo,
  lineConfig,
  LineFlag,
  lineInfo,
  lineRequest,
  lineValues,
} from "./gpio_uapi.ts";
import { type LinuxClass, type LinuxCtx, placed, READ_WRITE } from "./_ctx.ts";

/** Where a pin is: its chip's device file and the line's offset on it. */
export interface GpioSource {
  chip: string;
  line: number;
}

/** Configuration types of a GPIO line, ascending. */
export const GPIO_CONFIG_TYPES: readonly number[] = Object.freeze([
  PinConfig.BIAS_DISABLE,
  PinConfig.BIAS_PULL_UP,
  PinConfig.BIAS_PULL_DOWN,
  PinConfig.DRIVE_OPEN_DRAIN,
  PinConfig.DRIVE_OPEN_SOURCE,
  PinConfig.DRIVE_PUSH_PULL,
  PinConfig.INPUT_MODE,
  PinConfig.INPUT_VALUE,
  PinConfig.OUTPUT_MODE,
  PinConfig.OUTPUT_VALUE,
]);

const BIAS = LineFlag.BIAS_DISABLED | LineFlag.BIAS_PULL_UP | LineFlag.BIAS_PULL_DOWN;
const DRIVE = LineFlag.OPEN_DRAIN | LineFlag.OPEN_SOURCE;
const DIRECTION = LineFlag.INPUT | LineFlag.OUTPUT;

/** The flag bits a configuration type sets (with the field it replaces), for value 1. */
const SETS: Readonly<Record<number, [field: number, bits: number]>> = {
  [PinConfig.BIAS_DISABLE]: [BIAS, LineFlag.BIAS_DISABLED],
  [PinConfig.BIAS_PULL_UP]: [BIAS, LineFlag.BIAS_PULL_UP],
  [PinConfig.BIAS_PULL_DOWN]: [BIAS, LineFlag.BIAS_PULL_DOWN],
  [PinConfig.DRIVE_OPEN_DRAIN]: [DRIVE, LineFlag.OPEN_DRAIN],
  [PinConfig.DRIVE_OPEN_SOURCE]: [DRIVE, LineFlag.OPEN_SOURCE],
  [PinConfig.DRIVE_PUSH_PULL]: [DRIVE, 0],
  [PinConfig.INPUT_MODE]: [DIRECTION, LineFlag.INPUT],
  [PinConfig.OUTPUT_MODE]: [DIRECTION, LineFlag.OUTPUT],
};

interface Line {
  readonly src: GpioSource;
  /** The request's fd once vscmi holds the line. */
  fd?: number;
  /** The flags it was requested or last configured with. */
  flags: number;
  /** The output value last set. */
  out: number;
}

/** A line's state before a change: what rolling the change back restores. */
type Was = Pick<Line, "fd" | "flags" | "out">;

/** The pins (and groups of them) an instance backs as GPIO lines, through `io`. */
export function linuxGpio(
  ctx: LinuxCtx,
  sources: Readonly<Record<string, GpioSource>> | undefined,
  io: GpioIo,
): LinuxClass<PinctrlHw> & { groupAccess(id: number): HwResourceAccess; close(): void } {
  const pins = placed(ctx, pinKind, "gpio", sources);
  const groups = new Map(
    groupKind.of(ctx.board).filter((g) => g.driver === ctx.name).map((g) => [g.id, g.pins]),
  );
  const chips = new Map<string, number>();
  const lines = new Map<number, Line>();

  const fail = (ret: number, what: string) =>
    new DriverError(faultOf(errnoName(ret)), `${what}: ${errnoName(ret)}`);
  const chipFd = (chip: string) => {
    let fd = chips.get(chip);
    if (fd === undefined) {
      fd = io.open(chip);
      if (fd < 0) throw fail(fd, `open ${chip}`);
      chips.set(chip, fd);
    }
    return fd;
  };
  const line = (id: number): Line => {
    let l = lines.get(id);
    if (l) return l;
    const p = pins.get(id);
    if (!p) throw new DriverError("invalid", `Pin ${id} is not driven by "${ctx.name}"`);
    const src = p.source as GpioSource;
    const info = lineInfo(src.line);
    const ret = io.ioctl(chipFd(src.chip), GPIO_IOCTL.V2_GET_LINEINFO, info.buf);
    if (ret < 0) throw fail(ret, `${src.chip} line ${src.line}`);
    l = { src, flags: info.flags() & (BIAS | DRIVE | DIRECTION), out: 0 };
    lines.set(id, l);
    return l;
  };
  const pinsOf = (target: PinTarget, id: number): number[] => {
    if (target === "pin") return [id];
    const g = groups.get(id);
    if (!g) throw new DriverError("invalid", `Group ${id} is not driven by "${ctx.name}"`);
    return g;
  };

  /** Requests the line with `flags` (and `out` when an output), or reconfigures it. */
  const apply = (l: Line, flags: number, out: number) => {
    const output = flags & LineFlag.OUTPUT ? out : undefined;
    if (l.fd === undefined) {
      const req = lineRequest(l.src.line, "vscmi", flags, output);
      const ret = io.ioctl(chipFd(l.src.chip), GPIO_IOCTL.V2_GET_LINE, req.buf);
      if (ret < 0) throw fail(ret, `request ${l.src.chip} line ${l.src.line}`);
      l.fd = req.fd();
    } else if (flags !== l.flags) {
      const ret = io.ioctl(l.fd, GPIO_IOCTL.V2_LINE_SET_CONFIG, lineConfig(flags, output));
      if (ret < 0) throw fail(ret, `configure ${l.src.chip} line ${l.src.line}`);
    } else if (output !== undefined && out !== l.out) {
      const ret = io.ioctl(l.fd, GPIO_IOCTL.V2_LINE_SET_VALUES, lineValues(out).buf);
      if (ret < 0) throw fail(ret, `set ${l.src.chip} line ${l.src.line}`);
    }
    l.flags = flags;
    l.out = out;
  };

  /**
   * Puts `l` back as it `was` before a change its group could not complete. A restore the
   * kernel refuses is logged once per line and left: the group's first refusal is what the
   * agent is answered.
   */
  const restore = (l: Line, was: Was) => {
    if (l.fd === undefined) return;
    const output = was.flags & LineFlag.OUTPUT ? was.out : undefined;
    let ret = 0;
    if (was.fd === undefined) {
      // Requested for the change: its previous configuration, then given back.
      if (was.flags & DIRECTION) {
        ret = io.ioctl(l.fd, GPIO_IOCTL.V2_LINE_SET_CONFIG, lineConfig(was.flags, output));
      }
      io.close(l.fd);
      l.fd = undefined;
    } else if (was.flags !== l.flags) {
      ret = io.ioctl(l.fd, GPIO_IOCTL.V2_LINE_SET_CONFIG, lineConfig(was.flags, output));
    } else if (output !== undefined && was.out !== l.out) {
      ret = io.ioctl(l.fd, GPIO_IOCTL.V2_LINE_SET_VALUES, lineValues(was.out).buf);
    }
    if (ret < 0) {
      ctx.log?.once(
        "error",
        `linux:${ctx.name}:restore:${l.src.chip}:${l.src.line}`,
        `Driver "${ctx.name}": ${l.src.chip} line ${l.src.line} keeps a change its group could ` +
          `not complete: restoring it failed: ${errnoName(ret)}`,
      );
      return;
    }
    l.flags = was.flags;
    l.out = was.out;
  };

  /** Applies checked (type, value) pairs to `l`. */
  const applyPairs = (l: Line, pairs: ArrayLike<number>, count: number) => {
    let flags = l.flags, out = l.out;
    for (let i = 0; i < count; i++) {
      const type = pairs[2 * i], v = pairs[2 * i + 1];
      if (type === PinConfig.OUTPUT_VALUE) {
        out = v;
        continue;
      }
      const [field, bits] = SETS[type];
      if (v === 1) flags = (flags & ~field) | bits;
      else if ((flags & field) === bits) flags &= ~field;
    }
    if ((flags & DIRECTION) === 0) flags |= LineFlag.INPUT;
    apply(l, flags, out);
  };

  const value = (l: Line): number => {
    if (l.fd === undefined) apply(l, l.flags || LineFlag.INPUT, l.out);
    const v = lineValues();
    const ret = io.ioctl(l.fd!, GPIO_IOCTL.V2_LINE_GET_VALUES, v.buf);
    if (ret < 0) throw fail(ret, `read ${l.src.chip} line ${l.src.line}`);
    return v.value();
  };

  const hw: PinctrlHw = {
    configTypes(target, id) {
      pinsOf(target, id).forEach(line);
      return GPIO_CONFIG_TYPES;
    },
    getConfig(target, id, type) {
      const l = line(pinsOf(target, id)[0]);
      if (type === PinConfig.INPUT_VALUE) return value(l);
      if (type === PinConfig.OUTPUT_VALUE) return l.flags & LineFlag.OUTPUT ? value(l) : l.out;
      const s = SETS[type];
      if (!s) throw new DriverError("unsupported", `A GPIO line has no configuration type ${type}`);
      return (l.flags & s[0]) === s[1] ? 1 : 0;
    },
    setConfigs(target, id, pairs, count) {
      const targets = pinsOf(target, id).map(line);
      // Every pair is checked before anything changes.
      for (let i = 0; i < count; i++) {
        const type = pairs[2 * i], v = pairs[2 * i + 1];
        if (type === PinConfig.INPUT_VALUE) {
          throw new DriverError("invalid", "A line's input value is read-only");
        }
        if (type !== PinConfig.OUTPUT_VALUE && !SETS[type]) {
          throw new DriverError("unsupported", `A GPIO line has no configuration type ${type}`);
        }
        if (v !== 0 && v !== 1) throw new DriverError("invalid", `Value ${v} is not 0 or 1`);
      }
      const was: Was[] = targets.map((l) => ({ fd: l.fd, flags: l.flags, out: l.out }));
      let done = 0;
      try {
        for (const l of targets) {
          applyPairs(l, pairs, count);
          done++;
        }
      } catch (e) {
        // All or nothing: the lines changed before the refusal go back, last first.
        for (let i = done - 1; i >= 0; i--) restore(targets[i], was[i]);
        throw e;
      }
    },
    getFunction(target, id) {
      pinsOf(target, id).forEach(line);
      return NO_FUNCTION;
    },
    setFunction(target, id, fn) {
      pinsOf(target, id).forEach(line);
      if (fn !== NO_FUNCTION) throw new DriverError("invalid", "A GPIO line carries no function");
    },
  };
  return {
    hw,
    access: (id): HwResourceAccess => {
      line(id);
      return READ_WRITE;
    },
    /** Whether every pin of group `id` can be read and changed. */
    groupAccess: (id: number): HwResourceAccess => {
      pinsOf("group", id).forEach(line);
      return READ_WRITE;
    },
    close() {
      for (const l of lines.values()) if (l.fd !== undefined) io.close(l.fd);
      for (const fd of chips.values()) io.close(fd);
      lines.clear();
      chips.clear();
    },
  };
}
