/**
 * Voltage domains from `/sys/class/regulator/<regulator>/`: the level from `microvolts`, on
 * when `state` reads `enabled`. The kernel gives user space no way to set a voltage, so any
 * level but the present one is DENIED. A regulator bound to the userspace-consumer driver
 * (`reg-userspace-consumer`, `regulator-output`) is switched through that consumer's `state`
 * file, named in the option table (`{ path = …, consumer = …/state }`); without one, switching
 * is DENIED too.
 * @module
 */
import { voltageKind } from "../../../plugins/voltage/kind.ts";
import type { VoltageHw } from "../../../plugins/voltage/hw.ts";
import { DriverError, type HwResourceAccess } from "../../../core/driver.ts";
import { type HostFs, hostOp, readInt, readText } from "./host_fs.ts";
import { type LinuxClass, type LinuxCtx, placed, readOnly, unreadable } from "./_ctx.ts";

/** Where a regulator is: its class directory, and the state file of its userspace consumer. */
export type RegulatorSource = string | { path: string; consumer?: string };

const NO_SET = "the kernel has no interface to set a regulator's voltage from user space";

/** Whether the regulator at `src` can be changed, and how. */
export function regulatorAccess(
  fs: HostFs,
  src: { path: string; consumer?: string },
): HwResourceAccess {
  const c = src.consumer;
  const no = unreadable(fs, `${src.path}/microvolts`);
  if (no) return no;
  return c !== undefined && fs.exists(c) && fs.writable(c)
    ? { read: true, write: true, why: `only on and off, through ${c}: ${NO_SET}` }
    : readOnly(`${NO_SET}, and no userspace consumer is bound to switch it`);
}

/** The voltage domains an instance backs. */
export function linuxRegulators(
  ctx: LinuxCtx,
  sources: Readonly<Record<string, RegulatorSource>> | undefined,
): LinuxClass<VoltageHw> {
  const { fs } = ctx;
  const regs = placed(ctx, voltageKind, "regulators", sources);
  const src = (id: number) => {
    const r = regs.get(id);
    if (!r) throw new DriverError("invalid", `Voltage domain ${id} is not driven by "${ctx.name}"`);
    return typeof r.source === "string" ? { path: r.source } : r.source;
  };
  const hw: VoltageHw = {
    getLevel: (id) => readInt(fs, `${src(id).path}/microvolts`),
    setLevel(id, uv) {
      if (readInt(fs, `${src(id).path}/microvolts`) === uv) return;
      throw new DriverError("denied", `${src(id).path}: cannot set ${uv} µV: ${NO_SET}`);
    },
    isOn: (id) => readText(fs, `${src(id).path}/state`) === "enabled",
    setOn(id, on) {
      if (hw.isOn(id) === on) return;
      const consumer = src(id).consumer;
      if (consumer === undefined) {
        throw new DriverError(
          "denied",
          `${src(id).path}: cannot switch it ${on ? "on" : "off"}: no userspace consumer is bound`,
        );
      }
      hostOp(consumer, () => fs.write(consumer, on ? "enabled" : "disabled"));
      if (hw.isOn(id) !== on) {
        throw new DriverError("hardware", `${src(id).path}: still ${on ? "off" : "on"}`);
      }
    },
  };
  return {
    hw,
    access: (id) => regulatorAccess(fs, src(id)),
  };
}
