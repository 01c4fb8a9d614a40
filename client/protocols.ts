/**
 * The protocols `vscmi call` serves, made from protocol definitions: each one's id and name,
 * its message names (the definition's command names, common commands included) and the verbs
 * its `call` field carries. Protocol names by id come from this list, whatever it holds.
 * @module
 */
import { parseU32, UsageError } from "./args.ts";
import { COMMON_MESSAGES, commonCommands } from "./common.ts";
import type { CallProtocol, CallVerbs } from "./types.ts";

/** What {@linkcode callProtocol} reads of a protocol definition (`ProtocolDef`). */
export interface CallSource {
  /** Protocol id, 0x10–0xff. */
  readonly id: number;
  /** Short name, e.g. `clock`. */
  readonly name: string;
  /** Commands by message id; only their specification names are read. */
  readonly commands: Readonly<Record<number, { readonly name: string }>>;
  /** Its verbs, if it has any beyond the common commands. */
  readonly call?: CallVerbs;
}

/**
 * A protocol definition as `vscmi call` serves it. One without `call` verbs still answers
 * the common commands (`version`, `message-attributes`, `negotiate`).
 *
 * @param def The protocol definition.
 * @returns Its id, name, message names by id, summary and commands.
 */
export function callProtocol(def: CallSource): CallProtocol {
  const messages: Record<number, string> = { ...COMMON_MESSAGES };
  for (const [id, c] of Object.entries(def.commands)) messages[Number(id)] = c.name;
  return {
    id: def.id,
    name: def.name,
    summary: def.call?.summary ?? `Protocol 0x${def.id.toString(16)}: common commands only`,
    messages,
    commands: def.call?.commands ?? commonCommands(),
  };
}

/**
 * A protocol's short name from the list, or its hex id for one the list does not hold.
 *
 * @param protocols The protocols known.
 * @param id Protocol id.
 * @returns e.g. `clock`, or `0x80`.
 */
export function protocolName(protocols: readonly CallProtocol[], id: number): string {
  return protocols.find((p) => p.id === id)?.name ?? `0x${id.toString(16)}`;
}

/**
 * A protocol given by a name the list holds (`clock`) or by number (`0x14`, `20`).
 *
 * @param protocols The protocols known.
 * @param text The argument.
 * @returns The protocol id.
 * @throws {UsageError} for an unknown name or a number outside 0x10–0xff.
 */
export function parseProtocol(protocols: readonly CallProtocol[], text: string): number {
  const named = protocols.find((p) => p.name === text);
  if (named) return named.id;
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(text)) {
    throw new UsageError(
      `Unknown protocol "${text}" (known: ${protocols.map((p) => p.name).join(", ")}; ` +
        "or give its id)",
    );
  }
  const v = parseU32(text, "Protocol");
  if (v < 0x10 || v > 0xff) throw new UsageError(`Protocol id must be 0x10–0xff, got "${text}"`);
  return v;
}
