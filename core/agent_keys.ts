/**
 * Keys a protocol adds to `[[agent]]` tables (`ProtocolDef.agentKeys`): each with the schema
 * of its value and a reader that turns the checked value into the agent's setting, reporting
 * problems at their key path. The loader reads them into `AgentDecl.settings`, the server
 * hands them to the `Agent`, and the protocol's handlers read their own with
 * {@linkcode AgentKey.of} from the agent they serve.
 * @module
 */
import type { FieldSchema } from "./kind.ts";
import type { KeyPath } from "./manifest/problem.ts";

/** What an agent key's reader may use. */
export interface AgentKeyCtx {
  /** Whether the agent is trusted (`trusted = true`). */
  readonly trusted: boolean;
  /**
   * A path written in the manifest, absolute.
   *
   * @param p The path as written.
   * @returns It resolved against the manifest's folder.
   */
  path(p: string): string;
  /**
   * Reports `message` at `path` as written.
   *
   * @param path Key path (from the manifest's root).
   * @param message The whole message.
   * @param at Point at the key or (default) at its value.
   */
  report(path: KeyPath, message: string, at?: "key" | "value"): void;
}

/** What a holder of agent settings has: an `Agent`, or an `AgentDecl` once loaded. */
export interface HasSettings {
  /** Settings by key name. */
  readonly settings?: Readonly<Record<string, unknown>>;
}

/** A key of `[[agent]]` tables, as {@linkcode defineAgentKey} returns it. */
export interface AgentKey<T = unknown> {
  /** The key in the `[[agent]]` table. */
  readonly name: string;
  /** Schema of its value. */
  readonly schema: FieldSchema;
  /**
   * The setting a checked value gives, or undefined after reporting why it is wrong.
   *
   * @param c Trust, paths, problems.
   * @param path Key path of the value.
   * @param value The value, as the schema yields it.
   * @returns The setting.
   */
  read(c: AgentKeyCtx, path: KeyPath, value: unknown): T | undefined;
  /**
   * The setting of an agent, if its table has the key.
   *
   * @param agent An `Agent` or `AgentDecl`.
   * @returns Its setting, or undefined.
   */
  of(agent: HasSettings): T | undefined;
}

/**
 * Declares a key a protocol adds to `[[agent]]` tables.
 *
 * @param spec Its name, the schema of its value, and the reader of a checked value.
 * @returns The key, frozen.
 * @throws {TypeError} when the name is not lower-case letters, digits and '_'.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { defineAgentKey } from "./agent_keys.ts";
 * const fanCurve = defineAgentKey({
 *   name: "fan_curve",
 *   schema: z.string(),
 *   read: (_c, _path, v: string) => v.toUpperCase(),
 * });
 * console.assert(fanCurve.of({ settings: { fan_curve: "QUIET" } }) === "QUIET");
 * ```
 */
export function defineAgentKey<S, T>(spec: {
  readonly name: string;
  readonly schema: FieldSchema<S>;
  readonly read: (c: AgentKeyCtx, path: KeyPath, value: S) => T | undefined;
}): AgentKey<T> {
  if (!/^[a-z][a-z0-9_]*$/.test(spec.name)) {
    throw new TypeError(`An agent key must be lower-case letters, digits and '_': "${spec.name}"`);
  }
  const name = spec.name;
  return Object.freeze({
    name,
    schema: spec.schema,
    read: spec.read as AgentKey<T>["read"],
    of: (agent: HasSettings) => agent.settings?.[name] as T | undefined,
  });
}
