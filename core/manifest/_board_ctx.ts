/**
 * What the board checks share: the source being read, each kind's names resolved so far, and
 * helpers to resolve references and word problems.
 * @module
 */
import type { KindCtx, KindDef } from "../kind.ts";
import { nounOf } from "../kind.ts";
import { describe, type KeyPath } from "./problem.ts";
import type { Source } from "./toml.ts";
import { valueAt } from "./_schema.ts";

/** Names per kind (or "device"): those of valid tables (→ physical id) and all that were written. */
export class BoardNames {
  /** Name → physical id, for tables that passed the shape check. */
  readonly ids: Map<string, Map<string, number>> = new Map();
  /** Every name written, valid table or not, so a broken table's name is not "unresolved". */
  readonly written: Map<string, Set<string>> = new Map();
  /** How messages name one resource of each kind. */
  readonly #nouns = new Map<string, string>();

  /**
   * Names of the kinds in play, none yet.
   *
   * @param kinds The kinds the board is read with.
   */
  constructor(kinds: readonly KindDef[] = []) {
    for (const k of kinds) this.#nouns.set(k.name, k.noun);
  }

  /** Name → physical id of `kind`. */
  of(kind: string): Map<string, number> {
    let m = this.ids.get(kind);
    if (!m) this.ids.set(kind, m = new Map());
    return m;
  }
  /** Every name written for `kind`. */
  seen(kind: string): Set<string> {
    let s = this.written.get(kind);
    if (!s) this.written.set(kind, s = new Set());
    return s;
  }
  /** How messages name one resource of `kind` ("power domain"). */
  noun(kind: string): string {
    return this.#nouns.get(kind) ?? nounOf(kind);
  }
}

/** The board being read: its source and names, and helpers for converters. */
export class BoardCtx implements KindCtx {
  /**
   * A context over `src`.
   *
   * @param src The board manifest being read.
   * @param names The names read so far.
   */
  constructor(readonly src: Source, readonly names: BoardNames) {}

  /** The value written at `path`, described for a message. */
  got(path: KeyPath): string {
    return describe(valueAt(this.src.doc, path));
  }

  /** Reports `message` at `path` as written. */
  report(path: KeyPath, message: string, at?: "key" | "value"): void {
    this.src.report(path, message, at);
  }

  /** The physical id of the `kind` resource named `name`, without reporting. */
  idOf(kind: string, name: string): number | undefined {
    return this.names.of(kind).get(name);
  }

  /** Reports `Expected <expected>, got <what is at path>`. */
  expect(path: KeyPath, expected: string): void {
    this.src.report(path, `Expected ${expected}, got ${this.got(path)}`);
  }

  /**
   * Resolves the name at `path` to a physical id of `kind`; reports it when no such resource
   * was written. Returns undefined when it does not resolve.
   */
  ref(kind: string, path: KeyPath, name: string): number | undefined {
    const id = this.names.of(kind).get(name);
    if (id !== undefined) return id;
    if (!this.names.seen(kind).has(name)) {
      this.expect(path, `the name of a ${this.names.noun(kind)}`);
    }
    return undefined;
  }

  /**
   * Resolves a list of names at `path`; reports unresolved names and repeats. Returns the
   * ids that resolved, in order.
   */
  refs(kind: string, path: KeyPath, names: readonly string[]): number[] {
    const out: number[] = [];
    const seen = new Set<string>();
    names.forEach((n, j) => {
      if (seen.has(n)) {
        const at = [...path, j];
        this.src.report(
          at,
          `Expected each ${this.names.noun(kind)} listed once, got ${this.got(at)} again`,
        );
        return;
      }
      seen.add(n);
      const id = this.ref(kind, [...path, j], n);
      if (id !== undefined) out.push(id);
    });
    return out;
  }
}
