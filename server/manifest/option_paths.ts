/**
 * Path options (`OptionsDecl.paths`) in manifests: a relative path is relative to the
 * manifest file, and `{run_dir}` at the start of one stands for the server's run directory,
 * put in when the server starts the driver or transport.
 * @module
 */
import { join } from "node:path";
import { type OptionProblem, type OptionsDecl, RUN_DIR } from "../../core/options.ts";
import { runtimePath } from "./files.ts";

/**
 * `options` with each declared path option made absolute as manifest `file` names it
 * (`{run_dir}…` kept for the server), and the problems of path values that use another
 * placeholder.
 */
export function manifestPaths(
  decl: OptionsDecl,
  file: string,
  options: Readonly<Record<string, unknown>>,
): { options: Record<string, unknown>; problems: OptionProblem[] } {
  const out = { ...options };
  const problems: OptionProblem[] = [];
  for (const key of decl.paths ?? []) {
    const v = options[key];
    if (typeof v !== "string" || v === "") continue;
    const rest = v.startsWith(RUN_DIR) ? v.slice(RUN_DIR.length) : v;
    if (rest.includes("{")) {
      problems.push({
        option: key,
        at: "value",
        message:
          `Expected a path, relative to the manifest or starting with ${RUN_DIR}, got "${v}"`,
      });
    } else if (rest === v) out[key] = runtimePath(file, v);
  }
  return { options: out, problems };
}

/** `options` with `{run_dir}` at the start of each declared path option replaced by `runDir`. */
export function withRunDir(
  decl: OptionsDecl,
  options: Readonly<Record<string, unknown>>,
  runDir: string,
): Record<string, unknown> {
  const out = { ...options };
  for (const key of decl.paths ?? []) {
    const v = options[key];
    if (typeof v === "string" && v.startsWith(RUN_DIR)) {
      out[key] = join(runDir, v.slice(RUN_DIR.length));
    }
  }
  return out;
}
