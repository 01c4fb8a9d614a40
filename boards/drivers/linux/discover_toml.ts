/** What `vscmi discover`'s parts share: TOML text, unique names, tolerant reads. @module */
import type { HostFs } from "./host_fs.ts";

/** A TOML string. */
export const q = (s: string) => JSON.stringify(s);

/** Resource names unique within their kind, at most 63 printable ASCII characters. */
export class Names {
  readonly #used = new Set<string>();
  take(raw: string): string {
    const base = raw.replace(/[^\x21-\x7e]/g, "_").slice(0, 60) || "unnamed";
    let n = base;
    for (let i = 2; this.#used.has(n); i++) n = `${base.slice(0, 59 - String(i).length)}_${i}`;
    this.#used.add(n);
    return n;
  }
}

/** A file's trimmed text, or undefined when it cannot be read. */
export function tryText(fs: HostFs, p: string): string | undefined {
  try {
    return fs.read(p).trim();
  } catch {
    return undefined;
  }
}

/** A file's integer, or undefined. */
export function tryInt(fs: HostFs, p: string): number | undefined {
  const t = tryText(fs, p);
  if (t === undefined || t === "" || !/^-?\d+$/.test(t)) return undefined;
  return Number(t);
}

/** One `[[kind]]` table with the comment lines before it. */
export function table(
  kind: string,
  id: number,
  name: string,
  keys: string[],
  comment: string[],
): string {
  return [
    ...comment.map((c) => `# ${c}`),
    `[[${kind}]]`,
    `id = ${id}`,
    `name = ${q(name)}`,
    ...keys,
  ]
    .join("\n");
}

/** What one part of the host gives: its tables, its option entries, what was left out. */
export interface Section {
  entries: string[];
  sources: [string, string | Record<string, string | number>][];
  skipped: string[];
}

/** A part with nothing in it yet. */
export const emptySection = (): Section => ({ entries: [], sources: [], skipped: [] });
