/**
 * Policy lint: what `vscmi check` warns about in a deployment that loads and builds, each
 * warning with its file, line and key path like a manifest problem. Warnings never fail the
 * check; overlapping virtual ids and contradictory bounds are errors of the manifest itself.
 *
 * - A value resource (of a kind whose commands set a value) that several agents may change,
 *   with no arbitration policy declared for it — unless it supports only one value, where
 *   nothing is to arbitrate.
 * - A resource `[policy.keep_on]` keeps on that an untrusted agent may switch off: its
 *   "off" only withdraws its own vote, so say so with `access = "read"` or drop the keep.
 * - Explicit virtual ids that leave ids unused (the agent finds NOT_FOUND there).
 * - Board resources that no device holds, no agent is granted and no other resource refers
 *   to (each kind says what its resources refer to); board devices no agent is granted.
 * - What each of the deployment's protocols lints itself (`ProtocolDef.lint`): limits of the
 *   guests' drivers, what its own agent keys allow.
 * @module
 */
import type { ResourceKind } from "../board.ts";
import { ALL_RIGHTS } from "../grants.ts";
import { type KindDef, kindNamed } from "../kind.ts";
import { FileLocator } from "../manifest/locate.ts";
import { type KeyPath, keyPathString, type Problem, sortProblems } from "../manifest/problem.ts";
import type { AgentDecl, Deployment } from "../manifest/types.ts";
import { stepsOf } from "../manifest/value_steps.ts";
import { Right } from "../protocol.ts";
import type { Bounds } from "../grants.ts";

/** One warning before it is located: the file, the key path it concerns, what to say. */
export interface LintFinding {
  /** The manifest it concerns (`dep.file` or `dep.boardFile`). */
  file: string;
  /** Key path in that file. */
  path: KeyPath;
  /** Point at the key or (default) at its value. */
  at?: "key" | "value";
  /** The warning. */
  message: string;
}

type Finding = LintFinding;

/** The kinds of the deployment's board, as defined. */
function kindsOf(dep: Deployment): KindDef[] {
  return Object.keys(dep.board.resources).flatMap((k) => kindNamed(k) ?? []);
}

/**
 * Lints the policy of a loaded deployment; resolves to its warnings, in file and line order.
 *
 * @example
 * ```ts ignore
 * import { loadDeployment } from "../../server/manifest/mod.ts";
 * import { formatProblem } from "../manifest/problem.ts";
 * for (const w of await lintPolicy(await loadDeployment("vscmi.toml"))) {
 *   console.error(`warning: ${formatProblem(w)}`);
 * }
 * ```
 */
export async function lintPolicy(dep: Deployment): Promise<Problem[]> {
  const found: Finding[] = [
    ...sharedWithoutPolicy(dep),
    ...keptButSwitchable(dep),
    ...unusedVirtualIds(dep),
    ...unusedResources(dep),
    ...dep.protocols.flatMap((p) => p.lint?.(dep) ?? []),
  ];
  const where = new FileLocator();
  const out: Problem[] = [];
  for (const f of found) {
    const { line, column } = await where.find(f.file, f.path, f.at ?? "value");
    out.push({ file: f.file, line, column, keyPath: keyPathString(f.path), message: f.message });
  }
  return sortProblems(out);
}

/**
 * Rights `a` holds on physical `phys` of `kind`, or 0 when it is not granted.
 *
 * @returns Rights bits.
 */
export function rightsOf(a: AgentDecl, kind: ResourceKind, phys: number): number {
  if (!(a.grants[kind] ?? []).includes(phys)) return 0;
  return a.access?.[kind]?.get(phys)?.rights ?? ALL_RIGHTS;
}

/**
 * Where `a` (agent `i`) is granted `phys` of `kind` first.
 *
 * @returns The key path of that grant.
 */
export function origin(a: AgentDecl, i: number, kind: ResourceKind, phys: number): KeyPath {
  return a.origins?.[kind]?.get(phys) ?? ["agent", i];
}

function sharedWithoutPolicy(dep: Deployment): Finding[] {
  const out: Finding[] = [];
  for (const k of kindsOf(dep)) {
    if (!k.value) continue;
    const kind = k.name;
    for (const r of k.of(dep.board)) {
      if (r.policy !== undefined) continue;
      const steps = stepsOf(dep.board, k, r.id);
      if (steps?.kind === "list" && steps.values.length <= 1) continue;
      if (steps?.kind === "range" && steps.min === steps.max) continue;
      const writers = dep.agents.flatMap((a, i) =>
        (rightsOf(a, kind, r.id) & Right.WRITE) !== 0 ? [{ a, i }] : []
      );
      if (writers.length < 2) continue;
      const { a, i } = writers[1];
      out.push({
        file: dep.file,
        path: origin(a, i, kind, r.id),
        message: `${noun(kind)} "${r.name}" is shared by agents ${
          writers.map((w) => `"${w.a.name}"`).join(", ")
        } without an arbitration policy, so ${k.value.fallback}: set [policy.${kind}] ${
          bareKey(r.name)
        } = "max", "min", "exclusive" or "last"`,
      });
    }
  }
  return out;
}

