/**
 * Clocks from debugfs (`/sys/kernel/debug/clk/<clk>/`): rate from `clk_rate`, enabled when
 * `clk_enable_count` is above 0, parent from `clk_parent`. Stock kernels compile debugfs clock
 * writes out (the files are 0444): asking for another rate, state or parent is DENIED, asking
 * for the one the clock already has succeeds. A kernel built with debugfs clock writes
 * (`clk_rate` writable, `clk_prepare_enable`, writable `clk_parent` taking the index in
 * `clk_possible_parents`) is driven through them.
 * @module
 */
import { clockKind } from "../../../plugins/clock/kind.ts";
import type { ClockHw } from "../../../plugins/clock/hw.ts";
import { DriverError, type HwResourceAccess } from "../../../core/driver.ts";
import { type HostFs, hostOp, readInt, readText } from "./host_fs.ts";
import {
  type LinuxClass,
  type LinuxCtx,
  placed,
  READ_WRITE,
  readOnly,
  unreadable,
} from "./_ctx.ts";

const COMPILED_OUT = "debugfs clock writes are compiled out of this kernel (clk_rate is read-only)";

/** Whether the clock in debugfs directory `dir` can be changed through it. */
export function clockAccess(fs: HostFs, dir: string): HwResourceAccess {
  const f = `${dir}/clk_rate`;
  return unreadable(fs, f) ?? (fs.writable(f) ? READ_WRITE : readOnly(COMPILED_OUT));
}

/** The clocks an instance backs; `sources` maps clock names to debugfs clock directories. */
export function linuxClocks(
  ctx: LinuxCtx,
  sources: Readonly<Record<string, string>> | undefined,
): LinuxClass<ClockHw> {
  const { fs } = ctx;
  const clocks = placed(ctx, clockKind, "clocks", sources);
  const byKernelName = new Map<string, number>();
  for (const [id, c] of clocks) byKernelName.set(c.source.split("/").pop()!, id);

  const dir = (id: number) => {
    const c = clocks.get(id);
    if (!c) throw new DriverError("invalid", `Clock ${id} is not driven by "${ctx.name}"`);
    return c.source;
  };
  const writable = (id: number, file: string) =>
    fs.exists(`${dir(id)}/${file}`) &&
    fs.writable(`${dir(id)}/${file}`);
  const denied = (id: number, what: string) =>
    new DriverError("denied", `${dir(id)}: cannot ${what}: ${COMPILED_OUT}`);
  const parentName = (id: number) =>
    fs.exists(`${dir(id)}/clk_parent`) ? readText(fs, `${dir(id)}/clk_parent`) : "";

  const hw: ClockHw = {
    getRate: (id) => readInt(fs, `${dir(id)}/clk_rate`),
    setRate(id, rate) {
      const now = readInt(fs, `${dir(id)}/clk_rate`);
      if (rate === now) return now;
      if (!writable(id, "clk_rate")) throw denied(id, `set the rate to ${rate} Hz`);
      hostOp(`${dir(id)}/clk_rate`, () => fs.write(`${dir(id)}/clk_rate`, `${rate}`));
      return readInt(fs, `${dir(id)}/clk_rate`);
    },
    isEnabled: (id) => readInt(fs, `${dir(id)}/clk_enable_count`) > 0,
    setEnabled(id, on) {
      if (hw.isEnabled(id) === on) return;
      if (!writable(id, "clk_prepare_enable")) throw denied(id, on ? "enable it" : "disable it");
      const f = `${dir(id)}/clk_prepare_enable`;
      hostOp(f, () => fs.write(f, on ? "1" : "0"));
    },
    getParent(id) {
      const name = parentName(id);
      return name === "" ? -1 : byKernelName.get(name) ?? -1;
    },
    setParent(id, parent) {
      const want = clocks.get(parent)?.source.split("/").pop();
      if (want === undefined) throw new DriverError("invalid", `Clock ${parent} is not a parent`);
      if (parentName(id) === want) return;
      if (!writable(id, "clk_parent")) throw denied(id, `switch it to ${want}`);
      const possible = fs.exists(`${dir(id)}/clk_possible_parents`)
        ? readText(fs, `${dir(id)}/clk_possible_parents`).split(/\s+/)
        : [];
      const index = possible.indexOf(want);
      if (index < 0) throw new DriverError("invalid", `${want} is not a possible parent`);
      hostOp(`${dir(id)}/clk_parent`, () => fs.write(`${dir(id)}/clk_parent`, `${index}`));
    },
  };
  return {
    hw,
    access: (id) => clockAccess(fs, dir(id)),
  };
}
