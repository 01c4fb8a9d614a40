/** Discovery of GPIO lines, as pins, from debugfs's gpio summary. @module */
import type { HostFs } from "./host_fs.ts";
import { emptySection, Names, type Section, table, tryText } from "./discover_toml.ts";

const GPIO_DEBUG = "/sys/kernel/debug/gpio";

/**
 * GPIO lines from debugfs's gpio summary (`gpiochip<n>: GPIOs A-B, …` then one line per named
 * or requested line): one pin per line, named by the kernel's line name when it has one.
 */
export function gpioPins(fs: HostFs): Section {
  const s = emptySection();
  const text = tryText(fs, GPIO_DEBUG);
  if (!text) return s;
  const names = new Names();
  let id = 0;
  let chip: { name: string; base: number; lines: string[] } | undefined;
  const flush = () => {
    if (!chip) return;
    chip.lines.forEach((lineName, i) => {
      const name = names.take(lineName || `${chip!.name}_${i}`);
      s.entries.push(
        table(
          "pin",
          id++,
          name,
          [],
          i === 0 ? [`/dev/${chip!.name}, ${chip!.lines.length} lines`] : [],
        ),
      );
      s.sources.push([name, { chip: `/dev/${chip!.name}`, line: i }]);
    });
  };
  for (const l of text.split("\n")) {
    const head = /^(gpiochip\d+): GPIOs (\d+)-(\d+)/.exec(l);
    if (head) {
      flush();
      const [base, last] = [Number(head[2]), Number(head[3])];
      chip = { name: head[1], base, lines: new Array(Math.max(0, last - base + 1)).fill("") };
      continue;
    }
    const line = /^\s*gpio-(\d+)\s+\(([^|)]*)/.exec(l);
    if (chip && line) {
      const i = Number(line[1]) - chip.base;
      const n = line[2].trim();
      if (i >= 0 && i < chip.lines.length && n && n !== "<unused>") chip.lines[i] = n;
    }
  }
  flush();
  return s;
}
