/**
 * Maps a key path to its line and column in a TOML text. The syntax tree (from
 * toml-eslint-parser) is built only when there is a problem to report.
 * @module
 */
import { type AST, parseTOML } from "toml-eslint-parser";
import { type KeyPath, keyPathString } from "./problem.ts";

/** A 1-based position. */
export interface Position {
  line: number;
  column: number;
}

interface Spot {
  /** Where the key (or table header, or array element) starts. */
  key: Position;
  /** Where the value starts. */
  value: Position;
}

/** Finds positions of key paths in one TOML text. */
export class Locator {
  #spots: Map<string, Spot> | null = null;

  constructor(readonly text: string) {}

  /**
   * Position of `path`: of its value, or of its key when `at` is "key". A path the text does
   * not contain (a missing key) resolves to its closest ancestor that it does contain.
   */
  find(path: KeyPath, at: "key" | "value" = "value"): Position {
    const spots = this.#spots ??= this.#index();
    for (let n = path.length; n > 0; n--) {
      const spot = spots.get(keyPathString(path.slice(0, n)));
      if (spot) return n === path.length ? spot[at] : spot.key;
    }
    return { line: 1, column: 1 };
  }

  #index(): Map<string, Spot> {
    const spots = new Map<string, Spot>();
    let ast: AST.TOMLProgram;
    try {
      ast = parseTOML(this.text);
    } catch {
      return spots;
    }
    const put = (path: KeyPath, key: AST.HasLocs, value: AST.HasLocs) => {
      const k = keyPathString(path);
      if (!spots.has(k)) spots.set(k, { key: pos(key), value: pos(value) });
    };
    const keyValue = (base: KeyPath, kv: AST.TOMLKeyValue) => {
      const names = kv.key.keys.map((k) => k.type === "TOMLBare" ? k.name : k.value);
      for (let i = 1; i < names.length; i++) put([...base, ...names.slice(0, i)], kv.key, kv.key);
      const path = [...base, ...names];
      put(path, kv.key, kv.value);
      content(path, kv.value);
    };
    const content = (path: KeyPath, node: AST.TOMLContentNode) => {
      if (node.type === "TOMLArray") {
        node.elements.forEach((el, i) => {
          put([...path, i], el, el);
          content([...path, i], el);
        });
      } else if (node.type === "TOMLInlineTable") {
        for (const kv of node.body) keyValue(path, kv);
      }
    };
    for (const item of ast.body[0].body) {
      if (item.type === "TOMLKeyValue") {
        keyValue([], item);
        continue;
      }
      const path = item.resolvedKey;
      for (let i = 1; i < path.length; i++) put(path.slice(0, i), item, item);
      put(path, item, item);
      for (const kv of item.body) keyValue(path, kv);
    }
    return spots;
  }
}

function pos(node: AST.HasLocs): Position {
  return { line: node.loc.start.line, column: node.loc.start.column + 1 };
}

/**
 * Positions in files read again on demand: for problems found after loading (by the platform
 * builder), when the deployment no longer carries the text.
 */
export class FileLocator {
  readonly #cache = new Map<string, Locator | null>();

  /** Reads files with `read` (the file system by default). */
  constructor(readonly read: (file: string) => Promise<string> = Deno.readTextFile) {}

  /** Position of `path` in `file`, or line 1 column 1 when the file cannot be read. */
  async find(file: string, path: KeyPath, at: "key" | "value" = "value"): Promise<Position> {
    let loc = this.#cache.get(file);
    if (loc === undefined) {
      try {
        loc = new Locator(await this.read(file));
      } catch {
        loc = null;
      }
      this.#cache.set(file, loc);
    }
    return loc ? loc.find(path, at) : { line: 1, column: 1 };
  }
}
