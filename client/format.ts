/**
 * Output helpers for `vscmi`: aligned tables, hex, versions. Output stays stable so scripts
 * and people can read it.
 * @module
 */

/** Rows as aligned columns (two spaces between), trailing spaces trimmed. */
export function table(rows: readonly (readonly string[])[], indent = ""): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => widths[i] = Math.max(widths[i] ?? 0, c.length));
  return rows.map((r) =>
    indent + r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join("  ").trimEnd()
  ).join("\n");
}

/** `0x` and eight hex digits. */
export function hex32(v: number): string {
  return `0x${(v >>> 0).toString(16).padStart(8, "0")}`;
}

/** A short hex id, e.g. `0x14`. */
export function hexId(v: number): string {
  return `0x${v.toString(16)}`;
}

/** `(major << 16) | minor` as `major.minor`. */
export function version(v: number): string {
  return `${v >>> 16}.${v & 0xffff}`;
}

/** "1 clock", "2 clocks". */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** "yes" / "no". */
export function yesNo(v: boolean): string {
  return v ? "yes" : "no";
}
