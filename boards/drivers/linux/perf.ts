/**
 * Performance domains from cpufreq policies (`/sys/devices/system/cpu/cpufreq/policy<n>/`):
 * the board's levels carry the policy's frequencies (`vscmi discover` writes one level per
 * available frequency, the level being the frequency in kHz). The level is read from
 * `scaling_cur_freq`; under the userspace governor a level is set through `scaling_setspeed`,
 * under any other the governor chooses it (DENIED), and limits go to `scaling_min_freq` and
 * `scaling_max_freq` in an order the kernel accepts. Each answer is what the kernel reports
 * afterwards, so a write the kernel ignored does not pass for done.
 * @module
 */
import { perfKind } from "../../../plugins/perf/kind.ts";
import type { PerfDesc } from "../../../plugins/perf/kind.ts";
import type { PerfHw } from "../../../plugins/perf/hw.ts";
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

/** The declared level whose frequency is nearest `khz` (the lower one on a tie). */
function levelAt(d: PerfDesc, khz: number): number {
  let best = d.levels[0];
  for (const l of d.levels) {
    if (Math.abs(l.freqKhz - khz) < Math.abs(best.freqKhz - khz)) best = l;
  }
  return best.level;
}

/** Whether the cpufreq policy in `dir` can be changed, and how. */
export function policyAccess(fs: HostFs, dir: string): HwResourceAccess {
  const no = unreadable(fs, `${dir}/scaling_cur_freq`);
  if (no) return no;
  const w = (f: string) => fs.exists(`${dir}/${f}`) && fs.writable(`${dir}/${f}`);
  const limits = w("scaling_min_freq") && w("scaling_max_freq");
  let g = "?";
  try {
    g = fs.read(`${dir}/scaling_governor`).trim();
  } catch {
    // Unknown governor: only the files' modes decide.
  }
  if (g === "userspace" && w("scaling_setspeed")) {
    return limits ? READ_WRITE : { read: true, write: true, why: "limits are read-only" };
  }
  if (limits) {
    return {
      read: true,
      write: true,
      why: `the ${g} governor chooses the level (the userspace governor lets vscmi set it); ` +
        "limits are set",
    };
  }
  return readOnly("scaling_setspeed, scaling_min_freq and scaling_max_freq are read-only");
}

/** The performance domains an instance backs; `sources` maps names to policy directories. */
export function linuxPerf(
  ctx: LinuxCtx,
  sources: Readonly<Record<string, string>> | undefined,
): LinuxClass<PerfHw> {
  const { fs } = ctx;
  const domains = placed(ctx, perfKind, "perf", sources);
  const dom = (id: number) => {
    const d = domains.get(id);
    if (!d) {
      throw new DriverError("invalid", `Performance domain ${id} is not driven by "${ctx.name}"`);
    }
    return { desc: d.desc, dir: d.source };
  };
  const khzOf = (d: PerfDesc, level: number) => {
    const l = d.levels.find((x) => x.level === level);
    if (!l) throw new DriverError("range", `Level ${level} is not declared`);
    return l.freqKhz;
  };
  const governor = (dir: string) => readText(fs, `${dir}/scaling_governor`);
  const write = (file: string, khz: number) => hostOp(file, () => fs.write(file, `${khz}`));
  const current = (id: number) => {
    const { desc, dir } = dom(id);
    return levelAt(desc, readInt(fs, `${dir}/scaling_cur_freq`));
  };

  const hw: PerfHw = {
    getLevel: current,
    setLevel(id, level) {
      const { desc, dir } = dom(id);
      const khz = khzOf(desc, level);
      const g = governor(dir);
      if (g !== "userspace") {
        if (readInt(fs, `${dir}/scaling_cur_freq`) === khz) return level;
        throw new DriverError("denied", `${dir}: the ${g} governor chooses the frequency`);
      }
      write(`${dir}/scaling_setspeed`, khz);
      return current(id);
    },
    setLimits(id, min, max) {
      const { desc, dir } = dom(id);
      const inside = desc.levels.filter((l) => l.level >= min && l.level <= max);
      if (inside.length === 0) throw new DriverError("range", `No level in [${min}, ${max}]`);
      const lo = inside[0].freqKhz;
      const hi = inside[inside.length - 1].freqKhz;
      // The kernel refuses a minimum above the maximum in force, and the reverse.
      if (lo > readInt(fs, `${dir}/scaling_max_freq`)) {
        write(`${dir}/scaling_max_freq`, hi);
        write(`${dir}/scaling_min_freq`, lo);
      } else {
        write(`${dir}/scaling_min_freq`, lo);
        write(`${dir}/scaling_max_freq`, hi);
      }
      return current(id);
    },
  };
  return {
    hw,
    access: (id) => policyAccess(fs, dom(id).dir),
  };
}
