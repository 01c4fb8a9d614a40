/**
 * The voltage protocol's node in a guest's device tree (`vscmi dt`): Linux registers only the
 * voltage domains a `regulators` sub-node lists, so the node lists each domain the agent is
 * granted, with the lowest and highest level the agent may set as its constraints.
 * @module
 */
import {
  type Bounds,
  type Deployment,
  dtLabel,
  type DtNode,
  dtResourceName,
  dtSafe,
  type DtView,
} from "../../mod.ts";
import { voltageKind } from "./kind.ts";

/** `scmi_voltage: protocol@17` with a `regulator@N` per granted voltage domain. */
export const voltageDt: DtNode = { label: "scmi_voltage", children: regulators };

/**
 * `regulators { regulator@N … }`. Each carries `regulator-min-microvolt` /
 * `regulator-max-microvolt`, the lowest and highest level the agent may set, so the guest's
 * regulator core gets real constraints.
 */
function regulators({ dep, agent }: DtView): string[] {
  const ids = agent.grants[voltageKind.name] ?? [];
  if (ids.length === 0) return [];
  const lines = ["\tregulators {", "\t\t#address-cells = <1>;", "\t\t#size-cells = <0>;"];
  ids.forEach((phys, v) => {
    if (phys < 0) return;
    const n = dtResourceName(dep, voltageKind.name, phys);
    const span = voltageSpan(dep, phys, agent.access?.[voltageKind.name]?.get(phys)?.bounds);
    lines.push(
      `\t\t${dtLabel("scmi_vreg", n)}: regulator@${v.toString(16)} {`,
      `\t\t\treg = <${v}>;`,
      `\t\t\tregulator-name = "${dtSafe(n)}";`,
    );
    if (span) {
      lines.push(
        `\t\t\tregulator-min-microvolt = <${span.min}>;`,
        `\t\t\tregulator-max-microvolt = <${span.max}>;`,
      );
    }
    lines.push(`\t\t};`);
  });
  lines.push("\t};");
  return lines;
}

/**
 * The lowest and highest level, µV, voltage domain `phys` supports that bounds `b` admit: a
 * level list's first and last admitted levels, a segment's ends moved inward onto its step
 * grid. Undefined when nothing is admitted, or a level is negative (the DT cells are
 * unsigned).
 *
 * @param dep A loaded deployment.
 * @param phys A voltage domain's physical id.
 * @param b The agent's bounds on it, if any.
 * @returns The span, or undefined.
 */
export function voltageSpan(
  dep: Deployment,
  phys: number,
  b?: Bounds,
): { min: number; max: number } | undefined {
  const levels = voltageKind.find(dep.board, phys)?.levels;
  if (levels === undefined) return undefined;
  const lo = b?.min ?? -Infinity;
  const hi = b?.max ?? Infinity;
  const admitted = (x: number) => x >= lo && x <= hi && (b?.values?.includes(x) ?? true);
  let min: number;
  let max: number;
  if (levels.kind === "list" || b?.values !== undefined) {
    const list = levels.kind === "list"
      ? levels.levels
      : b!.values!.filter((x) => onSegment(levels, x));
    const ok = list.filter(admitted);
    if (ok.length === 0) return undefined;
    [min, max] = [ok[0], ok[ok.length - 1]];
  } else {
    const { min: from, max: to, step } = levels;
    const a = Math.max(from, lo);
    const z = Math.min(to, hi);
    min = step > 0 ? from + Math.ceil((a - from) / step) * step : a;
    max = step > 0 ? from + Math.floor((z - from) / step) * step : z;
  }
  if (min > max || min < 0) return undefined;
  return { min, max };
}

function onSegment(s: { min: number; max: number; step: number }, x: number): boolean {
  return x >= s.min && x <= s.max && (!(s.step > 0) || (x - s.min) % s.step === 0);
}
