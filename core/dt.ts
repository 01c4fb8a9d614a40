/**
 * What a protocol contributes to `vscmi dt`, the device-tree fragment of one guest: its node's
 * label and provider cells, the consumer property of each kind whose virtual ids the node's
 * comment lists, and any sub-nodes it describes for the agent. The command walks the agent's
 * protocols and asks each for its node; it names none of them.
 * @module
 */
import type { AgentDecl, Deployment } from "./manifest/types.ts";

/** One agent of a loaded deployment, as a protocol's device-tree node sees it. */
export interface DtView {
  /** The loaded deployment. */
  readonly dep: Deployment;
  /** The agent whose guest the fragment is for. */
  readonly agent: AgentDecl;
}

/** A protocol's node in the guest's `firmware/scmi` node (`ProtocolDef.dt`). */
export interface DtNode {
  /** The node's label (`scmi_clk`). */
  readonly label: string;
  /** Its provider cells property, one cell wide (`#clock-cells`), if consumers refer to it. */
  readonly cells?: string;
  /**
   * Per kind of the protocol, how a consumer node refers to one of its ids, shown beside the
   * list of the agent's ids (`clocks = <&scmi_clk ID>`).
   */
  readonly consumers?: Readonly<Record<string, string>>;
  /**
   * Sub-nodes the guest needs for this agent (Linux registers only the regulators listed),
   * as lines indented one tab into the protocol node; none when it has nothing to list.
   *
   * @param view The agent and its deployment.
   * @returns Lines of text.
   */
  readonly children?: (view: DtView) => string[];
}

/**
 * A device-tree label from a resource name: letters, digits and '_', after a prefix.
 *
 * @param prefix The label's start (`scmi_vreg`).
 * @param name A resource name.
 * @returns `prefix_name` with every other character replaced by '_'.
 *
 * @example
 * ```ts
 * import { dtLabel } from "./dt.ts";
 * console.assert(dtLabel("scmi_vreg", "vdd-io.1") === "scmi_vreg_vdd_io_1");
 * ```
 */
export function dtLabel(prefix: string, name: string): string {
  return `${prefix}_${name.replace(/[^A-Za-z0-9_]/g, "_")}`;
}

/**
 * Text safe inside a device-tree comment and string.
 *
 * @param s Any text (a resource or file name).
 * @returns It without a comment's end, quotes or backslashes.
 */
export function dtSafe(s: string): string {
  return s.replace(/\*\//g, "* /").replace(/["\\]/g, "_");
}

/**
 * The name of resource `phys` of `kind` on the deployment's board, or `<kind><phys>`.
 *
 * @param dep A loaded deployment.
 * @param kind A kind name.
 * @param phys A physical id.
 * @returns Its board name.
 */
export function dtResourceName(dep: Deployment, kind: string, phys: number): string {
  return dep.board.resources[kind]?.find((r) => r.id === phys)?.name ?? `${kind}${phys}`;
}
