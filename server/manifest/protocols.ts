/**
 * Protocol names in manifests: the standard SCMI protocols by name (the caller's table),
 * registered and plugin
 * protocols by their own names, vendor protocols by number; version strings; and loading
 * plugin modules.
 * @module
 */
import { apiMismatch } from "../../core/api.ts";
import type { AnyProtocol } from "../../core/protocol.ts";
import { versionString } from "../../core/protocol.ts";
import { describe } from "../../core/manifest/problem.ts";

export type { StandardProtocols } from "../../core/manifest/types.ts";
import type { StandardProtocols } from "../../core/manifest/types.ts";

/** One protocol a manifest may name. */
export interface KnownProtocol {
  id: number;
  name: string;
  /** Versions the implementing plugin speaks; undefined when no plugin implements it. */
  versions?: readonly number[];
  /** Newest version the specification gives, for standard protocols. */
  newest?: number;
}

/** The protocols a deployment may name: standard ones plus every registered or loaded one. */
export class ProtocolCatalog {
  readonly #byName = new Map<string, KnownProtocol>();
  readonly #byId = new Map<number, KnownProtocol>();

  /**
   * The standard protocols, then `implemented` (the registered ones and any loaded later
   * with {@linkcode ProtocolCatalog.add}).
   */
  constructor(implemented: readonly AnyProtocol[], standard: StandardProtocols) {
    for (const [name, p] of Object.entries(standard)) {
      this.#add({ id: p.id, name, newest: p.newest });
    }
    for (const def of implemented) this.add(def);
  }

  #add(p: KnownProtocol): void {
    this.#byName.set(p.name, p);
    this.#byId.set(p.id, p);
  }

  /**
   * Adds an implemented protocol. Returns a description of the clash when its id is already
   * implemented by another plugin, or its name belongs to another protocol.
   */
  add(def: AnyProtocol): string | undefined {
    const sameId = this.#byId.get(def.id);
    if (sameId?.versions) {
      return `protocol ${hex(def.id)} is already implemented by "${sameId.name}"`;
    }
    const sameName = this.#byName.get(def.name);
    if (sameName && sameName.id !== def.id) {
      return `the name "${def.name}" already belongs to protocol ${hex(sameName.id)}`;
    }
    const entry = { id: def.id, name: def.name, versions: def.versions, newest: sameId?.newest };
    this.#add(entry);
    // A standard protocol stays reachable by its standard name too.
    if (sameId) this.#byName.set(sameId.name, entry);
    return undefined;
  }

  /** Looks up a name, or a vendor protocol number 0x80–0xFF (integer or "0x80" string). */
  resolve(key: string | number): KnownProtocol | undefined {
    if (typeof key === "string") {
      const named = this.#byName.get(key);
      if (named) return named;
      if (!/^0x[0-9a-fA-F]{2}$/.test(key)) return undefined;
      key = parseInt(key.slice(2), 16);
    }
    if (!Number.isInteger(key) || key < 0x80 || key > 0xff) return undefined;
    return this.#byId.get(key) ?? { id: key, name: hex(key) };
  }

  /** Names a manifest may use, for messages. */
  names(): string[] {
    return [...this.#byName.keys()];
  }
}

/** `0x14`. */
export function hex(id: number): string {
  return `0x${id.toString(16)}`;
}

/** Parses "major.minor" into `(major << 16) | minor`; undefined when malformed. */
export function parseVersion(text: string): number | undefined {
  const m = /^(\d{1,5})\.(\d{1,5})$/.exec(text);
  if (!m) return undefined;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  if (major < 1 || major > 0xffff || minor > 0xffff) return undefined;
  return ((major << 16) | minor) >>> 0;
}

/**
 * The versions a pin on `p` may name, as a phrase for messages, and whether `v` is one of
 * them. Without an implementing plugin, any version up to the specification's is allowed.
 */
export function pinAllowed(p: KnownProtocol, v: number): { ok: boolean; allowed: string } {
  if (p.versions) {
    return {
      ok: p.versions.includes(v),
      allowed: `a version "${p.name}" speaks (${
        p.versions.map((x) => `"${versionString(x)}"`).join(", ")
      })`,
    };
  }
  if (p.newest !== undefined) {
    return {
      ok: v <= p.newest,
      allowed: `a version of "${p.name}" from "1.0" to "${versionString(p.newest)}"`,
    };
  }
  return { ok: true, allowed: "a version" };
}

/** Whether `v` looks like a protocol definition (as `defineProtocol` returns). */
export function isProtocolDef(v: unknown): v is AnyProtocol {
  if (v === null || typeof v !== "object") return false;
  const p = v as Record<string, unknown>;
  return Number.isInteger(p.id) && (p.id as number) >= 0x10 && (p.id as number) <= 0xff &&
    typeof p.name === "string" && Array.isArray(p.versions) && p.versions.length > 0 &&
    p.commands !== null && typeof p.commands === "object";
}

/** A plugin module that could not be used: what was expected of it and what was found. */
export interface PluginFailure {
  expected: string;
  got: string;
}

/**
 * Imports a plugin module and returns its protocol: the `default` export, or else the
 * export named `protocol`. A protocol that states another API major than the running one
 * (see `core/api.ts`) is a failure too.
 */
export async function importProtocol(url: string): Promise<AnyProtocol | PluginFailure> {
  let mod: Record<string, unknown>;
  try {
    mod = await import(url);
  } catch (e) {
    return {
      expected: "a module that can be imported",
      got: `an import error: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`,
    };
  }
  const def = mod.default ?? mod.protocol;
  if (isProtocolDef(def)) return apiMismatch("plugin", def.api) ?? def;
  return {
    expected: 'a module whose default or "protocol" export is a protocol definition',
    got: def === undefined
      ? 'no default or "protocol" export'
      : `an export that is ${describe(def).replace(/^(?=[^a])/, "the value ")}`,
  };
}

/** Whether an `importProtocol` result is a failure. */
export function isPluginFailure(r: AnyProtocol | PluginFailure): r is PluginFailure {
  return "expected" in r && "got" in r && !("commands" in r);
}
