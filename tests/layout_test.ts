/**
 * The protocol is the unit: outside `plugins/`, no source file names a protocol's resources.
 * The check the restructuring issue gives — which non-test `.ts` files under the folders
 * below mention `powercap`, `pinctrl`, `voltage` or `sensor`, case-insensitively — must find
 * nothing but the files still waiting to move, listed in {@linkcode KNOWN_REMAINING}. The
 * list only shrinks: a new file naming one of the words fails, and so does a listed file
 * that no longer does (take it off the list). Folders that do not exist yet are skipped.
 * @module
 */
import { assertEquals } from "../core/_assert_test.ts";

const ROOT = new URL("../", import.meta.url);

/** The folders that hold no protocol's code. */
const FOLDERS = ["core", "cli", "transports", "bindings", "server", "client"];

/** Protocol words the check counts. */
const WORDS = ["powercap", "pinctrl", "voltage", "sensor"];

/**
 * Files still naming a protocol, to move into `plugins/`; remove each as it goes: the device
 * tree and the serve summary of `cli/`, moving into the protocol folders.
 * (The built-in list, `builtins.ts`, is at the root and names every built-in by design.)
 */
const KNOWN_REMAINING: Record<string, readonly string[]> = {
  "cli/dt.ts": WORDS,
  "cli/summary.ts": ["powercap", "voltage", "sensor"],
};

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

/** Per word, the files under `FOLDERS` whose text names it. */
async function namingFiles(): Promise<Record<string, string[]>> {
  const found: Record<string, string[]> = Object.fromEntries(WORDS.map((w) => [w, []]));
  for (const folder of FOLDERS) {
    for (const path of await sources(folder)) {
      const text = (await Deno.readTextFile(new URL(path, ROOT))).toLowerCase();
      for (const w of WORDS) if (text.includes(w)) found[w].push(path);
    }
  }
  for (const w of WORDS) found[w].sort();
  return found;
}

Deno.test("no file outside plugins/ names a protocol's resources but those still to move", async () => {
  const found = await namingFiles();
  const expected = Object.fromEntries(
    WORDS.map((w) => [
      w,
      Object.entries(KNOWN_REMAINING).filter(([, words]) => words.includes(w)).map(([f]) => f)
        .sort(),
    ]),
  );
  assertEquals(found, expected);
});

Deno.test("core/ names no protocol's resources", async () => {
  const found = await namingFiles();
  for (const w of WORDS) assertEquals(found[w].filter((f) => f.startsWith("core/")), [], w);
});
