/** Where the bundled manifests are, found from this module's own URL. @module */
import { fileURLToPath } from "node:url";

/**
 * Absolute path of the example deployment (`examples/sim/vscmi.toml`). Works from a checkout
 * and from a binary built with `deno compile --include boards --include examples`.
 */
export function defaultDeploymentPath(): string {
  return fileURLToPath(new URL("../../examples/sim/vscmi.toml", import.meta.url));
}

/** Absolute path of the bundled simulated board (`boards/sim.toml`). */
export function simBoardPath(): string {
  return fileURLToPath(new URL("../../boards/sim.toml", import.meta.url));
}
