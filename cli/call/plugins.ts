/**
 * Where `vscmi call` learns plugin protocols: the deployment's `[platform] plugins`
 * (`--manifest FILE`), or the running server's control socket, which lists each served
 * protocol with the module of its plugin (the server and the CLI run on the same host).
 * @module
 */
import { resolve } from "node:path";
import type { AnyProtocol } from "../../core/protocol.ts";
import { ControlClientError, servedProtocols } from "../../server/control/client.ts";
import { CONTROL_SOCKET } from "../../server/control/protocol.ts";
import { loadPlugins } from "../../server/manifest/plugins.ts";
import { importPlugin, isPluginFailure } from "../../server/manifest/protocols.ts";
import { ClientError } from "../../client/mod.ts";

/** The plugin protocols the deployment manifest `file` lists; ManifestError when it cannot. */
export async function manifestPlugins(
  file: string,
  builtIn: readonly AnyProtocol[],
): Promise<AnyProtocol[]> {
  return (await loadPlugins(file, builtIn)).map((p) => p.def);
}

/**
 * The plugin protocols the server in `runDir` serves that `builtIn` lacks, imported from the
 * modules it names (file URLs only: the server runs on this host); none when no server answers
 * there. ClientError when a module cannot be used.
 */
export async function serverPlugins(
  runDir: string,
  builtIn: readonly AnyProtocol[],
  timeoutMs: number,
): Promise<AnyProtocol[]> {
  const known = new Set(builtIn.map((p) => p.id));
  const out: AnyProtocol[] = [];
  let served;
  try {
    served = await servedProtocols(resolve(runDir, CONTROL_SOCKET), timeoutMs);
  } catch (e) {
    if (!(e instanceof ControlClientError)) throw e;
    throw new ClientError(`Cannot list the server's protocols: ${e.message}`);
  }
  for (const p of served ?? []) {
    if (p.module === null || known.has(p.id)) continue;
    if (!p.module.startsWith("file:")) {
      throw new ClientError(
        `Cannot load the plugin of protocol "${p.name}": expected a file URL, got "${p.module}"`,
      );
    }
    const mod = await importPlugin(p.module);
    if (isPluginFailure(mod)) {
      throw new ClientError(
        `Cannot load the plugin of protocol "${p.name}" (${p.module}): ` +
          `expected ${mod.expected}, got ${mod.got}`,
      );
    }
    out.push(mod.protocol);
  }
  return out;
}
