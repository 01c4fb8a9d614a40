/**
 * What `vscmi check` warns about clocks: limits of the Linux clock driver.
 * @module
 */
import { admits, type Deployment, type LintFinding, speaks } from "../../mod.ts";
import { clockKind } from "./kind.ts";

/** Linux's `SCMI_MAX_NUM_RATES`: a clock listing more discrete rates is rejected. */
export const LINUX_MAX_RATES = 16;

const CLOCK_PROTOCOL = 0x14;

/**
 * A clock that shows an agent speaking the clock protocol more than 16 discrete rates: Linux
 * rejects it (`SCMI_MAX_NUM_RATES`); the agent's bounds count, since it is shown only the
 * rates it may set.
 */
export function tooManyRates(dep: Deployment): LintFinding[] {
  const out: LintFinding[] = [];
  clockKind.of(dep.board).forEach((c, j) => {
    if (c.rates.kind !== "list" || c.rates.rates.length <= LINUX_MAX_RATES) return;
    const list = c.rates.rates;
    const over: string[] = [];
    for (const a of dep.agents) {
      if (!speaks(a, CLOCK_PROTOCOL) || !(a.grants.clock ?? []).includes(c.id)) continue;
      const b = a.access?.clock?.get(c.id)?.bounds;
      const shown = list.filter((r) => admits(b, r)).length;
      if (shown > LINUX_MAX_RATES) over.push(`"${a.name}" (${shown})`);
    }
    if (over.length === 0) return;
    out.push({
      file: dep.boardFile,
      path: ["clock", j, "rates"],
      at: "key",
      message:
        `Clock "${c.name}" shows more than ${LINUX_MAX_RATES} rates to agents ${
          over.join(", ")
        }: Linux rejects a clock with more (SCMI_MAX_NUM_RATES); bound the rates each agent ` +
        `may set ([[agent.clock]] min, max or rates)`,
    });
  });
  return out;
}
