/**
 * What `vscmi check` warns about pin control: limits of the Linux pin-control driver.
 * @module
 */
import { type Deployment, type LintFinding, origin, speaks } from "../../mod.ts";
import { groupKind, pinKind } from "./kind.ts";

const PINCTRL_PROTOCOL = 0x19;

/** A pin group an agent speaking pin control sees without any of its pins (Linux rejects it). */
export function emptyGroups(dep: Deployment): LintFinding[] {
  const out: LintFinding[] = [];
  dep.agents.forEach((a, i) => {
    if (!speaks(a, PINCTRL_PROTOCOL)) return;
    const pins = new Set(a.grants.pin ?? []);
    for (const phys of a.grants.group ?? []) {
      const g = groupKind.find(dep.board, phys);
      if (g === undefined || g.pins.length === 0 || g.pins.some((p) => pins.has(p))) continue;
      out.push({
        file: dep.file,
        path: origin(a, i, "group", phys),
        message: `Agent "${a.name}" sees pin group "${g.name}" but none of its pins: Linux ` +
          `rejects a group without pins; grant it some of ${
            g.pins.map((p) => `"${pinKind.find(dep.board, p)?.name ?? p}"`).join(", ")
          } or drop the group`,
      });
    }
  });
  return out;
}

/** An agent granted pin control but no pin. */
export function pinctrlWithoutPins(dep: Deployment): LintFinding[] {
  const out: LintFinding[] = [];
  dep.agents.forEach((a, i) => {
    if (!speaks(a, PINCTRL_PROTOCOL)) return;
    if ((a.grants.pin ?? []).some((p) => p >= 0)) return;
    out.push({
      file: dep.file,
      path: ["agent", i, "protocols"],
      at: "key",
      message: `Agent "${a.name}" is granted pin control but no pin: its guest's pin ` +
        `controller has nothing to drive; grant pins or drop "pinctrl" from its protocols`,
    });
  });
  return out;
}
