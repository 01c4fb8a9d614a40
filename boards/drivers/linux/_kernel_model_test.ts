/**
 * Test support: a small model of the kernel's behaviour over a recorded tree
 * (`tests/fixtures/linux/<name>/`), as the linux driver's {@linkcode HostFs}. Files hold what
 * the kernel showed when the tree was recorded; the model then acts as the kernel does where
 * the driver writes:
 *
 * - a file whose recorded mode has no write bit refuses writes (EACCES), one without a read
 *   bit refuses reads: the debugfs clock files of a stock kernel are 0444;
 * - cpufreq: `scaling_setspeed` is accepted only under the userspace governor (EINVAL
 *   otherwise) and moves `scaling_cur_freq` to the lowest available frequency at or above
 *   the target within the limits (the highest within them when none is above); `scaling_min_freq`
 *   above the maximum in force, or `scaling_max_freq` below the minimum, is EINVAL; a new
 *   limit or governor moves the current frequency as the governor would (performance: the
 *   highest allowed, powersave: the lowest, others: clamped into the limits);
 * - any other writable file stores what was written;
 * - tests add files (a regulator's userspace consumer) and behaviours with `addFile`/`onWrite`.
 * @module
 */
import { join } from "node:path";
import { type HostFs, HostFsError, resolveIn } from "./host_fs.ts";
import { MODES_FILE, parseModes } from "./record_format.ts";
import { discoverHost } from "./discover.ts";
import { createLinux, linuxOptions } from "./mod.ts";
import type { Board } from "../../../core/board.ts";
import type { BoardDriver } from "../../../core/driver.ts";
import { loadBoard } from "../../../server/manifest/mod.ts";
import type { GpioIo } from "./gpio_uapi.ts";
import type { Logger } from "../../../core/log.ts";
import { BUILTINS } from "../../../builtins.ts";

/** The recorded trees, by name. */
export const FIXTURES = {
  /** The default e2e kernel: SCMI clocks, regulators, hwmon, cpufreq (userspace governor). */
  scmiGuest: new URL("../../../tests/fixtures/linux/scmi-guest", import.meta.url).pathname,
  /** The thermal/IIO/gpio-sim kernel: thermal zone, IIO accelerometer, gpio-sim, performance governor. */
  thermalIioGpio: new URL("../../../tests/fixtures/linux/thermal-iio-gpio", import.meta.url)
    .pathname,
} as const;

export class KernelModel implements HostFs {
  readonly files = new Map<string, string>();
  readonly modes = new Map<string, number>();
  readonly links = new Map<string, string>();
  readonly dirs = new Set<string>(["/"]);
  /** Writes the model accepted, in order. */
  readonly writes: { path: string; text: string }[] = [];
  readonly #hooks = new Map<string, (text: string) => void>();

  /** The model over the recorded tree at `dir`. */
  static load(dir: string): KernelModel {
    const m = new KernelModel();
    const modes = parseModes(Deno.readTextFileSync(join(dir, MODES_FILE)));
    const walk = (rel: string) => {
      for (const e of Deno.readDirSync(join(dir, rel))) {
        const p = `${rel}/${e.name}`;
        if (p === `/${MODES_FILE}`) continue;
        if (e.isSymlink) m.#link(p, Deno.readLinkSync(join(dir, p)));
        else if (e.isDirectory) {
          m.#dir(p);
          walk(p);
        } else m.addFile(p, Deno.readTextFileSync(join(dir, p)), modes.get(p.slice(1)) ?? 0o444);
      }
    };
    walk("");
    return m;
  }

