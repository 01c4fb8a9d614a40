/**
 * What the board checks share: the source being read, each kind's names resolved so far, and
 * helpers to resolve references and word problems.
 * @module
 */
import type { ResourceKind } from "../board.ts";
import { KIND_NOUN } from "./board_schema.ts";
import { describe, type KeyPath } from "./problem.ts";
import type { Source } from "./toml.ts";
import { valueAt } from "./_schema.ts";

/** Names per kind: those of valid tables (→ physical id) and all that were written. */
export class BoardNames {
  /** Name → physical id, for tables that passed the shape check. */
  readonly ids = new Map<ResourceKind | "device", Map<string, number>>();
  /** Every name written, valid table or not, so a broken table's name is not "unresolved". */
  readonly written = new Map<ResourceKind | "device", Set<string>>();

  of(kind: ResourceKind | "device"): Map<string, number> {
    let m = this.ids.get(kind);
    if (!m) this.ids.set(kind, m = new Map());
    return m;
  }
  seen(kind: ResourceKind | "device"): Set<string> {
    let s = this.written.get(kind);
    if (!s) this.written.set(kind, s = new Set());
    return s;
  }
}

export class BoardCtx {
  constructor(readonly src: Source, readonly names: BoardNames) {}

  /** The value written at `path`, described for a message. */
  got(path: KeyPath): string {
    return describe(valueAt(this.src.doc, path));
  }

  /** Reports `Expected <expected>, got <what is at path>`. */
  expect(path: KeyPath, expected: string): void {
    this.src.report(path, `Expected ${expected}, got ${this.got(path)}`);
  }

  /**
   * Resolves the name at `path` to a physical id of `kind`; reports it when no such resource
   * was written. Returns undefined when it does not resolve.
   */
  ref(kind: ResourceKind, path: KeyPath, name: string): number | undefined {
    const id = this.names.of(kind).get(name);
    if (id !== undefined) return id;
    if (!this.names.seen(kind).has(name)) this.expect(path, `the name of a ${KIND_NOUN[kind]}`);
    return undefined;
  }

  /**
   * Resolves a list of names at `path`; reports unresolved names and repeats. Returns the
   * ids that resolved, in order.
   */
  refs(kind: ResourceKind, path: KeyPath, names: readonly string[]): number[] {
    const out: number[] = [];
    const seen = new Set<string>();
    names.forEach((n, j) => {
      if (seen.has(n)) {
        const at = [...path, j];
        this.src.report(
          at,
          `Expected each ${KIND_NOUN[kind]} listed once, got ${this.got(at)} again`,
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
