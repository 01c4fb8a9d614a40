/**
 * The protocol is the unit: outside `plugins/`, no source file names a protocol's resources.
 * The check the restructuring issue gives — which non-test `.ts` files under the folders
 * below mention `powercap`, `pinctrl`, `voltage` or `sensor`, case-insensitively — finds
 * nothing, with no file excepted. (The built-in list, `builtins.ts`, is at the root and names
 * every built-in by design; it is not searched.) Folders that do not exist yet are skipped.
 * That no file of these folders imports from `plugins/` is held by `layers_test.ts`.
 * @module
 */
import { assert, assertEquals } from "../core/_assert_test.ts";

const ROOT = new URL("../", import.meta.url);

/** The folders that hold no protocol's code. */
const FOLDERS = ["core", "cli", "transports", "bindings", "server", "client"];

/** Protocol words the check counts. */
const WORDS = ["powercap", "pinctrl", "voltage", "sensor"];

/** Non-test `.ts` files under `dir` (relative to the root), recursively; none if absent. */
async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(new URL(`${dir}/`, ROOT))];
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return out;
    throw e;
  }
  for (const e of entries) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) out.push(...await sources(path));
    else if (e.name.endsWith(".ts") && !e.name.endsWith("_test.ts")) out.push(path);
  }
  return out;
}

/** Per word, the files under `folders` whose text names it; and how many files were read. */
async function namingFiles(
  folders: readonly string[],
): Promise<{ found: Record<string, string[]>; read: number }> {
  const found: Record<string, string[]> = Object.fromEntries(WORDS.map((w) => [w, []]));
  let read = 0;
  for (const folder of folders) {
    for (const path of await sources(folder)) {
      read++;
      const text = (await Deno.readTextFile(new URL(path, ROOT))).toLowerCase();
      for (const w of WORDS) if (text.includes(w)) found[w].push(path);
    }
  }
  for (const w of WORDS) found[w].sort();
  return { found, read };
}

Deno.test("no file outside plugins/ names powercap, pinctrl, voltage or sensor", async () => {
  const { found, read } = await namingFiles(FOLDERS);
  assert(read > 100, `the scan read only ${read} files: is it reading the folders?`);
  assertEquals(found, Object.fromEntries(WORDS.map((w) => [w, []])));
});

Deno.test("the scan sees a protocol's word where one is written", async () => {
  // The same scan over the protocol folders finds each word, so an empty result above is the
  // folders' doing, not the scan's.
  const { found } = await namingFiles(["plugins"]);
  for (const w of WORDS) assert(found[w].length > 0, `${w} not found under plugins/`);
});