  #dir(p: string): void {
    for (let d = p; d !== "/" && d !== ""; d = d.slice(0, d.lastIndexOf("/")) || "/") {
      this.dirs.add(d);
    }
  }

  #link(p: string, target: string): void {
    this.#dir(p.slice(0, p.lastIndexOf("/")));
    this.links.set(p, target);
  }

  /** Adds (or replaces) a file. */
  addFile(path: string, text: string, mode: number): void {
    this.#dir(path.slice(0, path.lastIndexOf("/")));
    this.files.set(path, text);
    this.modes.set(path, mode);
  }

  /** Runs `fn` with the text of every accepted write to `path` (after it is stored). */
  onWrite(path: string, fn: (text: string) => void): void {
    this.#hooks.set(path, fn);
  }

  /** A file's text, trimmed (for assertions). */
  text(path: string): string {
    const p = resolveIn(this, path);
    const t = this.files.get(p);
    if (t === undefined) throw new Error(`model: no file ${path}`);
    return t.trim();
  }

  /** Sets a file's contents as the kernel would show them. */
  set(path: string, value: string | number): void {
    this.files.set(resolveIn(this, path), `${value}\n`);
  }

  #file(path: string): string {
    const p = resolveIn(this, path);
    if (!this.files.has(p)) throw new HostFsError(this.dirs.has(p) ? "EISDIR" : "ENOENT", path);
    return p;
  }

  read(path: string): string {
    const p = this.#file(path);
    if ((this.modes.get(p)! & 0o444) === 0) throw new HostFsError("EACCES", path, "cannot read");
    return this.files.get(p)!;
  }

  write(path: string, text: string): void {
    const p = this.#file(path);
    if (!this.writable(p)) throw new HostFsError("EACCES", path, "read-only");
    const name = p.slice(p.lastIndexOf("/") + 1);
    const dir = p.slice(0, p.lastIndexOf("/"));
    if (dir.includes("/cpufreq/policy")) this.#cpufreq(dir, name, text.trim());
    else this.files.set(p, `${text.trim()}\n`);
    this.writes.push({ path: p, text });
    this.#hooks.get(p)?.(text.trim());
  }

  #cpufreq(dir: string, name: string, v: string): void {
    const int = (f: string) => Number(this.text(`${dir}/${f}`));
    const num = () => {
      if (!/^\d+$/.test(v)) throw new HostFsError("EINVAL", `${dir}/${name}`);
      return Number(v);
    };
    const freqs = [
      ...this.text(`${dir}/scaling_available_frequencies`).split(/\s+/),
      ...(this.files.has(resolveIn(this, `${dir}/scaling_boost_frequencies`))
        ? this.text(`${dir}/scaling_boost_frequencies`).split(/\s+/)
        : []),
    ].filter(Boolean).map(Number).sort((a, b) => a - b);
    switch (name) {
      case "scaling_setspeed": {
        if (this.text(`${dir}/scaling_governor`) !== "userspace") {
          throw new HostFsError("EINVAL", `${dir}/${name}`);
        }
        this.#moveTo(dir, freqs, num());
        return;
      }
      case "scaling_min_freq":
      case "scaling_max_freq": {
        const f = Math.min(Math.max(num(), int("cpuinfo_min_freq")), int("cpuinfo_max_freq"));
        if (
          name === "scaling_min_freq" ? f > int("scaling_max_freq") : f < int("scaling_min_freq")
        ) {
          throw new HostFsError("EINVAL", `${dir}/${name}`);
        }
        this.set(`${dir}/${name}`, f);
        break;
      }
      case "scaling_governor": {
        if (!this.text(`${dir}/scaling_available_governors`).split(/\s+/).includes(v)) {
          throw new HostFsError("EINVAL", `${dir}/${name}`);
        }
        this.set(`${dir}/${name}`, v);
        this.set(
          `${dir}/scaling_setspeed`,
          v === "userspace" ? int("scaling_cur_freq") : "<unsupported>",
        );
        break;
      }
      default:
        this.set(`${dir}/${name}`, v);
        return;
    }
    const g = this.text(`${dir}/scaling_governor`);
    const lo = int("scaling_min_freq"), hi = int("scaling_max_freq");
    const target = g === "performance" ? hi : g === "powersave" ? lo : int("scaling_cur_freq");
    this.#moveTo(dir, freqs, target);
  }

  /** Runs the policy at the lowest frequency ≥ `target` inside its limits, else the highest inside. */
  #moveTo(dir: string, freqs: number[], target: number): void {
    const lo = Number(this.text(`${dir}/scaling_min_freq`));
    const hi = Number(this.text(`${dir}/scaling_max_freq`));
    const inside = freqs.filter((f) => f >= lo && f <= hi);
    const f = inside.find((x) => x >= target) ?? inside[inside.length - 1];
    if (f === undefined) return;
    this.set(`${dir}/scaling_cur_freq`, f);
    this.set(`${dir}/cpuinfo_cur_freq`, f);
    if (this.text(`${dir}/scaling_governor`) === "userspace") {
      this.set(`${dir}/scaling_setspeed`, f);
    }
  }

  writable(path: string): boolean {
    return (this.mode(path) & 0o222) !== 0;
  }

  exists(path: string): boolean {
    try {
      const p = resolveIn(this, path);
      return this.files.has(p) || this.dirs.has(p);
    } catch {
      return false;
    }
  }

  list(dir: string): string[] {
    let d: string;
    try {
      d = resolveIn(this, dir);
    } catch {
      return [];
    }
    const prefix = d === "/" ? "/" : `${d}/`;
    const out = new Set<string>();
    for (const p of [...this.files.keys(), ...this.links.keys(), ...this.dirs]) {
      if (p.startsWith(prefix) && p.length > prefix.length) {
        out.add(p.slice(prefix.length).split("/")[0]);
      }
    }
    return [...out].sort();
  }

  kind(path: string): "file" | "dir" | "link" | undefined {
    const p = path.replace(/\/+$/, "") || "/";
    if (this.links.has(p)) return "link";
    let parent: string;
    try {
      parent = resolveIn(this, p.slice(0, p.lastIndexOf("/")) || "/");
    } catch {
      return undefined;
    }
    const full = `${parent === "/" ? "" : parent}${p.slice(p.lastIndexOf("/"))}`;
    if (this.links.has(full)) return "link";
    if (this.files.has(full)) return "file";
    if (this.dirs.has(full)) return "dir";
    return undefined;
  }

  readlink(path: string): string {
    const t = this.links.get(path);
    if (t === undefined) throw new HostFsError("EINVAL", path, "not a link");
    return t;
  }

  mode(path: string): number {
    const m = this.modes.get(this.#file(path));
    return m ?? 0;
  }
}

