/**
 * `vscmi check`'s hardware access report: per resource, whether its board driver can read it
 * and change it on the hardware it opened (`BoardDriver.access`), so an integrator sees before
 * any guest boots what will be DENIED, and why.
 * @module
 */
import type { Board } from "../core/board.ts";
import type { BoardDriver, HwResourceAccess } from "../core/driver.ts";
import { hwClassOf } from "../core/hw_table.ts";
import { nounOf } from "../core/kind.ts";

/** One resource's access as its driver reports it. */
export interface ResourceAccessLine {
  kind: string;
  id: number;
  name: string;
  driver: string;
  access: HwResourceAccess;
}

/** Every resource of `board` with what its driver says it can do (read and write when silent). */
export function resourceAccess(
  board: Board,
  drivers: ReadonlyMap<string, BoardDriver>,
): ResourceAccessLine[] {
  const out: ResourceAccessLine[] = [];
  for (const [kind, list] of Object.entries(board.resources)) {
    for (const r of list) {
      const drv = drivers.get(r.driver);
      const access = drv?.access?.(hwClassOf(kind), r.id) ??
        (drv
          ? { read: true, write: true }
          : { read: false, write: false, why: "its driver did not start" });
      out.push({ kind, id: r.id, name: r.name, driver: r.driver, access });
    }
  }
  return out;
}

const label = (a: HwResourceAccess) =>
  a.read && a.write ? "read/write" : a.read ? "read only" : a.write ? "write only" : "no access";

/**
 * The report as lines: per kind, the resources that can be read and written named on one
 * line, then each other resource on a line of its own with what it allows and why.
 */
export function accessReport(lines: readonly ResourceAccessLine[]): string[] {
  const out = ["  hardware access:"];
  const kinds = [...new Set(lines.map((l) => l.kind))];
  for (const kind of kinds) {
    const mine = lines.filter((l) => l.kind === kind);
    const full = mine.filter((l) => l.access.read && l.access.write && !l.access.why);
    const noun = nounOf(kind);
    if (full.length) {
      out.push(`    ${noun}: ${full.length} read/write: ${full.map((l) => l.name).join(", ")}`);
    }
    for (const l of mine) {
      if (full.includes(l)) continue;
      const why = l.access.why ? `: ${l.access.why}` : "";
      out.push(`    ${noun} ${l.name} (${l.id}, driver "${l.driver}"): ${label(l.access)}${why}`);
    }
  }
  return out;
}
