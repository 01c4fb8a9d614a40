/**
 * The server runner: builds the platform from a loaded deployment and starts every agent's
 * transport endpoint. It prints nothing; the command line reports what it returns.
 * @module
 */
import { buildPlatform } from "./build.ts";
import type { Logger } from "./log.ts";
import type { Deployment } from "./manifest/mod.ts";
import type { Platform } from "./platform.ts";
import { TRANSPORTS } from "./registry.ts";
import { defaultRunDir, ensureRunDir } from "./rundir.ts";
import { createTracer, type TraceFormat } from "./trace.ts";
import type { TransportDef, TransportHandle } from "./transport.ts";

export interface ServeOptions {
  /** Directory for sockets (default {@linkcode defaultRunDir}). */
  runDir?: string;
  log?: Logger;
  /** Trace every message, as text or JSON lines. */
  trace?: TraceFormat;
  /** Where trace lines go (default: standard output). */
  traceWrite?: (line: string) => void;
  /** Transport types to choose from (default: the built-in ones). */
  transports?: readonly TransportDef[];
}

/** Where one agent reaches the server. */
export interface ServerEndpoint {
  agent: string;
  /** Transport type, e.g. `stream`. */
  type: string;
  /** e.g. `unix:/run/user/1000/vscmi/vm1.sock` or `tcp:127.0.0.1:9000`. */
  address: string;
}

export interface Server {
  readonly platform: Platform;
  /** One per agent that declares a transport, in agent order. */
  readonly endpoints: readonly ServerEndpoint[];
  readonly runDir: string;
  /** Stops every endpoint (sessions close, votes are released), then the drivers. Idempotent. */
  close(): Promise<void>;
}

/**
 * Builds the platform of `dep` and starts each agent's transport. On any failure, whatever
 * was started is stopped again and the error is rethrown.
 */
export async function startServer(dep: Deployment, opts: ServeOptions = {}): Promise<Server> {
  const runDir = opts.runDir ?? defaultRunDir();
  const transports = opts.transports ?? TRANSPORTS;
  const built = await buildPlatform(dep, { log: opts.log });
  const platform = built.platform;
  const log = opts.log ?? platform.log;
  if (opts.trace) {
    platform.tracer = createTracer(platform, { format: opts.trace, write: opts.traceWrite });
  }

  const handles: TransportHandle[] = [];
  const endpoints: ServerEndpoint[] = [];
  let closed: Promise<void> | null = null;
  const close = (): Promise<void> =>
    closed ??= (async () => {
      for (const h of handles.reverse()) {
        try {
          await h.close();
        } catch (e) {
          log.error(`Stopping an endpoint failed: ${e instanceof Error ? e.message : e}`);
        }
      }
      await built.close();
    })();

  try {
    await ensureRunDir(runDir);
    for (const agent of platform.agents) {
      const decl = agent.transport;
      if (decl === undefined) continue;
      const def = transports.find((t) => t.name === decl.type);
      if (def === undefined) {
        throw new TypeError(
          `Agent "${agent.name}": unknown transport "${decl.type}" (known: ${
            transports.map((t) => t.name).join(", ")
          })`,
        );
      }
      const h = await def.start({ platform, agent, options: decl.options, runDir, log });
      handles.push(h);
      endpoints.push({ agent: agent.name, type: def.name, address: h.address });
    }
  } catch (e) {
    await close();
    throw e;
  }
  return { platform, endpoints, runDir, close };
}
