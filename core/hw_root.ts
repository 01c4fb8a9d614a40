/**
 * The hardware root: where drivers and bindings open hardware paths (`/dev/mem`, `/sys/…`,
 * `/dev/hvisor`). It is `/` on a board; `--hw-root DIR` points it at a recorded tree or at
 * files standing in for devices, so the same code serves tests, demos and bring-up. Guest
 * endpoints (sockets, shared files) never go through it: they live in the run directory.
 * @module
 */
import { isAbsolute, join } from "node:path";

/** Options every hardware-facing driver and binding receives. */
export interface HwAccess {
  /** Directory standing for `/` when opening hardware paths; `/` on the board itself. */
  readonly hwRoot: string;
  /** Log each hardware write instead of performing it (`--dry-run`). */
  readonly dryRun: boolean;
}

/** The defaults: the real root, writes performed. */
export const REAL_HW: HwAccess = Object.freeze({ hwRoot: "/", dryRun: false });

/**
 * The hardware access of a driver or transport environment, whose fields are optional (unit
 * tests build environments by hand): what is absent is the real root, writes performed.
 */
export function hwAccessOf(env: Partial<HwAccess>): HwAccess {
  return { hwRoot: env.hwRoot ?? REAL_HW.hwRoot, dryRun: env.dryRun ?? REAL_HW.dryRun };
}

/**
 * `path` (an absolute hardware path such as `/dev/mem`) as seen under `root`.
 *
 * @param root the hardware root (`/` on the board)
 * @param path an absolute path on the board
 * @returns the path to open
 * @throws {TypeError} when `path` is relative: hardware paths are absolute by definition
 * @example
 * ```ts
 * import { hwPath } from "./hw_root.ts";
 * hwPath("/tmp/rec", "/sys/class/regulator"); // "/tmp/rec/sys/class/regulator"
 * hwPath("/", "/dev/mem"); // "/dev/mem"
 * ```
 */
export function hwPath(root: string, path: string): string {
  if (!isAbsolute(path)) throw new TypeError(`Hardware path must be absolute, got "${path}"`);
  return root === "/" ? path : join(root, path);
}
