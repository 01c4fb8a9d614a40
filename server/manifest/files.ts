/**
 * Where manifests are read from: the file system, or the files built into vscmi (the default
 * deployment and the simulated board), which live under the virtual root `embedded:` so that a
 * bundled or compiled program reads them without touching the disk. Problems in them still name
 * their file (`embedded:boards/sim.toml`), key and line.
 * @module
 */
import { dirname, posix, resolve } from "node:path";
import simDeployment from "../../examples/sim/vscmi.toml" with { type: "text" };
import simBoard from "../../boards/sim.toml" with { type: "text" };

/** The prefix of a built-in manifest's path. */
export const EMBEDDED = "embedded:";

/** The manifests built into vscmi, by virtual path. */
const FILES = new Map<string, string>([
  [`${EMBEDDED}examples/sim/vscmi.toml`, simDeployment],
  [`${EMBEDDED}boards/sim.toml`, simBoard],
]);

/** Plugin modules compiled into a program made by `vscmi build`, by virtual path. */
const MODULES = new Map<string, Record<string, unknown>>();

/** The deployment `vscmi serve` serves when given none (the sim example, built in). */
let defaultDeployment = `${EMBEDDED}examples/sim/vscmi.toml`;

/** The deployment `vscmi serve` serves when given none. */
export function defaultDeploymentFile(): string {
  return defaultDeployment;
}

/** What a program made by `vscmi build` carries: its deployment's files and plugins. */
export interface Embedding {
  /** Manifest texts by virtual path (`embedded:…`). */
  files: Record<string, string>;
  /** Plugin modules by the virtual path the deployment names them by. */
  modules: Record<string, Record<string, unknown>>;
  /** The virtual path of the deployment to serve by default. */
  deployment: string;
}

/** Builds `e` into this program (the entry module `vscmi build` writes calls it first). */
export function embed(e: Embedding): void {
  for (const [k, v] of Object.entries(e.files)) FILES.set(k, v);
  for (const [k, v] of Object.entries(e.modules)) MODULES.set(k, v);
  defaultDeployment = e.deployment;
}

/** Imports plugin module `url`: a compiled-in one when it is under `embedded:`. */
export function importModule(url: string): Promise<Record<string, unknown>> {
  if (!url.startsWith(EMBEDDED)) return import(url);
  const mod = MODULES.get(url);
  if (mod === undefined) return Promise.reject(new Error(`No plugin ${url} is built in`));
  return Promise.resolve(mod);
}

/** The text of manifest `file`; a built-in one that does not exist is Deno.errors.NotFound. */
export function readManifestFile(file: string): Promise<string> {
  if (!file.startsWith(EMBEDDED)) return Deno.readTextFile(file);
  const text = FILES.get(file);
  if (text === undefined) {
    return Promise.reject(new Deno.errors.NotFound(`no built-in file ${file}`));
  }
  return Promise.resolve(text);
}

/** `path` made absolute (a built-in path already is). */
export function absolutePath(path: string): string {
  return path.startsWith(EMBEDDED) ? path : resolve(path);
}

/**
 * `path` as named in manifest `file`: relative to the file's folder. Inside a built-in
 * manifest a relative path stays under `embedded:`.
 */
export function besideManifest(file: string, path: string): string {
  if (!file.startsWith(EMBEDDED) || posix.isAbsolute(path)) return resolve(dirname(file), path);
  const dir = posix.dirname(file.slice(EMBEDDED.length));
  return EMBEDDED + posix.normalize(posix.join(dir, path)).replace(/^(\.\.\/)+/, "");
}

/**
 * A path to something the server uses at run time (a state directory, a socket) as named in
 * manifest `file`: relative to the file's folder, or, in a built-in manifest, which has no
 * folder, to the working directory.
 */
export function runtimePath(file: string, path: string): string {
  return file.startsWith(EMBEDDED) ? resolve(path) : resolve(dirname(file), path);
}
