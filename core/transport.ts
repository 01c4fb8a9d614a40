/**
 * Transports: what carries SCMI messages between an agent and the platform. A transport
 * type is registered once; the deployment starts one instance per agent channel.
 * @module
 */
import { checkApiField } from "./api.ts";
import type { Agent } from "./agent.ts";
import type { Logger } from "./log.ts";
import type { Platform } from "./platform.ts";

/** What a transport instance is started with. */
export interface TransportEnv {
  readonly platform: Platform;
  readonly agent: Agent;
  /** Options from the agent's `transport` table, after the transport checked them. */
  readonly options: Record<string, unknown>;
  /** Directory for sockets and other run-time files. */
  readonly runDir: string;
  readonly log: Logger;
}

/** A running transport instance. */
export interface TransportHandle {
  /** Where agents reach it, for the startup summary, e.g. `unix:/run/vscmi/vm1.sock`. */
  readonly address: string;
  /** Whether it can carry notifications and delayed responses. */
  readonly p2a: boolean;
  /** Stops accepting and closes every session it opened. */
  close(): Promise<void>;
}

export interface TransportDef {
  /**
   * The vscmi API major this transport was written for (`API_MAJOR` when written
   * against this API). A transport type stating another major is refused at startup.
   */
  readonly api: number;
  /** Type name used in `transport = { type = "…" }`. */
  readonly name: string;
  readonly summary: string;
  /** Option name → one-line description; any other option is an error. */
  readonly options: Readonly<Record<string, string>>;
  start(env: TransportEnv): Promise<TransportHandle>;
}

/** Declares a transport type; checks the definition's shape once. */
export function defineTransport(def: TransportDef): TransportDef {
  checkApiField(`Transport "${def.name}"`, def.api);
  if (!/^[a-z][a-z0-9-]*$/.test(def.name)) {
    throw new TypeError(
      `Transport name must be lower-case letters, digits and '-': got "${def.name}"`,
    );
  }
  return Object.freeze({ ...def, options: Object.freeze({ ...def.options }) });
}
