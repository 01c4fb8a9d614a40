/**
 * The plugin modules of a deployment: `[platform] plugins`, each resolved against the
 * manifest's directory and imported. {@linkcode importPlugins} is the step the deployment
 * loader runs; {@linkcode loadPlugins} runs it alone, without the board or the agents, for
 * commands that only need the plugins' definitions (`vscmi call --manifest`).
 * @module
 */
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { AnyProtocol } from "../../core/protocol.ts";
import type { DriverDef } from "../../core/driver.ts";
import type { TransportDef } from "../../core/transport.ts";
import {
  describe,
  type KeyPath,
  ManifestError,
  type Problem,
} from "../../core/manifest/problem.ts";
import { check } from "../../core/manifest/_schema.ts";
import { isReadFailure, readSource, type Source } from "../../core/manifest/toml.ts";
import { platformTable } from "./deployment_schema.ts";
import { besideManifest } from "./files.ts";
import { importPlugin, isPluginFailure, ProtocolCatalog } from "./protocols.ts";

/** One plugin module a deployment lists, imported. */
export interface LoadedPlugin {
  /** Absolute file URL of the module. */
  url: string;
  /** The protocol it provides. */
  def: AnyProtocol;
  /** Where the manifest lists it. */
  at: KeyPath;
  /** Board driver types the module brings (its `drivers` export). */
  drivers: DriverDef[];
  /** Transport types the module brings (its `transports` export). */
  transports: TransportDef[];
}

/** Driver and transport types the program has before any plugin adds its own. */
export interface TakenTypes {
  readonly drivers?: readonly DriverDef[];
  readonly transports?: readonly TransportDef[];
}

/**
 * Resolves and imports the plugin modules `paths` (the `[platform] plugins` of `src`, the
 * manifest at `file`, which may be a built-in `embedded:` one), adding each protocol to `catalog`. Every module that cannot be used
 * (not a path, an import error, no protocol, a clash with a protocol or with a driver or
 * transport type of `taken` or of an earlier plugin) is reported on `src` at its entry.
 */
export async function importPlugins(
  src: Source,
  file: string,
  paths: readonly string[],
  catalog: ProtocolCatalog,
  taken: TakenTypes = {},
): Promise<LoadedPlugin[]> {
  const out: LoadedPlugin[] = [];
  const drivers: DriverDef[] = [...taken.drivers ?? []];
  const transports: TransportDef[] = [...taken.transports ?? []];
  for (const [i, p] of paths.entries()) {
    const at = ["platform", "plugins", i];
    if (/^[a-z][a-z0-9+.-]*:/i.test(p) && !p.startsWith("file:") && !isAbsolute(p)) {
      src.report(at, `Expected a path to a plugin module, got ${describe(p)}`);
      continue;
    }
    const path = p.startsWith("file:") ? p : besideManifest(file, p);
    const url = /^(file|embedded):/.test(path) ? path : pathToFileURL(path).href;
    const mod = await importPlugin(url);
    if (isPluginFailure(mod)) {
      src.report(at, `Expected ${mod.expected}, got ${mod.got}`);
      continue;
    }
    for (
      const [list, added, what] of [
        [drivers, mod.drivers, "driver type"],
        [transports, mod.transports, "transport type"],
      ] as const
    ) {
      const again = added.find((d) => list.some((o) => o.name === d.name));
      if (again) {
        src.report(
          at,
          `Expected a plugin whose ${what}s have new names, got "${again.name}" again`,
        );
      }
    }
    drivers.push(...mod.drivers);
    transports.push(...mod.transports);
    const def = mod.protocol;
    const clash = catalog.add(def);
    if (clash) {
      src.report(at, `Expected a protocol no other plugin provides, got one where ${clash}`);
    } else {
      out.push({ url, def, at, drivers: mod.drivers, transports: mod.transports });
    }
  }
  return out;
}

/**
 * Reads the deployment manifest at `path` for its `[platform] plugins` only and imports them,
 * checked against the `builtIn` protocols (no id or name twice). The board and the agents are
 * not read. Throws ManifestError, each problem with file, key path and line.
 */
export async function loadPlugins(
  path: string,
  builtIn: readonly AnyProtocol[],
): Promise<LoadedPlugin[]> {
  const file = resolve(path);
  const problems: Problem[] = [];
  const src = await readSource(file, problems);
  if (isReadFailure(src)) {
    throw new ManifestError([{
      file,
      line: 1,
      column: 1,
      keyPath: "",
      message: `Expected a readable deployment manifest, got ${src.detail}`,
    }]);
  }
  if (!src) throw new ManifestError(problems);
  const platform = src.doc.platform === undefined
    ? {}
    : check(src, ["platform"], platformTable, src.doc.platform) ?? {};
  const plugins = await importPlugins(
    src,
    file,
    platform.plugins ?? [],
    new ProtocolCatalog(builtIn),
  );
  if (problems.length) throw new ManifestError(problems);
  return plugins;
}
