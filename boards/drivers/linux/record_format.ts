/**
 * The recorded tree: what `vscmi discover --record DIR` writes and what the guest recorder
 * (`tests/fixtures/linux/record_guest.sh`, kept in step with {@linkcode recordTree}) prints.
 *
 * - every recorded regular file at its host path under DIR, holding its contents (empty when
 *   the kernel refused the read);
 * - symlinks (the `/sys/class/…` and `/sys/bus/…/devices` entries) as symlinks with the
 *   kernel's own relative target, and the files of the directory they point to;
 * - `DIR/.modes`: one line `<octal permission bits> <path relative to DIR>` per recorded file,
 *   sorted by path, since writability depends on them and git keeps no modes.
 *
 * What is recorded: the regular files directly inside each debugfs clock directory
 * (`/sys/kernel/debug/clk/<clk>/`) and cpufreq policy (`/sys/devices/system/cpu/cpufreq/
 * policy*`), inside the directory every entry of `/sys/class/regulator`, `/sys/class/hwmon`,
 * `/sys/class/thermal/thermal_zone*`, `/sys/bus/iio/devices` and `/sys/bus/gpio/devices`
 * links to, and `/sys/kernel/debug/gpio`.
 * @module
 */
import { dirname, join } from "node:path";
import type { HostFs } from "./host_fs.ts";
import { resolveIn } from "./host_fs.ts";

/** The modes manifest at the root of a recorded tree. */
export const MODES_FILE = ".modes";

/** Directories whose regular files are recorded: parent directory and a name filter. */
const DIRS: readonly [string, RegExp][] = [
  ["/sys/kernel/debug/clk", /^/],
  ["/sys/devices/system/cpu/cpufreq", /^policy\d+$/],
];
/** Directories of links whose targets' regular files are recorded. */
const LINKS: readonly [string, RegExp][] = [
  ["/sys/class/regulator", /^/],
  ["/sys/class/hwmon", /^/],
  ["/sys/class/thermal", /^thermal_zone\d+$/],
  ["/sys/bus/iio/devices", /^/],
  ["/sys/bus/gpio/devices", /^/],
];
/** Single files recorded. */
const FILES = ["/sys/kernel/debug/gpio"];

/** Path → permission bits, from a `.modes` file's text. */
export function parseModes(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = /^([0-7]{1,4}) (.+)$/.exec(line);
    if (m) out.set(m[2], parseInt(m[1], 8));
  }
  return out;
}

/** A `.modes` file's text for `modes` (paths relative to the tree's root). */
export function formatModes(modes: ReadonlyMap<string, number>): string {
  return [...modes].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
    .map(([p, m]) => `${m.toString(8)} ${p}\n`).join("");
}

/** What a recording holds: files with contents and modes, links with targets. */
export interface Recording {
  /** Host path → contents ("" when unreadable). */
  files: Map<string, string>;
  /** Host path → permission bits. */
  modes: Map<string, number>;
  /** Host path → link target. */
  links: Map<string, string>;
}

/** Reads, through `fs`, every path the recording covers. */
export function recordTree(fs: HostFs): Recording {
  const rec: Recording = { files: new Map(), modes: new Map(), links: new Map() };
  const file = (p: string) => {
    let text = "";
    try {
      text = fs.read(p);
    } catch {
      // Unreadable (write-only, or the kernel refused): recorded empty, with its mode.
    }
    rec.files.set(p, text);
    rec.modes.set(p, fs.mode(p));
  };
  const dir = (d: string) => {
    for (const n of fs.list(d)) {
      if (!n.startsWith(".") && fs.kind(`${d}/${n}`) === "file") file(`${d}/${n}`);
    }
  };
  for (const [parent, re] of DIRS) {
    for (const n of fs.list(parent)) {
      if (re.test(n) && fs.kind(`${parent}/${n}`) === "dir") dir(`${parent}/${n}`);
    }
  }
  for (const [parent, re] of LINKS) {
    for (const n of fs.list(parent)) {
      const p = `${parent}/${n}`;
      if (!re.test(n) || fs.kind(p) !== "link") continue;
      rec.links.set(p, fs.readlink(p));
      dir(resolveIn(fs, p));
    }
  }
  for (const p of FILES) if (fs.kind(p) === "file") file(p);
  return rec;
}

/** Writes `rec` as a tree under `out` (created; must be empty or absent). */
export function writeRecording(rec: Recording, out: string): void {
  Deno.mkdirSync(out, { recursive: true });
  for (const [p, text] of rec.files) {
    Deno.mkdirSync(dirname(join(out, p)), { recursive: true });
    Deno.writeTextFileSync(join(out, p), text);
  }
  for (const [p, target] of rec.links) {
    Deno.mkdirSync(dirname(join(out, p)), { recursive: true });
    Deno.symlinkSync(target, join(out, p));
  }
  const rel = new Map([...rec.modes].map(([p, m]) => [p.slice(1), m]));
  Deno.writeTextFileSync(join(out, MODES_FILE), formatModes(rel));
}