/** A kernel model, the board `vscmi discover` writes for it, and a linux driver over both. */
export interface ModelRig {
  readonly model: KernelModel;
  readonly board: Board;
  readonly toml: string;
  readonly driver: BoardDriver;
}

/**
 * Loads `fixture` as a kernel model, discovers its board, reads that board as `vscmi check`
 * does and creates the linux driver over the model; `adjust` may change the model first,
 * `gpio` stands for the GPIO character device, `extra` is appended to the board (groups),
 * `log` is the driver's log.
 */
export async function modelRig(
  fixture: string,
  adjust?: (m: KernelModel) => void,
  gpio?: GpioIo,
  extra = "",
  log?: Logger,
): Promise<ModelRig> {
  const model = KernelModel.load(fixture);
  adjust?.(model);
  const toml = discoverHost(model) + extra;
  const file = await Deno.makeTempFile({ suffix: ".toml" });
  try {
    await Deno.writeTextFile(file, toml);
    const board = await loadBoard(file, BUILTINS);
    const decl = board.drivers[0];
    const env = { name: decl.name, board, log };
    const driver = createLinux(env, model, linuxOptions(decl.options), gpio);
    return { model, board, toml, driver };
  } finally {
    await Deno.remove(file);
  }
}

/** The physical id of the resource of `kind` named `name` on `board`. */
export function idOf(board: Board, kind: string, name: string): number {
  const r = board.resources[kind]?.find((x) => x.name === name);
  if (!r) throw new Error(`no ${kind} "${name}" on the board`);
  return r.id;
}
