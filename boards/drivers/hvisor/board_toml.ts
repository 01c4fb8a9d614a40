/**
 * The board manifest of an hvisor driver: one `[[driver]]` of type `hvisor` and the clocks,
 * reset lines and power domains of zone0's hvisor node, by index. `vscmi discover --hvisor`
 * writes it with the kernel's names and rates; `vscmi import hvisor` without `--board` writes
 * it with placeholder names for the indexes a configuration uses.
 * @module
 */

/** A clock of the board: its index, name and (when known) the rate it runs at. */
export interface HvisorClockEntry {
  /** Index in the hvisor node's `clocks` list. */
  readonly id: number;
  /** Board name. */
  readonly name: string;
  /** Rate at discovery, Hz. */
  readonly rate?: number;
}

/** A reset line or power domain of the board. */
export interface HvisorEntry {
  /** Index in the hvisor node's `resets` or `power-domains` list. */
  readonly id: number;
  /** Board name. */
  readonly name: string;
}

/** What a board for the hvisor driver holds. */
export interface HvisorBoardSpec {
  /** `[board] name`. */
  readonly name: string;
  /** The driver's `device` option; absent: the default `/dev/hvisor` under the hardware root. */
  readonly device?: string;
  /** Comment lines for the head of the file (without `#`). */
  readonly header: readonly string[];
  readonly clocks: readonly HvisorClockEntry[];
  readonly resets: readonly HvisorEntry[];
  readonly powers: readonly HvisorEntry[];
}

/**
 * The rates a clock of the hvisor driver accepts: the helper has no rate list (its
 * DESCRIBE_RATES fills none), the kernel rounds each request, and the driver reports the rate
 * the clock then runs at.
 */
export const HVISOR_CLOCK_RANGE = 'range = { min = 1, max = "10GHz", step = 1 }';

/** The name a board without the kernel's names gives index `id` of `kind`. */
export function placeholderName(kind: "clock" | "reset" | "power", id: number): string {
  return `${kind}${id}`;
}

/** A TOML basic string (JSON's escapes are TOML's for the characters names hold). */
export function tomlString(s: string): string {
  return JSON.stringify(s);
}

/**
 * Board names from the kernel's: ASCII letters, digits and `_-.` kept, others `_`, at most
 * 63 characters, unique (a repeat gets `_<id>`), the placeholder when empty.
 */
export function boardNames(
  kind: "clock" | "reset" | "power",
  entries: readonly { id: number; name: string }[],
): HvisorEntry[] {
  const seen = new Set<string>();
  return entries.map(({ id, name }) => {
    let n = name.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 63) || placeholderName(kind, id);
    if (seen.has(n)) n = `${n.slice(0, 63 - `_${id}`.length)}_${id}`;
    seen.add(n);
    return { id, name: n };
  });
}

/** The board manifest text. */
export function hvisorBoardToml(spec: HvisorBoardSpec): string {
  const out = spec.header.map((l) => (l ? `# ${l}` : "#"));
  out.push(
    "",
    "[board]",
    `name = ${tomlString(spec.name)}`,
    "",
    "[[driver]]",
    'name = "hvisor"',
    'type = "hvisor"',
  );
  if (spec.device !== undefined) out.push(`options = { device = ${tomlString(spec.device)} }`);
  for (const c of spec.clocks) {
    out.push("", "[[clock]]", `id = ${c.id}`, `name = ${tomlString(c.name)}`, HVISOR_CLOCK_RANGE);
    if (c.rate !== undefined && c.rate >= 1) out.push(`rate = ${c.rate}`);
  }
  for (const r of spec.resets) {
    out.push("", "[[reset]]", `id = ${r.id}`, `name = ${tomlString(r.name)}`);
  }
  for (const p of spec.powers) {
    out.push("", "[[power]]", `id = ${p.id}`, `name = ${tomlString(p.name)}`);
  }
  return out.join("\n") + "\n";
}
