/**
 * Manifests: loading and checking deployment and board manifests.
 *
 * @example
 * ```ts ignore
 * import { defaultDeploymentPath, loadDeployment, ManifestError } from "./mod.ts";
 * try {
 *   const dep = await loadDeployment(defaultDeploymentPath());
 *   console.log(dep.board.name, dep.agents.length);
 * } catch (e) {
 *   if (e instanceof ManifestError) console.error(e.message); // file:line:col key: …
 *   else throw e;
 * }
 * ```
 * @module
 */
export {
  isBoardManifest,
  loadAgents,
  loadBoard,
  loadBoardAlone,
  loadDeployment,
} from "./deployment.ts";
export type { AgentLoadOptions, LoadOptions } from "./deployment.ts";
export { defaultDeploymentPath, simBoardPath } from "./paths.ts";
export { defaultDeploymentFile } from "./files.ts";
export { formatProblem, ManifestError } from "../../core/manifest/problem.ts";
export type { Problem } from "../../core/manifest/problem.ts";
export type { AgentDecl, Deployment } from "../../core/manifest/types.ts";
export {
  HERTZ,
  MICROVOLTS,
  MICROWATTS,
  parseQuantity,
  toBaseUnit,
} from "../../core/manifest/units.ts";
export type { UnitSystem } from "../../core/manifest/units.ts";
export { type LoadedPlugin, loadPlugins } from "./plugins.ts";