function keptButSwitchable(dep: Deployment): Finding[] {
  const out: Finding[] = [];
  for (const k of kindsOf(dep)) {
    if (!k.keep) continue;
    const kind = k.name;
    for (const r of k.of(dep.board)) {
      if (!r.kept) continue;
      dep.agents.forEach((a, i) => {
        if (a.trusted || (rightsOf(a, kind, r.id) & Right.WRITE) === 0) return;
        out.push({
          file: dep.file,
          path: origin(a, i, kind, r.id),
          message: `Agent "${a.name}" may switch off ${k.noun} "${r.name}", which ` +
            `[policy.keep_on] keeps on: its "off" only withdraws its own vote; grant it with ` +
            `access = "read" if the agent is not to control it`,
        });
      });
    }
  }
  return out;
}

function unusedVirtualIds(dep: Deployment): Finding[] {
  const out: Finding[] = [];
  dep.agents.forEach((a, i) => {
    for (const k of kindsOf(dep)) {
      const kind = k.name;
      const ids = a.grants[kind] ?? [];
      const holes = ids.filter((p) => p < 0).length;
      if (holes === 0) continue;
      out.push({
        file: dep.file,
        path: ["agent", i, kind],
        at: "key",
        message: `Agent "${a.name}" sees ${k.noun} virtual ids 0 to ${
          ids.length - 1
        }, ${holes} of them unused: it finds NOT_FOUND there`,
      });
    }
  });
  return out;
}

function unusedResources(dep: Deployment): Finding[] {
  const out: Finding[] = [];
  const board = dep.board;
  // Everything that uses a resource, gathered once: linear in the deployment's size.
  const used = references(dep);
  const use = (kind: ResourceKind, ids: Iterable<number>) => {
    let set = used.get(kind);
    if (!set) used.set(kind, set = new Set());
    for (const id of ids) set.add(id);
  };
  for (const d of board.devices) {
    for (const [kind, ids] of Object.entries(d.resources)) use(kind, ids ?? []);
  }
  for (const a of dep.agents) {
    for (const [kind, ids] of Object.entries(a.grants)) use(kind, ids ?? []);
  }
  for (const kind of Object.keys(board.resources)) {
    board.resources[kind].forEach((r, j) => {
      if (used.get(kind)?.has(r.id)) return;
      out.push({
        file: dep.boardFile,
        path: [kind, j],
        at: "key",
        message: `${noun(kind)} "${r.name}" is in no device, granted to no agent and no ` +
          `other resource refers to it`,
      });
    });
  }
  const granted = new Set(dep.agents.flatMap((a) => a.devices));
  board.devices.forEach((d, j) => {
    if (granted.has(d.id)) return;
    out.push({
      file: dep.boardFile,
      path: ["device", j],
      at: "key",
      message: `Device "${d.name}" is granted to no agent`,
    });
  });
  return out;
}

/**
 * Whether agent `a` is granted protocol `id`.
 *
 * @returns true when its protocol list has it.
 */
export function speaks(a: AgentDecl, id: number): boolean {
  return a.protocols.some((p) => p.id === id);
}

/**
 * Whether bounds `b` (none: everything) admit `v`.
 *
 * @returns true when `v` is allowed.
 */
export function admits(b: Bounds | undefined, v: number): boolean {
  if (b === undefined) return true;
  if ((b.min !== undefined && v < b.min) || (b.max !== undefined && v > b.max)) return false;
  return b.values === undefined || b.values.includes(v);
}

/** Physical ids other resources refer to, by kind, as each kind declares (`refersTo`). */
function references(dep: Deployment): Map<ResourceKind, Set<number>> {
  const refs = new Map<ResourceKind, Set<number>>();
  for (const k of kindsOf(dep)) {
    if (!k.refersTo) continue;
    for (const r of k.of(dep.board)) {
      for (const [kind, id] of k.refersTo(r)) {
        let set = refs.get(kind);
        if (!set) refs.set(kind, set = new Set());
        set.add(id);
      }
    }
  }
  return refs;
}

function noun(kind: ResourceKind): string {
  const n = kindNamed(kind)?.noun ?? kind;
  return n[0].toUpperCase() + n.slice(1);
}

/** A resource name as a TOML key. */
function bareKey(name: string): string {
  return /^[A-Za-z0-9_-]+$/.test(name) ? name : JSON.stringify(name);
}
