/**
 * A second copy of the API for tests: files and folders of this checkout copied to another
 * directory with their layout, so a plugin there imports its own module instances (and
 * error classes) of `mod.ts`, as a vendor's copy of vscmi would.
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** This checkout's root directory. */
export const ROOT: string = fileURLToPath(new URL("../", import.meta.url));

/** Copies each of `paths` (files, or folders with everything under them) from the checkout to `to`. */
export async function copyApi(to: string, paths: readonly string[]): Promise<void> {
  const copy = async (rel: string): Promise<void> => {
    const info = await Deno.stat(join(ROOT, rel));
    if (info.isDirectory) {
      for await (const e of Deno.readDir(join(ROOT, rel))) await copy(join(rel, e.name));
      return;
    }
    await Deno.mkdir(dirname(join(to, rel)), { recursive: true });
    await Deno.copyFile(join(ROOT, rel), join(to, rel));
  };
  for (const p of paths) await copy(p);
}
