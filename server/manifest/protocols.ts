/**
 * Protocol names in manifests: the registered and plugin protocols by their own names, vendor
 * protocols by number; version strings; and loading plugin modules.
 * @module
 */
import { importModule } from "./files.ts";
import { apiMismatch } from "../../core/api.ts";
import type { AnyProtocol } from "../../core/protocol.ts";
import type { DriverDef } from "../../core/driver.ts";
import type { TransportDef } from "../../core/transport.ts";
import { versionString } from "../../core/protocol.ts";
import { describe } from "../../core/manifest/problem.ts";

/** One protocol a manifest may name. */
export interface KnownProtocol {
  id: number;
  name: string;
  /** Versions the implementing plugin speaks; undefined for a vendor number no plugin has. */
  versions?: readonly number[];
}

/** The protocols a deployment may name: every registered or loaded one, and vendor numbers. */
export class ProtocolCatalog {
  readonly #byName = new Map<string, KnownProtocol>();
  readonly #byId = new Map<number, KnownProtocol>();

  /**
   * The `implemented` protocols (the registered ones), and any loaded later with
   * {@linkcode ProtocolCatalog.add}.
   */
  constructor(implemented: readonly AnyProtocol[]) {
    for (const def of implemented) this.add(def);
  }

  /**
   * Adds an implemented protocol. Returns a description of the clash when its id is already
   * implemented by another plugin, or its name belongs to another protocol.
   */
  add(def: AnyProtocol): string | undefined {
    const sameId = this.#byId.get(def.id);
    if (sameId) return `protocol ${hex(def.id)} is already implemented by "${sameId.name}"`;
    const sameName = this.#byName.get(def.name);
    if (sameName) return `the name "${def.name}" already belongs to protocol ${hex(sameName.id)}`;
    const entry = { id: def.id, name: def.name, versions: def.versions };
    this.#byName.set(entry.name, entry);
    this.#byId.set(entry.id, entry);
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

  /** Names a manifest may use, in protocol id order, for messages. */
  names(): string[] {
    return [...this.#byName.values()].sort((a, b) => a.id - b.id).map((p) => p.name);
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
 * them. Without an implementing plugin (a vendor number), any version is allowed.
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

/** What a plugin module provides: its protocol, and driver and transport types. */
export interface PluginModule {
  protocol: AnyProtocol;
  /** Board driver types (the module's `drivers` export), for `[[driver]] type`. */
  drivers: DriverDef[];
  /** Transport types (the module's `transports` export), for an agent's `transport.type`. */
  transports: TransportDef[];
}

/**
 * Imports a plugin module: its protocol is the `default` export, or else the export named
 * `protocol`; its optional `drivers` and `transports` exports are lists of driver types
 * (`defineDriver`) and transport types (`defineTransport`). A definition that states another
 * API major than the running one (see `core/api.ts`) is a failure too.
 */
export async function importPlugin(url: string): Promise<PluginModule | PluginFailure> {
  let mod: Record<string, unknown>;
  try {
    mod = await importModule(url);
  } catch (e) {
    return {
      expected: "a module that can be imported",
      got: `an import error: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`,
    };
  }
  const def = mod.default ?? mod.protocol;
  if (!isProtocolDef(def)) {
    return {
      expected: 'a module whose default or "protocol" export is a protocol definition',
      got: def === undefined
        ? 'no default or "protocol" export'
        : `an export that is ${describe(def).replace(/^(?=[^a])/, "the value ")}`,
    };
  }
  const protocolMismatch = apiMismatch("plugin", def.api);
  if (protocolMismatch) return protocolMismatch;
  const drivers = typeList<DriverDef>(mod.drivers, "drivers", "driver type", "create");
  if (isPluginFailure(drivers)) return drivers;
  const transports = typeList<TransportDef>(
    mod.transports,
    "transports",
    "transport type",
    "start",
  );
  if (isPluginFailure(transports)) return transports;
  return { protocol: def, drivers, transports };
}

/**
 * A module's optional list export `key` of `what` definitions (objects with a name and the
 * function `fn`), each of the running API major.
 */
function typeList<T extends { name: string; api: number }>(
  v: unknown,
  key: string,
  what: string,
  fn: string,
): T[] | PluginFailure {
  if (v === undefined) return [];
  const expected = `a "${key}" export that is a list of ${what} definitions`;
  if (!Array.isArray(v)) return { expected, got: describe(v) };
  for (const [i, d] of v.entries()) {
    const r = d as Record<string, unknown> | null;
    if (
      r === null || typeof r !== "object" || typeof r.name !== "string" ||
      typeof r[fn] !== "function"
    ) {
      return { expected, got: `${describe(d)} at index ${i}` };
    }
    const mismatch = apiMismatch(`${what} "${r.name}"`, r.api as number);
    if (mismatch) return mismatch;
  }
  return v as T[];
}

/** Whether an `importPlugin` result is a failure. */
export function isPluginFailure(r: object): r is PluginFailure {
  return "expected" in r && "got" in r;
}
